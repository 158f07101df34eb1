// Forms as data in the field app: a catalog form is rendered from its
// definition, skip logic follows the answers, the shared validator's problems
// appear in Indonesian next to their fields, and only the validator's cleaned
// answers travel to the server.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as harness from "./harness.mjs";

const { newPhone, screenshot, withServerAndBrowser } = harness;

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

/** Opens the app, logged in where the server asks for it. */
async function openApp(page) {
  if (harness.openAndLogIn) {
    await harness.openAndLogIn(page, server);
  } else {
    await page.goto(server.url);
  }
  await page.getByRole("heading", { name: "Kabar Desa" }).waitFor();
  await page.locator("#form-picker").waitFor();
}

/** Today's date in Kotamobagu (WITA, UTC+8), as the validator sees it. */
function witaToday() {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** A 2400×1200 PNG drawn in the page, as a phone camera would hand over a
 * picture larger than the app keeps. */
async function bigPicture(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(2400, 1200);
    const context = canvas.getContext("2d");
    context.fillStyle = "#0f766e";
    context.fillRect(0, 0, 2400, 1200);
    context.fillStyle = "#fde68a";
    context.fillRect(300, 300, 900, 600);
    const blob = await canvas.convertToBlob({ type: "image/png" });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  });
  return Buffer.from(base64, "base64");
}

/** What IndexedDB's photo store holds: keys and each JPEG's size. */
async function storedPhotos(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction("photos").objectStore("photos").getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = async () => {
            const photos = [];
            for (const record of request.result) {
              const bitmap = await createImageBitmap(new Blob([record.bytes], { type: record.type }));
              photos.push({ id: record.id, type: record.type, width: bitmap.width, height: bitmap.height });
            }
            db.close();
            resolve(photos);
          };
        };
      }),
  );
}

