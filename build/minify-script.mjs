// Trunk's post-build hook (Trunk.toml): minifies the wasm-bindgen script of
// a release build with terser, which Trunk's own minifier cannot parse
// (`export default`). The script is on every first visit's critical path,
// and minified it is 1.8 KB smaller after brotli. The page's integrity
// attribute for it is recomputed, so the browser still checks what it runs.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { minify } from "terser";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error("run by Trunk as a post_build hook (TRUNK_STAGING_DIR is not set)");
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);

const integrity = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;
const pagePath = path.join(staging, "index.html");
let page = readFileSync(pagePath, "utf8");
for (const name of readdirSync(staging).filter((file) => file.endsWith(".js") && file !== "sw.js")) {
  const file = path.join(staging, name);
  const original = readFileSync(file, "utf8");
  const { code } = await minify(original, { module: true, compress: true, mangle: true });
  const before = integrity(original);
  if (page.includes(before)) page = page.replaceAll(before, integrity(code));
  writeFileSync(file, code);
}
writeFileSync(pagePath, page);
