// axe-core on every screen of the field app, at phone size: no serious or
// critical violation (contrast, names, labels, targets).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  REVIEWER,
  newPhone,
  openAndLogIn,
  seriousAccessibilityProblems,
  withServerAndBrowser,
} from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

test("no screen of the field app has a serious or critical accessibility problem", async () => {
  const context = await newPhone(browser, { bypassCSP: true });
  const page = await context.newPage();
  const check = async (screen) => {
    assert.deepEqual(await seriousAccessibilityProblems(page), [], screen);
  };
  await page.goto(server.url);
  await page.locator("#username").waitFor();
  await check("login");

  await openAndLogIn(page, server);
  await check("home: duties, new report, list");
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.locator("[data-form=laporan-kejadian]").first().waitFor();
  await check("an incident form");
  await page.selectOption("#form-picker", "laporan-singkat");
  await page.click("button[type=submit]");
  await page.getByText("Ada isian yang perlu diperbaiki").waitFor();
  await check("a form with problems shown");

  await page.fill("#title", "Saluran air tersumbat");
  await page.fill("#body", "Air meluap ke jalan setiap hujan.");
  await page.click("button[type=submit]");
  await page.locator("ul.reports li").first().waitFor();
  await check("the list with a report");
  await page.getByRole("button", { name: /Saluran air tersumbat/ }).click();
  await page.locator("fieldset.read-only").waitFor();
  await check("a report opened read-only");
  await page.getByRole("button", { name: /Kembali ke daftar/ }).click();

  await page.locator(".who").getByRole("button", { name: "Ganti kata sandi" }).click();
  await page.locator("#current-password").waitFor();
  await check("password change");
  await page.getByRole("button", { name: /Kembali/ }).click();

  await page.getByRole("button", { name: "Keluar" }).click();
  await page.locator("#username").waitFor();
  await page.fill("#username", REVIEWER.username);
  await page.fill("#password", REVIEWER.password);
  await page.click("button[type=submit]");
  await page.getByRole("link", { name: "Buka Command Center" }).waitFor();
  await check("a reviewer on a phone");
  await context.close();
});
