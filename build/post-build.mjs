// Trunk's post-build hook (Trunk.toml). Trunk runs the hooks of one stage
// in parallel, so the steps that must follow each other are one hook:
// first the wasm chunks get their final names, then the wasm's imports get
// short names in the wasm and its script, then the scripts are minified
// (each step keeps the page's integrity attributes right).
import { finishSplit } from "./wasm-split.mjs";
import { minifyScripts } from "./minify-script.mjs";
import { shortenAppImports } from "./short-imports.mjs";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error("run by Trunk as a post_build hook (TRUNK_STAGING_DIR is not set)");
const release = process.env.TRUNK_PROFILE === "release";
finishSplit(staging, release);
if (release) {
  shortenAppImports(staging);
  await minifyScripts(staging);
}
