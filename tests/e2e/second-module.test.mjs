// The app is two wasm modules (src/components/later.rs): the first screen's
// (the login, the top bar and the form picker) and the rest, which comes
// after sign-in. A phone must get the second without waiting for it on the
// first screen, keep it for its offline days, and say what to do when it
// cannot be had.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VILLAGE_HEAD, newPhone, screenshot, waitForOfflineShell, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const SECOND_MODULE = /\/split_[a-z_]+-[0-9a-f]{16}\.wasm$/;

async function logIn(page) {
  await page.fill("#username", VILLAGE_HEAD.username);
  await page.fill("#password", VILLAGE_HEAD.password);
  await page.click("button[type=submit]");
}

test("the login screen does not load the second module, and the phone keeps it for offline days", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const fetched = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  await page.goto(server.url);
  await page.locator("header.topbar button.lang").waitFor({ timeout: 60_000 });
  assert.ok(!fetched.some((p) => SECOND_MODULE.test(p)), `the login screen loaded no second module: ${fetched}`);

  await logIn(page);
  await page.locator("#form-picker").waitFor();
  await page.locator("#village").waitFor();
  await waitForOfflineShell(page);
  const cached = await page.evaluate(async () => {
    const cache = await caches.open("kabar-desa-shell-v1");
    return (await cache.keys()).map((request) => new URL(request.url).pathname);
  });
  assert.ok(cached.some((p) => SECOND_MODULE.test(p)), `the worker keeps the second module: ${cached}`);

  // With no signal at all, the whole app starts from the phone.
  await context.setOffline(true);
  await page.reload();
  await page.locator("#village").waitFor({ timeout: 30_000 });
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.locator("[data-form=laporan-kejadian]").waitFor();
  await context.close();
});

test("a second module the phone cannot get says so in the user's language, and comes with the signal", async () => {
  // No service worker: the module can only come from the network, which
  // this phone has lost (the first module is already running).
  const context = await newPhone(browser, { serviceWorkers: "block" });
  const page = await context.newPage();
  let signal = false;
  await page.route(SECOND_MODULE, (route) => (signal ? route.continue() : route.abort("internetdisconnected")));
  await page.goto(server.url);
  await logIn(page);

  const missing = page.getByRole("alert").filter({ hasText: "belum tersimpan di ponsel" }).first();
  await missing.waitFor({ timeout: 30_000 });
  assert.match(await missing.textContent(), /Sambungkan ke internet, lalu ketuk Coba lagi/);
  // A new phone gets its forms with the first sync, which is in the
  // second module: until then it says they are coming.
  assert.ok(await page.locator(".forms-coming").isVisible(), "the forms are said to be coming");
  await screenshot(page, "second-module-missing");

  signal = true;
  await page.getByRole("button", { name: "Coba lagi" }).first().click();
  await page.locator("#village").waitFor({ timeout: 30_000 });
  assert.equal(await page.getByText("belum tersimpan di ponsel").count(), 0, "the notice is gone");
  await context.close();
});
