// The Command Center's map, versions and administration end to end: an admin
// creates an account that then signs in on the field app; an incident with a
// GPS point filed on the phone is a point on the map and in its detail, with
// no map tiles reachable (the tests have no internet); a report sent again
// as a new version shows its changed answers side by side; axe-core finds no
// serious or critical problem on the map, accounts and audit screens.
// Screenshots at 1280×800 go next to the other end-to-end screenshots.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import { test } from "node:test";
import { VILLAGE_HEAD, newPhone, openAndLogIn, screenshot, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const ADMIN = { username: "admin.diskominfo", password: "rahasia-admin-2026", name: "Admin Diskominfo" };
const AXE = path.resolve(import.meta.dirname, "../../node_modules/axe-core/axe.min.js");

async function newDesk() {
  // bypassCSP lets the test inject axe-core as an inline script; the page's
  // own policy allows only its loader's hash.
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "id-ID", timezoneId: "Asia/Makassar", bypassCSP: true });
}

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousAccessibilityProblems(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

async function signInToPusat(page, account) {
  await page.goto(`${server.url}/pusat/`);
  await page.fill("#username", account.username);
  await page.fill("#password", account.password);
  await page.click("button[type=submit]");
  await page.locator("header.top-bar").waitFor({ timeout: 30_000 });
}

function witaToday() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The tile server is not reachable from the tests, and must not be asked
 * for anything but tiles; every request to it is refused and counted. */
async function refuseTiles(context) {
  const asked = [];
  await context.route(/tile\.openstreetmap\.org/, (route) => {
    asked.push(route.request().url());
    return route.abort("internetdisconnected");
  });
  return asked;
}

/** The report as the server serializes it (struct order, answers and their
 * objects by key), so its SHA-256 is the content hash the server computes. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function reportJson(report) {
  const form = `{"id":${JSON.stringify(report.form.id)},"version":${report.form.version}}`;
  return `{"id":${JSON.stringify(report.id)},"form":${form},"village":${JSON.stringify(report.village)},"created_at_ms":${report.created_at_ms},"answers":${canonical(report.answers)}}`;
}

/** Sends an edit of `report` as the village head, replacing `previousHash`. */
async function pushEdit(report, previousHash) {
  const cookie = await server.login(VILLAGE_HEAD);
  const body = reportJson(report);
  const hash = `sha256:${createHash("sha256").update(body).digest("hex")}`;
  const request = `{"protocol_version":1,"device_id":"e2e-checker","items":[{"report":${body},"content_hash":"${hash}","replaces":"${previousHash}"}]}`;
  const response = await fetch(`${server.url}/api/v1/sync/push`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: request,
  });
  assert.equal(response.status, 200, await response.clone().text());
  const answer = await response.json();
  assert.equal(answer.results[0].outcome, "accepted", JSON.stringify(answer));
}

/** Files an incident with a GPS point on the phone and waits until it is sent. */
async function fileIncidentOnPhone() {
  const context = await newPhone(browser);
  await context.grantPermissions(["geolocation"], { origin: server.url });
  await context.setGeolocation({ latitude: 0.7361, longitude: 124.317, accuracy: 12 });
  const page = await context.newPage();
  await openAndLogIn(page, server);
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.locator("[data-form=laporan-kejadian]").waitFor();
  await page.selectOption("#jenis_kejadian", "banjir");
  await page.fill("#waktu_kejadian", `${witaToday()}T07:30`);
  await page.fill("#lokasi", "Lingkungan II dekat jembatan");
  await page.click("#titik_lokasi button");
  await page.locator("#titik_lokasi .gps-point").waitFor();
  await page.check("#ada_korban_jiwa-tidak");
  await page.check("#kerusakan-tidak_ada");
  await page.check("#akses_jalan-terbatas");
  await page.check("#listrik-normal");
  await page.check("#komunikasi-normal");
  await page.fill("#penanganan", "Warga memasang karung pasir.");
  await page.check("#tingkat_urgensi-sedang");
  await page.fill("#uraian", "Air sungai naik setinggi betis dan menutup jalan lingkungan.");
  await page.click("button[type=submit]");
  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 60_000 });
  const id = await page.getAttribute("ul.reports li", "data-report-id");
  await context.close();
  return id;
}

