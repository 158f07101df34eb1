//! The phone's sync: `POST /api/v1/sync/push` takes its outbox,
//! `GET /api/v1/sync/pull` gives it what to cache.

use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::store::{ApprovedPeriodReport, Inserted, Submitter, now_ms};
use crate::{ApiJson, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::ContentHash;
use kabar_shared::acceptance::AcceptedReport;
use kabar_shared::form::{FormCatalog, carried_answers};
use kabar_shared::report::{FieldError, FieldProblem};
use kabar_shared::sync::{
    ApprovedReport, Judgement, MAX_PULL_PAGE, MAX_PUSH_BATCH, PROTOCOL_VERSION, PullQuery,
    PullResponse, PushItem, PushOutcome, PushRequest, PushResponse, PushResult, admit,
    announced_photos, judge_push,
};
use kabar_shared::village::{Gazetteer, Village, VillageCode};
use sha2::{Digest, Sha256};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
}

async fn push(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    ApiJson(request): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    if request.protocol_version != PROTOCOL_VERSION {
        return Err(ApiError::UnsupportedProtocol(request.protocol_version));
    }
    if request.items.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BatchTooLarge(request.items.len()));
    }
    // Only village-bound users file reports, and only from the device they
    // logged in on. A push that breaks either is refused whole: it is not a
    // phone's honest mistake.
    if user.access.village().is_none() {
        return Err(ApiError::Forbidden);
    }
    if request
        .device_id
        .as_ref()
        .is_some_and(|device| *device != user.device_id)
    {
        return Err(ApiError::DeviceMismatch);
    }
    // The one filing decision, once per item, before anything is written. An
    // item for a village that is not the user's refuses the whole push too.
    let catalog = state.catalog.fresh(&state.store).await?;
    let admitted: Vec<Result<AcceptedReport, Vec<FieldError>>> = request
        .items
        .iter()
        .map(|item| admit(&catalog, &user.access, item))
        .collect();
    let names_another_village = |errors: &Vec<FieldError>| {
        errors
            .iter()
            .any(|error| error.field == "village" && error.problem == FieldProblem::NotAllowed)
    };
    if admitted
        .iter()
        .any(|decision| decision.as_ref().is_err_and(names_another_village))
    {
        return Err(ApiError::ForbiddenVillage);
    }
    let submitter = Submitter {
        user_id: user.user_id,
        username: user.username.as_str(),
        device_id: &user.device_id,
        client: &client,
    };
    let mut results = Vec::with_capacity(request.items.len());
    for (item, decision) in request.items.iter().zip(admitted) {
        let outcome = match decision {
            Ok(accepted) => store_one(&state, &user, &submitter, item, &accepted).await?,
            Err(errors) => PushOutcome::Rejected { errors },
        };
        crate::mail::after_push(&state, item, &outcome).await?;
        tracing::info!(report = %item.report.id, village = %item.report.village, user = %user.username, ?outcome, "pushed report");
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

/// Stores one admitted item unless it is already there, conflicts, or its
/// period is taken. What is stored is the accepted report: its answers as
/// the validator cleaned them (questions not asked are dropped, so the
/// server never keeps what the form says must not be kept) under the hash
/// of exactly the stored JSON. A store error fails the whole request: the
/// phone keeps every report waiting and retries, and the items committed
/// before the error are acknowledged as duplicates then.
async fn store_one(
    state: &AppState,
    user: &CurrentUser,
    submitter: &Submitter<'_>,
    item: &PushItem,
    accepted: &AcceptedReport,
) -> Result<PushOutcome, ApiError> {
    let photos: Vec<ContentHash> = state
        .catalog
        .current()
        .get(&accepted.report.form)
        .map(|form| announced_photos(form, &accepted.report.answers))
        .unwrap_or_default();
    // Another request (or another server) may store or edit this id, or
    // take this period, between our read and our write; the write then
    // changes nothing and we judge again against what it stored. Twice is
    // enough: the second read sees a committed row that only an edit can
    // change again.
    for _ in 0..3 {
        let current = state
            .store
            .report_version(accepted.report.id, user.user_id)
            .await?;
        let period_holder = match accepted.period {
            Some(period) => {
                state
                    .store
                    .period_holder(&accepted.report.form.id, &accepted.report.village, period)
                    .await?
            }
            None => None,
        };
        let judgement = judge_push(
            &user.access,
            item,
            accepted,
            current.as_ref().map(|current| &current.stored),
            period_holder,
        );
        let written = match judgement {
            Judgement::Answer(outcome) => return Ok(outcome),
            Judgement::Store => {
                state
                    .store
                    .insert_report(accepted, submitter, &photos, now_ms())
                    .await?
                    == Inserted::New
            }
            Judgement::Replace { previous } => {
                let author_id = current.and_then(|current| current.author_id);
                state
                    .store
                    .replace_report(accepted, &previous, author_id, submitter, &photos, now_ms())
                    .await?
            }
        };
        if written {
            return Ok(PushOutcome::Accepted);
        }
    }
    Err(anyhow::anyhow!("report {} kept changing while being stored", item.report.id).into())
}

/// The pull cursor: the last review sequence number the phone has, and
/// fingerprints of the forms and villages it cached. Opaque to the phone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Cursor {
    seq: i64,
    forms: String,
    villages: String,
}