test("an incident report is checked by the shared rules, skips what does not apply and arrives cleaned", async () => {
  const context = await newPhone(browser);
  await context.grantPermissions(["geolocation"], { origin: server.url });
  await context.setGeolocation({ latitude: 0.7361, longitude: 124.317, accuracy: 12 });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await openApp(page);
  await page.locator("[data-connection=online]").waitFor();

  // The short report comes first; the incident report is one pick away.
  const offered = await page.$$eval("#form-picker option", (options) => options.map((o) => o.value));
  assert.equal(offered[0], "laporan-singkat");
  assert.ok(offered.includes("laporan-kejadian"));
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.locator("[data-form=laporan-kejadian]").waitFor();
  if (await page.isEnabled("#village")) {
    await page.selectOption("#village", "71.74.02.1003");
  }

  // "Other" asks for a description; another type takes the question away.
  await page.selectOption("#jenis_kejadian", "lainnya");
  await page.locator("#jenis_lainnya").waitFor();
  await page.fill("#jenis_lainnya", "Pohon tumbang");
  await page.selectOption("#jenis_kejadian", "cuaca_ekstrem");
  await page.locator("#jenis_lainnya").waitFor({ state: "detached" });

  await page.fill("#waktu_kejadian", `${witaToday()}T07:30`);
  await page.fill("#lokasi", "Dusun III, depan SD Negeri 1");
  await page.click("#titik_lokasi button");
  await page.locator("#titik_lokasi .gps-point").waitFor();
  assert.match(await page.textContent("#titik_lokasi .gps-point"), /0\.73610, 124\.31700 \(akurasi ±12 m\)/);

  // Casualties: the section appears with its zero defaults, and the total
  // is calculated read-only.
  assert.equal(await page.locator("#korban").count(), 0);
  await page.check("#ada_korban_jiwa-ya");
  await page.locator("#korban").waitFor();
  assert.equal((await page.textContent("#total_korban")).trim(), "0");

  // The displaced are a question of their own (v2): counting them asks
  // where they shelter and who among them is vulnerable.
  assert.equal(await page.locator("#lokasi_pengungsian").count(), 0);
  await page.fill("#mengungsi_kk", "1");
  await page.fill("#mengungsi_jiwa", "4");
  await page.locator("#lokasi_pengungsian").waitFor();
  await page.fill("#lokasi_pengungsian", "Balai Desa");
  await page.locator("#kelompok_rentan").waitFor();
  await page.fill("#rentan_lansia", "1");
  assert.equal((await page.textContent("#rentan_jumlah")).trim(), "1");

  await page.check("#kerusakan-tidak_ada");
  await page.check("#akses_jalan-terbatas");
  await page.check("#listrik-padam");
  await page.check("#komunikasi-normal");
  await page.fill("#penanganan", "Pohon dipotong warga bersama Babinsa.");
  await page.check("#tingkat_urgensi-tinggi");
  await page.locator("#kebutuhan_mendesak").waitFor();
  await page.check("#tingkat_urgensi-sedang");
  await page.locator("#kebutuhan_mendesak").waitFor({ state: "detached" });
  await page.fill("#uraian", "Angin kencang merobohkan pohon di depan sekolah; jalan tertutup.");

  await page.setInputFiles("#foto-file", { name: "kamera.png", mimeType: "image/png", buffer: await bigPicture(page) });
  await page.locator("#foto li[data-photo] img[src^='blob:']").waitFor();

  // Saving with victims answered "yes" but none counted: the form's own
  // rule speaks, in Indonesian, next to the total; nothing is saved.
  await page.click("button[type=submit]");
  const totalProblem = page.locator("[data-field=total_korban] .field-error");
  await totalProblem.waitFor();
  assert.equal(
    await totalProblem.textContent(),
    "Anda menjawab ada korban: isi paling sedikit satu orang yang meninggal, hilang atau luka.",
  );
  await page.getByText("Ada isian yang perlu diperbaiki").waitFor();
  assert.equal(await page.locator("ul.reports li").count(), 0);
  assert.equal(await page.inputValue("#lokasi"), "Dusun III, depan SD Negeri 1", "what was typed stays");
  await screenshot(page, "forms-kejadian-problem");

  await page.fill("#korban_luka", "2");
  assert.equal((await page.textContent("#total_korban")).trim(), "2");
  await page.click("button[type=submit]");
  await page.getByText("Tersimpan di ponsel").waitFor();
  assert.equal(await page.inputValue("#lokasi"), "", "the form is cleared after saving");
  assert.equal(await page.locator("[data-field=total_korban] .field-error").count(), 0);

  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 60_000 });
  assert.equal(
    await page.textContent("ul.reports li .report-title"),
    "Laporan Kejadian / Bencana: Dusun III, depan SD Negeri 1",
  );
  await screenshot(page, "forms-kejadian-sent");

  // The photo is kept on the phone as a JPEG of at most 1600 px, under the
  // reference the answer holds.
  const photos = await storedPhotos(page);
  assert.equal(photos.length, 1);
  assert.match(photos[0].id, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual([photos[0].type, photos[0].width, photos[0].height], ["image/jpeg", 1600, 800]);

  const { reports } = await server.api("/api/v1/reports");
  assert.equal(reports.length, 1);
  const { report } = reports[0];
  assert.deepEqual(report.form, { id: "laporan-kejadian", version: 2 }, "the phone offers the latest version");
  assert.equal(report.village, "71.74.02.1003");
  assert.deepEqual(report.answers, {
    jenis_kejadian: "cuaca_ekstrem",
    waktu_kejadian: `${witaToday()}T07:30`,
    lokasi: "Dusun III, depan SD Negeri 1",
    titik_lokasi: { lat: 0.7361, lon: 124.317, accuracy_m: 12 },
    ada_korban_jiwa: true,
    korban_meninggal: 0,
    korban_hilang: 0,
    korban_luka: 2,
    total_korban: 2,
    terdampak_kk: 0,
    terdampak_jiwa: 0,
    mengungsi_kk: 1,
    mengungsi_jiwa: 4,
    lokasi_pengungsian: "Balai Desa",
    rentan_bayi_balita: 0,
    rentan_lansia: 1,
    rentan_ibu_hamil: 0,
    rentan_disabilitas: 0,
    rentan_jumlah: 1,
    kerusakan: ["tidak_ada"],
    akses_jalan: "terbatas",
    listrik: "padam",
    komunikasi: "normal",
    penanganan: "Pohon dipotong warga bersama Babinsa.",
    tingkat_urgensi: "sedang",
    uraian: "Angin kencang merobohkan pohon di depan sekolah; jalan tertutup.",
    foto: [photos[0].id],
  });

  // The photo follows its report: the pull tells the phone the server still
  // misses it, and the phone uploads it from IndexedDB.
  const deadline = Date.now() + 30_000;
  let missing = reports[0].missing_photos;
  while (missing.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    missing = (await server.api("/api/v1/reports")).reports[0].missing_photos;
  }
  assert.deepEqual(missing, []);
  const photo = await fetch(`${server.url}/api/v1/photos/${photos[0].id}`, { headers: { cookie: server.reviewerCookie } });
  assert.equal(photo.status, 200);
  assert.equal(photo.headers.get("content-type"), "image/jpeg");

  // A report nobody has reviewed may still be fixed by its author, so its
  // photo stays on the phone. Once the Command Center approves it and the
  // photo is no longer fresh, a sync frees the phone's storage of it; the
  // report itself stays listed.
  const approval = await fetch(`${server.url}/api/v1/reports/${report.id}/review`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: server.reviewerCookie },
    body: JSON.stringify({ status: "approved" }),
  });
  assert.equal(approval.status, 200, await approval.text());
  await page.clock.setFixedTime(new Date(Date.now() + 11 * 60_000));
  const photosDeadline = Date.now() + 30_000;
  let nudged = 0;
  while ((await harness.storedRecords(page, "photos")).length > 0) {
    assert.ok(Date.now() < photosDeadline, "the uploaded photo is still on the phone");
    // One sync pulls the approval, the next may forget the photo.
    if (Date.now() - nudged > 2_000) {
      await page.evaluate(() => window.dispatchEvent(new Event("online")));
      nudged = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await page.locator("ul.reports li[data-status=sent]").waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("a refused location, problems in both languages, and switching forms keeps the other form's answers", async () => {
  // No geolocation permission in this context: the browser refuses.
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openApp(page);
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.click("#titik_lokasi button");
  await page.locator("#titik_lokasi [role=alert]").getByText("Izin lokasi ditolak").waitFor();
  await page.fill("#lokasi", "Lingkungan II");
  await page.click("button[type=submit]");
  const problem = page.locator("[data-field=jenis_kejadian] .field-error");
  await problem.waitFor();
  assert.equal(await problem.textContent(), "Wajib diisi.");
  await page.getByRole("button", { name: "Switch to English" }).click();
  await page.getByText("Required.").first().waitFor();
  assert.equal(await problem.textContent(), "Required.");
  await page.getByRole("button", { name: "Ganti ke Bahasa Indonesia" }).click();
  await page.getByText("Wajib diisi.").first().waitFor();

  await page.selectOption("#form-picker", "laporan-singkat");
  await page.locator("#title").waitFor();
  await page.selectOption("#form-picker", "laporan-kejadian");
  assert.equal(await page.inputValue("#lokasi"), "Lingkungan II");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await context.close();
});