test("an admin creates an account in the Command Center that then signs in on the field app", async () => {
  server.admin(["user", "create", "--username", ADMIN.username, "--role", "admin"], ["--name", ADMIN.name], ADMIN.password);
  const context = await newDesk();
  const desk = await context.newPage();
  await signInToPusat(desk, ADMIN);
  await desk.getByRole("link", { name: "Akun" }).click();
  await desk.locator("table.accounts").waitFor();

  // A refusal is named in both languages and creates nothing.
  await desk.fill("#new-username", "Bukan Nama");
  await desk.fill("#new-password", "kata-sandi-baru-2026");
  await desk.click(".account-form button[type=submit]");
  await desk.locator(".account-form .error").getByText(/Nama pengguna 3-32 huruf kecil/).waitFor();

  await desk.fill("#new-username", "lurah.tumubui");
  await desk.fill("#new-name", "Lurah Tumubui");
  await desk.selectOption("#new-role", "village_head");
  await desk.selectOption("#new-area", "71.74.02.1004");
  await desk.fill("#new-password", "kata-sandi-baru-2026");
  await desk.click(".account-form button[type=submit]");
  await desk.getByText("Akun lurah.tumubui dibuat").waitFor();
  const row = desk.locator("tr[data-username='lurah.tumubui']");
  await row.waitFor();
  assert.match(await row.textContent(), /Kepala desa\/kelurahan.*Tumubui.*Aktif/s);
  await desk.fill("#new-username", "lurah.tumubui");
  await desk.fill("#new-password", "kata-sandi-baru-2026");
  await desk.click(".account-form button[type=submit]");
  await desk.locator(".account-form .error").getByText("Nama pengguna itu sudah dipakai.").waitFor();
  await screenshot(desk, "pusat-accounts");
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "accounts");

  // The new account works on the phone.
  const phoneContext = await newPhone(browser);
  const phone = await phoneContext.newPage();
  await openAndLogIn(phone, server, { username: "lurah.tumubui", password: "kata-sandi-baru-2026" });
  assert.equal(await phone.inputValue("#village"), "71.74.02.1004", "the phone files for the new account's village");
  await phoneContext.close();

  // Its sign-in is in the device sessions and the audit log, filterable.
  await desk.getByRole("link", { name: "Sesi perangkat" }).click();
  await desk.locator("table.sessions tr", { hasText: "lurah.tumubui" }).first().waitFor();
  await desk.getByRole("link", { name: "Log audit" }).click();
  await desk.locator("table.audit").waitFor();
  // The test's other accounts were made on the command line (actor `cli`).
  await desk.fill("#audit-action", "user_created");
  await desk.locator("#audit-action").dispatchEvent("change");
  await desk.waitForFunction(() => document.querySelectorAll("table.audit tbody tr").length === 5);
  await desk.fill("#audit-actor", ADMIN.username);
  await desk.locator("#audit-actor").dispatchEvent("change");
  await desk.waitForFunction(() => document.querySelectorAll("table.audit tbody tr").length === 1);
  assert.match(await desk.locator("table.audit tbody").textContent(), /admin\.diskominfo.*user_created.*lurah\.tumubui/s);
  await desk.fill("#audit-from", "2026-03-02");
  await desk.locator("#audit-from").dispatchEvent("change");
  await desk.fill("#audit-to", "2026-03-01");
  await desk.locator("#audit-to").dispatchEvent("change");
  await desk.locator(".error").getByText(/Filter "to" tidak valid/).waitFor();
  await desk.fill("#audit-from", "");
  await desk.locator("#audit-from").dispatchEvent("change");
  await desk.fill("#audit-to", "");
  await desk.locator("#audit-to").dispatchEvent("change");
  await desk.locator(".error").waitFor({ state: "detached" });
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "audit log");

  // A reviewer has none of these screens, and the server refuses them too.
  await context.close();
  const reviewerContext = await newDesk();
  const reviewer = await reviewerContext.newPage();
  await signInToPusat(reviewer, { username: "petugas.cc", password: "rahasia-command-center" });
  assert.equal(await reviewer.getByRole("link", { name: "Akun" }).count(), 0);
  await reviewer.goto(`${server.url}/pusat/#/akun`);
  await reviewer.locator("[role=alert]").getByText("Anda tidak berhak mengakses data ini.").first().waitFor();
  await reviewerContext.close();
});