impl Cursor {
    fn parse(text: &str) -> Option<Cursor> {
        let mut parts = text.split('.');
        let (Some("1"), Some(seq), Some(forms), Some(villages), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        Some(Cursor {
            seq: seq.parse().ok().filter(|seq| *seq >= 0)?,
            forms: forms.to_owned(),
            villages: villages.to_owned(),
        })
    }

    fn encode(&self) -> String {
        format!("1.{}.{}.{}", self.seq, self.forms, self.villages)
    }
}

/// The first 16 hex digits of the SHA-256 of a value's JSON.
pub fn fingerprint<T: serde::Serialize>(value: &T) -> String {
    let json = serde_json::to_vec(value).expect("protocol values serialize");
    Sha256::digest(json)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn pull(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, ApiError> {
    let Query(query) =
        query.map_err(|rejection| ApiError::InvalidRequest(rejection.body_text()))?;
    let cursor = match query.cursor.as_deref() {
        None | Some("") => Cursor::default(),
        Some(text) => Cursor::parse(text).ok_or(ApiError::BadCursor)?,
    };
    let limit = query.limit.unwrap_or(MAX_PULL_PAGE).clamp(1, MAX_PULL_PAGE);
    let villages = user.access.scope().villages(Gazetteer::kotamobagu());
    let villages_fingerprint = fingerprint(&villages);
    let catalog = state.catalog.fresh(&state.store).await?;

    let mut reviews = state
        .store
        .reviews_for_submitter(user.user_id, cursor.seq, limit as i64 + 1)
        .await?;
    let has_more = reviews.len() > limit;
    reviews.truncate(limit);
    let next = Cursor {
        seq: reviews.last().map_or(cursor.seq, |(seq, _)| *seq),
        forms: catalog.fingerprint.clone(),
        villages: villages_fingerprint.clone(),
    };
    let approved = match query.approved {
        Some(true) => Some(last_approved(&state, &catalog, &villages).await?),
        _ => None,
    };
    Ok(Json(PullResponse {
        protocol_version: PROTOCOL_VERSION,
        cursor: next.encode(),
        has_more,
        forms: (cursor.forms != catalog.fingerprint).then(|| catalog.forms().cloned().collect()),
        villages: (cursor.villages != villages_fingerprint).then_some(villages),
        reviews: reviews.into_iter().map(|(_, review)| review).collect(),
        incomplete: state.store.incomplete_reports_of(user.user_id).await?,
        approved,
    }))
}

/// The villages' last approved periodic reports, each with only the answers
/// a next report carries from: the phone keeps no more of them.
async fn last_approved(
    state: &AppState,
    catalog: &FormCatalog,
    villages: &[Village],
) -> Result<Vec<ApprovedReport>, ApiError> {
    let codes: Vec<VillageCode> = villages
        .iter()
        .map(|village| village.code.clone())
        .collect();
    let found = state.store.last_approved_reports(&codes).await?;
    Ok(found
        .into_iter()
        .map(|ApprovedPeriodReport { period, report }| {
            let versions = catalog.forms().filter(|form| form.id == report.form.id);
            ApprovedReport {
                report_id: report.id,
                answers: carried_answers(versions, &report.answers),
                form_id: report.form.id,
                village: report.village,
                period,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        fn check(input: &str, expect: Option<Cursor>) {
            assert_eq!(Cursor::parse(input), expect, "{input:?}");
        }
        let cursor = Cursor {
            seq: 42,
            forms: "00ff".into(),
            villages: "ab12".into(),
        };
        check(&cursor.encode(), Some(cursor.clone()));
        check("1.-1.a.b", None);
        check("2.42.00ff.ab12", None);
        check("1.42.00ff", None);
        check("1.42.00ff.ab12.x", None);
        check("garbage", None);
    }

    proptest::proptest! {
        /// The pull cursor is the one part of the pull the phone sends back
        /// as text: no string panics its parser, and every cursor the server
        /// hands out reads back as itself.
        #[test]
        fn any_cursor_text_is_read_or_refused_without_panicking(text in ".{0,64}") {
            if let Some(cursor) = Cursor::parse(&text) {
                proptest::prop_assert_eq!(Cursor::parse(&cursor.encode()), Some(cursor));
            }
        }

        #[test]
        fn every_encoded_cursor_round_trips(
            seq in 0i64..,
            forms in "[0-9a-f]{0,16}",
            villages in "[0-9a-f]{0,16}",
        ) {
            let cursor = Cursor { seq, forms, villages };
            proptest::prop_assert_eq!(Cursor::parse(&cursor.encode()), Some(cursor));
        }
    }
}
