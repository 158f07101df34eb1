//! `GET /api/openapi.json`: the API described for client developers.

use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/openapi.json",
        get(|| async { Json(serde_json::json!({})) }),
    )
}
