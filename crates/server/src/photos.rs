//! Photos: `PUT /api/v1/photos/{sha256}` after the report that announces
//! them, `GET` the same path to see one.
//!
//! A photo is addressed by the SHA-256 of the file the phone holds, so a
//! retried or repeated upload finds the first copy. Only JPEG, PNG and WebP
//! are taken, recognized by their first bytes, never by the declared type.
//! Before storage the server rebuilds the file from the parts a viewer needs
//! to decode the image and nothing else, which leaves behind the metadata
//! that carries the phone's GPS position and device details (EXIF, XMP,
//! IPTC, comments, text chunks) and anything hidden after the image (a
//! second JPEG, a motion photo): a photo of a villager's complaint must not
//! reveal where the reporter lives. Images with more pixels than configured
//! are refused, so no upload becomes a decompression bomb in a reviewer's
//! browser. The parsers check every read against the buffer: no upload can
//! panic the server.

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

/// Why an upload is not taken as a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRefusal {
    /// Not JPEG, PNG or WebP by its first bytes.
    UnknownType,
    /// It starts like one of them but is not a well-formed file of it.
    Malformed,
    /// Well formed, but larger than the configured pixel count: decoding it
    /// would take a reviewer's browser gigabytes of memory.
    TooManyPixels { width: u32, height: u32 },
}

/// A photo rebuilt from the image data of an upload only, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub format: PhotoFormat,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The default for `--max-photo-pixels`: 40 megapixels, more than any phone
/// camera the villages use, far less than a decompression bomb.
pub const DEFAULT_MAX_PHOTO_PIXELS: u64 = 40_000_000;

/// Rebuilds an uploaded photo from the parts a viewer needs to decode it and
/// nothing else, and refuses it when it has more than `max_pixels` pixels.
///
/// Every read of the input is bounds-checked: no input, however short or
/// self-contradictory, can panic here (a property test feeds it random and
/// mutated files).
pub fn clean_photo(bytes: &[u8], max_pixels: u64) -> Result<CleanPhoto, PhotoRefusal> {
    let format = PhotoFormat::sniff(bytes).ok_or(PhotoRefusal::UnknownType)?;
    let rebuilt = match format {
        PhotoFormat::Jpeg => rebuild_jpeg(bytes),
        PhotoFormat::Png => rebuild_png(bytes),
        PhotoFormat::Webp => rebuild_webp(bytes),
    }
    .ok_or(PhotoRefusal::Malformed)?;
    let Rebuilt {
        bytes,
        width,
        height,
    } = rebuilt;
    if width == 0 || height == 0 {
        return Err(PhotoRefusal::Malformed);
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(PhotoRefusal::TooManyPixels { width, height });
    }
    Ok(CleanPhoto {
        format,
        bytes,
        width,
        height,
    })
}

/// The file without its location and device metadata, or `None` when it is
/// not a well-formed file of its format (no pixel limit).
pub fn strip_metadata(bytes: &[u8]) -> Option<(PhotoFormat, Vec<u8>)> {
    clean_photo(bytes, u64::MAX)
        .ok()
        .map(|photo| (photo.format, photo.bytes))
}

struct Rebuilt {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

fn u16_be(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u24_le(bytes: &[u8], at: usize) -> Option<u32> {
    let three = bytes.get(at..at.checked_add(3)?)?;
    Some(
        three
            .iter()
            .rev()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b)),
    )
}

