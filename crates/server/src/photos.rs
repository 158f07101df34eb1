//! Photos: `PUT /api/v1/photos/{sha256}` after the report that announces
//! them, `GET` the same path to see one.
//!
//! A photo is addressed by the SHA-256 of the file the phone holds, so a
//! retried or repeated upload finds the first copy. Only JPEG, PNG and WebP
//! are taken, recognized by their first bytes, never by the declared type.
//! Before storage the server drops the metadata blocks that carry the
//! phone's GPS position and device details (JPEG APP1/APP13/comments, PNG
//! text and eXIf chunks, WebP EXIF and XMP chunks): a photo of a villager's
//! complaint must not reveal where the reporter lives.

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::config::PhotoStore;
use crate::error::ApiError;
use crate::store::{AuditEntry, NewPhoto, now_ms};
use anyhow::Context;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::{Json, Router};
use kabar_shared::ContentHash;
use object_store::ObjectStore;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use serde::Serialize;
use std::sync::Arc;

pub fn router(max_photo_bytes: usize) -> Router<AppState> {
    Router::new().route(
        "/v1/photos/{sha256}",
        put(upload)
            .get(download)
            .layer(DefaultBodyLimit::max(max_photo_bytes)),
    )
}

/// The photo formats accepted, as recognized from a file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
    Webp,
}

impl PhotoFormat {
    pub fn sniff(bytes: &[u8]) -> Option<PhotoFormat> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoFormat::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoFormat::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(PhotoFormat::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Png => "image/png",
            PhotoFormat::Webp => "image/webp",
        }
    }
}

/// The file without its location and device metadata, or `None` when it is
/// not a well-formed file of its format.
pub fn strip_metadata(bytes: &[u8]) -> Option<(PhotoFormat, Vec<u8>)> {
    let format = PhotoFormat::sniff(bytes)?;
    let stripped = match format {
        PhotoFormat::Jpeg => strip_jpeg(bytes),
        PhotoFormat::Png => strip_png(bytes),
        PhotoFormat::Webp => strip_webp(bytes),
    }?;
    Some((format, stripped))
}

/// Drops APP1 (EXIF and XMP), APP13 (IPTC) and comment segments; keeps
/// everything else, including the ICC colour profile, up to the image data,
/// which is copied as is.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    const APP1: u8 = 0xE1;
    const APP13: u8 = 0xED;
    const COMMENT: u8 = 0xFE;
    const START_OF_SCAN: u8 = 0xDA;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        // Markers may be padded with extra 0xFF bytes.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            out.extend_from_slice(&bytes[at..at + 2]);
            at += 2;
            continue;
        }
        if marker == 0xD9 {
            out.extend_from_slice(&bytes[at..at + 2]);
            return Some(out);
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        if length < 2 {
            return None;
        }
        let end = at + 2 + length;
        let segment = bytes.get(at..end)?;
        if marker == START_OF_SCAN {
            out.extend_from_slice(&bytes[at..]);
            return Some(out);
        }
        if !matches!(marker, APP1 | APP13 | COMMENT) {
            out.extend_from_slice(segment);
        }
        at = end;
    }
}

/// Drops eXIf, text and time chunks; keeps the image chunks.
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    let mut at = 8;
    while at < bytes.len() {
        let length = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = bytes.get(at + 4..at + 8)?;
        let end = at.checked_add(12)?.checked_add(length)?;
        let chunk = bytes.get(at..end)?;
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        at = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

/// Drops the EXIF and XMP chunks, clears their flags in the VP8X header,
/// and fixes the RIFF size.
fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    const EXIF_FLAG: u8 = 0x08;
    const XMP_FLAG: u8 = 0x04;
    let riff_end =
        8usize.checked_add(u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize)?;
    let body = bytes.get(..riff_end.min(bytes.len()))?;
    let mut out = Vec::with_capacity(body.len());
    out.extend_from_slice(&body[..12]);
    let mut at = 12;
    while at + 8 <= body.len() {
        let kind = &body[at..at + 4];
        let size = u32::from_le_bytes(body[at + 4..at + 8].try_into().ok()?) as usize;
        let end = at
            .checked_add(8)?
            .checked_add(size + size % 2)?
            .min(body.len());
        let chunk = body.get(at..end)?;
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut chunk = chunk.to_vec();
                *chunk.get_mut(8)? &= !(EXIF_FLAG | XMP_FLAG);
                out.extend_from_slice(&chunk);
            }
            _ => out.extend_from_slice(chunk),
        }
        at = end;
    }
    if at != body.len() {
        return None;
    }
    let riff_size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Some(out)
}

