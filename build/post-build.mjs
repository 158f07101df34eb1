// Trunk's post-build hook (Trunk.toml). Trunk runs the hooks of one stage
// in parallel, so the steps that must follow each other are one hook:
// first the wasm chunks get their final names, then the scripts are
// minified (which recomputes the integrity of what the page names).
import { finishSplit } from "./wasm-split.mjs";
import { minifyScripts } from "./minify-script.mjs";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error("run by Trunk as a post_build hook (TRUNK_STAGING_DIR is not set)");
const release = process.env.TRUNK_PROFILE === "release";
finishSplit(staging, release);
if (release) await minifyScripts(staging);
