// What the post-build steps share about the built page and its files.
import { createHash } from "node:crypto";

/// The value of an `integrity` attribute for these bytes (Trunk uses sha384).
export const integrity = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;

/// A short content hash for a file name, so a changed file is a new name
/// and the service worker never serves a stale copy from its cache.
export const contentHash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
