// Gives the field app's wasm chunks their final form in the build (see
// build/bin/wasm-bindgen, which cuts them out of the wasm):
//
// - each chunk is optimized like the main module (wasm-opt -Oz, release
//   builds) and named by its content, like every file Trunk emits, so the
//   service worker's cache never serves an old chunk to a new main module;
// - their loader (`__wasm_split.js`) gets the chunks' and the main script's
//   final names and a content-hashed name of its own;
// - the page preloads the loader (the main script imports it, so it is on
//   the first load's path) and names the chunks in a `<meta>`, which the
//   browser does not fetch but the service worker reads, so a phone keeps
//   them for its offline days without the first screen waiting for them.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { contentHash, integrity } from "./page.mjs";

const SPLIT_DIR = path.join("snippets", "kabar-desa-split");
const LOADER = "__wasm_split.js";
/// The `<meta>` whose content lists the chunks (read by public/sw.js).
export const CHUNKS_META = "kabar-desa-chunks";

export function finishSplit(staging, release) {
  const splitDir = path.join(staging, SPLIT_DIR);
  if (!existsSync(splitDir)) return;
  const pagePath = path.join(staging, "index.html");
  let page = readFileSync(pagePath, "utf8");
  let loader = readFileSync(path.join(splitDir, LOADER), "utf8");

  const chunks = [];
  for (const name of readdirSync(splitDir).filter((file) => file.endsWith(".wasm"))) {
    const source = path.join(splitDir, name);
    if (release) optimize(source);
    const hashed = `${name.slice(0, -".wasm".length)}-${contentHash(readFileSync(source))}.wasm`;
    renameSync(source, path.join(staging, hashed));
    loader = replaceOnce(loader, `"./${name}"`, `"./${hashed}"`, LOADER);
    chunks.push(`/${hashed}`);
  }

  // The main script is the one that imports the loader.
  const mainName = readdirSync(staging).find(
    (file) => file.endsWith(".js") && readFileSync(path.join(staging, file), "utf8").includes(`"./${LOADER}"`),
  );
  if (!mainName) throw new Error(`no script in ${staging} imports ./${LOADER}`);
  loader = loader.replace(/from "\.\/[^"]+\.js";/, `from "./${mainName}";`);
  const loaderName = `__wasm_split-${contentHash(loader)}.js`;
  writeFileSync(path.join(staging, loaderName), loader);

  const mainPath = path.join(staging, mainName);
  const main = readFileSync(mainPath, "utf8");
  const linked = replaceOnce(main, `"./${LOADER}"`, `"./${loaderName}"`, mainName);
  writeFileSync(mainPath, linked);
  page = page.replaceAll(integrity(main), integrity(linked));

  // Trunk preloads every file of the snippets directory, which would make
  // the chunks part of the first load: those links go, and the page gets
  // its own, for the loader only, next to the main script's.
  page = page.replace(/<link[^>]*\/snippets\/kabar-desa-split\/[^>]*>/g, "");
  const mainPreload = page.match(/<link[^>]*rel="?modulepreload[^>]*>/);
  if (!mainPreload) throw new Error("the page has no modulepreload link for the main script");
  const tags =
    `<link rel="modulepreload" crossorigin href="/${loaderName}" integrity="${integrity(loader)}">` +
    `<meta name="${CHUNKS_META}" content="${chunks.join(" ")}">`;
  const at = mainPreload.index + mainPreload[0].length;
  page = page.slice(0, at) + tags + page.slice(at);
  writeFileSync(pagePath, page);

  rmSync(splitDir, { recursive: true, force: true });
  const snippets = path.join(staging, "snippets");
  if (readdirSync(snippets).length === 0) rmdirSync(snippets);
}

function optimize(file) {
  const result = spawnSync("wasm-opt", ["-Oz", file, "-o", file], { stdio: "inherit" });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`wasm-opt failed on ${file}`);
}

function replaceOnce(text, from, to, where) {
  if (!text.includes(from)) throw new Error(`${where} does not name ${from}`);
  return text.replace(from, to);
}
