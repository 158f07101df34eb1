// The Command Center's mail and public page end to end. The server mails to
// an SMTP server that is not there (a closed loopback port) and gives up
// after one try, so an approval's mail is dead within seconds: the admin
// sees it with the SMTP error on the mail screen, sends it again and sees it
// waiting; a refused recipient address shows the server's error. Then the
// reviewer makes the approved KIM activity log public and /publik/ lists it.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { KIM_VOLUNTEER, REVIEWER, newPhone, openAndLogIn, withServerAndBrowser } from "./harness.mjs";

const MAIL_ARGS = [
  // Port 1 on the loopback is closed on any machine that runs these tests.
  ["--smtp-url", "smtp://127.0.0.1:1?tls=none"],
  ["--mail-from", "Kabar Desa <kabar@kotamobagu.go.id>"],
  ["--mayor-office-email", "walikota@kotamobagu.go.id"],
  ["--mail-max-attempts", "1"],
  // The worker looks every 3 s: soon after an approval, and slow enough that
  // a mail sent again is seen waiting before its next try.
  ["--mail-poll-ms", "3000"],
  ["--mail-retry-base-ms", "100"],
].flat();

const ADMIN = { username: "admin.diskominfo", password: "rahasia-admin-2026", name: "Admin Diskominfo" };
const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started), { serverArgs: MAIL_ARGS });

async function newDesk() {
  return browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "id-ID", timezoneId: "Asia/Makassar" });
}

async function signInToPusat(page, account) {
  await page.goto(`${server.url}/pusat/`);
  await page.fill("#username", account.username);
  await page.fill("#password", account.password);
  await page.click("button[type=submit]");
  await page.locator("header.top-bar").waitFor();
}

/** Today's date in Kotamobagu (WITA, UTC+8). */
function witaToday() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** A KIM volunteer files an activity log on the phone; its id once sent. */
async function fileKimLog(topic) {
  const context = await newPhone(browser);
  const phone = await context.newPage();
  await openAndLogIn(phone, server, KIM_VOLUNTEER);
  await phone.selectOption("#form-picker", "catatan-kegiatan-kim");
  await phone.locator("[data-form=catatan-kegiatan-kim]").waitFor();
  await phone.selectOption("#jenis_kegiatan", "diseminasi_informasi");
  await phone.fill("#tanggal", witaToday());
  await phone.fill("#tempat", "Balai Desa Moyag");
  await phone.fill("#topik", topic);
  await phone.fill("#peserta_l", "12");
  await phone.fill("#peserta_p", "15");
  await phone.fill("#ringkasan", "Sosialisasi jadwal posyandu dan layanan kependudukan keliling.");
  await phone.click("button[type=submit]");
  await phone.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 60_000 });
  const id = await phone.getAttribute("ul.reports li", "data-report-id");
  await context.close();
  return id;
}

test("a dead mail is shown with the SMTP error and sent again; an approved KIM log is made public", async () => {
  server.admin(["user", "create", "--username", ADMIN.username, "--role", "admin"], ["--name", ADMIN.name], ADMIN.password);
  const topic = "Sosialisasi posyandu keliling";
  const id = await fileKimLog(topic);
  const approval = await fetch(`${server.url}/api/v1/reports/${id}/review`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: server.reviewerCookie },
    body: JSON.stringify({ status: "approved" }),
  });
  assert.equal(approval.status, 200, await approval.text());

  // A reviewer has no mail screen.
  const reviewerContext = await newDesk();
  const reviewer = await reviewerContext.newPage();
  await signInToPusat(reviewer, REVIEWER);
  assert.equal(await reviewer.getByRole("link", { name: "Surat ke Wali Kota" }).count(), 0);

  // The admin sees the approval's mail dead, with what the SMTP side said.
  const deskContext = await newDesk();
  const desk = await deskContext.newPage();
  await signInToPusat(desk, ADMIN);
  await desk.getByRole("link", { name: "Surat ke Wali Kota" }).click();
  const dead = desk.locator("table.outbox tr[data-mail-status=dead]");
  await dead.waitFor({ timeout: 30_000 });
  const row = await dead.textContent();
  assert.match(row, /Laporan disetujui/);
  assert.match(row, /Moyag/, "the report's village");
  assert.match(row, /Gagal/);
  assert.ok((await dead.locator(".smtp-answer").textContent()).trim().length > 0, "the SMTP error is shown");
  await desk.locator("#recipient-mayor").waitFor();
  assert.equal(await desk.inputValue("#recipient-mayor"), "walikota@kotamobagu.go.id");
  await desk.screenshot({ path: path.join(SCREENSHOTS, "pusat-mail.png") });

  // A refused address: the server's error is shown and nothing changes.
  await desk.fill("#recipient-mayor", "walikota@@kotamobagu");
  await desk.getByRole("button", { name: "Simpan" }).click();
  const refusal = desk.locator("form.recipients .error");
  await refusal.waitFor();
  assert.match(await refusal.textContent(), /walikota@@kotamobagu|tidak sah|invalid/);
  const unchanged = await (await fetch(`${server.url}/api/v1/admin/mail/recipients`, { headers: { cookie: await server.login(ADMIN) } })).json();
  assert.deepEqual(unchanged.mayor_office, ["walikota@kotamobagu.go.id"]);
  await desk.fill("#recipient-mayor", "walikota@kotamobagu.go.id, sekretariat@kotamobagu.go.id");
  await desk.fill("#recipient-camat-71\\.74\\.02", "camat.timur@kotamobagu.go.id");
  await desk.getByRole("button", { name: "Simpan" }).click();
  await desk.getByText("Penerima tersimpan.").waitFor();

  // Send again: the mail is back to waiting.
  await dead.getByRole("button", { name: "Kirim ulang" }).click();
  const waiting = desk.locator("table.outbox tr[data-mail-status=pending]");
  await waiting.waitFor({ timeout: 10_000 });
  assert.match(await waiting.textContent(), /Menunggu/);

  // English on the same toggle.
  await desk.getByRole("button", { name: "English" }).click();
  await desk.getByRole("heading", { name: "Mail to the Mayor's Office" }).waitFor();
  await deskContext.close();

  // The reviewer makes the approved KIM log public; /publik/ lists it.
  await reviewer.goto(`${server.url}/pusat/#/laporan/${id}`);
  const toggle = reviewer.locator("#public-toggle");
  await toggle.waitFor();
  assert.equal(await toggle.isChecked(), false);
  await toggle.check();
  await reviewer.getByText("Laporan ini tampil di halaman publik.").waitFor();
  assert.equal(await reviewer.locator("a[href='/publik/']").count(), 1);
  const publicPage = await (await fetch(`${server.url}/publik/`)).text();
  assert.match(publicPage, new RegExp(topic));
  await reviewer.reload();
  await reviewer.locator("#public-toggle:checked").waitFor();
  await reviewerContext.close();
});
