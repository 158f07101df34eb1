// The phone's sync on a slow link and a full outbox (issue #13, items 3 and
// 4), run by load.mjs through `cargo xtask bench`:
//
// - 1,000 varied waiting reports, the app opened (shell from the service
//   worker) through one shaped link of 800 ms round trip and 200 kbit/s
//   each way: the time from the navigation until the phone shows every
//   report sent (no report row waiting, no waiting count), the bytes the
//   phone sent per report, and how the pushes overlapped.
// - 10,000 reports in the outbox, a 4x slower CPU: the time from the
//   navigation until the form picker answers, and how long saving one more
//   short report takes (the 95th percentile of 20 saves through the form).
import { VILLAGE_HEAD, newPhone, openAndLogIn, storedRecords, waitForOfflineShell } from "../e2e/harness.mjs";
import { seedOutbox } from "../e2e/outbox-seed.mjs";
import { startShapedLink } from "./shaped-link.mjs";

export const SYNC_LINK = { rttMs: 800, downKbps: 200, upKbps: 200 };
const SYNC_REPORTS = 1_000;
const BIG_OUTBOX = 10_000;
const SAVES = 20;
const CPU_SLOWDOWN = 4;

/** Records, in the page, when every report first shows as sent: the time
 * since the navigation began (performance.now()), once. */
function recordAllSent() {
  const allSent = () =>
    document.querySelectorAll("ul.reports li").length > 0 &&
    !document.querySelector("ul.reports li[data-status=waiting]") &&
    !document.querySelector("[data-waiting]:not([data-waiting='0'])");
  const observer = new MutationObserver(() => {
    if (window.__allSentAt === undefined && allSent()) {
      window.__allSentAt = performance.now();
      observer.disconnect();
    }
  });
  const start = () =>
    observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true });
  if (document.documentElement) start();
  else document.addEventListener("DOMContentLoaded", start);
}

/** 1,000 waiting reports over the shaped link. */
export async function measureSlowLinkSync({ server, browser }) {
  const link = await startShapedLink({ target: server.url, ...SYNC_LINK });
  const context = await newPhone(browser);
  const page = await context.newPage();
  try {
    // The first visit and the login cross the slow link too; they are not
    // timed, and take most of a minute (the shell is about 330 KB). The
    // service worker then holds the shell, as on a phone that has used the
    // app before.
    page.setDefaultTimeout(180_000);
    await page.goto(link.url);
    await openAndLogIn(page, { url: link.url });
    await waitForOfflineShell(page);
    await page.locator("[data-connection=online]").waitFor({ timeout: 120_000 });
    // A page of the origin that does not run the app, to fill the outbox.
    await page.goto(`${link.url}/api/health`);
    const ids = await seedOutbox(page, {
      count: SYNC_REPORTS,
      owner: VILLAGE_HEAD.username,
      village: VILLAGE_HEAD.village,
    });
    const pushes = [];
    let onAir = 0;
    let mostOnAir = 0;
    page.on("request", (request) => {
      if (!request.url().endsWith("/api/v1/sync/push")) return;
      onAir += 1;
      mostOnAir = Math.max(mostOnAir, onAir);
      pushes.push(Date.now());
    });
    const settled = (request) => {
      if (request.url().endsWith("/api/v1/sync/push")) onAir -= 1;
    };
    page.on("requestfinished", settled);
    page.on("requestfailed", settled);
    await page.addInitScript(recordAllSent);
    link.resetBytes();
    const navigated = Date.now();
    await page.goto(link.url);
    await page.waitForFunction(() => window.__allSentAt !== undefined, null, { timeout: 300_000, polling: 200 });
    const allSentMs = await page.evaluate(() => window.__allSentAt);
    const bytes = { ...link.bytes };
    const firstPushMs = pushes.length ? pushes[0] - navigated : Number.NaN;
    // What the phone and the server hold: every report sent, each stored once.
    const records = await storedRecords(page, "outbox");
    const sent = records.filter((record) => record.state === "sent" && ids.includes(record.id)).length;
    if (sent !== SYNC_REPORTS) throw new Error(`only ${sent} of ${SYNC_REPORTS} reports are marked sent`);
    return {
      reports: SYNC_REPORTS,
      link: SYNC_LINK,
      allSentMs,
      firstPushMs,
      pushRequests: pushes.length,
      mostPushesOnAir: mostOnAir,
      bytesUp: bytes.up,
      bytesDown: bytes.down,
      bytesUpPerReport: bytes.up / SYNC_REPORTS,
      bytesDownPerReport: bytes.down / SYNC_REPORTS,
    };
  } finally {
    await context.close();
    await link.close();
  }
}

/** 10,000 reports on the phone, 4x slower CPU: start to a usable form
 * picker, and the time to save one more report. */
