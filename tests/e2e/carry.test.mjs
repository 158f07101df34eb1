// Start-of-month figures from the previous month's end: a sangadi whose
// previous month's report was approved opens the next month's report with
// its start figures prefilled; a changed one is warned about next to the
// field, the report still saves, the reviewer sees the flag in the
// Command Center, and a report sent back shows the warning again where it
// is fixed. Report titles carry their month; the form explains its
// required mark.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { REVIEWER, SCREENSHOT_DIR, newPhone, openAndLogIn, seriousAccessibilityProblems, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const MONTHLY = "laporan-bulanan-kependudukan";
const MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];

/** The month whose report is due now (the one that just ended, in WITA),
 * and the month before it. */
function dutyAndPrevious() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const before = (p) => (p.month === 1 ? { year: p.year - 1, month: 12 } : { year: p.year, month: p.month - 1 });
  const duty = before({ year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 });
  return { duty, previous: before(duty) };
}

/** What the screen shows with `selector` in the middle: one screenful, as
 * the user sees it, not the whole page. */
async function screenAround(page, name, selector) {
  await page.locator(selector).first().evaluate((element) => element.scrollIntoView({ block: "center" }));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

const label = (p) => `${MONTHS[p.month - 1]} ${p.year}`;
const witaToday = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);

async function choosePeriod(page, period) {
  await page.selectOption("#form-picker", MONTHLY);
  await page.locator("#tahun").waitFor();
  await page.fill("#tahun", String(period.year));
  await page.selectOption("#bulan", String(period.month).padStart(2, "0"));
}

async function sign(page) {
  await page.fill("#tempat_pengesahan", "Kotobangun");
  await page.fill("#tanggal_pengesahan", witaToday());
  await page.fill("#nama_penandatangan", "Lurah Kotobangun");
  await page.check("#jabatan_penandatangan-lurah");
}

/** Waits for the warning next to the men's start figure, which says it
 * differs from the approved end of `previous` (813), and returns it. */
async function startFigureWarned(page, previous) {
  const warning = page.locator(".field[data-field=awal_wni_l] .field-warning");
  await warning.waitFor();
  assert.equal(
    (await warning.textContent()).trim(),
    `Berbeda dari akhir bulan ${label(previous)} (813) yang sudah disetujui`,
  );
  return warning;
}

