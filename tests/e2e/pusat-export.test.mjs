// The Command Center's forms screen and exports end to end: an admin
// publishes a new form version through the Forms screen (a bad definition is
// refused with a readable error first); the phone receives it at its sync
// and files a report on it with a GPS point and a repeat group; the reviewer
// filters the inbox to that form and downloads CSV, the repeat group's CSV,
// XLSX and GeoJSON, and every file read back holds the report (the XLSX
// opened with openpyxl). The Forms screen is checked with axe-core and
// photographed at 1280×800 for the README.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { REVIEWER, VILLAGE_HEAD, newPhone, openAndLogIn, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const ADMIN = { username: "admin.diskominfo", password: "rahasia-admin-2026", name: "Admin Diskominfo" };
const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const FORMS_DIR = path.resolve(import.meta.dirname, "../../crates/shared/data/forms");
const AXE = path.resolve(import.meta.dirname, "../../node_modules/axe-core/axe.min.js");

const text = (id, en) => ({ id, en });
/** A new form, as Diskominfo would write it: a posyandu's visit with its
 * place, a GPS point and one row per toddler weighed. */
const POSYANDU = {
  id: "pendataan-posyandu",
  version: 1,
  title: text("Pendataan Posyandu", "Posyandu Records"),
  filed_by: ["village_head"],
  frequency: "on_event",
  fields: [
    { code: "nama_posyandu", label: text("Nama posyandu", "Posyandu name"), type: "short_text", required: true, max_length: 100 },
    { code: "titik_lokasi", label: text("Titik lokasi", "Location point"), type: "gps" },
    {
      code: "daftar_balita",
      label: text("Balita ditimbang", "Toddlers weighed"),
      type: "repeat",
      max_rows: 50,
      fields: [
        { code: "nama_balita", label: text("Nama balita", "Toddler's name"), type: "short_text", required: true, max_length: 100 },
        { code: "berat_kg", label: text("Berat (kg)", "Weight (kg)"), type: "decimal", required: true, min: 1, max: 40 },
      ],
    },
  ],
};

async function newDesk() {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "id-ID", timezoneId: "Asia/Makassar", bypassCSP: true });
}

async function signInToPusat(page, account) {
  await page.goto(`${server.url}/pusat/`);
  await page.fill("#username", account.username);
  await page.fill("#password", account.password);
  await page.click("button[type=submit]");
}

