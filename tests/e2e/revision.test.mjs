// A report sent back is fixed on the phone and sent again as a new version
// of the same report; a report not sent yet can be deleted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newPhone, openAndLogIn, screenshot, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

async function asReviewer(path, init = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", cookie: server.reviewerCookie },
  });
  const text = await response.text();
  assert.ok(response.ok, `${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

test("a sangadi fixes a returned report and the server keeps both versions of one report", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);

  await page.fill("#title", "Lampu jalan padam");
  await page.fill("#body", "Tiga lampu padam sejak Senin.");
  await page.click("button[type=submit]");
  const item = page.locator("ul.reports li").first();
  await page.locator("ul.reports li[data-status=sent]").waitFor({ timeout: 30_000 });
  const id = await item.getAttribute("data-report-id");

  await asReviewer(`/api/v1/reports/${id}/review`, {
    method: "POST",
    body: JSON.stringify({ status: "needs_revision", comment: "Judul kurang jelas: mohon sebutkan nama jalannya." }),
  });
  await page.reload();
  await page.locator("ul.reports li [data-review=needs_revision]").waitFor({ timeout: 30_000 });

  // Tapping the title opens the report with its answers and the note on top.
  await page.getByRole("button", { name: /Lampu jalan padam/ }).click();
  const note = page.locator(".reviewer-note");
  await note.waitFor();
  assert.match(await note.textContent(), /mohon sebutkan nama jalannya\./);
  // The field the note names is marked; the others are not.
  await page.locator(".field.remarked[data-field=title] .field-remark").waitFor();
  assert.equal(await page.locator(".field.remarked").count(), 1);
  assert.equal(await page.inputValue("#title"), "Lampu jalan padam");
  await page.fill("#title", "Lampu Jalan Ahmad Yani padam");
  await screenshot(page, "revision-open");
  await page.getByRole("button", { name: "Simpan perbaikan" }).click();

  await page.getByText("Perbaikan tersimpan di ponsel").waitFor();
  await page.locator(`ul.reports li[data-report-id="${id}"][data-status=sent]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator("ul.reports li").count(), 1, "still one report on the phone");
  assert.equal(
    await page.locator("ul.reports li [data-review=needs_revision]").count(),
    0,
    "the old request for changes no longer shows against the fixed version",
  );

  const { versions } = await asReviewer(`/api/v1/reports/${id}/versions`);
  assert.equal(versions.length, 2, JSON.stringify(versions));
  const titles = versions.map((version) => JSON.stringify(version)).join("\n");
  assert.match(titles, /Lampu jalan padam/);
  assert.match(titles, /Lampu Jalan Ahmad Yani padam/);

  // The fixed version waits for the Command Center: it opens read-only.
  await page.getByRole("button", { name: /Ahmad Yani/ }).click();
  await page.locator("fieldset.read-only").waitFor();
  assert.ok(await page.locator("#title").isDisabled());
  await page.getByRole("button", { name: /Kembali ke daftar/ }).click();
  await context.close();
});

test("a report still waiting can be deleted after a confirmation, a sent one cannot", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server);
  await context.setOffline(true);
  await page.fill("#title", "Salah ketik");
  await page.fill("#body", "Laporan ini dibuat tidak sengaja.");
  await page.click("button[type=submit]");
  await page.locator("ul.reports li[data-status=waiting]").waitFor();

  await page.getByRole("button", { name: /Salah ketik/ }).click();
  await page.locator("fieldset.read-only").waitFor();
  // Declining the confirmation keeps the report.
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.getByRole("button", { name: /Hapus laporan ini/ }).click();
  await page.getByRole("button", { name: /Kembali ke daftar/ }).click();
  assert.equal(await page.locator("ul.reports li[data-status=waiting]").count(), 1);

  await page.getByRole("button", { name: /Salah ketik/ }).click();
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: /Hapus laporan ini/ }).click();
  await page.getByText("Belum ada laporan.").waitFor();

  // Back online, nothing reaches the server.
  await context.setOffline(false);
  await page.reload();
  await page.getByText("Belum ada laporan.").waitFor();
  const listed = await asReviewer(`/api/v1/reports?village=71.74.02.1003`);
  assert.ok(!JSON.stringify(listed).includes("Salah ketik"));
  await context.close();
});
