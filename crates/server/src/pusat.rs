//! The Command Center's API under `/api/v1/pusat/`: the forms it renders
//! reports with, the inbox, a report's details and the completeness grid.
//!
//! Only reviewers and admins get in; village heads and KIM volunteers get
//! 403 from every endpoint here, whatever they ask. Everything is read
//! within the reader's scope: a reviewer of one kecamatan who names another
//! kecamatan or one of its villages gets 403, and never a row of it.
//!
//! Review actions go through `POST /api/v1/reports/{id}/review` (see
//! `reports.rs`), the one place that records them.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::openapi::Endpoint;
use crate::store::{
    FilingRow, InboxQuery, InboxRow, PageMark, ReportDetail, ReportPhoto, ReviewRecord,
    StoredReport, now_ms,
};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kabar_shared::account::{DistrictCode, Scope};
use kabar_shared::form::Period;
use kabar_shared::form::{CarryMismatch, FieldKind, FormDefinition, Text, carry_mismatches};
use kabar_shared::period::{Filing, deadline_ms, due_day, filing, report_period};
use kabar_shared::report::URGENCY_FIELD;
use kabar_shared::report::{FormRef, ReviewStatus};
use kabar_shared::village::Gazetteer;
use kabar_shared::{Report, ReportId, VillageCode};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use utoipa::openapi::HttpMethod;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/pusat/forms", get(forms))
        .route("/v1/pusat/inbox", get(inbox))
        .route("/v1/pusat/reports/{id}", get(detail))
        .route("/v1/pusat/completeness", get(completeness))
        .route("/v1/pusat/export", get(crate::pusat_export::export))
        .merge(crate::pusat_admin::router())
}

