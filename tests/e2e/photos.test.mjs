// Camera photos as a phone hands them over: a JPEG whose EXIF says the
// phone was held upright is kept upright, at most 1600 px on its long side,
// and a picture with transparency is kept on white, not black.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as harness from "./harness.mjs";

const { newPhone, openAndLogIn, withServerAndBrowser } = harness;

let server;
let browser;
withServerAndBrowser((started) => ({ server, browser } = started));

/** A 2400×1200 JPEG, marked red in its top-right corner, whose EXIF
 * orientation is 6 ("rotate 90° clockwise to show"), as a phone camera
 * writes a portrait photo: the pixels lie on their side and the tag says
 * how to stand them up. */
async function portraitCameraJpeg(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(2400, 1200);
    const context = canvas.getContext("2d");
    context.fillStyle = "#0f766e";
    context.fillRect(0, 0, 2400, 1200);
    // A red mark in the sensor's top-right corner: stood up (90° clockwise)
    // it is the photo's bottom-right corner.
    context.fillStyle = "#ff0000";
    context.fillRect(2100, 0, 300, 300);
    const jpeg = new Uint8Array(await (await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 })).arrayBuffer());
    // APP1 "Exif": a big-endian TIFF header and one IFD entry, tag 0x0112
    // (Orientation), type SHORT, count 1, value 6.
    const tiff = [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0];
    const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
    const length = payload.length + 2;
    const app1 = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
    const bytes = new Uint8Array(jpeg.length + app1.length);
    bytes.set(jpeg.subarray(0, 2));
    bytes.set(app1, 2);
    bytes.set(jpeg.subarray(2), 2 + app1.length);
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  });
  return Buffer.from(base64, "base64");
}

/** A 1000×500 PNG, transparent but for a red square. */
async function transparentPng(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(1000, 500);
    const context = canvas.getContext("2d");
    context.fillStyle = "#ff0000";
    context.fillRect(0, 0, 100, 100);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  });
  return Buffer.from(base64, "base64");
}

/** Each kept photo's type, size and the colour of its bottom-right pixel. */
async function keptPhotos(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kabar-desa");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction("photos").objectStore("photos").getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = async () => {
            open.result.close();
            const photos = [];
            for (const record of request.result) {
              const bitmap = await createImageBitmap(new Blob([record.bytes], { type: record.type }));
              const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
              const context = canvas.getContext("2d");
              context.drawImage(bitmap, 0, 0);
              const [r, g, b] = context.getImageData(bitmap.width - 1, bitmap.height - 1, 1, 1).data;
              photos.push({ type: record.type, width: bitmap.width, height: bitmap.height, corner: [r, g, b] });
            }
            resolve(photos);
          };
        };
      }),
  );
}

test("a portrait camera photo is kept upright and small, and transparency is kept on white", async () => {
  const context = await newPhone(browser);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await openAndLogIn(page, server);
  await page.locator("#form-picker").waitFor();
  await page.selectOption("#form-picker", "laporan-kejadian");
  await page.locator("#foto-file").waitFor({ state: "attached" });

  await page.setInputFiles("#foto-file", { name: "IMG_0001.jpg", mimeType: "image/jpeg", buffer: await portraitCameraJpeg(page) });
  await page.locator("#foto li[data-photo] img[src^='blob:']").first().waitFor();
  let photos = await keptPhotos(page);
  assert.equal(photos.length, 1);
  assert.deepEqual([photos[0].type, photos[0].width, photos[0].height], ["image/jpeg", 800, 1600], "upright, long side 1600 px");
  const [red, green, blue] = photos[0].corner;
  assert.ok(red > 200 && green < 80 && blue < 80, `turned, not squeezed: the sensor's top-right is the bottom-right, ${photos[0].corner}`);

  await page.setInputFiles("#foto-file", { name: "tangkapan.png", mimeType: "image/png", buffer: await transparentPng(page) });
  await page.locator("#foto li[data-photo] img[src^='blob:']").nth(1).waitFor();
  photos = await keptPhotos(page);
  const png = photos.find((photo) => photo.width === 1000);
  assert.ok(png, JSON.stringify(photos));
  assert.ok(png.corner.every((channel) => channel > 240), `transparent corner kept white: ${png.corner}`);
  assert.deepEqual(errors, []);
  await context.close();
});
