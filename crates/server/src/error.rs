//! The one error type of the API. Every failure becomes a stable code, an HTTP
//! status and a message in Bahasa Indonesia with an English translation.
//! Causes of 5xx answers are logged here and never sent to the client.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
            ApiError::BadJson(detail) => Some(detail.clone()),
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
        (self.status(), Json(body)).into_response()
    }
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
