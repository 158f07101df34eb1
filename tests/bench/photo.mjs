// A camera photo on its way to the outbox: how long a 12-megapixel JPEG
// takes to become the photo the phone keeps and uploads, at 4x slower CPU,
// and how large that photo is.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newPhone, openAndLogIn } from "../e2e/harness.mjs";

/** A 4000×3000 JPEG at quality 0.92, drawn in the page to look like a
 * photo to a JPEG encoder: gradients, a few hundred soft shapes and sensor
 * noise, so it weighs what a phone camera's does (several MB), which a
 * flat test picture would not. */
async function cameraPhoto(page, seed) {
  const base64 = await page.evaluate(async (seed) => {
    let state = seed;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const [width, height] = [4000, 3000];
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d");
    const sky = context.createLinearGradient(0, 0, 0, height);
    sky.addColorStop(0, "#7fb2e5");
    sky.addColorStop(0.45, "#dfe9f2");
    sky.addColorStop(0.5, "#5d7d3a");
    sky.addColorStop(1, "#3b4f25");
    context.fillStyle = sky;
    context.fillRect(0, 0, width, height);
    for (let i = 0; i < 400; i++) {
      const hue = Math.floor(random() * 360);
      context.fillStyle = `hsla(${hue}, ${30 + random() * 40}%, ${25 + random() * 50}%, ${0.3 + random() * 0.6})`;
      context.beginPath();
      context.ellipse(random() * width, random() * height, 20 + random() * 400, 20 + random() * 300, random() * Math.PI, 0, 2 * Math.PI);
      context.fill();
    }
    const pixels = context.getImageData(0, 0, width, height);
    for (let i = 0; i < pixels.data.length; i += 4) {
      const noise = (random() - 0.5) * 24;
      pixels.data[i] += noise;
      pixels.data[i + 1] += noise;
      pixels.data[i + 2] += noise;
    }
    context.putImageData(pixels, 0, 0);
    const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }, seed);
  return Buffer.from(base64, "base64");
}

/** Median time from picking the photo to its thumbnail, and the median
 * size of the kept JPEG, over `runs` photos. */
export async function photoPipeline(browser, server, { runs = 3, cpuSlowdown = 4 } = {}) {
  const results = [];
  for (let run = 0; run < runs; run++) {
    const context = await newPhone(browser);
    const page = await context.newPage();
    await openAndLogIn(page, server);
    await page.locator("#form-picker").waitFor();
    await page.selectOption("#form-picker", "laporan-kejadian");
    await page.locator("#foto-file").waitFor({ state: "attached" });
    const photo = await cameraPhoto(page, 7 + run);
    // Picked as a file on disk, as a phone's camera or gallery hands it
    // over. Given as a buffer, playwright would rebuild the 5 MB in the
    // page's JavaScript from base64, on the throttled main thread: seconds
    // that no phone spends.
    const folder = mkdtempSync(path.join(tmpdir(), "kabar-desa-photo-"));
    const file = path.join(folder, "IMG_0001.jpg");
    writeFileSync(file, photo);
    const session = await context.newCDPSession(page);
    await session.send("Emulation.setCPUThrottlingRate", { rate: cpuSlowdown });
    const started = Date.now();
    await page.setInputFiles("#foto-file", file);
    await page.locator("#foto li[data-photo] img[src^='blob:']").waitFor({ timeout: 60_000 });
    const ms = Date.now() - started;
    await session.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    const keptBytes = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open("kabar-desa");
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const request = open.result.transaction("photos").objectStore("photos").getAll();
            request.onerror = () => reject(request.error);
            request.onsuccess = () => {
              open.result.close();
              const bytes = request.result[0]?.bytes;
              resolve(bytes?.byteLength ?? bytes?.length ?? Number.NaN);
            };
          };
        }),
    );
    rmSync(folder, { recursive: true, force: true });
    results.push({ ms, cameraBytes: photo.length, keptBytes });
    await context.close();
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    runs,
    cameraBytes: median(results.map((r) => r.cameraBytes)),
    readyMs: median(results.map((r) => r.ms)),
    keptBytes: median(results.map((r) => r.keptBytes)),
  };
}
