// The main field journeys on a cheap phone: 360×640 with the CPU slowed four
// times (DevTools' Emulation.setCPUThrottlingRate), in Indonesian. A report
// is filed offline, survives a reload offline, arrives exactly once when the
// signal returns, is sent back and fixed as a second version of the same
// report. Nothing here is timed: the journeys must simply work when every
// step is slow. The top bar shows "Kabar Desa" whole.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newPhone, openAndLogIn, screenshot, waitForOfflineShell, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

async function asReviewer(path, init = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", cookie: server.reviewerCookie },
  });
  const text = await response.text();
  assert.ok(response.ok, `${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** A page whose CPU runs four times slower, as on a low-end Android phone.
 * The rate belongs to the page's DevTools session, so a reload keeps it. */
async function slowPhone() {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  return { context, page };
}

test("filing offline, reloading offline, syncing once and fixing a returned report work at 4x CPU", async () => {
  const { context, page } = await slowPhone();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await openAndLogIn(page, server);
  await page.locator("[data-connection=online]").waitFor({ timeout: 60_000 });
  await waitForOfflineShell(page);

  // "Kabar Desa" fits whole in the bar at 360 px.
  const title = page.getByRole("heading", { name: "Kabar Desa" });
  const fits = await title.evaluate((h1) => h1.scrollWidth <= h1.clientWidth && h1.getBoundingClientRect().right <= window.innerWidth);
  assert.ok(fits, "the app's name is not cut off");
  const barFits = await page.evaluate(() =>
    [...document.querySelectorAll("header.topbar > *")].every((element) => element.getBoundingClientRect().right <= window.innerWidth),
  );
  assert.ok(barFits, "nothing in the bar runs off the screen");
  await screenshot(page, "slow-header");

  // File with no signal.
  await context.setOffline(true);
  await page.locator("[data-connection=offline]").waitFor({ timeout: 60_000 });
  assert.ok(
    await page.evaluate(() => document.querySelector("header.topbar button.lang").getBoundingClientRect().right <= window.innerWidth),
    "the longest connection state fits too",
  );
  await screenshot(page, "slow-header-offline");
  await page.fill("#title", "Lampu jalan padam");
  await page.fill("#body", "Tiga lampu padam sejak Senin.");
  await page.click("button[type=submit]");
  await page.getByText("Tersimpan di ponsel").waitFor({ timeout: 60_000 });
  await page.locator("ul.reports li[data-status=waiting]").waitFor();

  // Reload with no signal: the app opens from the service worker and the
  // report still waits.
  await page.reload();
  await title.waitFor({ timeout: 60_000 });
  await page.locator("ul.reports li[data-status=waiting]").waitFor({ timeout: 60_000 });

  // The signal returns: the report arrives, once.
  await context.setOffline(false);
  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 90_000 });
  const id = await page.locator("ul.reports li").first().getAttribute("data-report-id");
  let { reports } = await server.api("/api/v1/reports");
  assert.equal(reports.length, 1);
  await page.reload();
  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 60_000 });
  assert.equal((await server.api("/api/v1/reports")).reports.length, 1, "another start sends nothing again");

  // Sent back with a comment, fixed on the phone as the next version.
  await asReviewer(`/api/v1/reports/${id}/review`, {
    method: "POST",
    body: JSON.stringify({ status: "needs_revision", comment: "Judul kurang jelas: mohon sebutkan nama jalannya." }),
  });
  await page.reload();
  await page.locator("ul.reports li [data-review=needs_revision]").waitFor({ timeout: 60_000 });
  await page.getByRole("button", { name: /Lampu jalan padam/ }).click();
  await page.locator(".reviewer-note").waitFor({ timeout: 60_000 });
  await page.fill("#title", "Lampu Jalan Ahmad Yani padam");
  await page.getByRole("button", { name: "Simpan perbaikan" }).click();
  await page.locator(`ul.reports li[data-report-id="${id}"][data-status=sent]`).waitFor({ timeout: 90_000 });

  ({ reports } = await server.api("/api/v1/reports"));
  assert.equal(reports.length, 1, "one report");
  const { versions } = await asReviewer(`/api/v1/reports/${id}/versions`);
  assert.equal(versions.length, 2, "with two versions");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a login typed while a very slow phone still reads its storage is kept and signs in", async () => {
  // Eight times slower: the login shows before IndexedDB has been read,
  // and the read finishing must not build the form anew under the typing.
  const context = await newPhone(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 8 });
  const logins = [];
  page.on("response", (response) => response.url().endsWith("/api/v1/auth/login") && logins.push(response.status()));
  await openAndLogIn(page, server);
  assert.deepEqual(logins, [200], "one login, accepted");
  await context.close();
});
