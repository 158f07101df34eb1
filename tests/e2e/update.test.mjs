// A new version of the app reaches a phone without interrupting a form:
// the service worker fetches it in the background and the app offers a
// reload, which the user takes when ready.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { APP_DIR, newPhone, openAndLogIn, screenshot, waitForOfflineShell, withServerAndBrowser } from "./harness.mjs";

// The server serves a copy of the app, so the test can publish a new version.
const appDir = mkdtempSync(path.join(tmpdir(), "kabar-app-"));
cpSync(APP_DIR, appDir, { recursive: true });
after(() => rmSync(appDir, { recursive: true, force: true }));

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started), { appDir });

function publishNewVersion() {
  const page = path.join(appDir, "index.html");
  writeFileSync(page, `${readFileSync(page, "utf8")}<!-- versi 2 -->`);
  // The server prefers the precompressed copies; they belong to the old page.
  for (const stale of ["index.html.br", "index.html.gz"]) rmSync(path.join(appDir, stale), { force: true });
}

test("a new version waits for the user's reload and the open form is kept", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);
  await waitForOfflineShell(page);
  assert.equal(await page.locator(".notice.update").count(), 0);

  publishNewVersion();
  // The next start of the app opens the cached version at once and looks
  // for a new one in the background.
  await page.reload();
  await page.locator("#title").waitFor();
  await page.fill("#title", "Sedang diketik");
  const banner = page.locator(".notice.update");
  await banner.waitFor({ timeout: 30_000 });
  assert.match(await banner.textContent(), /Versi baru tersedia/);
  // Nothing reloads by itself: what is typed stays on the screen.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(await page.inputValue("#title"), "Sedang diketik");
  await screenshot(page, "update-offered");

  await banner.getByRole("button", { name: "Muat ulang" }).click();
  await page.waitForFunction(() => new XMLSerializer().serializeToString(document).includes("versi 2"), null, {
    timeout: 30_000,
  });
  // The draft came back with the new version.
  await page.locator("#title").waitFor();
  await page.waitForFunction(() => document.querySelector("#title")?.value === "Sedang diketik", null, {
    timeout: 10_000,
  });
  await context.close();
});
