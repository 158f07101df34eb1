// A village head changes their password on the phone: the current one is
// checked, the new one is typed twice, and the next login takes the new one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VILLAGE_HEAD, newPhone, openAndLogIn, screenshot, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

async function fillPasswords(page, current, next, repeated = next) {
  await page.fill("#current-password", current);
  await page.fill("#new-password", next);
  await page.fill("#repeat-password", repeated);
  await page.getByRole("button", { name: "Ganti kata sandi" }).last().click();
}

test("a sangadi changes the password from the phone and logs in with the new one", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);
  await page.locator(".who").getByRole("button", { name: "Ganti kata sandi" }).click();
  await page.locator("#current-password").waitFor();

  // Mistakes are explained and change nothing.
  await fillPasswords(page, VILLAGE_HEAD.password, "sandi-baru-2026", "sandi-lain-2026");
  await page.getByText("Kedua kata sandi baru tidak sama.").waitFor();
  await fillPasswords(page, "bukan-sandi-ini", "sandi-baru-2026");
  await page.getByText("Kata sandi lama salah").waitFor();
  assert.equal(await page.locator("#current-password").count(), 1, "still signed in, still on the screen");

  await fillPasswords(page, VILLAGE_HEAD.password, "sandi-baru-2026");
  await page.getByText("Kata sandi sudah diganti.").waitFor();
  await screenshot(page, "password-changed");
  await page.getByRole("button", { name: /Kembali/ }).click();
  await page.getByRole("button", { name: "Keluar" }).click();
  await page.locator("#username").waitFor();
  await openAndLogIn(page, server, { ...VILLAGE_HEAD, password: "sandi-baru-2026" });
  await context.close();
});
