// A village head's first visit on a slow link: the page's own login form
// (index.html's #shell) is usable while the app is still downloading, and
// the app takes over what was typed, the field being typed in and a tap on
// "Masuk". The wasm is held back by the test, so every step happens before
// the app starts, however fast this machine is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VILLAGE_HEAD, newPhone, screenshot, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

/** A new phone whose download of the app's wasm waits for `release()`. */
async function phoneWithHeldApp({ language } = {}) {
  const context = await newPhone(browser);
  if (language) {
    await context.addInitScript((code) => localStorage.setItem("kabar-desa.language", code), language);
  }
  const page = await context.newPage();
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route("**/*.wasm", async (route) => {
    if ((await held) === "fail") await route.abort("internetdisconnected");
    else await route.continue();
  });
  await page.goto(server.url);
  await page.locator("#shell #username").waitFor();
  assert.equal(await page.locator("button.lang").count(), 0, "the app has not started yet");
  return { context, page, release };
}

/** The app has started: its top bar (with the language switch) replaced the page's form. */
async function appStarted(page) {
  await page.locator("header.topbar button.lang").waitFor({ timeout: 60_000 });
  assert.equal(await page.locator("#shell").count(), 0, "the page's own form is gone");
}

test("typing starts before the app has downloaded, and the app keeps the text and the keyboard's field", async () => {
  const { context, page, release } = await phoneWithHeldApp();
  assert.equal(await page.getByRole("heading", { name: "Masuk" }).count(), 1);
  await screenshot(page, "first-visit-login-before-app");
  await page.fill("#username", VILLAGE_HEAD.username);
  await page.click("#password");
  await page.keyboard.type(VILLAGE_HEAD.password.slice(0, 6));

  release("go");
  await appStarted(page);
  assert.equal(await page.inputValue("#username"), VILLAGE_HEAD.username);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "password", "the keyboard stays in the password field");
  await page.keyboard.type(VILLAGE_HEAD.password.slice(6));
  assert.equal(await page.inputValue("#password"), VILLAGE_HEAD.password);
  await page.click("button[type=submit]");
  await page.locator("#village").waitFor();
  await context.close();
});

test("a tap on Masuk before the app has started logs in as soon as it starts", async () => {
  const { context, page, release } = await phoneWithHeldApp();
  await page.fill("#username", VILLAGE_HEAD.username);
  await page.fill("#password", VILLAGE_HEAD.password);
  await page.click("#shell button.primary");
  const waiting = page.locator("#shell-waiting");
  await waiting.waitFor();
  assert.match(await waiting.textContent(), /Menyiapkan aplikasi/);
  assert.ok(await page.locator("#shell button.primary").isDisabled(), "a second tap does nothing");
  await screenshot(page, "first-visit-login-waiting");

  release("go");
  await appStarted(page);
  // Logged in without a second tap.
  await page.locator("#village").waitFor({ timeout: 60_000 });
  assert.equal(await page.locator("[data-who]").getAttribute("data-who"), VILLAGE_HEAD.username);
  await context.close();
});

test("a download that breaks off says so and what to do, in the chosen language", async () => {
  for (const [language, words] of [
    [undefined, /sinyal terputus.*Muat ulang halaman/s],
    ["en", /signal dropped.*Reload the page/s],
  ]) {
    const { context, page, release } = await phoneWithHeldApp({ language });
    if (language === "en") assert.equal(await page.getByRole("heading", { name: "Log in" }).count(), 1);
    await page.fill("#username", VILLAGE_HEAD.username);
    await page.click("#shell button.primary");
    release("fail");
    const failed = page.locator("#shell-failed");
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.textContent(), words);
    assert.ok(await page.locator("#shell-waiting").isHidden(), "no longer says the app is coming");
    if (!language) await screenshot(page, "first-visit-download-failed");
    // The way out is one tap: the reload gets the app when the signal is back.
    await page.unroute("**/*.wasm");
    await failed.getByRole("button", { name: language === "en" ? "Reload" : "Muat ulang" }).click();
    await appStarted(page);
    await context.close();
  }
});
