//! Photo uploads: addressed by hash, checked by magic bytes, stripped of
//! location data, and counted towards a report's completeness.

use super::support::{Backend, KOTOBANGUN, Who, spawn_app, spawn_app_with};
use kabar_shared::report::FormRef;
use kabar_shared::sync::PushItem;
use kabar_shared::{ContentHash, Report, ReportId, VillageCode};
use serde_json::{Value, json};
use std::sync::Arc;

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&[0, 0, 0, 0]);
    chunk
}

/// A PNG header of `width` × `height` pixels, 8-bit RGB.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(b"IHDR", &header)
}

pub fn tiny_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(png_header(1, 1));
    bytes.extend(png_chunk(b"IDAT", &[1, 2, 3]));
    bytes.extend(png_chunk(b"IEND", &[]));
    bytes
}

/// A baseline JPEG frame header of `width` × `height` pixels.
fn jpeg_frame(width: u16, height: u16) -> Vec<u8> {
    let mut frame = vec![0xFF, 0xC0, 0x00, 0x0B, 0x08];
    frame.extend_from_slice(&height.to_be_bytes());
    frame.extend_from_slice(&width.to_be_bytes());
    frame.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    frame
}

/// A JPEG whose EXIF block holds a GPS position and the phone's model.
pub fn jpeg_with_exif(padding: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8];
    bytes.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
    let exif = b"Exif\0\0GPSLatitude 0.73 GPSLongitude 124.31 Model SM-A105";
    bytes.extend_from_slice(&[0xFF, 0xE1]);
    bytes.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    bytes.extend_from_slice(exif);
    bytes.extend(jpeg_frame(640, 480));
    bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
    bytes.extend(std::iter::repeat_n(0x11, padding));
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// A valid aspirasi-warga report announcing `photos`.
pub fn report_with_photos(village: &str, seed: u8, photos: &[&ContentHash]) -> Report {
    let answers = json!({
        "tanggal": "2025-11-24",
        "jenis": "keluhan",
        "kategori": "infrastruktur",
        "uraian": "Lampu jalan di Lingkungan I mati sejak dua minggu.",
        "setuju_dihubungi": false,
        "foto": photos.iter().map(|hash| hash.as_str()).collect::<Vec<_>>(),
    });
    Report {
        id: ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
        form: FormRef {
            id: "aspirasi-warga".into(),
            version: 1,
        },
        village: VillageCode::parse(village).unwrap(),
        created_at_ms: 1_764_000_000_000,
        answers: serde_json::from_value(answers).unwrap(),
    }
}

fn photo_path(hash: &ContentHash) -> String {
    format!("/api/v1/photos/{}", hash.as_str())
}

pub async fn a_report_is_complete_once_its_photos_arrive_and_a_retry_stores_one_copy(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Kim).await;
    let jpeg = jpeg_with_exif(100);
    let jpeg_hash = ContentHash::of_bytes(&jpeg);
    let png = tiny_png();
    let png_hash = ContentHash::of_bytes(&png);
    let report = report_with_photos(KOTOBANGUN, 1, &[&jpeg_hash, &png_hash]);

    // Before the report, nobody announced the photo.
    let early = app
        .put(Some(&head), &photo_path(&jpeg_hash))
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 409);
    let pushed = app
        .push_as(&head, vec![PushItem::new(report.clone())])
        .await;
    assert_eq!(
        pushed.results[0].outcome,
        kabar_shared::sync::PushOutcome::Accepted,
        "{pushed:?}"
    );

    let pull: Value = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    let mut both = vec![jpeg_hash.as_str(), png_hash.as_str()];
    both.sort();
    assert_eq!(
        pull["incomplete"],
        json!([{"report_id": report.id.to_string(), "missing_photos": both}])
    );

    let first = app
        .put(Some(&head), &photo_path(&jpeg_hash))
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let retry = app
        .put(Some(&head), &photo_path(&jpeg_hash))
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 200);
    let body: Value = retry.json().await.unwrap();
    assert_eq!(body["stored"], false);
    assert_eq!(app.stored_photo_objects().await, 1, "one copy");

    let pull: Value = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    assert_eq!(
        pull["incomplete"][0]["missing_photos"],
        json!([png_hash.as_str()])
    );
    app.put(Some(&head), &photo_path(&png_hash))
        .body(png)
        .send()
        .await
        .unwrap();
    let pull: Value = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    assert_eq!(pull["incomplete"], json!([]));

    // What comes back has no location or device data left.
    let download = app
        .get(Some(&head), &photo_path(&jpeg_hash))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "image/jpeg");
    let bytes = download.bytes().await.unwrap();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"GPSLatitude"));
    assert!(!contains(b"SM-A105"));
    assert!(contains(b"JFIF"));
}

