// The Command Center end to end: a report filed on the field app reaches the
// inbox; the reviewer filters to it, opens it and sends it back with a
// comment; the phone shows the comment after its sync; the completeness grid
// shows the villages that have not filed; a village head is sent to the field
// app. Screenshots at 1280×800 go next to the other end-to-end screenshots.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  REVIEWER,
  VILLAGE_HEAD,
  newPhone,
  openAndLogIn,
  screenshot,
  seriousAccessibilityProblems,
  withServerAndBrowser,
} from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

async function newDesk() {
  // bypassCSP lets the test inject axe-core as an inline script; the page's
  // own policy allows only its loader's hash.
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "id-ID", timezoneId: "Asia/Makassar", bypassCSP: true });
}

async function signInToPusat(page, account) {
  await page.goto(`${server.url}/pusat/`);
  await page.fill("#username", account.username);
  await page.fill("#password", account.password);
  await page.click("button[type=submit]");
}

test("a report filed on the phone is found, opened and sent back in the Command Center", async () => {
  const phoneContext = await newPhone(browser);
  const phone = await phoneContext.newPage();
  await openAndLogIn(phone, server);
  await phone.fill("#title", "Jembatan gantung rusak");
  await phone.fill("#body", "Dua papan jembatan di dusun dua patah setelah hujan deras.");
  await phone.click("button[type=submit]");
  await phone.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 30_000 });
  const id = await phone.getAttribute("ul.reports li", "data-report-id");

  const deskContext = await newDesk();
  const desk = await deskContext.newPage();
  await signInToPusat(desk, REVIEWER);
  await desk.locator("table.inbox").waitFor({ timeout: 30_000 });
  await desk.getByText("Jembatan gantung rusak").waitFor();
  assert.match(await desk.locator(".counts").textContent(), /1\s*Baru masuk/);
  await screenshot(desk, "pusat-inbox");
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "inbox");

  // Filter to the village and a word of the report.
  await desk.selectOption("#filter-village", VILLAGE_HEAD.village);
  await desk.fill("#filter-q", "jembatan");
  await desk.locator("#filter-q").dispatchEvent("change");
  await desk.waitForFunction(() => document.querySelectorAll("table.inbox tbody tr").length === 1);
  await desk.fill("#filter-q", "tidak-ada-yang-cocok");
  await desk.locator("#filter-q").dispatchEvent("change");
  await desk.getByText("Tidak ada laporan untuk filter ini.").waitFor();
  await desk.getByRole("button", { name: "Hapus filter" }).click();
  await desk.getByText("Jembatan gantung rusak").click();

  // The detail: labels of the form version, who, device and times in WITA.
  await desk.waitForFunction((id) => location.pathname === "/pusat/" && location.hash === `#/laporan/${id}`, id);
  await desk.locator("article.detail").waitFor();
  const detail = await desk.locator("article.detail").textContent();
  assert.match(detail, /Judul|Title/);
  assert.match(detail, /Dua papan jembatan/);
  assert.match(detail, /Lurah Kotobangun \(sangadi\.kotobangun\)/);
  assert.match(detail, /WITA/);
  await screenshot(desk, "pusat-report");
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "report");

  // "Needs revision" needs a comment; then it is saved and shown in the history.
  await desk.getByRole("button", { name: /Perlu perbaikan/ }).click();
  await desk.getByText("Tulis komentar atau alasannya dulu.").waitFor();
  await desk.fill("#review-comment", "Mohon tambahkan foto jembatan.");
  await desk.getByRole("button", { name: /Perlu perbaikan/ }).click();
  await desk.locator(".history blockquote", { hasText: "Mohon tambahkan foto jembatan." }).waitFor();

  // The phone learns of it at its next sync.
  await phone.reload();
  await phone.locator("ul.reports li [data-review=needs_revision]").waitFor({ timeout: 30_000 });
  assert.match(await phone.locator("ul.reports li").first().textContent(), /Mohon tambahkan foto jembatan\./);

  // The completeness grid: Kotobangun has filed no monthly report.
  await desk.getByRole("link", { name: "Kelengkapan" }).click();
  await desk.locator("table.grid").waitFor();
  const row = desk.locator("table.grid tr", { hasText: "Kotobangun" });
  assert.match(await row.textContent(), /Belum ada/);
  assert.ok((await desk.locator("td.filing-missing").count()) > 0);
  await screenshot(desk, "pusat-completeness");
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "completeness grid");

  // English on one tap.
  await desk.getByRole("button", { name: "English" }).click();
  await desk.getByRole("link", { name: "Completeness" }).waitFor();
  await phoneContext.close();
  await deskContext.close();
});

test("a village head who signs in to the Command Center is sent to the field app", async () => {
  const context = await newDesk();
  const page = await context.newPage();
  await signInToPusat(page, VILLAGE_HEAD);
  const notice = page.locator(".notice");
  await notice.waitFor();
  assert.match(await notice.textContent(), /hanya untuk peninjau dan admin/);
  assert.equal(await notice.locator("a").getAttribute("href"), "/");
  await context.close();
});

test("the field app's page does not load the Command Center", async () => {
  const html = await (await fetch(`${server.url}/`)).text();
  assert.doesNotMatch(html, /pusat/);
});