/// These endpoints in the OpenAPI document (see `openapi.rs`).
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/forms",
        tag: "command-center",
        summary: "Every published form version, for rendering reports with their labels; reviewers and admins",
        body: None,
        query: &[],
        responses: COMMAND_CENTER_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/inbox",
        tag: "command-center",
        summary: "The inbox: reports in the reader's scope, latest arrivals first, with counts per status; {items, next_before, counts}",
        body: None,
        query: &[
            ("status", "received, in_review, approved or needs_revision"),
            (
                "district",
                "a kecamatan code, e.g. 71.74.02 (403 outside the reader's scope)",
            ),
            (
                "village",
                "a village code, e.g. 71.74.02.1003 (403 outside the reader's scope)",
            ),
            ("form", "a form id, e.g. laporan-kejadian"),
            (
                "period",
                "YYYY-MM: the month a monthly report names, else the month it was filled (WITA)",
            ),
            (
                "urgency",
                "an urgency choice of the incident form, e.g. tinggi",
            ),
            (
                "q",
                "words found in the report or its submitter's username (at most 100 characters)",
            ),
            ("before", "the next_before of the previous page"),
            ("limit", "1 to 200, default 50"),
        ],
        responses: COMMAND_CENTER_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/reports/{id}",
        tag: "command-center",
        summary: "One report with its form version, submitter, device, photos and review history",
        body: None,
        query: &[],
        responses: &[
            ("200", "the report"),
            ("401", "not logged in"),
            (
                "403",
                "a village-bound role, or a village outside the reader's scope",
            ),
            ("404", "no such report"),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/completeness",
        tag: "command-center",
        summary: "Village x month grid of a periodic form: on_time, late, missing, needs_revision, not_yet_due",
        body: None,
        query: &[
            (
                "form",
                "a periodic form id (required), e.g. laporan-bulanan-kependudukan",
            ),
            (
                "district",
                "a kecamatan code; default every kecamatan in the reader's scope",
            ),
            ("from", "YYYY-MM; default five months before `to`"),
            (
                "to",
                "YYYY-MM; default this month (WITA); at most 24 months in all",
            ),
        ],
        responses: COMMAND_CENTER_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/export",
        tag: "command-center",
        summary: "The inbox's reports under the same filters as a file, scoped by the reader and audited: format=csv (text/csv; one row per report, UTF-8, header row, answers by field code, times in WITA, a repeat group's cell holds its row count), format=csv&group=<repeat code> (that repeat group's rows: report_id, row, the group's columns), format=xlsx (one sheet per form version headed by its field labels, one sheet per repeat group, numbers as numbers) or format=geojson (reports with a GPS answer as points)",
        body: None,
        query: &[
            ("format", "csv, xlsx or geojson (required)"),
            (
                "group",
                "with format=csv: a repeat group's code, e.g. daftar_kelahiran; the file holds its rows",
            ),
            (
                "status, district, village, form, period, urgency, q",
                "as for the inbox",
            ),
        ],
        responses: &[
            (
                "200",
                "the file (text/csv; charset=utf-8, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet or application/geo+json) as an attachment",
            ),
            (
                "400",
                "invalid_filter: a filter, format or group value that does not parse, named in detail",
            ),
            ("401", "not logged in"),
            (
                "403",
                "a village-bound role, or a kecamatan or village outside the reader's scope",
            ),
            (
                "413",
                "export_too_large: more than 5000 reports; narrow the filters",
            ),
        ],
        public: false,
    },
    Endpoint {
        method: HttpMethod::Get,
        path: "/api/v1/pusat/admin/users",
        tag: "command-center",
        summary: "Admins: every account with its role, scope and state (active, locked, disabled)",
        body: None,
        query: &[],
        responses: ADMIN_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/pusat/admin/users",
        tag: "command-center",
        summary: "Admins: create an account {username, display_name, role, village | district, password} with the command line's rules; 201",
        body: Some((
            "application/json",
            "{username, display_name?, role, village?, district?, password}",
        )),
        query: &[],
        responses: ADMIN_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/pusat/admin/users/{username}/password",
        tag: "command-center",
        summary: "Admins: reset a password {password}; ends every session of the account",
        body: Some(("application/json", "{password}")),
        query: &[],
        responses: ADMIN_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/pusat/admin/users/{username}/disable",
        tag: "command-center",
        summary: "Admins: refuse logins and end every session of the account",
        body: None,
        query: &[],
        responses: ADMIN_RESPONSES,
        public: false,
    },
    Endpoint {
        method: HttpMethod::Post,
        path: "/api/v1/pusat/admin/users/{username}/enable",
        tag: "command-center",
        summary: "Admins: allow logins again",
        body: None,
        query: &[],
        responses: ADMIN_RESPONSES,
        public: false,
    },
];

const ADMIN_RESPONSES: &[(&str, &str)] = &[
    ("200", "done (201 for a new account)"),
    (
        "400",
        "invalid_request: a value the account rules refuse, named in `detail`, in both languages",
    ),
    ("401", "not logged in"),
    ("403", "not an admin"),
    ("404", "no such account"),
];

const COMMAND_CENTER_RESPONSES: &[(&str, &str)] = &[
    ("200", "the answer"),
    (
        "400",
        "invalid_filter: a filter value that does not parse, named in `detail`",
    ),
    ("401", "not logged in"),
    (
        "403",
        "a village-bound role, or a kecamatan or village outside the reader's scope",
    ),
];

/// Reports per inbox page unless `limit` says otherwise, and the most.
pub const DEFAULT_INBOX_PAGE: u16 = 50;
pub const MAX_INBOX_PAGE: u16 = 200;
/// The longest text search, and the most months one grid shows.
pub const MAX_SEARCH_CHARS: usize = 100;
pub const MAX_GRID_MONTHS: usize = 24;

/// An error of this API: the server's usual errors, or a filter value that
/// does not parse, named with what it should be in both languages.
#[derive(Debug)]
pub enum PusatError {
    Api(ApiError),
    BadFilter {
        field: String,
        message: String,
        message_en: String,
    },
    /// A request body value the rules refuse (an account change).
    Invalid {
        field: String,
        message: String,
        message_en: String,
    },
}