pub async fn bad_photos_get_clear_answers_and_store_nothing(backend: Backend) {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let first = spawn_app(backend).await;
    let app = spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
        settings.max_photo_bytes = 4096;
    })
    .await;
    drop(dir);
    let head = app.login_as(Who::Kim).await;
    let big = jpeg_with_exif(8192);
    let big_hash = ContentHash::of_bytes(&big);
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let gif_hash = ContentHash::of_bytes(&gif);
    let good = tiny_png();
    let good_hash = ContentHash::of_bytes(&good);
    let report = report_with_photos(KOTOBANGUN, 1, &[&big_hash, &gif_hash, &good_hash]);
    app.push_as(&head, vec![PushItem::new(report)]).await;

    let check = async |hash: &ContentHash, body: Vec<u8>, status: u16, code: &str| {
        let response = app
            .put(Some(&head), &photo_path(hash))
            .body(body)
            .send()
            .await
            .unwrap();
        let got = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (got, body["error"]["code"].as_str().unwrap_or("")),
            (status, code)
        );
    };
    check(&big_hash, big, 413, "photo_too_large").await;
    check(&gif_hash, gif, 415, "unsupported_photo_type").await;
    check(
        &good_hash,
        b"\x89PNG\r\n\x1a\nbroken".to_vec(),
        400,
        "photo_hash_mismatch",
    )
    .await;
    let pull: Value = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    assert_eq!(
        pull["incomplete"][0]["missing_photos"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(app.stored_photo_objects().await, 0);
}

pub async fn a_photo_bucket_that_cannot_be_reached_stops_the_server_at_start(backend: Backend) {
    let app = spawn_app(backend).await;
    let kabar_server::config::PhotoStore::S3 { options, .. } = app.database.photo_store.clone()
    else {
        panic!("an S3 test runs with an S3 photo store");
    };
    let settings = kabar_server::Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: app.database.database.clone(),
        photo_store: kabar_server::config::PhotoStore::S3 {
            bucket: "no-such-bucket-here".into(),
            prefix: String::new(),
            options,
        },
        ..kabar_server::Settings::default()
    };
    let error = kabar_server::Application::build(settings)
        .await
        .err()
        .expect("the server refuses to start");
    let message = format!("{error:#}");
    assert!(
        message.contains("cannot list the photo store s3://no-such-bucket-here"),
        "{message}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Uploads each body as a photo a report announced and returns the status
/// and error code of each answer.
async fn upload_each(
    app: &super::support::TestApp,
    session: &super::support::Session,
    seed: u8,
    bodies: &[Vec<u8>],
) -> Vec<(u16, String)> {
    let hashes: Vec<ContentHash> = bodies.iter().map(|b| ContentHash::of_bytes(b)).collect();
    let announced: Vec<&ContentHash> = hashes.iter().collect();
    // A report announces at most a handful of photos; several reports
    // announce the rest.
    for (index, chunk) in announced.chunks(3).enumerate() {
        let report = report_with_photos(KOTOBANGUN, seed + index as u8, chunk);
        let pushed = app.push_as(session, vec![PushItem::new(report)]).await;
        assert_eq!(
            pushed.results[0].outcome,
            kabar_shared::sync::PushOutcome::Accepted,
            "{pushed:?}"
        );
    }
    let mut answers = Vec::new();
    for (hash, body) in hashes.iter().zip(bodies) {
        let response = app
            .put(Some(session), &photo_path(hash))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        answers.push((
            status,
            body["error"]["code"].as_str().unwrap_or("").to_owned(),
        ));
    }
    answers
}

/// Finding 1 of the hardening issue: a WebP whose RIFF size was below 4
/// panicked the handler and, with `panic = "abort"`, killed the server.
/// Every malformed header gets a 4xx and the server keeps answering.
pub async fn malformed_image_headers_get_4xx_and_the_server_keeps_answering(backend: Backend) {
    let app = spawn_app(backend).await;
    let kim = app.login_as(Who::Kim).await;
    let frame_only = [
        vec![0xFF, 0xD8],
        jpeg_frame(8, 8),
        vec![0xFF, 0xDA, 0x00, 0x02, 0x01, 0x02],
    ]
    .concat();
    let malformed: Vec<Vec<u8>> = vec![
        b"RIFF\0\0\0\0WEBP".to_vec(),
        b"RIFF\x03\0\0\0WEBPVP8L".to_vec(),
        b"RIFF\xff\xff\xff\xffWEBPVP8L\x05\0\0\0\x2f".to_vec(),
        b"RIFF\x10\0\0\0WEBPVP8L\xff\xff\xff\xff\x2f\0\0\0".to_vec(),
        b"\x89PNG\r\n\x1a\n".to_vec(),
        b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffIHDR".to_vec(),
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\0\0\0\0\0\x08\x02\0\0\0\0\0\0\0".to_vec(),
        vec![0xFF, 0xD8, 0xFF],
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00],
        vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x00],
        frame_only,
    ];
    let answers = upload_each(&app, &kim, 1, &malformed).await;
    for (index, (status, code)) in answers.iter().enumerate() {
        assert!((400..500).contains(status), "case {index}: {status} {code}");
        assert_eq!(code, "photo_malformed", "case {index}");
    }
    let health = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "the server still answers");
    assert_eq!(app.stored_photo_objects().await, 0);
}

