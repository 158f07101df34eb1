// The browser killed right after "Tersimpan": a phone's battery dies or
// Android kills Chrome the moment the user saw the report saved. Chromium
// runs on a profile directory of its own, is killed with SIGKILL by its
// process id as soon as the notice shows, and starts again on the same
// profile: the report is there, and it reaches the server exactly once.
//
// Playwright does not expose the process of a persistent context, so the
// test starts Chromium itself and connects over the DevTools protocol.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { TestServer, VILLAGE_HEAD, screenshot, waitForOfflineShell } from "./harness.mjs";

const CHROMIUM = process.env.KABAR_CHROMIUM ?? "/usr/bin/chromium";

/** Chromium on `profile`, headless, with its process and a CDP connection. */
async function startChromium(profile) {
  const child = spawn(
    CHROMIUM,
    [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--remote-debugging-port=0",
      "--lang=id-ID",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    // Its own process group, so the kill reaches the renderers too, as a
    // phone's dead battery does.
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  const endpoint = await new Promise((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${stderr}`)), 30_000);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const match = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`Chromium exited (${code}): ${stderr}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const context = browser.contexts()[0];
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 360, height: 640 });
  return { child, browser, page };
}

async function killHard({ child }) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid, "SIGKILL");
  await exited;
}

test("a report saved right before the browser is killed is there after a restart and syncs once", async () => {
  const server = await TestServer.create();
  const profile = mkdtempSync(path.join(tmpdir(), "kabar-profile-"));
  let chromiumRun;
  try {
    chromiumRun = await startChromium(profile);
    let { page } = chromiumRun;
    await page.goto(server.url);
    await page.fill("#username", VILLAGE_HEAD.username);
    await page.fill("#password", VILLAGE_HEAD.password);
    await page.click("button[type=submit]");
    await page.locator("#village").waitFor();
    await page.locator("[data-connection=online]").waitFor();
    await waitForOfflineShell(page);

    // No server: the report must wait on the phone.
    await server.stop();
    const title = "Tanah longsor di jalan kebun";
    await page.selectOption("#village", VILLAGE_HEAD.village);
    await page.fill("#title", title);
    await page.fill("#body", "Jalan tertutup tanah sepanjang 20 meter.");
    await page.click("button[type=submit]");
    await page.getByText("Tersimpan di ponsel").waitFor({ timeout: 10_000 });
    await killHard(chromiumRun);
    chromiumRun = undefined;

    // The phone starts again, the server is back.
    await server.start();
    chromiumRun = await startChromium(profile);
    page = chromiumRun.page;
    await page.goto(server.url);
    // The session cookie may not have reached the disk before the kill;
    // the report waits for its author either way.
    const loginOrApp = await Promise.race([
      page.locator("#username").waitFor().then(() => "login", () => "gone"),
      page.locator("#village").waitFor().then(() => "app", () => "gone"),
    ]);
    if (loginOrApp === "login") {
      await page.fill("#username", VILLAGE_HEAD.username);
      await page.fill("#password", VILLAGE_HEAD.password);
      await page.click("button[type=submit]");
      await page.locator("#village").waitFor();
    }
    await page.locator("ul.reports li", { hasText: title }).waitFor({ timeout: 30_000 });
    await page.locator("ul.reports li[data-status=sent]", { hasText: title }).waitFor({ timeout: 60_000 });
    await screenshot(page, "browser-killed-report-sent");

    const { reports } = await server.api("/api/v1/reports");
    assert.deepEqual(
      reports.map((r) => r.report.answers.title),
      [title],
    );
  } finally {
    if (chromiumRun) await killHard(chromiumRun).catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    await server.destroy();
  }
});