impl From<ApiError> for PusatError {
    fn from(error: ApiError) -> PusatError {
        PusatError::Api(error)
    }
}

impl From<anyhow::Error> for PusatError {
    fn from(error: anyhow::Error) -> PusatError {
        PusatError::Api(ApiError::Internal(error))
    }
}

impl IntoResponse for PusatError {
    fn into_response(self) -> Response {
        match self {
            PusatError::Api(error) => error.into_response(),
            PusatError::BadFilter {
                field,
                message,
                message_en,
            } => {
                let body = serde_json::json!({"error": {
                    "code": "invalid_filter",
                    "message": message,
                    "message_en": message_en,
                    "detail": field,
                }});
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
            PusatError::Invalid {
                field,
                message,
                message_en,
            } => {
                let body = serde_json::json!({"error": {
                    "code": "invalid_request",
                    "message": message,
                    "message_en": message_en,
                    "detail": field,
                }});
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
        }
    }
}

pub(crate) fn bad(field: &str, expected_id: &str, expected_en: &str) -> PusatError {
    PusatError::BadFilter {
        field: field.to_owned(),
        message: format!("Filter \"{field}\" tidak valid: {expected_id}"),
        message_en: format!("The \"{field}\" filter is not valid: {expected_en}"),
    }
}

/// Lets reviewers and admins in; the roles that file reports are refused.
pub(crate) fn command_center(user: &CurrentUser) -> Result<(), PusatError> {
    if user.access.role().is_village_bound() {
        Err(ApiError::Forbidden.into())
    } else {
        Ok(())
    }
}

/// The query string's pairs in order, as axum reads them.
pub(crate) type RawPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The query string as name → value, refusing names not in `known` and
/// names given twice.
pub(crate) fn query_pairs(
    raw: RawPairs,
    known: &[&str],
) -> Result<HashMap<String, String>, PusatError> {
    let Query(raw) = raw.map_err(|rejection| ApiError::InvalidRequest(rejection.body_text()))?;
    let mut pairs = HashMap::new();
    for (name, value) in raw {
        if !known.contains(&name.as_str()) {
            return Err(bad(
                &name,
                &format!("filter yang dikenal: {}.", known.join(", ")),
                &format!("known filters are {}.", known.join(", ")),
            ));
        }
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        if pairs.insert(name.clone(), value).is_some() {
            return Err(bad(&name, "sebutkan sekali saja.", "give it once."));
        }
    }
    Ok(pairs)
}

fn parse_district(
    user: &CurrentUser,
    text: Option<&String>,
) -> Result<Option<DistrictCode>, PusatError> {
    let Some(text) = text else { return Ok(None) };
    let district = DistrictCode::parse(text).map_err(|_| {
        bad(
            "district",
            "kode kecamatan Kotamobagu seperti 71.74.02.",
            "a kecamatan code of Kotamobagu such as 71.74.02.",
        )
    })?;
    match user.access.scope() {
        Scope::District(own) if *own != district => Err(ApiError::Forbidden.into()),
        Scope::Village(_) => Err(ApiError::Forbidden.into()),
        _ => Ok(Some(district)),
    }
}

fn parse_village(
    user: &CurrentUser,
    text: Option<&String>,
) -> Result<Option<VillageCode>, PusatError> {
    let Some(text) = text else { return Ok(None) };
    let village = VillageCode::parse(text)
        .ok()
        .filter(|code| Gazetteer::kotamobagu().village(code).is_some())
        .ok_or_else(|| {
            bad(
                "village",
                "kode desa/kelurahan Kotamobagu seperti 71.74.02.1003.",
                "a village code of Kotamobagu such as 71.74.02.1003.",
            )
        })?;
    if !user.access.can_read(&village) {
        return Err(ApiError::Forbidden.into());
    }
    Ok(Some(village))
}

/// The newest version of the form named `text` (a copy: the catalog may
/// change while the request runs).
fn parse_form(state: &AppState, text: &str) -> Result<FormDefinition, PusatError> {
    let catalog = state.catalog.current();
    catalog.latest(text).cloned().ok_or_else(|| {
        let known: Vec<&str> = catalog
            .latest_forms()
            .into_iter()
            .map(|form| form.id.as_str())
            .collect();
        bad(
            "form",
            &format!("salah satu dari {}.", known.join(", ")),
            &format!("one of {}.", known.join(", ")),
        )
    })
}

fn parse_month(field: &str, text: Option<&String>) -> Result<Option<Period>, PusatError> {
    text.map(|text| {
        Period::parse(text).map_err(|_| {
            bad(
                field,
                "bulan ditulis TTTT-BB, misalnya 2026-03.",
                "a month written YYYY-MM, such as 2026-03.",
            )
        })
    })
    .transpose()
}

/// The answer codes an urgency filter may name: the choices of the
/// urgency question of any form that has one.
fn urgency_codes(state: &AppState) -> Vec<String> {
    let mut codes: Vec<String> = state
        .catalog
        .current()
        .forms()
        .filter_map(|form| form.field(URGENCY_FIELD))
        .flat_map(|field| {
            field
                .kind
                .choices()
                .iter()
                .map(|choice| choice.code.clone())
        })
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

async fn forms(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, PusatError> {
    command_center(&user)?;
    let catalog = state.catalog.fresh(&state.store).await?;
    let forms: Vec<&FormDefinition> = catalog.forms().collect();
    Ok(Json(serde_json::json!({ "forms": forms })))
}

/// One report in the inbox list.
#[derive(Serialize)]
struct InboxItem {
    id: ReportId,
    form: FormRef,
    form_title: Option<Text>,
    village: VillageCode,
    village_name: String,
    status: ReviewStatus,
    created_at_ms: i64,
    received_at_ms: i64,
    submitted_by: Option<String>,
    urgency: Option<String>,
    period: Option<Period>,
    /// The first text answer, shortened: what the report is about.
    summary: String,
}

#[derive(Serialize)]
struct InboxPage {
    items: Vec<InboxItem>,
    next_before: Option<PageMark>,
    /// Reports in each status under every filter but the status.
    counts: BTreeMap<&'static str, i64>,
}

pub(crate) const INBOX_FILTERS: &[&str] = &[
    "status", "district", "village", "form", "period", "urgency", "q", "before", "limit",
];

pub(crate) fn inbox_query(
    state: &AppState,
    user: &CurrentUser,
    pairs: &HashMap<String, String>,
) -> Result<InboxQuery, PusatError> {
    let status = pairs
        .get("status")
        .map(|text| {
            ReviewStatus::parse(text).ok_or_else(|| {
                let all: Vec<&str> = ReviewStatus::ALL.iter().map(|s| s.as_str()).collect();
                bad(
                    "status",
                    &format!("salah satu dari {}.", all.join(", ")),
                    &format!("one of {}.", all.join(", ")),
                )
            })
        })
        .transpose()?;
    let form = pairs
        .get("form")
        .map(|text| parse_form(state, text).map(|form| form.id.clone()))
        .transpose()?;
    let urgency = match pairs.get("urgency") {
        Some(text) => {
            let codes = urgency_codes(state);
            if !codes.contains(text) {
                return Err(bad(
                    "urgency",
                    &format!("salah satu dari {}.", codes.join(", ")),
                    &format!("one of {}.", codes.join(", ")),
                ));
            }
            Some(text.clone())
        }
        None => None,
    };
    let text = pairs.get("q").cloned();
    if text
        .as_ref()
        .is_some_and(|text| text.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(bad(
            "q",
            &format!("paling banyak {MAX_SEARCH_CHARS} huruf."),
            &format!("at most {MAX_SEARCH_CHARS} characters."),
        ));
    }
    let before = pairs
        .get("before")
        .map(|text| {
            PageMark::parse(text).ok_or_else(|| {
                bad(
                    "before",
                    "pakai next_before dari halaman sebelumnya.",
                    "use the next_before of the previous page.",
                )
            })
        })
        .transpose()?;
    let limit = match pairs.get("limit") {
        None => DEFAULT_INBOX_PAGE,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|limit| (1..=MAX_INBOX_PAGE).contains(limit))
            .ok_or_else(|| {
                bad(
                    "limit",
                    &format!("angka 1 sampai {MAX_INBOX_PAGE}."),
                    &format!("a number from 1 to {MAX_INBOX_PAGE}."),
                )
            })?,
    };
    Ok(InboxQuery {
        scope: user.access.scope().clone(),
        district: parse_district(user, pairs.get("district"))?,
        village: parse_village(user, pairs.get("village"))?,
        form,
        status,
        period: parse_month("period", pairs.get("period"))?,
        urgency,
        text,
        before,
        limit,
    })
}

async fn inbox(
    State(state): State<AppState>,
    user: CurrentUser,
    raw: RawPairs,
) -> Result<Json<InboxPage>, PusatError> {
    command_center(&user)?;
    let query = inbox_query(&state, &user, &query_pairs(raw, INBOX_FILTERS)?)?;
    let (rows, has_more) = state.store.inbox(&query).await?;
    let mut counts: BTreeMap<&'static str, i64> = ReviewStatus::ALL
        .iter()
        .map(|status| (status.as_str(), 0))
        .collect();
    for (status, count) in state.store.inbox_counts(&query).await? {
        counts.insert(status.as_str(), count);
    }
    let next_before = has_more
        .then(|| {
            rows.last().map(|last| PageMark {
                received_at_ms: last.received_at_ms,
                id: last.report.id,
            })
        })
        .flatten();
    let items = rows
        .into_iter()
        .map(|row| inbox_item(&state, row))
        .collect();
    Ok(Json(InboxPage {
        items,
        next_before,
        counts,
    }))
}

pub(crate) fn village_name(village: &VillageCode) -> String {
    Gazetteer::kotamobagu()
        .village(village)
        .map(|village| village.name.clone())
        .unwrap_or_else(|| village.to_string())
}

fn inbox_item(state: &AppState, row: InboxRow) -> InboxItem {
    let report = row.report;
    let catalog = state.catalog.current();
    let form = catalog.get(&report.form);
    let summary = form
        .and_then(|form| first_text_answer(&form.fields, &report.answers))
        .unwrap_or_default();
    InboxItem {
        id: report.id,
        form_title: form.map(|form| form.title.clone()),
        village_name: village_name(&report.village),
        village: report.village.clone(),
        status: row.status,
        created_at_ms: report.created_at_ms,
        received_at_ms: row.received_at_ms,
        submitted_by: row.submitted_by,
        urgency: report
            .answers
            .get(URGENCY_FIELD)
            .and_then(|value| value.as_str())
            .map(str::to_owned),
        period: report_period(form, &report),
        summary,
        form: report.form,
    }
}

/// The first text answer in the form's order (sections included), cut to
/// 140 characters.
fn first_text_answer(
    fields: &[kabar_shared::form::Field],
    answers: &kabar_shared::report::Answers,
) -> Option<String> {
    fields.iter().find_map(|field| match &field.kind {
        FieldKind::Section { fields, .. } => first_text_answer(fields, answers),
        FieldKind::ShortText { .. } | FieldKind::LongText { .. } => answers
            .get(&field.code)
            .and_then(|value| value.as_str())
            .filter(|text| !text.trim().is_empty())
            .map(|text| text.chars().take(140).collect()),
        _ => None,
    })
}

/// A photo with where to get it.
#[derive(Serialize)]
struct PhotoView {
    #[serde(flatten)]
    photo: ReportPhoto,
    arrived: bool,
    url: String,
}

#[derive(Serialize)]
struct Detail {
    #[serde(flatten)]
    stored: StoredReport,
    /// The form version the report was filed against, for its labels.
    form: Option<FormDefinition>,
    village_name: String,
    district_name: Option<String>,
    period: Option<Period>,
    device_id: Option<String>,
    submitter_name: Option<String>,
    reviews: Vec<ReviewRecord>,
    photos: Vec<PhotoView>,
    /// Whether a reviewer made the report public on `/publik/`.
    public: bool,
    /// Start-of-period figures that differ from the previous period's
    /// approved report: the village changed a prefilled figure, which the
    /// phone flagged and the reviewer should see.
    carry_mismatches: Vec<CarryMismatch>,
}

async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Detail>, PusatError> {
    command_center(&user)?;
    let id = ReportId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let ReportDetail {
        stored,
        device_id,
        submitter_name,
        reviews,
        photos,
    } = state
        .store
        .report_detail(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let report = &stored.report;
    if !user.access.can_read(&report.village) {
        return Err(ApiError::Forbidden.into());
    }
    let district_name = Gazetteer::kotamobagu()
        .districts
        .iter()
        .find(|district| district.code == report.village.district_code())
        .map(|district| district.name.clone());
    let photos = photos
        .into_iter()
        .map(|photo| PhotoView {
            arrived: photo.content_type.is_some(),
            url: format!("/api/v1/photos/{}", photo.sha256),
            photo,
        })
        .collect();
    let public = state.store.is_public(&report.id.to_string()).await?;
    let form = state.catalog.current().get(&report.form).cloned();
    let carry_mismatches = match &form {
        Some(form) => carry_flags(&state, form, report).await?,
        None => Vec::new(),
    };
    let period = report_period(form.as_ref(), report);
    Ok(Json(Detail {
        public,
        carry_mismatches,
        form,
        village_name: village_name(&report.village),
        district_name,
        period,
        device_id,
        submitter_name,
        reviews,
        photos,
        stored,
    }))
}

/// The carried figures of `report` that differ from the approved report of
/// the month before, judged by the shared rule.
async fn carry_flags(
    state: &AppState,
    form: &FormDefinition,
    report: &Report,
) -> Result<Vec<CarryMismatch>, ApiError> {
    let Some(period) = form.period_of(&report.answers) else {
        return Ok(Vec::new());
    };
    if form.carried_fields().is_empty() {
        return Ok(Vec::new());
    }
    let previous = period.previous();
    let Some(approved) = state
        .store
        .approved_report_of_period(&form.id, &report.village, previous)
        .await?
    else {
        return Ok(Vec::new());
    };
    Ok(carry_mismatches(
        form,
        &report.answers,
        previous,
        &approved.answers,
    ))
}

#[derive(Serialize)]
struct GridCell {
    month: Period,
    state: Filing,
    report_id: Option<ReportId>,
}

#[derive(Serialize)]
struct GridVillage {
    code: VillageCode,
    name: String,
    cells: Vec<GridCell>,
}

#[derive(Serialize)]
struct GridDistrict {
    code: String,
    name: String,
    villages: Vec<GridVillage>,
    counts: BTreeMap<&'static str, i64>,
}

#[derive(Serialize)]
struct Grid {
    form: String,
    title: Text,
    due_day: u8,
    months: Vec<Period>,
    districts: Vec<GridDistrict>,
    counts: BTreeMap<&'static str, i64>,
}

fn zero_counts() -> BTreeMap<&'static str, i64> {
    Filing::ALL
        .iter()
        .map(|state| (state.as_str(), 0))
        .collect()
}

async fn completeness(
    State(state): State<AppState>,
    user: CurrentUser,
    raw: RawPairs,
) -> Result<Json<Grid>, PusatError> {
    command_center(&user)?;
    let pairs = query_pairs(raw, &["form", "district", "from", "to"])?;
    let form_id = pairs.get("form").ok_or_else(|| {
        bad(
            "form",
            "sebutkan formulir berkala, misalnya laporan-bulanan-kependudukan.",
            "name a periodic form, such as laporan-bulanan-kependudukan.",
        )
    })?;
    let form = parse_form(&state, form_id)?;
    let due = due_day(&form).ok_or_else(|| {
        bad(
            "form",
            "formulir ini tidak berkala (tidak punya tenggat bulanan).",
            "this form is not periodic (it has no monthly deadline).",
        )
    })?;
    let district = parse_district(&user, pairs.get("district"))?;
    let now = now_ms();
    let this_month =
        Period::of_unix_millis(now).ok_or_else(|| anyhow::anyhow!("the clock is off"))?;
    let last = parse_month("to", pairs.get("to"))?.unwrap_or(this_month);
    let first = match parse_month("from", pairs.get("from"))? {
        Some(first) => first,
        None => (0..5).fold(last, |month, _| month.previous()),
    };
    let months = Period::range(first, last);
    if months.is_empty() || months.len() > MAX_GRID_MONTHS {
        return Err(bad(
            "from",
            &format!(
                "dari bulan sebelum atau sama dengan \"to\", paling banyak {MAX_GRID_MONTHS} bulan."
            ),
            &format!("a month not after \"to\", at most {MAX_GRID_MONTHS} months."),
        ));
    }
    let rows = state
        .store
        .filings(&form.id, user.access.scope(), district.as_ref())
        .await?;
    Ok(Json(grid(
        &form,
        due,
        months,
        &user,
        district.as_ref(),
        rows,
        now,
    )))
}

fn grid(
    form: &FormDefinition,
    due: u8,
    months: Vec<Period>,
    user: &CurrentUser,
    district: Option<&DistrictCode>,
    rows: Vec<FilingRow>,
    now: i64,
) -> Grid {
    // The first report filled for each village and month decides the cell.
    let mut filed: HashMap<(VillageCode, Period), &FilingRow> = HashMap::new();
    for row in &rows {
        if let Some(period) = report_period(Some(form), &row.report) {
            filed
                .entry((row.report.village.clone(), period))
                .or_insert(row);
        }
    }
    let mut counts = zero_counts();
    let districts = Gazetteer::kotamobagu()
        .districts
        .iter()
        .filter(|candidate| district.is_none_or(|wanted| wanted.as_str() == candidate.code))
        .filter_map(|candidate| {
            let mut district_counts = zero_counts();
            let villages: Vec<GridVillage> = candidate
                .villages
                .iter()
                .filter(|village| user.access.can_read(&village.code))
                .map(|village| GridVillage {
                    code: village.code.clone(),
                    name: village.name.clone(),
                    cells: months
                        .iter()
                        .map(|&month| {
                            let row = filed.get(&(village.code.clone(), month));
                            let state = filing(
                                row.map(|row| (row.report.created_at_ms, row.status)),
                                deadline_ms(month, due),
                                now,
                            );
                            *district_counts.entry(state.as_str()).or_default() += 1;
                            *counts.entry(state.as_str()).or_default() += 1;
                            GridCell {
                                month,
                                state,
                                report_id: row.map(|row| row.id),
                            }
                        })
                        .collect(),
                })
                .collect();
            (!villages.is_empty()).then(|| GridDistrict {
                code: candidate.code.clone(),
                name: candidate.name.clone(),
                villages,
                counts: district_counts,
            })
        })
        .collect();
    Grid {
        form: form.id.clone(),
        title: form.title.clone(),
        due_day: due,
        months,
        districts,
        counts,
    }
}