/// Finding 6: a second JPEG with a GPS position appended after the first
/// image's end survived the old stripping; and a 30000×30000 PNG was stored
/// and served as a decompression bomb.
pub async fn only_image_data_is_stored_and_huge_images_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let kim = app.login_as(Who::Kim).await;
    let mut hidden = vec![0xFF, 0xD8, 0xFF, 0xE1];
    let exif = b"Exif\0\0GPSLatitude 0.7312 GPSLongitude 124.3105";
    hidden.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    hidden.extend_from_slice(exif);
    hidden.extend(jpeg_frame(160, 120));
    hidden.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x42, 0xFF, 0xD9]);
    let mut doubled = jpeg_with_exif(50);
    doubled.extend(&hidden);
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    bomb.extend(png_header(30_000, 30_000));
    bomb.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00]));
    bomb.extend(png_chunk(b"IEND", &[]));
    let answers = upload_each(&app, &kim, 1, &[doubled.clone(), bomb]).await;
    assert_eq!(answers[0].0, 201, "{:?}", answers[0]);
    assert_eq!(answers[1], (413, "photo_too_many_pixels".to_owned()));

    let response = app
        .get(Some(&kim), &photo_path(&ContentHash::of_bytes(&doubled)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let served = response.bytes().await.unwrap();
    assert!(!contains(&served, b"GPSLatitude"), "no position anywhere");
    assert!(!contains(&served, b"SM-A105"));
    assert!(
        served.ends_with(&[0x11, 0xFF, 0xD9]),
        "ends at the first EOI"
    );
    assert_eq!(app.stored_photo_objects().await, 1);

    // The limit is a setting.
    let small = spawn_app_with(app.dir.clone(), app.database.clone(), |settings| {
        settings.max_photo_pixels = 640 * 480 - 1;
    })
    .await;
    let again = jpeg_with_exif(60);
    let answers = upload_each(&small, &kim, 10, &[again]).await;
    assert_eq!(answers[0], (413, "photo_too_many_pixels".to_owned()));
}
