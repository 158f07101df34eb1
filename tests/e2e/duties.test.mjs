// This month's duties on the first screen, and one report per village and
// month: the phone warns before a second one, and the server refuses it in
// a sentence the sangadi understands.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newPhone, openAndLogIn, screenshot, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const MONTHLY = "laporan-bulanan-kependudukan";

/** The month whose report is due now, as the phone's WITA calendar says. */
function dutyPeriod() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth(); // 0-based: this is already the previous month
  return month === 0 ? { year: year - 1, month: 12 } : { year, month };
}

/** Today in Kotamobagu (WITA), as the signature date. */
function witaToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** Fills the monthly report (v2, the official recap): the start of the
 * month with households by the sex of the head, no changes (their zero
 * defaults), and the signature block. */
async function fillMonthly(page, period) {
  await page.selectOption("#form-picker", MONTHLY);
  await page.locator("#tahun").waitFor();
  await page.fill("#tahun", String(period.year));
  await page.selectOption("#bulan", String(period.month).padStart(2, "0"));
  for (const [code, value] of [
    ["awal_wni_l", "812"],
    ["awal_wni_p", "798"],
    ["awal_wna_l", "0"],
    ["awal_wna_p", "0"],
    ["awal_kk_l", "331"],
    ["awal_kk_p", "71"],
    ["tempat_pengesahan", "Kotobangun"],
    ["tanggal_pengesahan", witaToday()],
    ["nama_penandatangan", "Lurah Kotobangun"],
  ]) {
    await page.fill(`#${code}`, value);
  }
  await page.check("#jabatan_penandatangan-lurah");
  // The month end is calculated as the user types: totals L / P / L+P and
  // the households carried over.
  assert.equal((await page.textContent("#akhir_jumlah")).trim(), "1610");
  assert.equal((await page.textContent("#akhir_kk")).trim(), "402");
}

test("the first screen shows this month's report before and after it is filed", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);

  const duty = page.locator(`.duties li[data-form=${MONTHLY}]`);
  await duty.waitFor();
  const before = await duty.getAttribute("data-duty");
  assert.ok(["not_filed", "overdue"].includes(before), before);
  const period = dutyPeriod();
  const text = await duty.textContent();
  assert.match(text, /Laporan Bulanan Kependudukan/);
  assert.match(text, new RegExp(`${period.year}`));
  assert.match(text, /batas 10 /, "the due day comes from the form definition");
  await screenshot(page, "duties-before");

  await fillMonthly(page, period);
  await page.click("button[type=submit]");
  await page.locator(`.duties li[data-form=${MONTHLY}][data-duty=sent]`).waitFor({ timeout: 30_000 });
  assert.match(await duty.textContent(), /terkirim/);
  await screenshot(page, "duties-after");

  // A second report for the same month: the phone warns as soon as the
  // month is chosen, and the server refuses it with a clear sentence.
  await fillMonthly(page, period);
  await page.locator("[data-period-taken]").waitFor();
  assert.match(await page.locator("[data-period-taken]").textContent(), /hanya menerima satu laporan per bulan/);
  await page.click("button[type=submit]");
  const refused = page.locator("ul.reports li[data-status=rejected]");
  await refused.waitFor({ timeout: 30_000 });
  assert.match(await refused.textContent(), /sudah dikirim\. Buka laporan itu dan perbaiki/);
  assert.doesNotMatch(await refused.textContent(), /period_already_reported|422|HTTP/);
  const { reports } = await server.api("/api/v1/reports");
  assert.equal(reports.filter((r) => r.report.form.id === MONTHLY).length, 1, "one report per village and month");
  await context.close();
});
