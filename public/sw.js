// Kabar Desa service worker: keeps the app shell on the phone so the app opens
// with no signal at all, on any path.
//
// The shell is the page plus every asset it names. Trunk puts a content hash
// in each asset's name, so the list of assets is read from the page itself
// rather than kept here. A new version is installed atomically: its page and
// all its assets are fetched first, and only then does the cached page switch
// over, so an interrupted download on a weak link never leaves a page whose
// assets are missing.
//
// The API (/api/) is never cached here: reports live in IndexedDB, and the
// app must see real failures to know when it is offline.

const SHELL_CACHE = "kabar-desa-shell-v1";
const PAGE = "/index.html";
// When the cached shell last changed to a new version (milliseconds).
const SWAPPED_AT = "/__kabar-desa-swapped-at";
const STATIC_FILES = ["/manifest.webmanifest", "/icon-192.png", "/icon-512.png"];
// Minified HTML drops attribute quotes, so match asset paths anywhere.
const ASSET_PATTERN = /\/[A-Za-z0-9._\-\/]+\.(?:js|wasm|css|png|svg|webmanifest)/g;

self.addEventListener("install", (event) => {
  event.waitUntil(refreshShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // The Command Center (/pusat/) is another app with its own page; this
  // worker must never answer for it.
  if (
    request.method !== "GET" ||
    url.origin !== self.location.origin ||
    url.pathname.startsWith("/api/") ||
    url.pathname === "/pusat" ||
    url.pathname.startsWith("/pusat/")
  ) {
    return;
  }
  // The public information page, its feeds and photos are the server's own
  // pages, not the app: always from the network.
  if (url.pathname === "/publik" || url.pathname.startsWith("/publik/")) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(servePage(event));
    return;
  }
  event.respondWith(serveAsset(request));
});

// Serves the cached page at once (no waiting on a slow link), and looks for a
// newer version in the background for the next start.
async function servePage(event) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(PAGE);
  if (cached) {
    event.waitUntil(refreshShell().catch(() => {}));
    return cached;
  }
  try {
    return await fetch(event.request);
  } catch (error) {
    return new Response(
      "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
        "<p style='font:18px sans-serif;padding:1em'>Tidak ada sinyal. Buka aplikasi sekali saat ada sinyal, " +
        "lalu aplikasi bisa dipakai tanpa sinyal.<br><br>No signal. Open the app once while online; " +
        "after that it works offline.</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } },
    );
  }
}

async function serveAsset(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    cache.put(request, response.clone());
  }
  return response;
}

let refreshing = null;

// Fetches the current page and every asset it names, then swaps the cached
// page. Concurrent calls share one refresh.
function refreshShell() {
  if (!refreshing) {
    refreshing = doRefreshShell().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefreshShell() {
  const cache = await caches.open(SHELL_CACHE);
  // Revalidated, not downloaded again: the server answers 304 when the page
  // has not changed since the copy in the HTTP cache (its Last-Modified), so
  // a first visit pays for the page once and a start with signal pays a few
  // hundred bytes of headers, not the page.
  const pageResponse = await fetch("/", { cache: "no-cache" });
  if (!pageResponse.ok) {
    throw new Error("page fetch failed: " + pageResponse.status);
  }
  const html = await pageResponse.clone().text();
  const cachedPage = await cache.match(PAGE);
  if (cachedPage && (await cachedPage.text()) === html) {
    return;
  }
  const assets = new Set(STATIC_FILES);
  for (const match of html.matchAll(ASSET_PATTERN)) {
    if (match[0] !== "/sw.js") {
      assets.add(match[0]);
    }
  }
  const missing = [];
  for (const asset of assets) {
    if (!(await cache.match(asset))) {
      missing.push(asset);
    }
  }
  const responses = await Promise.all(
    missing.map(async (asset) => {
      // A content-hashed file never changes, so the copy the page itself
      // just loaded (in the HTTP cache) is the right one: a first visit then
      // downloads each byte once. Unhashed files are revalidated.
      const response = await fetch(asset, { cache: isHashed(asset) ? "default" : "no-cache" });
      if (!response.ok) {
        throw new Error("asset fetch failed: " + asset + " " + response.status);
      }
      return [asset, response];
    }),
  );
  for (const [asset, response] of responses) {
    await cache.put(asset, response);
  }
  await cache.put(PAGE, pageResponse);
  // A page already open runs the old version: it learns so from the time of
  // this swap (a page that started before it is old, see index.html) and
  // offers a reload when the user is ready, never in the middle of a form.
  if (cachedPage) {
    await cache.put(SWAPPED_AT, new Response(String(Date.now())));
    for (const client of await self.clients.matchAll({ type: "window" })) {
      client.postMessage({ type: "kabar-desa-updated" });
    }
  }
  // Assets no page names any more only take the phone's storage.
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (path !== PAGE && path !== SWAPPED_AT && !assets.has(path)) {
      await cache.delete(request);
    }
  }
}

// Trunk's content hash is a 16-hex-digit part of the file name, as the
// server's cache policy (app_shell.rs) also recognises it.
function isHashed(path) {
  const name = path.split("/").pop();
  return name.split(/[-.]/).some((part) => /^[0-9a-f]{16}$/i.test(part));
}
