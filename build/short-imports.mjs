// Gives the wasm's imports from wasm-bindgen's script short names. wasm-bindgen
// names each `__wbg_<function>_<16 hex digits>`; with some 280 of them the
// names are 15 KB of the wasm and again of the script, and the hex digits do
// not compress: on a slow link that is seconds of a first visit for nothing.
// Only names that end in such a hash are renamed (they cannot be anything
// else in the script); the script's import object is the one place they are
// written, and its keys become the same short names.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { integrity } from "./page.mjs";

const HASHED = /_[0-9a-f]{16}$/;

/// Shortens the imports of the app's wasm in a staged build, and the
/// page's integrity attributes for the wasm and its script.
export function shortenAppImports(staging) {
  const pagePath = path.join(staging, "index.html");
  let page = readFileSync(pagePath, "utf8");
  for (const scriptName of readdirSync(staging).filter((name) => name.endsWith(".js"))) {
    const wasmName = scriptName.replace(/\.js$/, "_bg.wasm");
    const scriptPath = path.join(staging, scriptName);
    const wasmPath = path.join(staging, wasmName);
    const bindgenModule = readFileSync(scriptPath, "utf8").match(/"(\.\/[^"]+_bg\.js)"/)?.[1];
    if (!existsSync(wasmPath) || !bindgenModule) continue;
    const before = [readFileSync(wasmPath), readFileSync(scriptPath)];
    shortenImports(wasmPath, scriptPath, bindgenModule);
    const after = [readFileSync(wasmPath), readFileSync(scriptPath)];
    for (const i of [0, 1]) page = page.replaceAll(integrity(before[i]), integrity(after[i]));
  }
  writeFileSync(pagePath, page);
}

/// Renames the hashed imports of `wasmPath` (from the module
/// `./<script's name>_bg.js`) here and in `scriptPath`; returns how many.
export function shortenImports(wasmPath, scriptPath, bindgenModule) {
  const wasm = readFileSync(wasmPath);
  let script = readFileSync(scriptPath, "utf8");
  const names = new Map();
  const rewritten = rewriteImportNames(wasm, (module, name) => {
    if (module !== bindgenModule || !HASHED.test(name)) return name;
    if (!script.includes(name)) throw new Error(`the script does not name the import ${name}`);
    if (!names.has(name)) names.set(name, shortName(names.size));
    return names.get(name);
  });
  for (const [long, short] of names) {
    script = script.replace(new RegExp(`\\b${long}\\b`, "g"), short);
  }
  writeFileSync(wasmPath, rewritten);
  writeFileSync(scriptPath, script);
  return names.size;
}

/// `$a`, `$b`, … `$Z`, `$aa`, …: valid identifiers that no wasm-bindgen name
/// starts with.
function shortName(index) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  do {
    name = letters[index % letters.length] + name;
    index = Math.floor(index / letters.length) - 1;
  } while (index >= 0);
  return `$${name}`;
}

/// The module with its import section's names replaced by `rename(module,
/// name)`; every other byte is copied.
function rewriteImportNames(bytes, rename) {
  const reader = new Reader(bytes, 8);
  const out = [bytes.subarray(0, 8)];
  while (reader.offset < bytes.length) {
    const id = bytes[reader.offset++];
    const size = reader.u32();
    const start = reader.offset;
    reader.offset += size;
    if (id !== 2) {
      out.push(Uint8Array.of(id), leb(size), bytes.subarray(start, start + size));
      continue;
    }
    const section = new Reader(bytes, start);
    const count = section.u32();
    const entries = [leb(count)];
    for (let i = 0; i < count; i++) {
      const module = section.name();
      const name = section.name();
      const descStart = section.offset;
      section.skipImportDesc();
      entries.push(encodeName(module), encodeName(rename(module, name)), bytes.subarray(descStart, section.offset));
    }
    if (section.offset !== start + size) throw new Error("the import section did not parse to its end");
    const payload = Buffer.concat(entries);
    out.push(Uint8Array.of(2), leb(payload.length), payload);
  }
  return Buffer.concat(out);
}

class Reader {
  constructor(bytes, offset) {
    this.bytes = bytes;
    this.offset = offset;
  }
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.bytes[this.offset++];
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }
  name() {
    const length = this.u32();
    const text = Buffer.from(this.bytes.subarray(this.offset, this.offset + length)).toString("utf8");
    this.offset += length;
    return text;
  }
  limits() {
    const flags = this.bytes[this.offset++];
    this.u32();
    if (flags & 1) this.u32();
  }
  refType() {
    const byte = this.bytes[this.offset++];
    // (ref null? heaptype): a heap type follows.
    if (byte === 0x63 || byte === 0x64) this.u32();
  }
  skipImportDesc() {
    const kind = this.bytes[this.offset++];
    switch (kind) {
      case 0x00: // function: its type
        this.u32();
        break;
      case 0x01: // table: element type and limits
        this.refType();
        this.limits();
        break;
      case 0x02: // memory
        this.limits();
        break;
      case 0x03: // global: value type and mutability
        this.refType();
        this.offset++;
        break;
      case 0x04: // tag: attribute and type
        this.offset++;
        this.u32();
        break;
      default:
        throw new Error(`unknown import kind ${kind}`);
    }
  }
}

function leb(value) {
  const bytes = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return Uint8Array.from(bytes);
}

function encodeName(text) {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([leb(bytes.length), bytes]);
}
