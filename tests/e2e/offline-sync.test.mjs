// The walking skeleton's acceptance: a report saved with no signal reaches the
// server exactly once when the signal returns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newPhone, openAndLogIn, screenshot, waitForOfflineShell, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

async function saveReport(page, village, title, body) {
  await page.selectOption("#village", village);
  await page.fill("#title", title);
  await page.fill("#body", body);
  await page.click("button[type=submit]");
  // The notice of an earlier save may still show; the report in the list is
  // what proves this one was written.
  await page.locator("ul.reports .report-title", { hasText: title }).waitFor();
  await page.getByText("Tersimpan di ponsel").waitFor();
  // The form is cleared only after IndexedDB committed.
  assert.equal(await page.inputValue("#title"), "");
}

async function reportStatuses(page) {
  return page.$$eval("ul.reports li", (items) =>
    items.map((item) => ({
      title: item.querySelector(".report-title").textContent,
      status: item.dataset.status,
    })),
  );
}

test("reports saved offline survive a reload and arrive exactly once when the server returns", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  // Pushes travel gzipped: every byte is paid for on EDGE.
  const pushEncodings = [];
  page.on("request", (request) => {
    if (request.url().endsWith("/api/v1/sync/push")) {
      pushEncodings.push(request.allHeaders().then((headers) => headers["content-encoding"]));
    }
  });

  await openAndLogIn(page, server);
  await page.locator("[data-connection=online]").waitFor();
  await waitForOfflineShell(page);

  // No signal at all: the server is gone and the browser is offline.
  await server.stop();
  await context.setOffline(true);

  await saveReport(page, "71.74.02.1003", "Jalan rusak di Dusun II", "Lubang besar dekat masjid.");
  await saveReport(page, "71.74.02.1003", "Banjir di RT 03", "Air setinggi lutut sejak pagi.");
  assert.deepEqual(await reportStatuses(page), [
    { title: "Banjir di RT 03", status: "waiting" },
    { title: "Jalan rusak di Dusun II", status: "waiting" },
  ]);
  await screenshot(page, "offline-two-waiting");

  // Reports wait on the phone, so the user learns whether the browser may
  // wipe them: the app asked for persistent storage and shows the answer.
  const persisted = await page.evaluate(() => navigator.storage.persisted());
  await page.locator(`[data-storage-persistent="${persisted}"]`).waitFor();
  assert.equal(
    await page.getByText("Browser boleh menghapus data aplikasi ini").count(),
    persisted ? 0 : 1,
  );

  // A reload with no network still opens the app, from the service worker.
  await page.reload();
  await page.getByRole("heading", { name: "Kabar Desa" }).waitFor();
  await page.locator("ul.reports li").nth(1).waitFor();
  assert.deepEqual(
    (await reportStatuses(page)).map((r) => r.status),
    ["waiting", "waiting"],
  );

  // A deep link opens the app too.
  await page.goto(`${server.url}/laporan/baru`);
  await page.getByRole("heading", { name: "Kabar Desa" }).waitFor();
  await page.locator("ul.reports li").nth(1).waitFor();

  // The signal returns.
  await server.start();
  await context.setOffline(false);
  await page.waitForFunction(
    () => document.querySelectorAll("ul.reports li[data-status=sent]").length === 2,
    null,
    { timeout: 60_000, polling: 250 },
  );
  await screenshot(page, "online-two-sent");

  const { reports } = await server.api("/api/v1/reports");
  const titles = reports.map((r) => r.report.answers.title).sort();
  assert.deepEqual(titles, ["Banjir di RT 03", "Jalan rusak di Dusun II"]);
  assert.equal(new Set(reports.map((r) => r.report.id)).size, 2);
  const encodings = await Promise.all(pushEncodings);
  assert.ok(encodings.includes("gzip"), `push encodings: ${JSON.stringify(encodings)}`);

  // Another start of the app sends nothing again.
  await page.reload();
  await page.locator("[data-connection=online]").waitFor();
  await page.locator("ul.reports li[data-status=sent]").nth(1).waitFor();
  assert.equal((await server.api("/api/v1/reports")).reports.length, 2);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a phone that runs out of room says so before a save fails", async () => {
  const context = await newPhone(browser);
  // A nearly full phone cannot be made here, and DevTools' quota override
  // does not reach Playwright's incognito contexts, so the browser's own
  // answer is replaced: 8 MB of a 10 MB quota used.
  await context.addInitScript(() => {
    navigator.storage.estimate = async () => ({ quota: 10_000_000, usage: 8_000_000 });
  });
  const page = await context.newPage();
  await openAndLogIn(page, server);
  await page.getByText("Ruang penyimpanan hampir penuh").waitFor();
  const warning = await page.locator(".notice.storage").first().textContent();
  assert.match(warning, /Sisa: 2 MB\./);
  await context.close();
});

test("the page fits a 360 px wide phone without sideways scrolling", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  const submit = await page.locator("button[type=submit]").boundingBox();
  assert.ok(submit.height >= 44, "the save button is a comfortable touch target");
  await context.close();
});

test("a report leaves within seconds of the server coming back, with no online event", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);
  await page.locator("[data-connection=online]").waitFor();

  // The phone has signal but the server is down (a restart, a broken
  // uplink at the Data Center): the browser fires no `online` event when it
  // returns, so only the phone's own probing can notice.
  await server.stop();
  await saveReport(page, "71.74.02.1003", "Server mati sebentar", "Dicoba lagi otomatis.");
  await page.locator("[data-connection=offline]").waitFor({ timeout: 30_000 });
  // A few failed attempts in a row, as a real outage brings.
  await new Promise((resolve) => setTimeout(resolve, 8_000));

  await server.start();
  const back = Date.now();
  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 60_000 });
  const seconds = (Date.now() - back) / 1000;
  console.log(`sent ${seconds.toFixed(1)} s after the server came back`);
  // Quick retries are 2 to 4 s apart (phone_sync::QUICK_RETRIES); the
  // 30-second timer alone would take up to 30 s.
  assert.ok(seconds <= 8, `sent ${seconds} s after the server came back`);
  await context.close();
});