export async function measureBigOutbox({ server, browser }) {
  const context = await newPhone(browser);
  const page = await context.newPage();
  try {
    await openAndLogIn(page, server);
    await waitForOfflineShell(page);
    await page.locator("[data-connection=online]").waitFor({ timeout: 60_000 });
    const session = await context.newCDPSession(page);
    await session.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    // The same start with an empty outbox, for comparison: what the
    // machine and the app's own start cost, before any report.
    const emptyStarts = await usablePickerStarts(page, server);
    await session.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    await page.goto(`${server.url}/api/health`);
    // Sent long ago, as on a phone used for years: none of them is pushed,
    // so the start measures reading and drawing, not the network.
    await seedOutbox(page, {
      count: BIG_OUTBOX,
      owner: VILLAGE_HEAD.username,
      village: VILLAGE_HEAD.village,
      state: "sent",
    });
    await session.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    const starts = await usablePickerStarts(page, server);
    // The saves: a short report through the form, from the click to the
    // notice that it is stored (after IndexedDB's strict commit), and to
    // its row in the list (the list's reread and drawing too). First as a
    // village head saves, with the phone idle (the last save's sync has
    // ended: filling a form takes longer than a sync); then back to back,
    // each save as soon as the last one's row shows, while its sync still
    // reads and writes the outbox.
    await page.locator("ul.reports li").first().waitFor();
    const idle = await timedSaves(page, { from: 1, waitForIdle: true });
    const backToBack = await timedSaves(page, { from: SAVES + 1, waitForIdle: false });
    const sorted = (values) => [...values].sort((a, b) => a - b);
    const p95 = (values) => sorted(values)[Math.ceil(0.95 * values.length) - 1];
    const median = (values) => sorted(values)[Math.floor(values.length / 2)];
    return {
      reports: BIG_OUTBOX,
      cpuSlowdown: CPU_SLOWDOWN,
      usablePickerMs: median(starts),
      usablePickerRunsMs: starts,
      usablePickerEmptyOutboxMs: median(emptyStarts),
      usablePickerEmptyOutboxRunsMs: emptyStarts,
      saveP95Ms: p95(idle.saves),
      saveMedianMs: median(idle.saves),
      saveToListedP95Ms: p95(idle.listed),
      saveToListedMedianMs: median(idle.listed),
      backToBackSaveP95Ms: p95(backToBack.saves),
      backToBackSaveMedianMs: median(backToBack.saves),
      backToBackSaveToListedP95Ms: p95(backToBack.listed),
    };
  } finally {
    await context.close();
  }
}

/** SAVES reports saved through the form, numbered from `from`: for each,
 * the time from the click to "Tersimpan" and to its row in the list. With
 * `waitForIdle`, each save waits until the last one is sent and the phone
 * is online and not sending. */
async function timedSaves(page, { from, waitForIdle }) {
  const saves = [];
  const listed = [];
  for (let i = from; i < from + SAVES; i++) {
    if (waitForIdle) {
      await page.waitForFunction(
        () =>
          document.querySelector("[data-connection=online]") &&
          !document.querySelector("ul.reports li[data-status=waiting], ul.reports li[data-status=sending]"),
        null,
        { timeout: 60_000, polling: 50 },
      );
    }
    await page.selectOption("#village", VILLAGE_HEAD.village);
    await page.fill("#title", `Laporan uji simpan ${i}`);
    await page.fill("#body", "Disimpan di ponsel dengan sepuluh ribu laporan.");
    const before = await page.locator("ul.reports .report-title", { hasText: `Laporan uji simpan ${i}` }).count();
    if (before !== 0) throw new Error("the title is already listed");
    const took = await page.evaluate(
      (title) =>
        new Promise((resolve) => {
          const started = performance.now();
          let toldAt;
          const observer = new MutationObserver(() => {
            // The form clears the last save's notice when it is tapped.
            if (toldAt === undefined && document.querySelector("p.notice.ok[role=status]")) {
              toldAt = performance.now() - started;
            }
            const saved = [...document.querySelectorAll("ul.reports .report-title")].some(
              (element) => element.textContent === title,
            );
            if (saved && toldAt !== undefined) {
              observer.disconnect();
              resolve({ told: toldAt, listed: performance.now() - started });
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
          document.querySelector("button[type=submit]").click();
        }),
      `Laporan uji simpan ${i}`,
    );
    saves.push(took.told);
    listed.push(took.listed);
  }
  return { saves, listed };
}

/** Three starts of the app (median taken by the caller): from the
 * navigation until the form picker is on screen and the page answers an
 * evaluate, which it cannot while it is still reading or drawing. */
async function usablePickerStarts(page, server) {
  const starts = [];
  for (let run = 0; run < 3; run++) {
    const started = Date.now();
    await page.goto(server.url);
    await page.locator("#form-picker").waitFor({ timeout: 60_000 });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    starts.push(Date.now() - started);
  }
  return starts;
}

/** Both measurements, for load.mjs's table. */
export async function measureSync({ server, browser }) {
  return {
    slowLink: await measureSlowLinkSync({ server, browser }),
    bigOutbox: await measureBigOutbox({ server, browser }),
  };
}

/** The rows this file adds to the bench's table: figure, value, goal, and
 * whether lower or higher is better. */
export function syncRows(sync) {
  return [
    ["1,000 reports sent, 800 ms / 200 kbps (ms)", sync.slowLink.allSentMs, 8_000, "lower"],
    ["sync bytes up per report, on the link (B)", sync.slowLink.bytesUpPerReport, 150, "lower"],
    ["10,000-report phone: form picker usable, 4x CPU (ms)", sync.bigOutbox.usablePickerMs, 500, "lower"],
    ["10,000-report phone: save p95 to Tersimpan, 4x CPU (ms)", sync.bigOutbox.saveP95Ms, 50, "lower"],
    ["  the same, saves back to back during syncs (ms)", sync.bigOutbox.backToBackSaveP95Ms, Number.NaN, "lower"],
  ];
}

// Run alone (after `cargo xtask bench` or `cargo xtask e2e` built the app
// and the server): `node tests/bench/sync.mjs`, with KABAR_SERVER_BIN and
// KABAR_APP_DIR as for the end-to-end tests.
if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  const { TestServer, launchBrowser } = await import("../e2e/harness.mjs");
  const server = await TestServer.create();
  const browser = await launchBrowser();
  try {
    const sync = await measureSync({ server, browser });
    for (const [name, value, goal] of syncRows(sync)) {
      console.log(`${name.padEnd(55)} ${Math.round(value).toString().padStart(8)} ${goal.toString().padStart(8)} ${(value / goal).toFixed(2)}`);
    }
    console.log(JSON.stringify(sync));
  } finally {
    await browser.close();
    await server.destroy();
  }
}