test("a GPS report filed on the phone is a point on the map and in its detail, without tiles", async () => {
  const id = await fileIncidentOnPhone();
  const context = await newDesk();
  const tilesAsked = await refuseTiles(context);
  const desk = await context.newPage();
  const errors = [];
  const console = [];
  desk.on("pageerror", (error) => errors.push(error.message));
  desk.on("console", (message) => message.type() === "error" && console.push(message.text()));
  await signInToPusat(desk, { username: "petugas.cc", password: "rahasia-command-center" });
  await desk.getByRole("link", { name: "Peta" }).click();
  await desk.locator(".map.leaflet-container").waitFor();
  await desk.waitForFunction(() => document.querySelectorAll(".map path.leaflet-interactive").length === 1);
  await desk.locator(".point-list a", { hasText: "Kotobangun" }).waitFor();
  assert.equal(await desk.locator(".point-list li").count(), 1);

  // The form and month filters: another month has no point.
  await desk.selectOption("#map-form", "laporan-kejadian");
  await desk.waitForFunction(() => document.querySelectorAll(".map path.leaflet-interactive").length === 1);
  await desk.fill("#map-period", "2020-01");
  await desk.locator("#map-period").dispatchEvent("change");
  await desk.waitForFunction(() => document.querySelectorAll(".map path.leaflet-interactive").length === 0);
  await desk.fill("#map-period", witaToday().slice(0, 7));
  await desk.locator("#map-period").dispatchEvent("change");
  await desk.waitForFunction(() => document.querySelectorAll(".map path.leaflet-interactive").length === 1);
  await screenshot(desk, "pusat-map");
  assert.deepEqual(await seriousAccessibilityProblems(desk), [], "map");
  assert.ok(tilesAsked.length > 0, "the map asked for tiles at the configured address");

  // The point's popup opens the report, whose detail has its own small map.
  await desk.locator(".map path.leaflet-interactive").click();
  await desk.locator(".leaflet-popup a", { hasText: "Buka laporan" }).click();
  await desk.waitForFunction((id) => location.hash === `#/laporan/${id}`, id);
  await desk.locator("article.detail .location .map.leaflet-container").waitFor();
  await desk.waitForFunction(() => document.querySelectorAll(".location path.leaflet-interactive").length === 1);
  assert.deepEqual(errors, [], console.join("\n"));
  await context.close();
});

test("a report sent again as a new version shows the changed answers side by side", async () => {
  const { reports } = await server.api("/api/v1/reports");
  const incident = reports.map((entry) => entry.report).find((report) => report.form.id === "laporan-kejadian");
  assert.ok(incident, "the incident of the map test is on the server");
  const { versions } = await server.api(`/api/v1/reports/${incident.id}/versions`);
  const edited = structuredClone(versions.at(-1).report);
  edited.answers.uraian = "Air sungai naik setinggi lutut; dua rumah terendam.";
  edited.answers.tingkat_urgensi = "tinggi";
  edited.answers.kebutuhan_mendesak = "Perahu karet dan makanan siap saji.";
  await pushEdit(edited, versions.at(-1).content_hash);

  const context = await newDesk();
  await refuseTiles(context);
  const desk = await context.newPage();
  await signInToPusat(desk, { username: "petugas.cc", password: "rahasia-command-center" });
  await desk.goto(`${server.url}/pusat/#/laporan/${incident.id}`);
  const table = desk.locator("section.versions table.diff");
  await table.waitFor({ timeout: 30_000 });
  const versionList = await desk.locator("section.versions .version-list").textContent();
  assert.match(versionList, /Versi 1: dikirim oleh sangadi\.kotobangun, tiba .*WITA/);
  assert.match(versionList, /Versi 2: dikirim oleh sangadi\.kotobangun/);
  const rows = await table.locator("tbody tr").allTextContents();
  assert.equal(rows.length, 3, rows.join("\n"));
  const uraian = table.locator("tbody tr", { hasText: "setinggi lutut" });
  assert.match(await uraian.locator("td.before").textContent(), /setinggi betis/);
  assert.match(await uraian.locator("td.after").textContent(), /setinggi lutut; dua rumah terendam/);
  assert.match(await table.locator("tbody tr", { hasText: "Tingkat urgensi" }).textContent(), /Sedang.*Tinggi/s);
  assert.match(await table.locator("thead").textContent(), /v1.*v2/s);
  await desk.locator("section.versions").scrollIntoViewIfNeeded();
  await screenshot(desk, "pusat-diff");
  // The answers list of a form with sections (answers.rs, not the versions)
  // has a known definition-list finding; everything else must be clean.
  const diffProblems = (await seriousAccessibilityProblems(desk)).filter((problem) => !problem.startsWith("definition-list: .answers"));
  assert.deepEqual(diffProblems, [], "versions table");

  // English on one tap: the form's labels switch with the app's words.
  await desk.getByRole("button", { name: "English" }).click();
  await desk.locator("table.diff caption", { hasText: "Answers that changed" }).waitFor();
  await context.close();
});
