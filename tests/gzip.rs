//! Browser tests of the request-body compression, in headless Chromium:
//! `cargo test --target wasm32-unknown-unknown --test gzip`. What the
//! browser compresses, the browser's own decompressor must give back, and a
//! push batch must shrink.
#![cfg(target_arch = "wasm32")]

use kabar_desa::gzip::gzip;
use kabar_shared::sync::{PushItem, PushRequest};
use kabar_shared::{Report, ReportBody, ReportId, ReportTitle, VillageCode};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    type DecompressionStream;

    #[wasm_bindgen(constructor)]
    fn new(format: &str) -> DecompressionStream;
}

async fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let source = web_sys::Blob::new_with_u8_array_sequence(&parts)
        .unwrap()
        .stream();
    let plain = source.pipe_through(DecompressionStream::new("gzip").unchecked_ref());
    let response = web_sys::Response::new_with_opt_readable_stream(Some(&plain)).unwrap();
    let buffer = JsFuture::from(response.array_buffer().unwrap())
        .await
        .unwrap();
    js_sys::Uint8Array::new(&buffer).to_vec()
}

fn push_of(count: u8) -> Vec<u8> {
    let village = VillageCode::parse("71.74.02.1003").unwrap();
    let items = (0..count)
        .map(|seed| {
            let report = Report::short(
                ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
                village.clone(),
                1_764_000_000_000,
                &ReportTitle::parse("Jalan rusak di Lingkungan II").unwrap(),
                &ReportBody::parse("Lubang besar di depan balai desa; warga minta perbaikan.")
                    .unwrap(),
            );
            PushItem::new(report)
        })
        .collect();
    let request = PushRequest {
        protocol_version: 1,
        device_id: Some("device-uji".into()),
        items,
    };
    serde_json::to_vec(&request).unwrap()
}

#[wasm_bindgen_test]
async fn a_push_batch_comes_back_whole_and_travels_in_a_fraction_of_its_size() {
    let json = push_of(100);
    let compressed = gzip(&json).await.expect("Chromium has CompressionStream");
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "a gzip member");
    assert!(
        compressed.len() * 5 < json.len(),
        "{} bytes gzipped to {}",
        json.len(),
        compressed.len()
    );
    assert_eq!(gunzip(&compressed).await, json);
}

#[wasm_bindgen_test]
async fn empty_and_non_ascii_bodies_survive() {
    for body in [&b""[..], "Désa Mogolaing — ñ 日本".as_bytes()] {
        let compressed = gzip(body).await.unwrap();
        assert_eq!(gunzip(&compressed).await, body);
    }
}