/// Opens the configured photo store. A directory is created when missing; a
/// bucket must exist already (creating buckets is the operator's business,
/// with the permissions that takes) and is listed once, so a server with a
/// wrong bucket or credentials refuses to start.
pub async fn open_store(store: &PhotoStore) -> anyhow::Result<Arc<dyn ObjectStore>> {
    match store {
        PhotoStore::Directory(dir) => {
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("creating the photo directory {}", dir.display()))?;
            let local = LocalFileSystem::new_with_prefix(dir)
                .with_context(|| format!("opening the photo directory {}", dir.display()))?;
            Ok(Arc::new(local))
        }
        PhotoStore::S3 {
            bucket,
            prefix,
            options,
        } => {
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (key, value) in options {
                let key: AmazonS3ConfigKey = key
                    .parse()
                    .with_context(|| format!("unknown S3 option {key:?}"))?;
                builder = builder.with_config(key, value);
            }
            let s3 = builder
                .build()
                .with_context(|| format!("configuring {}", store.describe()))?;
            let photos: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(PrefixStore::new(s3, prefix.as_str()))
            };
            // A wrong bucket, region, endpoint or key would otherwise show
            // only as 500s on the first uploads; the operator learns it at
            // start instead.
            photos
                .list_with_delimiter(None)
                .await
                .with_context(|| format!("cannot list the photo store {}", store.describe()))?;
            Ok(photos)
        }
    }
}

fn object_path(hash: &ContentHash) -> ObjectPath {
    ObjectPath::from(format!("photos/{}", hash.hex()))
}

#[derive(Serialize)]
struct Uploaded {
    sha256: ContentHash,
    /// False when the photo was there already.
    stored: bool,
}

async fn upload(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    Path(hash): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let hash = ContentHash::parse(&hash).map_err(|_| ApiError::NotFound)?;
    let Some(village) = user.access.village() else {
        return Err(ApiError::Forbidden);
    };
    let announcers = state.store.photo_announcers(&hash).await?;
    if announcers.is_empty() {
        return Err(ApiError::PhotoNotAnnounced);
    }
    if !announcers.iter().any(|(announcer, _)| announcer == village) {
        return Err(ApiError::Forbidden);
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PhotoTooLarge {
                max_bytes: state.settings.max_photo_bytes,
            }
        } else {
            ApiError::InvalidRequest(rejection.body_text())
        }
    })?;
    if state.store.photo(&hash).await?.is_some() {
        return Ok(Json(Uploaded {
            sha256: hash,
            stored: false,
        })
        .into_response());
    }
    if ContentHash::of_bytes(&body) != hash {
        return Err(ApiError::PhotoHashMismatch);
    }
    let (format, stripped) = strip_metadata(&body).ok_or(ApiError::UnsupportedPhoto)?;
    let stored_sha256 = ContentHash::of_bytes(&stripped);
    let size_bytes = stripped.len() as i64;
    // The object goes first: a photo row always has its bytes behind it. A
    // crash in between leaves an orphan object that the retry overwrites.
    state
        .photos
        .put(&object_path(&hash), stripped.into())
        .await
        .map_err(anyhow::Error::from)?;
    let now = now_ms();
    let photo = NewPhoto {
        sha256: hash.clone(),
        content_type: format.content_type(),
        stored_sha256,
        size_bytes,
        uploaded_by: user.user_id,
    };
    let stored = state.store.insert_photo(&photo, now).await?;
    if stored {
        let entry = AuditEntry {
            actor_id: Some(user.user_id),
            actor: Some(user.username.to_string()),
            action: "photo_upload",
            target: Some(hash.as_str().to_owned()),
            client: Some(client),
            detail: serde_json::json!({ "bytes": size_bytes, "type": format.content_type() }),
        };
        state.store.audit(&entry, now).await?;
    }
    let status = if stored {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Uploaded {
            sha256: hash,
            stored,
        }),
    )
        .into_response())
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = ContentHash::parse(&hash).map_err(|_| ApiError::NotFound)?;
    let announcers = state.store.photo_announcers(&hash).await?;
    if announcers.is_empty() {
        return Err(ApiError::NotFound);
    }
    if !announcers
        .iter()
        .any(|(village, _)| user.access.can_read(village))
    {
        return Err(ApiError::Forbidden);
    }
    let Some(photo) = state.store.photo(&hash).await? else {
        return Err(ApiError::NotFound);
    };
    let bytes = state
        .photos
        .get(&object_path(&hash))
        .await
        .map_err(anyhow::Error::from)?
        .bytes()
        .await
        .map_err(anyhow::Error::from)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&photo.content_type).map_err(anyhow::Error::from)?,
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}