/// Keeps the segments a decoder needs (frame and scan headers, Huffman and
/// quantization tables, restart interval, the JFIF and Adobe markers and the
/// ICC colour profile) and the entropy-coded data, and stops at the first
/// end-of-image: EXIF, XMP, IPTC, comments, MPF and anything appended after
/// the image (a second JPEG, a motion photo's video) are left behind.
fn rebuild_jpeg(bytes: &[u8]) -> Option<Rebuilt> {
    const START_OF_SCAN: u8 = 0xDA;
    const END_OF_IMAGE: u8 = 0xD9;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut at = 2usize;
    let mut size = None;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        // Markers may be padded with extra 0xFF bytes.
        while bytes.get(at.checked_add(1)?) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at.checked_add(1)?)?;
        at = at.checked_add(2)?;
        match marker {
            END_OF_IMAGE => {
                let (width, height) = size?;
                out.extend_from_slice(&[0xFF, END_OF_IMAGE]);
                return Some(Rebuilt {
                    bytes: out,
                    width,
                    height,
                });
            }
            // Restart markers and TEM stand alone; outside a scan they carry
            // nothing, so they are dropped.
            0x01 | 0xD0..=0xD7 => continue,
            // A second start of image, or a stuffed zero, cannot begin a
            // segment.
            0x00 | 0xD8 => return None,
            _ => {}
        }
        let length = usize::from(u16_be(bytes, at)?);
        if length < 2 {
            return None;
        }
        let end = at.checked_add(length)?;
        let segment = bytes.get(at..end)?;
        let payload = segment.get(2..)?;
        let keep = match marker {
            // Start of frame (every coding process): the image's size.
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                if size.is_some() {
                    return None;
                }
                let height = u32::from(u16_be(payload, 1)?);
                let width = u32::from(u16_be(payload, 3)?);
                size = Some((width, height));
                true
            }
            // Huffman tables, arithmetic conditioning, quantization tables,
            // restart interval, scan header.
            0xC4 | 0xCC | 0xDB | 0xDD | START_OF_SCAN => true,
            0xE0 => payload.starts_with(b"JFIF\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            // Every other APPn, comments, and whatever else.
            _ => false,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        at = end;
        if marker == START_OF_SCAN {
            size?;
            // The entropy-coded data runs until a 0xFF that is neither a
            // stuffed zero nor a restart marker.
            let start = at;
            loop {
                if *bytes.get(at)? == 0xFF {
                    let next = *bytes.get(at.checked_add(1)?)?;
                    if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                        at = at.checked_add(2)?;
                        continue;
                    }
                    break;
                }
                at += 1;
            }
            out.extend_from_slice(bytes.get(start..at)?);
        }
    }
}

/// Keeps the critical chunks and the ancillary ones that change how the
/// pixels look (transparency, gamma, chromaticities, sRGB, ICC profile,
/// significant bits, coding-independent code points); stops at IEND. Text,
/// EXIF, time stamps, animation frames and anything after IEND stay behind.
fn rebuild_png(bytes: &[u8]) -> Option<Rebuilt> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..8)?);
    let mut at = 8usize;
    let mut size = None;
    let mut has_data = false;
    loop {
        let length = u32_be(bytes, at)?;
        // The specification caps chunk lengths at 2^31 - 1.
        if length > 0x7FFF_FFFF {
            return None;
        }
        let kind = bytes.get(at.checked_add(4)?..at.checked_add(8)?)?;
        let end = at.checked_add(12)?.checked_add(length as usize)?;
        let chunk = bytes.get(at..end)?;
        if size.is_none() {
            if kind != b"IHDR" || length != 13 {
                return None;
            }
            size = Some((u32_be(chunk, 8)?, u32_be(chunk, 12)?));
        } else if kind == b"IHDR" {
            return None;
        }
        has_data |= kind == b"IDAT";
        let keep = matches!(
            kind,
            b"IHDR"
                | b"PLTE"
                | b"IDAT"
                | b"IEND"
                | b"tRNS"
                | b"gAMA"
                | b"cHRM"
                | b"sRGB"
                | b"iCCP"
                | b"sBIT"
                | b"cICP"
        );
        if keep {
            out.extend_from_slice(chunk);
        }
        at = end;
        if kind == b"IEND" {
            if !has_data {
                return None;
            }
            let (width, height) = size?;
            return Some(Rebuilt {
                bytes: out,
                width,
                height,
            });
        }
    }
}

