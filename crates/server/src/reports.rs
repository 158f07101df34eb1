//! Reports for the Command Center: `GET /api/v1/reports` lists what the
//! reader's scope allows, `GET /api/v1/reports/{id}` shows one, and
//! `POST /api/v1/reports/{id}/review` records a reviewer's status or comment,
//! and `GET /api/v1/reports/{id}/versions` shows every version of one.

use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::store::{
    AuditEntry, NewReview, PageMark, ReportFilter, ReportPage, ReportVersion, StoredReport, now_ms,
};
use crate::{ApiJson, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::report::{ReviewRequest, ReviewStatus};
use kabar_shared::review::{ReviewRefusal, decide_review};
use kabar_shared::{ReportId, VillageCode};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/reports", get(list))
        .route("/v1/reports/{id}", get(show))
        .route("/v1/reports/{id}/review", post(review))
        .route("/v1/reports/{id}/versions", get(versions))
}

/// Reports per page unless `limit` says otherwise, and the most it may say.
pub const DEFAULT_PAGE: u16 = 100;
pub const MAX_PAGE: u16 = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    village: Option<String>,
    status: Option<String>,
    before: Option<String>,
    limit: Option<u16>,
}

async fn list(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ReportPage>, ApiError> {
    let Query(query) =
        query.map_err(|rejection| ApiError::InvalidRequest(rejection.body_text()))?;
    let village = query
        .village
        .as_deref()
        .map(VillageCode::parse)
        .transpose()
        .map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
    if let Some(village) = &village
        && !user.access.can_read(village)
    {
        return Err(ApiError::Forbidden);
    }
    let status = query
        .status
        .as_deref()
        .map(|text| {
            ReviewStatus::parse(text).ok_or_else(|| {
                ApiError::InvalidRequest(format!(
                    "status must be one of received, in_review, approved, needs_revision, rejected, not {text:?}"
                ))
            })
        })
        .transpose()?;
    let before = query
        .before
        .as_deref()
        .map(|text| {
            PageMark::parse(text).ok_or_else(|| {
                ApiError::InvalidRequest(
                    "before must be the next_before of the previous page".into(),
                )
            })
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be from 1 to {MAX_PAGE}"
        )));
    }
    let page = state
        .store
        .reports(&ReportFilter {
            scope: user.access.scope().clone(),
            village: village.clone(),
            status,
            before,
            limit,
        })
        .await?;
    // Listing is how the Command Center exports reports; who took which
    // villages' data is audited.
    if !user.access.role().is_village_bound() {
        let entry = AuditEntry {
            actor_id: Some(user.user_id),
            actor: Some(user.username.to_string()),
            action: "export",
            target: village.map(String::from),
            client: Some(client),
            detail: serde_json::json!({
                "reports": page.reports.len(),
                "scope": user.access.scope(),
                "status": status.map(ReviewStatus::as_str),
                "before": query.before,
            }),
        };
        state.store.audit(&entry, now_ms()).await?;
    }
    Ok(Json(page))
}

fn parse_id(id: &str) -> Result<ReportId, ApiError> {
    ReportId::parse(id).map_err(|_| ApiError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<StoredReport>, ApiError> {
    let report = state
        .store
        .report(parse_id(&id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !user.access.can_read(&report.report.village) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(report))
}

#[derive(Serialize)]
struct Reviewed {
    report: StoredReport,
}

/// Records a reviewer's status change or comment as the shared review table
/// ([`kabar_shared::review`]) allows it; anything it refuses gets a 4xx
/// saying why in both languages and changes nothing.
async fn review(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReviewRequest>,
) -> Result<Json<Reviewed>, ApiError> {
    let id = parse_id(&id)?;
    let current = state.store.report(id).await?.ok_or(ApiError::NotFound)?;
    let decision = decide_review(
        &user.access,
        &current.report.village,
        current.status,
        &request,
    )
    .map_err(|refusal| match refusal {
        // Outside the reviewer's scope the report is not theirs to see.
        ReviewRefusal::NotReviewer => ApiError::Forbidden,
        refusal => ApiError::ReviewRefused(refusal),
    })?;
    let review = NewReview {
        report_id: id,
        reviewer_id: user.user_id,
        reviewer_name: &user.display_name,
        reviewer_username: user.username.as_str(),
        client: &client,
        current: current.status,
        status: decision.status,
        comment: decision.comment.as_deref(),
    };
    if state.store.add_review(&review, now_ms()).await?.is_none() {
        // Another reviewer or an edit moved the report since it was read;
        // the request was judged against a status it no longer has.
        let now = state.store.report(id).await?.ok_or(ApiError::NotFound)?;
        let to = decision.status.unwrap_or(now.status);
        return Err(ApiError::ReviewRefused(ReviewRefusal::NotAllowed {
            from: now.status,
            to,
        }));
    }
    let report = state.store.report(id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(Reviewed { report }))
}

#[derive(Serialize)]
struct Versions {
    versions: Vec<ReportVersion>,
}

/// Every version of a report, the first first, for the Command Center's
/// side-by-side view; readable by whoever may read the report.
async fn versions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Versions>, ApiError> {
    let id = parse_id(&id)?;
    let (village, _) = state
        .store
        .report_owner(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !user.access.can_read(&village) {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(Versions {
        versions: state.store.report_versions(id).await?,
    }))
}
