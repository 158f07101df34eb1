// A captive portal between the phone and the server: the hotspot answers
// every request with HTTP 200 and its own login page. Such an answer must
// never mark a report sent, and the app must say it is not connected to the
// server; once the portal lets the phone through, the report arrives once.
//
// page.route does not see the service worker's traffic, so the portal is a
// real HTTP proxy on its own port that the browser talks to.
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import { test } from "node:test";
import { newPhone, openAndLogIn, screenshot, waitForOfflineShell, withServerAndBrowser } from "./harness.mjs";

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

const PORTAL_PAGE = `<!doctype html><html><head><title>WiFi Desa - Login</title></head>
<body><h1>Selamat datang di WiFi Desa</h1><form method="post"><input name="voucher"><button>Masuk</button></form></body></html>`;

/** A forwarding proxy to `target` that can turn into a captive portal.
 * `mode` is "through", "portal" (everything is the login page) or
 * "portal-but-health" (the health check passes, everything else is the
 * login page: the push itself meets the portal). */
async function startPortalProxy(target) {
  const proxy = { mode: "through", seen: [] };
  const upstream = new URL(target);
  proxy.server = createServer((req, res) => {
    const portal =
      proxy.mode === "portal" || (proxy.mode === "portal-but-health" && req.url !== "/api/health");
    proxy.seen.push({ mode: proxy.mode, method: req.method, url: req.url, portal });
    if (portal) {
      req.resume();
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(PORTAL_PAGE);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${proxy.server.address().port}`;
  proxy.close = () => new Promise((resolve) => proxy.server.close(resolve));
  return proxy;
}

async function statusOf(page, title) {
  return page.locator("ul.reports li", { hasText: title }).getAttribute("data-status");
}

test("a captive portal's 200 never marks a report sent, and the report arrives once after it", async () => {
  const proxy = await startPortalProxy(server.url);
  const context = await newPhone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    await openAndLogIn(page, { url: proxy.url });
    await page.locator("[data-connection=online]").waitFor();
    await waitForOfflineShell(page);

    // The hotspot wants a voucher: every answer is its login page.
    proxy.mode = "portal";
    const title = "Jembatan putus di Dusun III";
    await page.selectOption("#village", "71.74.02.1003");
    await page.fill("#title", title);
    await page.fill("#body", "Jembatan kayu hanyut terbawa arus.");
    await page.click("button[type=submit]");
    await page.getByText("Tersimpan di ponsel").waitFor();
    await page.getByText("Belum tersambung ke server Kabar Desa").waitFor({ timeout: 30_000 });
    await page.locator("[data-connection=offline]").waitFor();
    assert.equal(await statusOf(page, title), "waiting");
    await screenshot(page, "captive-portal-not-connected");

    // A portal that lets the health check through: the push itself gets
    // the login page with 200, and still nothing counts as sent.
    proxy.mode = "portal-but-health";
    const pushesBefore = proxy.seen.filter((r) => r.url === "/api/v1/sync/push" && r.portal).length;
    await page.getByRole("button", { name: "Kirim sekarang" }).click();
    const deadline = Date.now() + 30_000;
    while (proxy.seen.filter((r) => r.url === "/api/v1/sync/push" && r.portal).length === pushesBefore) {
      assert.ok(Date.now() < deadline, "the phone never tried to push through the portal");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await page.getByText("Belum tersambung ke server Kabar Desa").waitFor({ timeout: 30_000 });
    assert.equal(await statusOf(page, title), "waiting");
    assert.equal((await server.api("/api/v1/reports")).reports.length, 0, "nothing reached the server");

    // Voucher entered: the portal lets the phone through.
    proxy.mode = "through";
    await page.getByRole("button", { name: "Kirim sekarang" }).click();
    await page.locator("ul.reports li[data-status=sent]", { hasText: title }).waitFor({ timeout: 60_000 });
    await page.locator("[data-connection=online]").waitFor();
    assert.equal(await page.getByText("Belum tersambung ke server Kabar Desa").count(), 0);
    await screenshot(page, "captive-portal-sent");

    // Exactly once, also after the app starts again and syncs.
    await page.reload();
    await page.locator("[data-connection=online]").waitFor();
    await page.locator("ul.reports li[data-status=sent]", { hasText: title }).waitFor();
    const { reports } = await server.api("/api/v1/reports");
    assert.deepEqual(
      reports.map((r) => r.report.answers.title),
      [title],
    );
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await proxy.close();
  }
});
