//! Diskominfo's admin endpoints: see and end device sessions, read the audit
//! log. Account changes go through the command line (see `cli`).

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::store::{AuditEntry, AuditRecord, SessionRecord, now_ms};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/sessions", get(sessions))
        .route("/v1/admin/sessions/{id}/revoke", post(revoke))
        .route("/v1/admin/audit", get(audit))
}

#[derive(Serialize)]
struct Sessions {
    sessions: Vec<SessionRecord>,
}

async fn sessions(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Sessions>, ApiError> {
    user.require_admin()?;
    Ok(Json(Sessions {
        sessions: state.store.sessions(None).await?,
    }))
}

async fn revoke(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    user.require_admin()?;
    let now = now_ms();
    if !state.store.revoke_session(&id, now).await? {
        return Err(ApiError::NotFound);
    }
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: "session_revoked",
        target: Some(id),
        client: Some(client),
        detail: serde_json::json!({}),
    };
    state.store.audit(&entry, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct Audit {
    entries: Vec<AuditRecord>,
}

async fn audit(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Audit>, ApiError> {
    user.require_admin()?;
    Ok(Json(Audit {
        entries: state.store.audit_log(500).await?,
    }))
}
