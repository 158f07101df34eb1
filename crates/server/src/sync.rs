//! `POST /api/v1/sync/push`: the phone's outbox arrives here.

use crate::error::ApiError;
use crate::store::Inserted;
use crate::{ApiJson, AppState};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use kabar_shared::sync::{
    Judgement, MAX_PUSH_BATCH, PROTOCOL_VERSION, PushItem, PushOutcome, PushRequest, PushResponse,
    PushResult, judge,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sync/push", post(push))
}

async fn push(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.protocol_version != PROTOCOL_VERSION {
        return Err(ApiError::UnsupportedProtocol(request.protocol_version));
    }
    if request.items.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BatchTooLarge(request.items.len()));
    }
    let mut results = Vec::with_capacity(request.items.len());
    for item in &request.items {
        let outcome = push_one(&state, item).await?;
        tracing::info!(report = %item.report.id, village = %item.report.village, ?outcome, "pushed report");
        results.push(PushResult {
            id: item.report.id,
            outcome,
        });
    }
    Ok(Json(PushResponse {
        protocol_version: PROTOCOL_VERSION,
        results,
    }))
}

/// Stores one item unless it is invalid or already there. A store error fails
/// the whole request: the phone keeps every report waiting and retries, and
/// the items committed before the error are acknowledged as duplicates then.
async fn push_one(state: &AppState, item: &PushItem) -> Result<PushOutcome, ApiError> {
    let stored = state.store.content_hash(item.report.id).await?;
    match judge(item, stored.as_ref()) {
        Judgement::Answer(outcome) => Ok(outcome),
        Judgement::Store => match state.store.insert(item, now_ms()).await? {
            Inserted::New => Ok(PushOutcome::Accepted),
            // Another request stored this id between our read and our write;
            // judge again against what it stored.
            Inserted::AlreadyPresent => {
                let stored = state.store.content_hash(item.report.id).await?;
                match judge(item, stored.as_ref()) {
                    Judgement::Answer(outcome) => Ok(outcome),
                    Judgement::Store => Err(anyhow::anyhow!(
                        "report {} vanished after a conflicting insert",
                        item.report.id
                    )
                    .into()),
                }
            }
        },
    }
}

fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
