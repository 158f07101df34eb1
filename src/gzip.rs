//! Gzip for request bodies, by the browser's own `CompressionStream`: a push
//! of a hundred reports shrinks to a fifth, which matters on EDGE, and the
//! browser's compressor adds nothing to the wasm that every phone downloads.
//!
//! web-sys only exposes `CompressionStream` behind its unstable-API flag, so
//! the one constructor needed is bound here.

use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `new CompressionStream("gzip")`: a transform stream (Chrome 80+).
    type CompressionStream;

    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
}

/// `bytes` gzipped, or `None` where the browser has no `CompressionStream`
/// or compressing failed; the caller then sends the bytes as they are.
pub async fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    compress(bytes).await.ok()
}

async fn compress(bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
    let compressor = CompressionStream::new("gzip")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let source = web_sys::Blob::new_with_u8_array_sequence(&parts)?.stream();
    let compressed = source.pipe_through(compressor.unchecked_ref());
    // A Response reads a whole stream into one buffer without a reader loop.
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&compressed))?;
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