/// Keeps the image chunks (VP8X with its EXIF and XMP flags cleared, VP8,
/// VP8L, ALPH, ICCP, ANIM, ANMF), drops EXIF, XMP and unknown chunks and
/// anything after the RIFF size, and fixes the RIFF size.
fn rebuild_webp(bytes: &[u8]) -> Option<Rebuilt> {
    const EXIF_FLAG: u8 = 0x08;
    const XMP_FLAG: u8 = 0x04;
    let riff_size = usize::try_from(u32_le(bytes, 4)?).ok()?;
    // The RIFF size counts the "WEBP" tag, so it is at least 4; a file
    // shorter than it says is truncated.
    if riff_size < 4 {
        return None;
    }
    let body = bytes.get(..8usize.checked_add(riff_size)?)?;
    let mut out = Vec::with_capacity(body.len());
    out.extend_from_slice(body.get(..12)?);
    let mut at = 12usize;
    let mut size = None;
    let mut has_image = false;
    while at < body.len() {
        let kind = body.get(at..at.checked_add(4)?)?;
        let length = usize::try_from(u32_le(body, at.checked_add(4)?)?).ok()?;
        let end = at
            .checked_add(8)?
            .checked_add(length)?
            .checked_add(length % 2)?
            .min(body.len());
        let chunk = body.get(at..end)?;
        let payload = chunk.get(8..8usize.checked_add(length)?)?;
        match kind {
            b"VP8X" => {
                if at != 12 {
                    return None;
                }
                let width = u24_le(payload, 4)?.checked_add(1)?;
                let height = u24_le(payload, 7)?.checked_add(1)?;
                size = Some((width, height));
                let mut chunk = chunk.to_vec();
                *chunk.get_mut(8)? &= !(EXIF_FLAG | XMP_FLAG);
                out.extend_from_slice(&chunk);
            }
            b"VP8 " => {
                if payload.get(3..6)? != [0x9D, 0x01, 0x2A] {
                    return None;
                }
                let width =
                    u32::from(u16::from_le_bytes(payload.get(6..8)?.try_into().ok()?)) & 0x3FFF;
                let height =
                    u32::from(u16::from_le_bytes(payload.get(8..10)?.try_into().ok()?)) & 0x3FFF;
                size.get_or_insert((width, height));
                has_image = true;
                out.extend_from_slice(chunk);
            }
            b"VP8L" => {
                if *payload.first()? != 0x2F {
                    return None;
                }
                let bits = u32_le(payload, 1)?;
                let width = (bits & 0x3FFF) + 1;
                let height = ((bits >> 14) & 0x3FFF) + 1;
                size.get_or_insert((width, height));
                has_image = true;
                out.extend_from_slice(chunk);
            }
            b"ANMF" => {
                has_image = true;
                out.extend_from_slice(chunk);
            }
            b"ALPH" | b"ICCP" | b"ANIM" => out.extend_from_slice(chunk),
            _ => {}
        }
        at = end;
    }
    if !has_image {
        return None;
    }
    let (width, height) = size?;
    let riff_size = u32::try_from(out.len().checked_sub(8)?).ok()?;
    out.get_mut(4..8)?.copy_from_slice(&riff_size.to_le_bytes());
    Some(Rebuilt {
        bytes: out,
        width,
        height,
    })
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

/// Where a photo's bytes live in the object store: the one place that knows
/// the key layout, for uploads, downloads, mail attachments and the public page.
pub(crate) fn object_path(hash: &ContentHash) -> ObjectPath {
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
    let max_pixels = state.settings.max_photo_pixels;
    let CleanPhoto {
        format,
        bytes: stripped,
        ..
    } = clean_photo(&body, max_pixels).map_err(|problem| match problem {
        PhotoRefusal::UnknownType => ApiError::UnsupportedPhoto,
        PhotoRefusal::Malformed => ApiError::MalformedPhoto,
        PhotoRefusal::TooManyPixels { width, height } => ApiError::PhotoTooManyPixels {
            width,
            height,
            max_pixels,
        },
    })?;
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

    /// A baseline frame header of `width` × `height` pixels, one component.
    pub(crate) fn jpeg_frame(width: u16, height: u16) -> Vec<u8> {
        let mut frame = vec![0xFF, 0xC0, 0x00, 0x0B, 0x08];
        frame.extend_from_slice(&height.to_be_bytes());
        frame.extend_from_slice(&width.to_be_bytes());
        frame.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        frame
    }

    /// A minimal JPEG: SOI, JFIF APP0, an EXIF APP1 with a GPS tag name, a
    /// comment, the frame header, then the scan and EOI.
    pub(crate) fn jpeg_with_exif() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        bytes.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
        let exif = b"Exif\0\0GPSLatitude 0.73 GPSLongitude 124.31 Model SM-A105";
        bytes.extend_from_slice(&[0xFF, 0xE1]);
        bytes.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        bytes.extend_from_slice(exif);
        bytes.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x06, b'a', b'b', b'c', b'd']);
        bytes.extend(jpeg_frame(640, 480));
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

    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut header = width.to_be_bytes().to_vec();
        header.extend_from_slice(&height.to_be_bytes());
        header.extend_from_slice(&[8, 2, 0, 0, 0]);
        png_chunk(b"IHDR", &header)
    }

    pub(crate) fn png_with_exif() -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(png_header(2, 2));
        bytes.extend(png_chunk(b"eXIf", b"MM\0*GPSLatitude"));
        bytes.extend(png_chunk(b"tEXt", b"Model\0SM-A105"));
        bytes.extend(png_chunk(b"gAMA", &[0, 0, 0xB1, 0x8F]));
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

    fn riff(chunks: &[u8]) -> Vec<u8> {
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&((chunks.len() + 4) as u32).to_le_bytes());
        bytes.extend_from_slice(b"WEBP");
        bytes.extend_from_slice(chunks);
        bytes
    }

    pub(crate) fn webp_with_exif() -> Vec<u8> {
        let mut chunks = webp_chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        chunks.extend(webp_chunk(b"VP8L", &[0x2F, 1, 2, 3, 4]));
        chunks.extend(webp_chunk(b"EXIF", b"MM\0*GPSLatitude"));
        chunks.extend(webp_chunk(b"XMP ", b"<x:xmpmeta/>"));
        riff(&chunks)
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
    fn jpeg_loses_exif_and_comments_but_keeps_jfif_the_frame_and_the_scan() {
        let photo = clean_photo(&jpeg_with_exif(), DEFAULT_MAX_PHOTO_PIXELS).unwrap();
        assert_eq!(photo.format, PhotoFormat::Jpeg);
        assert_eq!((photo.width, photo.height), (640, 480));
        let stripped = photo.bytes;
        assert!(!contains(&stripped, b"GPSLatitude"));
        assert!(!contains(&stripped, b"SM-A105"));
        assert!(!contains(&stripped, b"abcd"));
        assert!(contains(&stripped, b"JFIF"));
        assert!(contains(&stripped, &jpeg_frame(640, 480)));
        assert!(stripped.ends_with(&[
            0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9
        ]));
    }

    /// Phones append a second JPEG (a preview, a depth map, the frames of a
    /// motion photo) after the end of the first image; it carries its own
    /// EXIF with the position. Only the first image leaves the server.
    #[test]
    fn whatever_follows_the_first_image_and_mpf_segments_are_left_behind() {
        let mut hidden = vec![0xFF, 0xD8];
        let exif = b"Exif\0\0GPSLatitude 0.73";
        hidden.extend_from_slice(&[0xFF, 0xE1]);
        hidden.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        hidden.extend_from_slice(exif);
        hidden.extend_from_slice(&[0xFF, 0xD9]);
        let mut bytes = vec![0xFF, 0xD8];
        bytes.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x08, b'M', b'P', b'F', 0, 1, 2]);
        bytes.extend(jpeg_frame(8, 8));
        // Two scans with a restart marker and a table between, as a
        // progressive JPEG has.
        bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x01, 0xFF, 0xD0, 0x02]);
        bytes.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x03, 0x00]);
        bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x03, 0x04]);
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        let image = bytes.clone();
        bytes.extend(&hidden);
        let photo = clean_photo(&bytes, DEFAULT_MAX_PHOTO_PIXELS).unwrap();
        assert!(!contains(&photo.bytes, b"GPSLatitude"));
        assert!(!contains(&photo.bytes, b"MPF"));
        let expected = [&image[..2], &image[12..]].concat();
        assert_eq!(
            photo.bytes, expected,
            "the first image without its MPF segment"
        );
    }

    #[test]
    fn png_loses_exif_and_text_chunks_but_keeps_the_image() {
        let photo = clean_photo(&png_with_exif(), DEFAULT_MAX_PHOTO_PIXELS).unwrap();
        assert_eq!((photo.width, photo.height), (2, 2));
        let stripped = photo.bytes;
        assert!(!contains(&stripped, b"eXIf"));
        assert!(!contains(&stripped, b"SM-A105"));
        assert!(contains(&stripped, b"IHDR"));
        assert!(contains(&stripped, b"gAMA"));
        assert!(contains(&stripped, b"IDAT"));
        assert!(stripped.ends_with(&png_chunk(b"IEND", &[])));
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_header_stops_announcing_them() {
        let photo = clean_photo(&webp_with_exif(), DEFAULT_MAX_PHOTO_PIXELS).unwrap();
        assert_eq!((photo.width, photo.height), (1, 1));
        let stripped = photo.bytes;
        assert!(!contains(&stripped, b"GPSLatitude"));
        assert!(!contains(&stripped, b"xmpmeta"));
        assert!(contains(&stripped, b"VP8L"));
        assert_eq!(stripped[12 + 8] & 0x0C, 0, "EXIF and XMP flags cleared");
        let riff_size = u32::from_le_bytes(stripped[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff_size, stripped.len() - 8);
    }

    #[test]
    fn images_over_the_pixel_limit_are_refused_by_their_header() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_header(30_000, 30_000));
        png.extend(png_chunk(b"IDAT", &[1, 2, 3]));
        png.extend(png_chunk(b"IEND", &[]));
        assert_eq!(
            clean_photo(&png, DEFAULT_MAX_PHOTO_PIXELS),
            Err(PhotoRefusal::TooManyPixels {
                width: 30_000,
                height: 30_000
            })
        );
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(jpeg_frame(8000, 6000));
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x01, 0xFF, 0xD9]);
        assert!(clean_photo(&jpeg, 48_000_000).is_ok());
        assert_eq!(
            clean_photo(&jpeg, 47_999_999),
            Err(PhotoRefusal::TooManyPixels {
                width: 8000,
                height: 6000
            })
        );
        let webp = riff(&webp_chunk(
            b"VP8X",
            &[0, 0, 0, 0, 0x2F, 0x75, 0x00, 0x2F, 0x75, 0x00],
        ));
        let mut chunks = webp_chunk(b"VP8X", &[0, 0, 0, 0, 0x2F, 0x75, 0x00, 0x2F, 0x75, 0x00]);
        chunks.extend(webp_chunk(b"VP8L", &[0x2F, 1, 2, 3, 4]));
        assert_eq!(
            clean_photo(&riff(&chunks), DEFAULT_MAX_PHOTO_PIXELS),
            Err(PhotoRefusal::TooManyPixels {
                width: 30_000,
                height: 30_000
            })
        );
        assert_eq!(
            clean_photo(&webp, DEFAULT_MAX_PHOTO_PIXELS),
            Err(PhotoRefusal::Malformed),
            "a VP8X without image data"
        );
    }

    /// Malformed headers, as the integration test also uploads them.
    fn malformed_headers() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("WebP with RIFF size 0", b"RIFF\0\0\0\0WEBP".to_vec()),
            ("WebP with RIFF size 3", b"RIFF\x03\0\0\0WEBPVP8L".to_vec()),
            (
                "WebP with RIFF size 2^32-1",
                b"RIFF\xff\xff\xff\xffWEBPVP8L\x05\0\0\0\x2f".to_vec(),
            ),
            (
                "WebP chunk size 2^32-1",
                b"RIFF\x10\0\0\0WEBPVP8L\xff\xff\xff\xff\x2f\0\0\0".to_vec(),
            ),
            ("PNG signature only", b"\x89PNG\r\n\x1a\n".to_vec()),
            (
                "PNG chunk length 2^32-1",
                b"\x89PNG\r\n\x1a\n\xff\xff\xff\xffIHDR".to_vec(),
            ),
            ("JPEG SOI only", vec![0xFF, 0xD8, 0xFF]),
            (
                "JPEG segment length 0",
                vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00],
            ),
            (
                "JPEG segment past the end",
                vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x00],
            ),
            (
                "JPEG scan without EOI",
                [
                    vec![0xFF, 0xD8],
                    jpeg_frame(8, 8),
                    vec![0xFF, 0xDA, 0x00, 0x02, 0x01, 0x02],
                ]
                .concat(),
            ),
            (
                "JPEG with zero height",
                [
                    vec![0xFF, 0xD8],
                    jpeg_frame(8, 0),
                    vec![0xFF, 0xDA, 0x00, 0x02, 0x01, 0xFF, 0xD9],
                ]
                .concat(),
            ),
        ]
    }

    #[test]
    fn malformed_and_truncated_files_are_refused_without_panicking() {
        for (name, bytes) in malformed_headers() {
            assert_eq!(
                clean_photo(&bytes, DEFAULT_MAX_PHOTO_PIXELS).err(),
                Some(PhotoRefusal::Malformed),
                "{name}"
            );
        }
        for good in [jpeg_with_exif(), png_with_exif(), webp_with_exif()] {
            for cut in 0..good.len() {
                assert!(
                    clean_photo(&good[..cut], DEFAULT_MAX_PHOTO_PIXELS).is_err(),
                    "{cut} bytes"
                );
            }
        }
    }

    /// A small deterministic generator, so a failure reproduces.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound.max(1) as u64) as usize
        }
    }

    /// Property: the parsers never panic, whatever the bytes. Random bytes
    /// behind each format's magic, and valid files with random bytes
    /// overwritten, cut or repeated.
    #[test]
    fn the_header_parsers_never_panic_on_arbitrary_bytes() {
        let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
        let seeds = [
            jpeg_with_exif(),
            png_with_exif(),
            webp_with_exif(),
            b"RIFF\x20\0\0\0WEBP".to_vec(),
            b"\x89PNG\r\n\x1a\n".to_vec(),
            vec![0xFF, 0xD8, 0xFF],
        ];
        for round in 0..60_000 {
            let mut bytes = seeds[round % seeds.len()].clone();
            match random.below(4) {
                0 => {
                    for _ in 0..=random.below(4) {
                        let at = random.below(bytes.len());
                        bytes[at] = random.next() as u8;
                    }
                }
                1 => bytes.truncate(random.below(bytes.len() + 1)),
                2 => {
                    let extra = random.below(64);
                    bytes.extend((0..extra).map(|_| random.next() as u8));
                }
                _ => {
                    let at = random.below(bytes.len());
                    let copy = bytes[at..].to_vec();
                    bytes.extend(copy);
                    let at = random.below(bytes.len());
                    bytes[at] = [0x00, 0xFF, 0x7F, 0x80][random.below(4)];
                }
            }
            let result = clean_photo(&bytes, DEFAULT_MAX_PHOTO_PIXELS);
            if let Ok(photo) = result {
                assert!(photo.bytes.len() <= bytes.len() + 16, "round {round}");
            }
        }
    }

    /// The same property with proptest, which shrinks a failing input to
    /// its smallest form and also mutates the length and size fields the
    /// parsers trust: every length set to 0, to one byte short, to one past
    /// the end and to the largest value its width holds.
    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn valid_files() -> Vec<Vec<u8>> {
            vec![jpeg_with_exif(), png_with_exif(), webp_with_exif()]
        }

        /// Overwrites `width` bytes at `at` (clamped into the file) with an
        /// extreme value in the byte order the format uses.
        fn poke(bytes: &mut [u8], at: usize, width: usize, value: u64, big_endian: bool) {
            let at = at.min(bytes.len().saturating_sub(width));
            let full = if big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            };
            let part = if big_endian {
                &full[8 - width..]
            } else {
                &full[..width]
            };
            for (offset, byte) in part.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + offset) {
                    *slot = *byte;
                }
            }
        }

        fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
            for limit in [0, 1, DEFAULT_MAX_PHOTO_PIXELS, u64::MAX] {
                if let Ok(photo) = clean_photo(bytes, limit) {
                    prop_assert!(u64::from(photo.width) * u64::from(photo.height) <= limit);
                    prop_assert!(photo.bytes.len() <= bytes.len() + 16);
                    // What the server stores is itself a clean photo of the
                    // same size: cleaning twice changes nothing.
                    let again = clean_photo(&photo.bytes, limit);
                    prop_assert_eq!(again.as_ref().ok(), Some(&photo));
                }
            }
            let _ = strip_metadata(bytes);
            let _ = PhotoFormat::sniff(bytes);
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
                check(&bytes)?;
            }

            #[test]
            fn arbitrary_bytes_behind_each_magic_never_panic(
                magic in prop::sample::select(vec![
                    b"\xFF\xD8\xFF".to_vec(),
                    b"\x89PNG\r\n\x1a\n".to_vec(),
                    b"RIFF\x20\0\0\0WEBP".to_vec(),
                    b"RIFF\xFF\xFF\xFF\xFFWEBPVP8X".to_vec(),
                ]),
                tail in prop::collection::vec(any::<u8>(), 0..256),
            ) {
                let mut bytes = magic;
                bytes.extend(tail);
                check(&bytes)?;
            }

            #[test]
            fn mutated_valid_files_never_panic(
                file in prop::sample::select(valid_files()),
                edits in prop::collection::vec(
                    (any::<prop::sample::Index>(), 1usize..=4, prop::sample::select(vec![
                        0u64, 1, 2, 3, 4, 0x7F, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, u64::MAX,
                    ]), any::<bool>()),
                    0..4,
                ),
                cut in any::<prop::sample::Index>(),
                truncate in any::<bool>(),
            ) {
                let mut bytes = file;
                for (at, width, value, big_endian) in edits {
                    let at = at.index(bytes.len());
                    poke(&mut bytes, at, width, value, big_endian);
                }
                if truncate {
                    let keep = cut.index(bytes.len() + 1);
                    bytes.truncate(keep);
                }
                check(&bytes)?;
            }
        }

        #[test]
        fn the_valid_samples_clean_to_a_fixed_point() {
            for file in valid_files() {
                assert!(clean_photo(&file, DEFAULT_MAX_PHOTO_PIXELS).is_ok());
                check(&file).unwrap();
            }
        }
    }
}
