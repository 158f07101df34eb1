//! The one error type of the API. Every failure becomes a stable code, an HTTP
//! status and a message in Bahasa Indonesia with an English translation.
//! Causes of 5xx answers are logged here and never sent to the client.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kabar_shared::account::InvalidPassword;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("request body is not valid: {0}")]
    BadJson(String),
    #[error("request body must be JSON")]
    NotJson,
    #[error("request body too large")]
    TooLarge,
    #[error("protocol version {0} is not supported")]
    UnsupportedProtocol(u32),
    #[error("batch of {0} items is larger than allowed")]
    BatchTooLarge(usize),
    #[error("not found")]
    NotFound,
    #[error("not logged in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("the push names a village other than the user's")]
    ForbiddenVillage,
    #[error("the push names another device than the session's")]
    DeviceMismatch,
    #[error("wrong username or password")]
    InvalidCredentials,
    /// A signed-in user's current password did not match (not a 401: the
    /// session itself is fine).
    #[error("wrong current password")]
    WrongPassword,
    /// A new password that breaks the shared rules.
    #[error("weak new password: {0}")]
    WeakPassword(InvalidPassword),
    #[error("account disabled")]
    AccountDisabled,
    #[error("account locked for {retry_after_s} s")]
    AccountLocked { retry_after_s: i64 },
    #[error("too many failed logins from this client")]
    TooManyAttempts { retry_after_s: i64 },
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("bad cursor")]
    BadCursor,
    #[error("photo type not supported")]
    UnsupportedPhoto,
    #[error("photo is not a well-formed image")]
    MalformedPhoto,
    #[error("photo of {width}x{height} pixels is larger than {max_pixels} pixels")]
    PhotoTooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("the server is busy")]
    Busy { retry_after_s: i64 },
    #[error("request from another site")]
    CrossOrigin,
    #[error("photo larger than {max_bytes} bytes")]
    PhotoTooLarge { max_bytes: usize },
    #[error("photo does not match its hash")]
    PhotoHashMismatch,
    #[error("no report announces this photo")]
    PhotoNotAnnounced,
    /// The shared review table refused the request; it says why in both
    /// languages.
    #[error("review refused: {0:?}")]
    ReviewRefused(kabar_shared::review::ReviewRefusal),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadJson(_)
            | ApiError::UnsupportedProtocol(_)
            | ApiError::BatchTooLarge(_) => StatusCode::BAD_REQUEST,
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Unauthenticated | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::WrongPassword => StatusCode::FORBIDDEN,
            ApiError::WeakPassword(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Forbidden
            | ApiError::ForbiddenVillage
            | ApiError::DeviceMismatch
            | ApiError::AccountDisabled => StatusCode::FORBIDDEN,
            ApiError::AccountLocked { .. } | ApiError::TooManyAttempts { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::InvalidRequest(_) | ApiError::BadCursor | ApiError::PhotoHashMismatch => {
                StatusCode::BAD_REQUEST
            }
            ApiError::UnsupportedPhoto => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PhotoTooLarge { .. } | ApiError::PhotoTooManyPixels { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::MalformedPhoto => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::CrossOrigin => StatusCode::FORBIDDEN,
            ApiError::PhotoNotAnnounced => StatusCode::CONFLICT,
            ApiError::ReviewRefused(refusal) => {
                use kabar_shared::review::ReviewRefusal;
                match refusal {
                    ReviewRefusal::NotReviewer => StatusCode::FORBIDDEN,
                    ReviewRefusal::NotAllowed { .. } => StatusCode::CONFLICT,
                    ReviewRefusal::Empty
                    | ReviewRefusal::CommentTooLong { .. }
                    | ReviewRefusal::CommentRequired
                    | ReviewRefusal::ReasonRequired => StatusCode::UNPROCESSABLE_ENTITY,
                }
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadJson(_) => "bad_json",
            ApiError::NotJson => "not_json",
            ApiError::TooLarge => "too_large",
            ApiError::UnsupportedProtocol(_) => "unsupported_protocol_version",
            ApiError::BatchTooLarge(_) => "batch_too_large",
            ApiError::NotFound => "not_found",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden => "forbidden",
            ApiError::ForbiddenVillage => "forbidden_village",
            ApiError::DeviceMismatch => "device_mismatch",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::WrongPassword => "wrong_password",
            ApiError::WeakPassword(_) => "weak_password",
            ApiError::AccountDisabled => "account_disabled",
            ApiError::AccountLocked { .. } => "account_locked",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::BadCursor => "bad_cursor",
            ApiError::UnsupportedPhoto => "unsupported_photo_type",
            ApiError::PhotoTooLarge { .. } => "photo_too_large",
            ApiError::MalformedPhoto => "photo_malformed",
            ApiError::PhotoTooManyPixels { .. } => "photo_too_many_pixels",
            ApiError::Busy { .. } => "busy",
            ApiError::CrossOrigin => "cross_origin",
            ApiError::PhotoHashMismatch => "photo_hash_mismatch",
            ApiError::PhotoNotAnnounced => "photo_not_announced",
            ApiError::ReviewRefused(refusal) => refusal.code(),
            ApiError::Internal(_) => "internal",
        }
    }

    fn messages(&self) -> (String, String) {
        match self {
            ApiError::BadJson(_) => (
                "Data yang dikirim tidak sesuai format.".into(),
                "The data sent is not in the expected format.".into(),
            ),
            ApiError::NotJson => {
                ("Data harus dikirim sebagai JSON.".into(), "Data must be sent as JSON.".into())
            }
            ApiError::TooLarge => ("Data yang dikirim terlalu besar.".into(), "The data sent is too large.".into()),
            ApiError::UnsupportedProtocol(version) => (
                format!("Versi aplikasi tidak cocok (protokol {version}). Perbarui aplikasi."),
                format!("App version does not match (protocol {version}). Update the app."),
            ),
            ApiError::BatchTooLarge(count) => (
                format!("Terlalu banyak laporan sekaligus ({count})."),
                format!("Too many reports at once ({count})."),
            ),
            ApiError::NotFound => ("Tidak ditemukan.".into(), "Not found.".into()),
            ApiError::Unauthenticated => (
                "Silakan masuk (login) terlebih dahulu.".into(),
                "Please log in first.".into(),
            ),
            ApiError::Forbidden => (
                "Anda tidak berhak mengakses data ini.".into(),
                "You are not allowed to access this.".into(),
            ),
            ApiError::ForbiddenVillage => (
                "Laporan hanya boleh dikirim untuk desa/kelurahan Anda sendiri.".into(),
                "Reports can only be sent for your own village.".into(),
            ),
            ApiError::DeviceMismatch => (
                "Ponsel ini tidak cocok dengan sesi login. Silakan masuk lagi.".into(),
                "This phone does not match the login session. Please log in again.".into(),
            ),
            ApiError::InvalidCredentials => (
                "Nama pengguna atau kata sandi salah.".into(),
                "Wrong username or password.".into(),
            ),
            ApiError::WrongPassword => (
                "Kata sandi lama salah; kata sandi tidak diganti.".into(),
                "The current password is wrong; the password was not changed.".into(),
            ),
            ApiError::WeakPassword(InvalidPassword::TooShort { min_chars }) => (
                format!("Kata sandi baru minimal {min_chars} karakter."),
                format!("The new password needs at least {min_chars} characters."),
            ),
            ApiError::WeakPassword(InvalidPassword::TooLong { max_chars }) => (
                format!("Kata sandi baru paling panjang {max_chars} karakter."),
                format!("The new password can be at most {max_chars} characters."),
            ),
            ApiError::AccountDisabled => (
                "Akun ini dinonaktifkan. Hubungi Diskominfo.".into(),
                "This account is disabled. Contact Diskominfo.".into(),
            ),
            ApiError::AccountLocked { retry_after_s } => (
                format!(
                    "Terlalu banyak percobaan gagal. Coba lagi dalam {} menit.",
                    minutes(*retry_after_s)
                ),
                format!(
                    "Too many failed attempts. Try again in {} minutes.",
                    minutes(*retry_after_s)
                ),
            ),
            ApiError::TooManyAttempts { retry_after_s } => (
                format!(
                    "Terlalu banyak percobaan gagal dari perangkat ini. Coba lagi dalam {} menit.",
                    minutes(*retry_after_s)
                ),
                format!(
                    "Too many failed attempts from this device. Try again in {} minutes.",
                    minutes(*retry_after_s)
                ),
            ),
            ApiError::InvalidRequest(_) => (
                "Permintaan tidak lengkap atau tidak valid.".into(),
                "The request is incomplete or invalid.".into(),
            ),
            ApiError::BadCursor => (
                "Posisi sinkronisasi tidak dikenal; mulai ulang dari awal.".into(),
                "Unknown sync position; start again from the beginning.".into(),
            ),
            ApiError::UnsupportedPhoto => (
                "Foto harus berformat JPEG, PNG atau WebP.".into(),
                "Photos must be JPEG, PNG or WebP.".into(),
            ),
            ApiError::PhotoTooLarge { max_bytes } => (
                format!("Foto terlalu besar (paling besar {} MB).", max_bytes / (1024 * 1024)),
                format!("The photo is too large (at most {} MB).", max_bytes / (1024 * 1024)),
            ),
            ApiError::MalformedPhoto => (
                "Foto rusak atau tidak lengkap; ambil foto lagi.".into(),
                "The photo is damaged or incomplete; take it again.".into(),
            ),
            ApiError::PhotoTooManyPixels { width, height, max_pixels } => (
                format!(
                    "Foto terlalu besar ({width}×{height} piksel; paling banyak {} megapiksel).",
                    max_pixels / 1_000_000
                ),
                format!(
                    "The photo is too large ({width}×{height} pixels; at most {} megapixels).",
                    max_pixels / 1_000_000
                ),
            ),
            ApiError::Busy { .. } => (
                "Server sedang sibuk. Coba lagi sebentar lagi.".into(),
                "The server is busy. Try again in a moment.".into(),
            ),
            ApiError::CrossOrigin => (
                "Permintaan dari situs lain ditolak.".into(),
                "Requests from other sites are refused.".into(),
            ),
            ApiError::PhotoHashMismatch => (
                "Foto rusak saat dikirim; akan dikirim ulang.".into(),
                "The photo was damaged in transit; it will be sent again.".into(),
            ),
            ApiError::PhotoNotAnnounced => (
                "Kirim laporannya dulu, baru fotonya.".into(),
                "Send the report first, then its photos.".into(),
            ),
            ApiError::ReviewRefused(refusal) => {
                let message = refusal.message();
                (message.id, message.en)
            }
            ApiError::Internal(_) => (
                "Terjadi gangguan di server. Data Anda aman di ponsel; coba lagi nanti.".into(),
                "Something went wrong on the server. Your data is safe on the phone; try again later.".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = ?cause, "request failed");
        }
        let (message, message_en) = self.messages();
        // Parse errors point the app's developers at the bad field; they
        // describe the request, never the server's internals.
        let detail = match &self {
            ApiError::BadJson(detail) | ApiError::InvalidRequest(detail) => Some(detail.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                message_en,
                detail,
            },
        };
        let retry_after = match &self {
            ApiError::AccountLocked { retry_after_s }
            | ApiError::TooManyAttempts { retry_after_s }
            | ApiError::Busy { retry_after_s } => Some(*retry_after_s),
            _ => None,
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}

fn minutes(seconds: i64) -> i64 {
    (seconds + 59) / 60
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::NotJson,
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::TooLarge
            }
            other => ApiError::BadJson(other.body_text()),
        }
    }
}
