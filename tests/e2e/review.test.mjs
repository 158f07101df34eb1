// The Command Center's word reaches the village head's phone: a reviewer
// sends a report back with a comment, and the phone shows it on its next sync.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIM_VOLUNTEER, newPhone, openAndLogIn, screenshot, storedRecords, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

test("a reviewer's request for changes and comment show on the phone after a sync", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);

  // A village head's account offers only their own village.
  const villages = await page.$$eval("#village option", (options) => options.map((o) => o.value).filter(Boolean));
  assert.deepEqual(villages, ["71.74.02.1003"]);

  await page.fill("#title", "Lampu jalan padam");
  await page.fill("#body", "Tiga lampu di jalan utama padam sejak Senin.");
  await page.click("button[type=submit]");
  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 30_000 });
  const id = await page.getAttribute("ul.reports li", "data-report-id");

  const review = await fetch(`${server.url}/api/v1/reports/${id}/review`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: server.reviewerCookie },
    body: JSON.stringify({ status: "needs_revision", comment: "Mohon sebutkan nama jalannya." }),
  });
  assert.equal(review.status, 200, await review.text());

  // Opening the app syncs: push (nothing waits) and pull (the review).
  await page.reload();
  await page.locator("ul.reports li [data-review=needs_revision]").waitFor({ timeout: 30_000 });
  const item = page.locator("ul.reports li").first();
  assert.match(await item.textContent(), /Perlu perbaikan/);
  assert.match(await item.textContent(), /Petugas Command Center: Mohon sebutkan nama jalannya\./);
  await screenshot(page, "review-needs-revision");

  // The pull also brought the reference data the phone keeps in IndexedDB
  // for offline use.
  const parsed = async (store) => (await storedRecords(page, store)).flatMap((record) => JSON.parse(record.json));
  const cached = { forms: await parsed("forms"), villages: await parsed("villages") };
  assert.ok(cached.forms.some((form) => form.id === "laporan-kejadian"));
  assert.deepEqual(
    cached.villages.map((village) => village.code),
    ["71.74.02.1003"],
  );

  // Logging out forgets the user's identity and review news on this phone.
  await page.getByRole("button", { name: "Keluar" }).click();
  await page.locator("#username").waitFor();
  assert.deepEqual(await storedRecords(page, "reviews"), []);
  assert.deepEqual(await storedRecords(page, "villages"), []);
  // Only the phone's own mark that its outbox is indexed stays: no pull
  // cursor and no approved reports of the user who left.
  assert.deepEqual(
    (await storedRecords(page, "meta")).map((record) => record.id),
    ["outbox_indexed"],
    "no pull cursor, no approved reports",
  );
  assert.equal(await page.evaluate(() => localStorage.getItem("kabar-desa.session")), null);

  // The next person on this shared phone sees none of the first one's reports.
  await openAndLogIn(page, server, KIM_VOLUNTEER);
  await page.getByText("Belum ada laporan.").waitFor();
  const villagesNow = await page.$$eval("#village option", (options) => options.map((o) => o.value).filter(Boolean));
  assert.deepEqual(villagesNow, [KIM_VOLUNTEER.village]);
  await context.close();
});
