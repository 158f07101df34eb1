// An app update that raises the IndexedDB version while 50 reports wait on
// the phone: the release before this one kept its data at version 3
// (outbox, photos, drafts). Opening the current app upgrades the database
// in place; all 50 reports must still be listed, and each must reach the
// server exactly once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VILLAGE_HEAD, newPhone, openAndLogIn, screenshot, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const COUNT = 50;

test("50 reports waiting in a version 3 database survive the upgrade and each arrives once", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));

  // A page of the app's origin that does not start the app, so the
  // database can be written as the previous release left it.
  await page.goto(`${server.url}/api/health`);
  const created = await page.evaluate(
    async ({ count, owner, village }) => {
      const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      // UUID v7: 48 bits of milliseconds, the version, then random bits.
      const uuidV7 = (ms) => {
        const random = crypto.getRandomValues(new Uint8Array(10));
        random[0] = 0x70 | (random[0] & 0x0f);
        random[2] = 0x80 | (random[2] & 0x3f);
        const time = ms.toString(16).padStart(12, "0");
        const rest = hex(random);
        return `${time.slice(0, 8)}-${time.slice(8, 12)}-${rest.slice(0, 4)}-${rest.slice(4, 8)}-${rest.slice(8, 20)}`;
      };
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa", 3);
        open.onupgradeneeded = () => {
          for (const store of ["outbox", "photos", "drafts"]) {
            open.result.createObjectStore(store, { keyPath: "id" });
          }
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const start = Date.now() - 3 * 24 * 3600 * 1000;
      const titles = [];
      const transaction = db.transaction(["outbox"], "readwrite");
      for (let i = 0; i < count; i++) {
        const at = start + i * 60_000;
        const title = `Laporan lama nomor ${String(i + 1).padStart(2, "0")}`;
        titles.push(title);
        // The report's JSON as the shared crate writes it (field order
        // matters: the phone hashes exactly this text).
        const report = {
          id: uuidV7(at),
          form: { id: "laporan-singkat", version: 1 },
          village,
          created_at_ms: at,
          answers: { body: `Ditulis sebelum pembaruan aplikasi (${i + 1}).`, title },
        };
        transaction.objectStore("outbox").add({
          id: report.id,
          state: "waiting",
          saved_at_ms: at,
          owner,
          report: JSON.stringify(report),
          delivery: JSON.stringify({ state: "waiting" }),
        });
      }
      await new Promise((resolve, reject) => {
        transaction.oncomplete = resolve;
        transaction.onerror = () => reject(transaction.error);
      });
      db.close();
      return titles;
    },
    { count: COUNT, owner: VILLAGE_HEAD.username, village: VILLAGE_HEAD.village },
  );
  assert.equal(created.length, COUNT);
  assert.equal((await server.api("/api/v1/reports")).reports.length, 0);

  // The new release opens: the current version (5), and the reports sync.
  await page.goto(server.url);
  await openAndLogIn(page, server);
  // The list shows the newest thirty; nothing waits any more.
  await page.waitForFunction(
    () =>
      document.querySelectorAll("ul.reports li[data-status=sent]").length === 30 &&
      !document.querySelector("[data-waiting]:not([data-waiting='0'])"),
    null,
    { timeout: 120_000, polling: 500 },
  );
  await page.getByRole("button", { name: "Tampilkan laporan lebih lama" }).click();
  await page.waitForFunction(
    (count) => document.querySelectorAll("ul.reports li[data-status=sent]").length === count,
    COUNT,
    { timeout: 30_000, polling: 500 },
  );
  await screenshot(page, "app-update-50-sent");
  const listed = await page.$$eval("ul.reports .report-title", (items) => items.map((item) => item.textContent));
  assert.deepEqual([...listed].sort(), [...created].sort());

  const version = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onsuccess = () => {
          resolve(open.result.version);
          open.result.close();
        };
        open.onerror = () => reject(open.error);
      }),
  );
  assert.equal(version, 5, "the database was upgraded");

  const { reports } = await server.api("/api/v1/reports?limit=500");
  assert.equal(reports.length, COUNT, "each report stored once");
  assert.deepEqual(reports.map((r) => r.report.answers.title).sort(), [...created].sort());
  assert.equal(new Set(reports.map((r) => r.report.id)).size, COUNT);
  assert.deepEqual(errors, []);
  await context.close();
});