async function seriousAccessibilityProblems(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

/** Clicks a download link and returns the saved file's path. */
async function download(page, link, dir) {
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const saved = path.join(dir, file.suggestedFilename());
  await file.saveAs(saved);
  return saved;
}

/** The workbook as openpyxl reads it: {sheet name: rows of cell values}. */
function readXlsx(file) {
  const script = [
    "import json, sys, openpyxl",
    "book = openpyxl.load_workbook(sys.argv[1], read_only=True)",
    "print(json.dumps({s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}, default=str))",
  ].join("\n");
  const run = spawnSync("python3", ["-c", script, file], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

async function publishThroughTheFormsScreen(desk) {
  await signInToPusat(desk, ADMIN);
  await desk.getByRole("link", { name: "Formulir" }).click();
  await desk.locator("table.form-versions").waitFor({ timeout: 30_000 });
  const builtIn = readdirSync(FORMS_DIR).filter((name) => name.endsWith(".json")).length;
  assert.equal(await desk.locator("table.form-versions tbody tr").count(), builtIn, "the built-in forms");

  // A bad definition is refused with what is wrong, and nothing changes.
  await desk.fill("#form-definition", JSON.stringify({ ...POSYANDU, id: "Posyandu Baru", version: 0 }));
  await desk.getByRole("button", { name: "Periksa dan terbitkan" }).click();
  const refused = desk.locator(".publish-refused");
  await refused.waitFor();
  const refusal = await refused.textContent();
  assert.match(refusal, /tidak lolos pemeriksaan/);
  assert.match(refusal, /id: "Posyandu Baru" is not kebab-case/);
  assert.match(refusal, /version: versions start at 1/);
  await desk.fill("#form-definition", "{ ini bukan JSON");
  await desk.getByRole("button", { name: "Periksa dan terbitkan" }).click();
  await desk.locator(".publish-refused", { hasText: "bukan definisi formulir" }).waitFor();
  assert.equal(await desk.locator("table.form-versions tbody tr").count(), builtIn);

  // The good one from a .json file: published, listed with who published it.
  await desk.setInputFiles("#form-file", { name: "pendataan-posyandu.v1.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(POSYANDU, null, 2)) });
  await desk.waitForFunction(() => document.querySelector("#form-definition").value.includes("pendataan-posyandu"));
  await desk.getByRole("button", { name: "Periksa dan terbitkan" }).click();
  await desk.getByText("Terbit: pendataan-posyandu versi 1.").waitFor();
  const row = desk.locator("table.form-versions tr[data-form=pendataan-posyandu]");
  await row.waitFor();
  assert.match(await row.textContent(), /Diterbitkan admin\.diskominfo/);
  await row.getByRole("button", { name: "Lihat pertanyaan" }).click();
  await desk.locator("section.form-fields", { hasText: "Balita ditimbang" }).waitFor();
  assert.match(await desk.locator("section.form-fields").textContent(), /berat_kg.*decimal/s);
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "forms screen");
  await desk.evaluate(() => window.scrollTo(0, 0));
  await desk.screenshot({ path: path.join(SCREENSHOTS, "pusat-forms.png") });
}

async function fileOnThePhone() {
  const context = await newPhone(browser);
  await context.grantPermissions(["geolocation"], { origin: server.url });
  await context.setGeolocation({ latitude: 0.7361, longitude: 124.317, accuracy: 12 });
  const phone = await context.newPage();
  await openAndLogIn(phone, server);
  // The sign-in's sync brings the new version; the app offers pulled forms
  // from its next start, so a form never changes under someone filling it.
  for (let attempt = 1; ; attempt++) {
    await phone.waitForTimeout(1000);
    await phone.reload();
    await phone.locator("#form-picker").waitFor();
    if ((await phone.locator("#form-picker option[value=pendataan-posyandu]").count()) > 0) break;
    assert.ok(attempt < 30, "the phone offers the published form after a restart");
  }
  await phone.selectOption("#form-picker", "pendataan-posyandu");
  await phone.locator("[data-form=pendataan-posyandu]").waitFor();
  if (await phone.isEnabled("#village")) await phone.selectOption("#village", VILLAGE_HEAD.village);
  await phone.fill("#nama_posyandu", "Posyandu Melati");
  await phone.click("#titik_lokasi button");
  await phone.locator("#titik_lokasi .gps-point").waitFor();
  await phone.getByRole("button", { name: "Tambah baris" }).click();
  await phone.fill("#daftar_balita-0-nama_balita", "Ananda");
  await phone.fill("#daftar_balita-0-berat_kg", "11.5");
  await phone.click("button[type=submit]");
  await phone.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 60_000 });
  const id = await phone.getAttribute("ul.reports li", "data-report-id");
  await context.close();
  return id;
}

test("a form published on the Forms screen is filed on the phone and exported as CSV, XLSX and GeoJSON", async () => {
  server.admin(["user", "create", "--username", ADMIN.username, "--role", "admin"], ["--name", ADMIN.name], ADMIN.password);
  const adminContext = await newDesk();
  await publishThroughTheFormsScreen(await adminContext.newPage());
  await adminContext.close();

  const id = await fileOnThePhone();

  // The reviewer has no Forms screen, filters to the new form and downloads.
  const deskContext = await newDesk();
  const desk = await deskContext.newPage();
  await signInToPusat(desk, REVIEWER);
  await desk.locator("table.inbox").waitFor({ timeout: 30_000 });
  assert.equal(await desk.getByRole("link", { name: "Formulir" }).count(), 0);
  await desk.selectOption("#filter-form", "pendataan-posyandu");
  await desk.waitForFunction(() => document.querySelectorAll("table.inbox tbody tr").length === 1);
  const exports = desk.locator("p.exports");
  const dir = mkdtempSync(path.join(tmpdir(), "kabar-exports-"));
  try {
    const csv = readFileSync(await download(desk, exports.getByRole("link", { name: "CSV", exact: true }), dir), "utf8");
    const [header, row, extra] = csv.trim().split("\r\n");
    assert.equal(extra, undefined, "one report");
    assert.match(header, /^id,form,form_version,village_code,village,status,period,created_at_wita,received_at_wita,submitted_by,/);
    assert.ok(row.startsWith(`${id},pendataan-posyandu,1,${VILLAGE_HEAD.village},Kotobangun,received`), row);
    assert.match(row, /Posyandu Melati/);

    const group = readFileSync(await download(desk, exports.locator("a[data-group=daftar_balita]"), dir), "utf8");
    assert.deepEqual(group.trim().split("\r\n"), ["report_id,row,nama_balita,berat_kg", `${id},1,Ananda,11.5`]);

    const book = readXlsx(await download(desk, exports.getByRole("link", { name: "XLSX" }), dir));
    assert.deepEqual(Object.keys(book), ["pendataan-posyandu v1", "daftar_balita (pendataan-posyan"]);
    const [titles, cells] = book["pendataan-posyandu v1"];
    assert.deepEqual(titles.slice(-3), ["Nama posyandu", "Titik lokasi", "Balita ditimbang"]);
    assert.equal(cells[0], id);
    assert.equal(cells[1], "Kotobangun");
    assert.ok(cells.includes("Posyandu Melati"));
    assert.equal(cells.at(-1), 1, "the number of rows, as a number");
    assert.deepEqual(book["daftar_balita (pendataan-posyan"], [["ID laporan / Report id", "Baris / Row", "Nama balita", "Berat (kg)"], [id, 1, "Ananda", 11.5]]);

    const geojson = JSON.parse(readFileSync(await download(desk, exports.getByRole("link", { name: "GeoJSON" }), dir), "utf8"));
    assert.equal(geojson.features.length, 1);
    assert.equal(geojson.features[0].properties.id, id);
    assert.deepEqual(geojson.features[0].geometry.coordinates, [124.317, 0.7361]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  await deskContext.close();
});
