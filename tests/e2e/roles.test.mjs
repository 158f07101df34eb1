// Only what the user may do: the form picker offers each role only the forms
// that role may file, as the forms' own `filed_by` says, so nobody can fill
// a form offline that the server will refuse days later.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  KIM_VOLUNTEER,
  REVIEWER,
  VILLAGE_HEAD,
  newPhone,
  openAndLogIn,
  screenshot,
  waitForOfflineShell,
  withServerAndBrowser,
} from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const FORMS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../crates/shared/data/forms");
/** Every built-in form as the phone offers it, its latest version: its id
 * and the roles that may file it. */
const FORMS = Object.values(
  readdirSync(FORMS_DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => JSON.parse(readFileSync(path.join(FORMS_DIR, name), "utf8")))
    .reduce((latest, form) => {
      if (!latest[form.id] || latest[form.id].version < form.version) latest[form.id] = form;
      return latest;
    }, {}),
);

function formsFiledBy(role) {
  return new Set(FORMS.filter((form) => form.filed_by.includes(role)).map((form) => form.id));
}

async function offeredForms(page) {
  await page.locator("#form-picker").waitFor();
  return page.$$eval("#form-picker option", (options) => options.map((option) => option.value));
}

test("a KIM volunteer is never offered a form only a village head may file", async () => {
  const headOnly = FORMS.filter((form) => !form.filed_by.includes("kim_volunteer")).map((form) => form.id);
  assert.ok(headOnly.includes("laporan-bulanan-kependudukan"), "the data still has a head-only form");

  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server, KIM_VOLUNTEER);
  const offered = await offeredForms(page);
  assert.deepEqual(new Set(offered), formsFiledBy("kim_volunteer"));
  for (const id of headOnly) assert.ok(!offered.includes(id), `${id} is offered to a volunteer`);
  assert.equal(offered[0], "laporan-singkat", "the short report comes first");
  await screenshot(page, "roles-volunteer-picker");

  // Opened again offline from what the phone remembers, the rule holds.
  await waitForOfflineShell(page);
  await context.setOffline(true);
  await page.reload();
  assert.deepEqual(new Set(await offeredForms(page)), formsFiledBy("kim_volunteer"));
  await context.close();
});

test("a village head is offered the head's forms and not the volunteers' own", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server, VILLAGE_HEAD);
  const offered = await offeredForms(page);
  assert.deepEqual(new Set(offered), formsFiledBy("village_head"));
  assert.ok(!offered.includes("catatan-kegiatan-kim"));
  await context.close();
});

test("every screen names who is signed in, and a reviewer is sent to the Command Center", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  await openAndLogIn(page, server, VILLAGE_HEAD);
  const who = page.locator(".who p");
  assert.match(await who.textContent(), new RegExp(`Masuk sebagai ${VILLAGE_HEAD.name}`));
  await page.getByRole("button", { name: "Keluar" }).click();
  await page.locator("#username").waitFor();
  assert.equal(await page.locator(".who p").count(), 0, "nobody is named once signed out");

  await page.fill("#username", REVIEWER.username);
  await page.fill("#password", REVIEWER.password);
  await page.click("button[type=submit]");
  const link = page.getByRole("link", { name: "Buka Command Center" });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), "/pusat/");
  assert.equal(await page.locator("#form-picker").count(), 0, "no form is offered to staff");
  assert.match(await page.locator(".who p").textContent(), /Masuk sebagai Petugas Command Center · seluruh Kota Kotamobagu/);
  await screenshot(page, "roles-reviewer-on-phone");
  await context.close();
});
