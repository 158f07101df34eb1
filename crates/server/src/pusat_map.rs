//! The Command Center's map: `GET /api/v1/pusat/map` gives the reports with
//! a GPS answer under the inbox's filters (form, period, kecamatan, village,
//! status) as points, scoped by the reader; `GET /api/v1/pusat/map/config`
//! gives where the map's tiles come from (the `--tile-url` setting). Looking
//! at the map is not an export, so it is not written to the audit log.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::openapi::Endpoint;
use crate::pusat::{PusatError, RawPairs, command_center, inbox_query, query_pairs, village_name};
use crate::store::InboxRow;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use kabar_shared::form::{Field, FieldKind, FormCatalog, FormDefinition, Text};
use kabar_shared::report::ReviewStatus;
use serde::Serialize;
use utoipa::openapi::HttpMethod;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/pusat/map", get(points))
        .route("/v1/pusat/map/config", get(config))
}

/// The most points one map shows, the newest arrivals first; `truncated`
/// says when there were more, so nobody mistakes a cut map for the whole.
pub const MAX_MAP_POINTS: u16 = 2000;

const MAP_FILTERS: &[&str] = &["form", "period", "district", "village", "status"];

pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/map",
        tag: "pusat",
        summary: "Reports with a GPS answer as points, newest arrivals first, scoped by the reader (reviewers and admins)",
        body: None,
        query: &[
            (
                "form",
                "a form id; the forms with a GPS question are listed in `forms`",
            ),
            (
                "period",
                "YYYY-MM: the report's period, or its month of filing",
            ),
            ("district", "a kecamatan code"),
            ("village", "a village code"),
            ("status", "a review status"),
        ],
        responses: &[
            (
                "200",
                "{forms: [{id, title}], points: [{id, form, title, village, village_name, status, lat, lon, created_at_ms}], truncated}",
            ),
            ("400", "invalid_filter, named in detail"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/map/config",
        tag: "pusat",
        summary: "Where the map's tiles come from: {tile_url} with {z} {x} {y} (reviewers and admins)",
        body: None,
        query: &[],
        responses: &[
            ("200", "{tile_url}"),
            ("401", "unauthenticated"),
            ("403", "forbidden"),
        ],
        public: false,
    },
];

#[derive(Serialize)]
struct MapConfig {
    tile_url: String,
}

async fn config(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<MapConfig>, PusatError> {
    command_center(&user)?;
    Ok(Json(MapConfig {
        tile_url: state.settings.tile_url.as_str().to_owned(),
    }))
}

#[derive(Serialize)]
struct MapForm {
    id: String,
    title: Text,
}

#[derive(Serialize)]
struct Point {
    id: String,
    form: String,
    title: Option<Text>,
    village: String,
    village_name: String,
    status: ReviewStatus,
    lat: f64,
    lon: f64,
    created_at_ms: i64,
}

#[derive(Serialize)]
struct Points {
    forms: Vec<MapForm>,
    points: Vec<Point>,
    truncated: bool,
}

async fn points(
    State(state): State<AppState>,
    user: CurrentUser,
    raw: RawPairs,
) -> Result<Json<Points>, PusatError> {
    command_center(&user)?;
    let mut query = inbox_query(&state, &user, &query_pairs(raw, MAP_FILTERS)?)?;
    query.limit = MAX_MAP_POINTS;
    let (rows, truncated) = state.store.inbox(&query).await?;
    let catalog = state.catalog.current();
    let forms = catalog
        .latest_forms()
        .into_iter()
        .filter(|form| !gps_codes(&form.fields).is_empty())
        .map(|form| MapForm {
            id: form.id.clone(),
            title: form.title.clone(),
        })
        .collect();
    let points = rows.iter().filter_map(|row| point(&catalog, row)).collect();
    Ok(Json(Points {
        forms,
        points,
        truncated,
    }))
}

/// The codes of a form's GPS questions, sections included (a GPS point in
/// a repeat group is one of many, not the report's place).
fn gps_codes(fields: &[Field]) -> Vec<&str> {
    fields
        .iter()
        .flat_map(|field| match &field.kind {
            FieldKind::Gps { .. } => vec![field.code.as_str()],
            FieldKind::Section { fields } => gps_codes(fields),
            _ => Vec::new(),
        })
        .collect()
}

/// The report's place: the answer to its form version's first GPS question
/// that holds a point on the globe.
fn point(catalog: &FormCatalog, row: &InboxRow) -> Option<Point> {
    let report = &row.report;
    let form: &FormDefinition = catalog.get(&report.form)?;
    let (lat, lon) = gps_codes(&form.fields).into_iter().find_map(|code| {
        let value = report.answers.get(code)?;
        let lat = value.get("lat")?.as_f64()?;
        let lon = value.get("lon")?.as_f64()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
    })?;
    Some(Point {
        id: report.id.to_string(),
        form: report.form.id.clone(),
        title: Some(form.title.clone()),
        village: report.village.to_string(),
        village_name: village_name(&report.village),
        status: row.status,
        lat,
        lon,
        created_at_ms: report.created_at_ms,
    })
}
