// Shared set-up for the end-to-end tests: a real kabar-server on a free
// loopback port with its own SQLite file, and Debian's Chromium driven by
// playwright-core.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const SERVER_BIN = process.env.KABAR_SERVER_BIN ?? path.join(ROOT, "target/debug/kabar-server");
export const APP_DIR = process.env.KABAR_APP_DIR ?? path.join(ROOT, "dist");
export const SCREENSHOT_DIR = path.join(ROOT, "target/e2e-screenshots");
const CHROMIUM = process.env.KABAR_CHROMIUM ?? "/usr/bin/chromium";

async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The accounts every end-to-end test can use. */
export const VILLAGE_HEAD = {
  username: "sangadi.kotobangun",
  password: "rahasia-desa-2026",
  village: "71.74.02.1003",
  name: "Lurah Kotobangun",
};
export const KIM_VOLUNTEER = {
  username: "relawan.moyag",
  password: "rahasia-relawan-2026",
  village: "71.74.02.2001",
  name: "Relawan KIM Moyag",
};
export const REVIEWER = { username: "petugas.cc", password: "rahasia-command-center", name: "Petugas Command Center" };

/** A kabar-server that can be stopped and started again on the same port and
 * database, as a phone sees the city's server come and go. */
export class TestServer {
  /** `serverArgs` are added to the server's command line (mail options, for one). */
  static async create({ serverArgs = [], appDir = APP_DIR } = {}) {
    const server = new TestServer();
    server.serverArgs = serverArgs;
    server.appDir = appDir;
    server.port = await freePort();
    server.dir = mkdtempSync(path.join(tmpdir(), "kabar-e2e-"));
    server.url = `http://127.0.0.1:${server.port}`;
    server.admin(
      ["user", "create", "--username", VILLAGE_HEAD.username, "--role", "village-head"],
      ["--village", VILLAGE_HEAD.village, "--name", VILLAGE_HEAD.name],
      VILLAGE_HEAD.password,
    );
    server.admin(
      ["user", "create", "--username", KIM_VOLUNTEER.username, "--role", "kim-volunteer"],
      ["--village", KIM_VOLUNTEER.village, "--name", KIM_VOLUNTEER.name],
      KIM_VOLUNTEER.password,
    );
    server.admin(["user", "create", "--username", REVIEWER.username, "--role", "reviewer"], ["--name", REVIEWER.name], REVIEWER.password);
    await server.start();
    server.reviewerCookie = await server.login(REVIEWER);
    return server;
  }

  storageArgs() {
    return ["--database", path.join(this.dir, "kabar.db"), "--photo-dir", path.join(this.dir, "photos")];
  }

  /** Runs an admin command of the server binary, as Diskominfo would. */
  admin(command, options, password) {
    const result = spawnSync(SERVER_BIN, [...this.storageArgs(), ...command, ...options, "--password-stdin"], {
      input: `${password}\n`,
      encoding: "utf8",
    });
    if (result.status !== 0) {
      throw new Error(`kabar-server ${command.join(" ")} failed: ${result.stderr}`);
    }
  }

  async login({ username, password }) {
    const response = await fetch(`${this.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password, device_id: "e2e-checker", device_name: "e2e" }),
    });
    if (!response.ok) throw new Error(`login as ${username}: ${response.status} ${await response.text()}`);
    return response.headers.get("set-cookie").split(";")[0];
  }

  async start() {
    this.process = spawn(
      SERVER_BIN,
      ["--listen", `127.0.0.1:${this.port}`, ...this.storageArgs(), "--app-dir", this.appDir ?? APP_DIR, ...(this.serverArgs ?? [])],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "warn" } },
    );
    this.stderr = "";
    this.process.stderr.on("data", (chunk) => (this.stderr += chunk));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) {
        throw new Error(`kabar-server exited early: ${this.stderr}`);
      }
      try {
        const response = await fetch(`${this.url}/api/health`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`kabar-server did not become healthy: ${this.stderr}`);
  }

  async stop() {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGTERM");
    await exited;
  }

  /** A GET as the Command Center reviewer, who sees every village. */
  async api(pathname) {
    const response = await fetch(`${this.url}${pathname}`, { headers: { cookie: this.reviewerCookie } });
    if (!response.ok) throw new Error(`${pathname}: ${response.status}`);
    return response.json();
  }

  async destroy() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A phone-sized context: 360×640, touch, Indonesian locale, WITA clock;
 * `options` adds to it (`bypassCSP` for accessibility checks). */
export async function newPhone(browser, options = {}) {
  return browser.newContext({
    ...options,
    viewport: { width: 360, height: 640 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "id-ID",
    timezoneId: "Asia/Makassar",
  });
}

/** Opens the app and logs in as the village head. */
export async function openAndLogIn(page, server, account = VILLAGE_HEAD) {
  if (page.url() !== `${server.url}/`) await page.goto(server.url);
  await page.fill("#username", account.username);
  await page.fill("#password", account.password);
  await page.click("button[type=submit]");
  await page.locator("#village").waitFor();
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Every record of one IndexedDB store of the app, as the page reads it. */
export async function storedRecords(page, storeName) {
  return page.evaluate(
    (storeName) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction(storeName).objectStore(storeName).getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            db.close();
            resolve(request.result);
          };
        };
      }),
    storeName,
  );
}

/** Waits until the service worker controls the page and holds the shell. */
export async function waitForOfflineShell(page) {
  await page.waitForFunction(
    async () => {
      const registration = await navigator.serviceWorker.ready;
      if (!registration.active || !navigator.serviceWorker.controller) return false;
      const cache = await caches.open("kabar-desa-shell-v1");
      const page = await cache.match("/index.html");
      if (!page) return false;
      const assets = (await cache.keys()).map((request) => new URL(request.url).pathname);
      return assets.some((p) => p.endsWith(".wasm")) && assets.some((p) => p.endsWith(".js"));
    },
    null,
    { timeout: 30_000, polling: 200 },
  );
}

/** Starts one server and one browser for a test file and stops them after
 * its last test; `use` receives `{ server, browser }` once they run. */
export function withServerAndBrowser(use, options = {}) {
  const started = {};
  before(async () => {
    started.server = await TestServer.create(options);
    started.browser = await launchBrowser();
    use(started);
  });
  after(async () => {
    await started.browser?.close();
    await started.server?.destroy();
  });
}

const AXE = path.join(ROOT, "node_modules/axe-core/axe.min.js");

/** axe-core's serious and critical findings on the page as it is now. The
 * page's context needs `bypassCSP: true`: axe is injected as a script. */
export async function seriousAccessibilityProblems(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations
    .filter((violation) => ["serious", "critical"].includes(violation.impact))
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}
