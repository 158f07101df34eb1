// 1,000 waiting reports in a database the previous release left (version 4,
// no indexes, one report saved before accounts existed, without an owner):
// the app upgrades it keeping every record, pushes with several batches on
// the air and no health probe, each report reaches the server exactly once,
// and the list shows the newest reports sent with a way to older ones.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VILLAGE_HEAD, newPhone, openAndLogIn, screenshot, storedRecords, withServerAndBrowser } from "./harness.mjs";
import { seedOutbox } from "./outbox-seed.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const COUNT = 1_000;

/** Every report id the server holds, page by page, as the reviewer sees. */
async function serverReportIds() {
  const ids = [];
  let before = null;
  for (;;) {
    const page = await server.api(`/api/v1/reports?limit=500${before ? `&before=${encodeURIComponent(before)}` : ""}`);
    ids.push(...page.reports.map((r) => r.report.id));
    if (!page.next_before) return ids;
    before = page.next_before;
  }
}

test("1,000 waiting reports in a version 4 database go out with batches on the air together, each once", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));

  // The database as version 4 left it: seven stores, no index.
  await page.goto(`${server.url}/api/health`);
  await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa", 4);
        open.onupgradeneeded = () => {
          for (const store of ["outbox", "photos", "drafts", "forms", "villages", "reviews", "meta"]) {
            open.result.createObjectStore(store, { keyPath: "id" });
          }
        };
        open.onsuccess = () => {
          open.result.close();
          resolve();
        };
        open.onerror = () => reject(open.error);
      }),
  );
  const ids = await seedOutbox(page, { count: COUNT, owner: VILLAGE_HEAD.username, village: VILLAGE_HEAD.village });
  // The oldest report predates accounts: its record has no owner at all.
  await page.evaluate(
    (id) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onsuccess = () => {
          const store = open.result.transaction(["outbox"], "readwrite").objectStore("outbox");
          const get = store.get(id);
          get.onsuccess = () => {
            const record = get.result;
            delete record.owner;
            store.put(record).onsuccess = () => {
              open.result.close();
              resolve();
            };
          };
          get.onerror = () => reject(get.error);
        };
        open.onerror = () => reject(open.error);
      }),
    ids[0],
  );

  // Which requests the app makes once signed in, and how many pushes
  // overlap. (Signed out, it does ask /api/health for its connection pill.)
  let signedInAt = Infinity;
  const probes = [];
  let pushes = 0;
  let onAir = 0;
  let mostOnAir = 0;
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/api/v1/auth/login") signedInAt = Date.now();
  });
  page.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === "/api/health" && Date.now() > signedInAt) probes.push(pathname);
    if (pathname === "/api/v1/sync/push") {
      pushes += 1;
      onAir += 1;
      mostOnAir = Math.max(mostOnAir, onAir);
    }
  });
  const settled = (request) => {
    if (new URL(request.url()).pathname === "/api/v1/sync/push") onAir -= 1;
  };
  page.on("requestfinished", settled);
  page.on("requestfailed", settled);

  await page.goto(server.url);
  await openAndLogIn(page, server);
  await page.waitForFunction(
    () =>
      document.querySelectorAll("ul.reports li").length > 0 &&
      !document.querySelector("ul.reports li[data-status=waiting]") &&
      !document.querySelector("[data-waiting]:not([data-waiting='0'])"),
    null,
    { timeout: 180_000, polling: 250 },
  );
  await page.locator("[data-connection=online]").waitFor();
  await screenshot(page, "sync-1000-sent");

  // The phone: upgraded in place, every record kept and marked sent.
  const version = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onsuccess = () => {
          const db = open.result;
          const indexes = [...db.transaction("outbox").objectStore("outbox").indexNames];
          db.close();
          resolve({ version: db.version, indexes });
        };
        open.onerror = () => reject(open.error);
      }),
  );
  assert.deepEqual(version, { version: 5, indexes: ["owner", "owner_state"] });
  const records = await storedRecords(page, "outbox");
  assert.equal(records.length, COUNT, "every record kept");
  assert.equal(records.filter((record) => record.state === "sent").length, COUNT);
  assert.equal(records.find((record) => record.id === ids[0]).owner, "", "the ownerless report is indexed");

  // The server: each report once.
  const stored = await serverReportIds();
  assert.equal(stored.length, COUNT);
  assert.deepEqual([...stored].sort(), [...ids].sort());

  // The protocol: ten batches, several on the air together, no probe.
  assert.equal(pushes, COUNT / 100);
  assert.ok(mostOnAir >= 2, `at most ${mostOnAir} pushes were on the air together`);
  assert.deepEqual(probes, [], "no health probe while signed in");

  // The list: the newest thirty, and older ones on request.
  assert.equal(await page.locator("ul.reports li").count(), 30);
  await page.getByRole("button", { name: "Tampilkan laporan lebih lama" }).click();
  await page.waitForFunction(() => document.querySelectorAll("ul.reports li").length === 60);
  await page.getByRole("button", { name: "Tampilkan laporan lebih lama" }).scrollIntoViewIfNeeded();
  await screenshot(page, "sync-1000-more");
  assert.deepEqual(errors, []);
  await context.close();
});
