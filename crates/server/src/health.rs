//! `GET /api/health`: the app's connectivity probe. It touches the database,
//! so "reachable" means "able to take reports", not just "a socket answered".

use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.store.ping().await?;
    Ok(Json(
        json!({ "status": "ok", "protocol_version": kabar_shared::sync::PROTOCOL_VERSION }),
    ))
}