async function asReviewer(path, init = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", cookie: server.reviewerCookie },
  });
  const text = await response.text();
  assert.ok(response.ok, `${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

test("the next month starts from the approved month's end, and a changed figure is flagged", async () => {
  const { duty, previous } = dutyAndPrevious();
  // bypassCSP lets the test inject axe-core.
  const context = await newPhone(browser, { bypassCSP: true });
  const page = await context.newPage();
  await openAndLogIn(page, server);

  // The form explains its required mark once, at the top.
  await choosePeriod(page, previous);
  const legend = page.locator(".form-legend");
  await legend.waitFor();
  assert.match(await legend.textContent(), /\*\s*wajib diisi/);
  // The mark is read out, not only seen: it is part of the field's name.
  assert.equal(await page.getByRole("textbox", { name: /^Tahun\s*wajib diisi$/ }).getAttribute("id"), "tahun");

  // The previous month, filed and approved: 812 men and one who moved in.
  for (const [code, value] of [
    ["awal_wni_l", "812"],
    ["awal_wni_p", "798"],
    ["awal_wna_l", "0"],
    ["awal_wna_p", "0"],
    ["awal_kk_l", "331"],
    ["awal_kk_p", "71"],
    ["datang_wni_l", "1"],
  ]) {
    await page.fill(`#${code}`, value);
  }
  await sign(page);
  assert.equal((await page.textContent("#akhir_wni_l")).trim(), "813");
  await page.click("button[type=submit]");
  const first = page.locator("ul.reports li[data-status=sent]");
  await first.waitFor({ timeout: 30_000 });
  const previousId = await first.getAttribute("data-report-id");
  // Its title carries its month, in the list and opened.
  assert.match(await first.textContent(), new RegExp(`Laporan Bulanan Kependudukan · ${label(previous)}`));
  await asReviewer(`/api/v1/reports/${previousId}/review`, { method: "POST", body: JSON.stringify({ status: "approved" }) });

  // The next sync brings the approval and the approved month's end.
  await page.reload();
  await page.locator("ul.reports li [data-review=approved]").waitFor({ timeout: 30_000 });
  await choosePeriod(page, duty);
  await page.waitForFunction(() => document.querySelector("#awal_wni_l")?.value === "813", null, { timeout: 30_000 });
  for (const [code, value] of [
    ["awal_wni_p", "798"],
    ["awal_wna_l", "0"],
    ["awal_wna_p", "0"],
    ["awal_kk_l", "331"],
    ["awal_kk_p", "71"],
  ]) {
    assert.equal(await page.inputValue(`#${code}`), value, code);
  }
  assert.equal(await page.locator(".field-warning").count(), 0, "prefilled figures match");

  // The sangadi changes one: a warning next to it, in words.
  await page.fill("#awal_wni_l", "815");
  await startFigureWarned(page, previous);
  await screenAround(page, "carry-warning", ".field[data-field=awal_wni_l]");
  assert.deepEqual(await seriousAccessibilityProblems(page), [], "form with a warning");
  // Flagged, not refused: the report saves and is sent.
  await sign(page);
  await page.click("button[type=submit]");
  await page.locator("ul.reports li[data-status=sent]").nth(1).waitFor({ timeout: 30_000 });
  const { reports } = await asReviewer("/api/v1/reports?village=71.74.02.1003");
  const filed = reports.find((r) => r.report.answers.bulan === String(duty.month).padStart(2, "0"));
  assert.ok(filed, JSON.stringify(reports));
  assert.match(await page.locator("ul.reports").textContent(), new RegExp(`Laporan Bulanan Kependudukan · ${label(duty)}`));
  await screenAround(page, "carry-list", "ul.reports");

  // The reviewer sees the flag on the report in the Command Center.
  const detail = await asReviewer(`/api/v1/pusat/reports/${filed.report.id}`);
  assert.deepEqual(detail.carry_mismatches, [
    { code: "awal_wni_l", expected: 813, period: `${previous.year}-${String(previous.month).padStart(2, "0")}` },
  ]);
  const desk = await (
    await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "id-ID", timezoneId: "Asia/Makassar" })
  ).newPage();
  await desk.goto(`${server.url}/pusat/`);
  await desk.fill("#username", REVIEWER.username);
  await desk.fill("#password", REVIEWER.password);
  await desk.click("button[type=submit]");
  await desk.locator("table.inbox").waitFor({ timeout: 30_000 });
  // The inbox names the month of each periodic report.
  await desk.getByText(`Laporan Bulanan Kependudukan · ${label(duty)}`).waitFor();
  await desk.goto(`${server.url}/pusat/#/laporan/${filed.report.id}`);
  await desk.locator(".carry-flags").waitFor({ timeout: 30_000 });
  const flag = desk.locator(".answer.flagged .carry-flag");
  assert.equal(await flag.count(), 1);
  assert.match(await flag.textContent(), new RegExp(`Berbeda dari akhir bulan ${label(previous)} \\(813\\)`));
  await screenAround(desk, "pusat-carry-flag", ".answer.flagged");
  await desk.context().close();

  // Sent back, the report opens to be fixed with the same warning next to
  // the figure; fixed, the warning goes and the fix saves.
  await asReviewer(`/api/v1/reports/${filed.report.id}/review`, {
    method: "POST",
    body: JSON.stringify({ status: "needs_revision", comment: "Jumlah awal bulan tidak sama dengan akhir bulan lalu." }),
  });
  await page.reload();
  await page.locator("ul.reports li [data-review=needs_revision]").waitFor({ timeout: 30_000 });
  await page.locator(`ul.reports li[data-report-id="${filed.report.id}"] button.report-open`).click();
  await page.locator(".reviewer-note").waitFor();
  const fixWarning = await startFigureWarned(page, previous);
  await screenAround(page, "carry-warning-fix", ".field[data-field=awal_wni_l]");
  await page.fill("#awal_wni_l", "813");
  await fixWarning.waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Simpan perbaikan" }).click();
  await page.getByText("Perbaikan tersimpan di ponsel").waitFor();
  await page.locator(`ul.reports li[data-report-id="${filed.report.id}"][data-status=sent]`).waitFor({ timeout: 30_000 });
  const { versions } = await asReviewer(`/api/v1/reports/${filed.report.id}/versions`);
  assert.equal(versions.length, 2, JSON.stringify(versions));
  await context.close();
});
