//! `GET /api/v1/reports`: what the server holds, for the Command Center.

use crate::AppState;
use crate::error::ApiError;
use crate::store::StoredReport;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/reports", get(list))
}

#[derive(Serialize)]
struct ReportList {
    reports: Vec<StoredReport>,
}

async fn list(State(state): State<AppState>) -> Result<Json<ReportList>, ApiError> {
    Ok(Json(ReportList {
        reports: state.store.reports().await?,
    }))
}
