//! Diskominfo's admin endpoints: see and end device sessions, read the audit
//! log with filters. Account changes are in `pusat_admin` and the command
//! line (see `cli`).

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::pusat::{PusatError, RawPairs, bad, query_pairs};
use crate::store::{AuditEntry, AuditFilter, AuditRecord, SessionRecord, now_ms};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::form::{Date, WITA_OFFSET_MINUTES};
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

/// The most audit entries one page holds, also the default (what the
/// endpoint gave before it had pages).
const MAX_AUDIT_PAGE: i64 = 500;
const AUDIT_FILTERS: &[&str] = &["actor", "action", "from", "to", "before", "limit"];

#[derive(Serialize)]
struct Audit {
    entries: Vec<AuditRecord>,
    /// The `before` of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<i64>,
}

/// Midnight in WITA at the start of `text` (`YYYY-MM-DD`), as Unix ms.
fn wita_midnight(field: &str, text: Option<&String>) -> Result<Option<i64>, PusatError> {
    text.map(|text| {
        let date = Date::parse(text).map_err(|_| {
            bad(
                field,
                "tanggal TTTT-BB-HH, misalnya 2026-03-01.",
                "a date YYYY-MM-DD, for example 2026-03-01.",
            )
        })?;
        Ok((date.to_days() * 86_400 - i64::from(WITA_OFFSET_MINUTES) * 60) * 1000)
    })
    .transpose()
}

/// A name in the log: letters, digits and `._-`, as usernames and actions
/// are written.
fn name(field: &str, text: Option<&String>) -> Result<Option<String>, PusatError> {
    text.map(|text| {
        let fits = text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if fits {
            Ok(text.clone())
        } else {
            Err(bad(
                field,
                "huruf, angka, '.', '_' atau '-', paling banyak 64.",
                "letters, digits, '.', '_' or '-', at most 64.",
            ))
        }
    })
    .transpose()
}

/// The audit log, newest first, filtered: `actor` (username), `action`,
/// `from` and `to` (dates in WITA, both days included), a page at a time
/// (`limit` 1-500, default 500; `before` the previous page's
/// `next_before`). A filter value that makes no sense is refused by name.
async fn audit(
    State(state): State<AppState>,
    user: CurrentUser,
    raw: RawPairs,
) -> Result<Json<Audit>, PusatError> {
    user.require_admin()?;
    let pairs = query_pairs(raw, AUDIT_FILTERS)?;
    let number = |field: &str, range: std::ops::RangeInclusive<i64>| {
        pairs
            .get(field)
            .map(|text| {
                text.parse::<i64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        bad(
                            field,
                            &format!("angka {} sampai {}.", range.start(), range.end()),
                            &format!("a number from {} to {}.", range.start(), range.end()),
                        )
                    })
            })
            .transpose()
    };
    let limit = number("limit", 1..=MAX_AUDIT_PAGE)?.unwrap_or(MAX_AUDIT_PAGE);
    let before_id = number("before", 1..=i64::MAX)?;
    let from_ms = wita_midnight("from", pairs.get("from"))?;
    // `to` names the last day shown, so the log runs to the next midnight.
    let until_ms = wita_midnight("to", pairs.get("to"))?.map(|ms| ms + 86_400_000);
    if let (Some(from), Some(until)) = (from_ms, until_ms)
        && from >= until
    {
        return Err(bad(
            "to",
            "tidak boleh sebelum tanggal \"from\".",
            "may not be before the \"from\" date.",
        ));
    }
    let filter = AuditFilter {
        actor: name("actor", pairs.get("actor"))?,
        action: name("action", pairs.get("action"))?,
        from_ms,
        until_ms,
        before_id,
        limit: limit + 1,
    };
    let mut entries = state.store.audit_search(&filter).await?;
    // One more than asked tells whether another page follows.
    let next_before = if entries.len() as i64 > limit {
        entries.truncate(limit as usize);
        entries.last().map(|last| last.id)
    } else {
        None
    };
    Ok(Json(Audit {
        entries,
        next_before,
    }))
}