impl std::fmt::Display for PhotoFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.content_type())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal JPEG: SOI, JFIF APP0, an EXIF APP1 with a GPS tag name, a
    /// comment, then the scan and EOI.
    pub(crate) fn jpeg_with_exif() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        bytes.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
        let exif = b"Exif\0\0GPSLatitude 0.73 GPSLongitude 124.31 Model SM-A105";
        bytes.extend_from_slice(&[0xFF, 0xE1]);
        bytes.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        bytes.extend_from_slice(exif);
        bytes.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x06, b'a', b'b', b'c', b'd']);
        bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0x00, 0x56]);
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        bytes
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(data);
        chunk.extend_from_slice(&[0, 0, 0, 0]);
        chunk
    }

    pub(crate) fn png_with_exif() -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(png_chunk(b"IHDR", &[0; 13]));
        bytes.extend(png_chunk(b"eXIf", b"MM\0*GPSLatitude"));
        bytes.extend(png_chunk(b"tEXt", b"Model\0SM-A105"));
        bytes.extend(png_chunk(b"IDAT", &[1, 2, 3]));
        bytes.extend(png_chunk(b"IEND", &[]));
        bytes
    }

    fn webp_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&(data.len() as u32).to_le_bytes());
        chunk.extend_from_slice(data);
        if data.len() % 2 == 1 {
            chunk.push(0);
        }
        chunk
    }

    pub(crate) fn webp_with_exif() -> Vec<u8> {
        let mut chunks = webp_chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        chunks.extend(webp_chunk(b"VP8L", &[0x2F, 1, 2, 3, 4]));
        chunks.extend(webp_chunk(b"EXIF", b"MM\0*GPSLatitude"));
        chunks.extend(webp_chunk(b"XMP ", b"<x:xmpmeta/>"));
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&((chunks.len() + 4) as u32).to_le_bytes());
        bytes.extend_from_slice(b"WEBP");
        bytes.extend(chunks);
        bytes
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    #[test]
    fn formats_are_recognized_by_their_first_bytes_only() {
        fn check(bytes: &[u8], expect: Option<PhotoFormat>) {
            assert_eq!(PhotoFormat::sniff(bytes), expect, "{bytes:?}");
        }
        check(&jpeg_with_exif(), Some(PhotoFormat::Jpeg));
        check(&png_with_exif(), Some(PhotoFormat::Png));
        check(&webp_with_exif(), Some(PhotoFormat::Webp));
        check(b"GIF89a......", None);
        check(b"<svg xmlns='http://www.w3.org/2000/svg'/>", None);
        check(b"%PDF-1.7", None);
        check(b"", None);
    }

    #[test]
    fn jpeg_loses_exif_and_comments_but_keeps_jfif_and_the_scan() {
        let (format, stripped) = strip_metadata(&jpeg_with_exif()).unwrap();
        assert_eq!(format, PhotoFormat::Jpeg);
        assert!(!contains(&stripped, b"GPSLatitude"));
        assert!(!contains(&stripped, b"SM-A105"));
        assert!(!contains(&stripped, b"abcd"));
        assert!(contains(&stripped, b"JFIF"));
        assert!(stripped.ends_with(&[
            0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9
        ]));
    }

    #[test]
    fn png_loses_exif_and_text_chunks_but_keeps_the_image() {
        let (_, stripped) = strip_metadata(&png_with_exif()).unwrap();
        assert!(!contains(&stripped, b"eXIf"));
        assert!(!contains(&stripped, b"SM-A105"));
        assert!(contains(&stripped, b"IHDR"));
        assert!(contains(&stripped, b"IDAT"));
        assert!(stripped.ends_with(&png_chunk(b"IEND", &[])));
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_header_stops_announcing_them() {
        let (_, stripped) = strip_metadata(&webp_with_exif()).unwrap();
        assert!(!contains(&stripped, b"GPSLatitude"));
        assert!(!contains(&stripped, b"xmpmeta"));
        assert!(contains(&stripped, b"VP8L"));
        assert_eq!(stripped[12 + 8] & 0x0C, 0, "EXIF and XMP flags cleared");
        let riff_size = u32::from_le_bytes(stripped[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_size, stripped.len() - 8);
    }

    #[test]
    fn truncated_files_are_refused() {
        let jpeg = jpeg_with_exif();
        assert_eq!(strip_metadata(&jpeg[..12]), None);
        let png = png_with_exif();
        assert_eq!(strip_metadata(&png[..30]), None);
    }
}
