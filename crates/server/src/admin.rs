//! Diskominfo's admin endpoints: see and end device sessions, read the audit
//! log. Account changes go through the command line (see `cli`).

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::store::{AuditEntry, AuditRecord, SessionRecord, now_ms};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/sessions", get(sessions))
        .route("/v1/admin/sessions/{id}/revoke", post(revoke))
        .route("/v1/admin/audit", get(audit))
}

/// The most sessions one page of `/admin/sessions` holds, and the default.
const MAX_SESSIONS_PAGE: i64 = 500;
const DEFAULT_SESSIONS_PAGE: i64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionsQuery {
    limit: Option<i64>,
    /// The `next` of the previous page.
    after: Option<String>,
}

#[derive(Serialize)]
struct Sessions {
    sessions: Vec<SessionRecord>,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
}

/// Sessions newest first, a page at a time: `?limit=N` (1-500, default
/// 100) and `?after=` the previous page's `next`.
async fn sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<SessionsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Sessions>, ApiError> {
    // A query that does not read (`limit=abc`) is a JSON 400 like every
    // other refusal, not axum's plain-text one (found by Schemathesis).
    user.require_admin()?;
    let Query(query) =
        query.map_err(|rejection| ApiError::InvalidRequest(rejection.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_SESSIONS_PAGE);
    if !(1..=MAX_SESSIONS_PAGE).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be 1-{MAX_SESSIONS_PAGE}"
        )));
    }
    let after = match &query.after {
        None => None,
        Some(cursor) => {
            let parsed = cursor
                .split_once('.')
                .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id)))
                .filter(|(_, id)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()));
            Some(parsed.ok_or(ApiError::BadCursor)?)
        }
    };
    // One more than asked tells whether another page follows.
    let mut sessions = state.store.sessions_page(None, after, limit + 1).await?;
    let next = if sessions.len() as i64 > limit {
        sessions.truncate(limit as usize);
        sessions
            .last()
            .map(|last| format!("{}.{}", last.created_at_ms, last.id))
    } else {
        None
    };
    Ok(Json(Sessions { sessions, next }))
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
