// Drafts: a half-filled form survives a reload (what a low-end phone does to
// a tab it killed in the background), switching forms, and belongs to the
// user who typed it; saving or discarding ends it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KIM_VOLUNTEER, newPhone, openAndLogIn, screenshot, storedRecords, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

/** The drafts IndexedDB holds, as `owner/form: answers`. */
async function storedDrafts(page) {
  const drafts = await storedRecords(page, "drafts");
  return Object.fromEntries(drafts.map((d) => [`${d.owner}/${d.form_id}`, JSON.parse(d.answers)]));
}

/** Waits until the drafts in IndexedDB satisfy `check`. */
async function waitForDrafts(page, check) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const drafts = await storedDrafts(page);
    if (check(drafts)) return drafts;
    if (Date.now() > deadline) throw new Error(`drafts never matched: ${JSON.stringify(drafts)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a half-filled form comes back after a reload, per form and per user, until it is saved or discarded", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await openAndLogIn(page, server);

  // Half a short report, then the tab dies.
  await page.fill("#title", "Jembatan retak");
  await page.fill("#body", "Retak di sisi timur, belum");
  await waitForDrafts(page, (d) => d["sangadi.kotobangun/laporan-singkat"]?.body === "Retak di sisi timur, belum");
  await page.reload();
  await page.locator("#village").waitFor();
  await page.getByText("Melanjutkan draf").waitFor();
  assert.equal(await page.inputValue("#title"), "Jembatan retak");
  assert.equal(await page.inputValue("#body"), "Retak di sisi timur, belum");
  await screenshot(page, "draft-restored");

  // Another form keeps its own draft; switching back restores the first.
  await page.selectOption("#form-picker", "laporan-kejadian");
  assert.equal(await page.getByText("Melanjutkan draf").count(), 0);
  await page.fill("#uraian", "Pohon tumbang menutup jalan");
  await page.selectOption("#form-picker", "laporan-singkat");
  assert.equal(await page.inputValue("#title"), "Jembatan retak");
  await waitForDrafts(page, (d) => Object.keys(d).length === 2);

  // A reload opens the form edited last.
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.fill("#uraian", "Pohon tumbang menutup jalan utama");
  await waitForDrafts(page, (d) => d["sangadi.kotobangun/laporan-kejadian"]?.uraian?.endsWith("utama"));
  await page.reload();
  await page.locator("#uraian").waitFor();
  assert.equal(await page.inputValue("#form-picker"), "laporan-kejadian");
  assert.equal(await page.inputValue("#uraian"), "Pohon tumbang menutup jalan utama");

  // Discarding asks first, then empties the form and forgets the draft.
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Buang draf" }).click();
  assert.equal(await page.inputValue("#uraian"), "");
  await waitForDrafts(page, (d) => Object.keys(d).join() === "sangadi.kotobangun/laporan-singkat");

  // Saving the report ends its draft.
  await page.selectOption("#form-picker", "laporan-singkat");
  await page.fill("#body", "Retak di sisi timur, belum diperbaiki.");
  await page.click("button[type=submit]");
  await page.locator("ul.reports .report-title", { hasText: "Jembatan retak" }).waitFor();
  await waitForDrafts(page, (d) => Object.keys(d).length === 0);
  await page.reload();
  await page.locator("#village").waitFor();
  assert.equal(await page.inputValue("#title"), "");
  assert.equal(await page.getByText("Melanjutkan draf").count(), 0);

  // On a shared phone, the next user does not get the first user's draft.
  await page.fill("#title", "Draf milik sangadi");
  await waitForDrafts(page, (d) => d["sangadi.kotobangun/laporan-singkat"]?.title === "Draf milik sangadi");
  await page.getByRole("button", { name: "Keluar" }).click();
  await openAndLogIn(page, server, KIM_VOLUNTEER);
  assert.equal(await page.inputValue("#title"), "");
  assert.equal(await page.getByText("Melanjutkan draf").count(), 0);
  assert.ok((await storedDrafts(page))["sangadi.kotobangun/laporan-singkat"], "kept for its owner");

  assert.deepEqual(errors, []);
  await context.close();
});
