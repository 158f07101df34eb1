//! The phone's sync: `POST /api/v1/sync/push` takes its outbox,
//! `GET /api/v1/sync/pull` gives it what to cache.

use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::store::{ApprovedPeriodReport, NewReport, PeriodKey, PushTx, Submitter, now_ms};
use crate::{ApiJson, AppState};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::acceptance::AcceptedReport;
use kabar_shared::form::{FormCatalog, carried_answers};
use kabar_shared::report::{FieldError, FieldErrorKind};
use kabar_shared::sync::{
    ApprovedReport, Judgement, MAX_PULL_PAGE, MAX_PUSH_BATCH, PROTOCOL_VERSION, PullQuery,
    PullResponse, PushItem, PushOutcome, PushRequest, PushResponse, PushResult, admit,
    announced_photos, judge_push,
};
use kabar_shared::village::{Gazetteer, Village, VillageCode};
use kabar_shared::{ContentHash, ReportId};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

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
            .any(|error| error.field == "village" && error.problem == FieldErrorKind::NotAllowed)
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
    let mut outcomes: Vec<Option<PushOutcome>> = Vec::with_capacity(admitted.len());
    let mut accepted: Vec<(usize, AcceptedReport)> = Vec::with_capacity(admitted.len());
    for (index, decision) in admitted.into_iter().enumerate() {
        match decision {
            Ok(report) => {
                outcomes.push(None);
                accepted.push((index, report));
            }
            Err(errors) => outcomes.push(Some(PushOutcome::Rejected { errors })),
        }
    }
    let photos: Vec<Vec<ContentHash>> = accepted
        .iter()
        .map(|(_, accepted)| {
            catalog
                .get(&accepted.report.form)
                .map(|form| announced_photos(form, &accepted.report.answers))
                .unwrap_or_default()
        })
        .collect();
    // Every admitted item names the user's one village (checked above), so
    // a batch locks at most that village's periods.
    let periodic_villages: Vec<&str> = accepted
        .iter()
        .filter(|(_, report)| report.period.is_some())
        .map(|(_, report)| report.report.village.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut batch = state
        .store
        .begin_push(user.user_id, &periodic_villages, now_ms())
        .await?;
    let judged = BatchJudge {
        batch: &mut batch,
        user: &user,
        submitter: &submitter,
        items: &request.items,
        accepted: &accepted,
        photos: &photos,
    }
    .judge()
    .await?;
    for ((index, _), outcome) in accepted.iter().zip(judged) {
        outcomes[*index] = Some(outcome);
    }
    let outcomes: Vec<PushOutcome> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every item is judged"))
        .collect();
    let urgent: Vec<(ReportId, &ContentHash)> = request
        .items
        .iter()
        .zip(&outcomes)
        .filter(|(item, outcome)| crate::mail::mailed_on_arrival(item, outcome))
        .map(|(item, _)| (item.report.id, &item.content_hash))
        .collect();
    batch.enqueue_urgent_mails(&urgent).await?;
    // The answer leaves only after the commit: every report it calls
    // accepted is on disk by then.
    batch.commit().await?;
    // One line per push; the audit log has a row per stored report. Items
    // the phone will show as a problem get a line each, for support.
    let (mut stored, mut duplicates) = (0, 0);
    for (item, outcome) in request.items.iter().zip(&outcomes) {
        match outcome {
            PushOutcome::Accepted => stored += 1,
            PushOutcome::Duplicate => duplicates += 1,
            PushOutcome::Conflict | PushOutcome::Rejected { .. } => {
                tracing::info!(report = %item.report.id, village = %item.report.village, user = %user.username, ?outcome, "pushed report not stored");
            }
        }
    }
    tracing::info!(user = %user.username, items = outcomes.len(), accepted = stored, duplicates, "push");
    let results = request
        .items
        .iter()
        .zip(outcomes)
        .map(|(item, outcome)| PushResult {
            id: item.report.id,
            outcome,
        })
        .collect();
    Ok(Json(PushResponse {
        protocol_version: PROTOCOL_VERSION,
        results,
    }))
}

/// One push's admitted items, judged in order and stored within the push's
/// transaction. What is stored under every id and which report holds every
/// period the batch names are read at once; the new reports are held back
/// and written together. An item whose id or period an earlier item of the
/// batch wrote, or any periodic item after an edit (an edit can free or
/// take a period), is judged against fresh reads instead, after the held
/// back reports are written: reads in the transaction see its own writes,
/// so a batch naming one id twice is judged as two pushes one after the
/// other would be.
struct BatchJudge<'a, 's> {
    batch: &'a mut PushTx<'s>,
    user: &'a CurrentUser,
    submitter: &'a Submitter<'a>,
    items: &'a [PushItem],
    /// The admitted items: their index in `items` and the accepted report.
    accepted: &'a [(usize, AcceptedReport)],
    /// The photos each admitted item announces, in the order of `accepted`.
    photos: &'a [Vec<ContentHash>],
}

impl BatchJudge<'_, '_> {
    /// The outcomes, in the order of `accepted`.
    async fn judge(mut self) -> Result<Vec<PushOutcome>, ApiError> {
        let accepted = self.accepted;
        let ids: Vec<ReportId> = accepted
            .iter()
            .map(|(_, accepted)| accepted.report.id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let keys: Vec<PeriodKey> = accepted
            .iter()
            .filter_map(|(_, accepted)| PeriodKey::of(accepted))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let stored = self.batch.versions(&ids).await?;
        let holders = self.batch.period_holders(&keys).await?;

        let mut outcomes: Vec<Option<PushOutcome>> = vec![None; accepted.len()];
        let mut held_back: Vec<usize> = Vec::new();
        let mut touched_ids = HashSet::new();
        let mut touched_periods = HashSet::new();
        let mut edited = false;
        for (position, (index, report)) in accepted.iter().enumerate() {
            let item = &self.items[*index];
            let key = PeriodKey::of(report);
            let stale = touched_ids.contains(&report.report.id)
                || key
                    .as_ref()
                    .is_some_and(|key| edited || touched_periods.contains(key));
            touched_ids.insert(report.report.id);
            if let Some(key) = &key {
                touched_periods.insert(key.clone());
            }
            // A stale read is judged again inside `store_one`, against what
            // the batch itself wrote; so is an edit, after which a period may
            // have changed hands.
            let judgement = (!stale).then(|| {
                judge_push(
                    &self.user.access,
                    item,
                    report,
                    stored.get(&report.report.id).map(|current| &current.stored),
                    key.as_ref().and_then(|key| holders.get(key)).copied(),
                )
            });
            match judgement {
                Some(Judgement::Answer(outcome)) => outcomes[position] = Some(outcome),
                Some(Judgement::Store) => held_back.push(position),
                None | Some(Judgement::Replace { .. }) => {
                    self.write_held_back(&mut held_back, &mut outcomes).await?;
                    let (outcome, was_edit) = self.store_one(position).await?;
                    edited |= was_edit;
                    outcomes[position] = Some(outcome);
                }
            }
        }
        self.write_held_back(&mut held_back, &mut outcomes).await?;
        Ok(outcomes
            .into_iter()
            .map(|outcome| outcome.expect("every admitted item is judged"))
            .collect())
    }

    /// Writes the held-back new reports in one go. One that could not be
    /// written (another request stored its id or took its period a moment
    /// ago, on PostgreSQL) is judged again against what is there now.
    async fn write_held_back(
        &mut self,
        held_back: &mut Vec<usize>,
        outcomes: &mut [Option<PushOutcome>],
    ) -> Result<(), ApiError> {
        if held_back.is_empty() {
            return Ok(());
        }
        let new: Vec<NewReport> = held_back
            .iter()
            .map(|&position| NewReport {
                accepted: &self.accepted[position].1,
                photos: &self.photos[position],
            })
            .collect();
        let written = self.batch.insert_new(&new, self.submitter).await?;
        for position in held_back.drain(..) {
            let id = self.accepted[position].1.report.id;
            outcomes[position] = Some(if written.contains(&id) {
                PushOutcome::Accepted
            } else {
                self.store_one(position).await?.0
            });
        }
        Ok(())
    }

    /// [`store_one`] for the admitted item at `position`.
    async fn store_one(&mut self, position: usize) -> Result<(PushOutcome, bool), ApiError> {
        let (index, report) = &self.accepted[position];
        store_one(
            self.batch,
            self.user,
            self.submitter,
            &self.items[*index],
            report,
            &self.photos[position],
        )
        .await
    }
}

/// Judges one admitted item against fresh reads in the push's transaction
/// and stores it unless it is already there, conflicts, or its period is
/// taken; also says whether it stored an edit. What is stored is the
/// accepted report: its answers as the validator cleaned them (questions
/// not asked are dropped, so the server never keeps what the form says
/// must not be kept) under the hash of exactly the stored JSON. A store
/// error fails the whole request: nothing of the batch is committed, the
/// phone keeps every report waiting and retries.
async fn store_one(
    batch: &mut PushTx<'_>,
    user: &CurrentUser,
    submitter: &Submitter<'_>,
    item: &PushItem,
    accepted: &AcceptedReport,
    photos: &[ContentHash],
) -> Result<(PushOutcome, bool), ApiError> {
    let key = PeriodKey::of(accepted);
    // Another request (or another server) may store or edit this id, or
    // take this period, between our read and our write; the write then
    // changes nothing and we judge again against what it stored. Twice is
    // enough: the second read sees a committed row that only an edit can
    // change again.
    for _ in 0..3 {
        let mut current = batch.versions(&[accepted.report.id]).await?;
        let current = current.remove(&accepted.report.id);
        let period_holder = match &key {
            Some(key) => batch
                .period_holders(std::slice::from_ref(key))
                .await?
                .remove(key),
            None => None,
        };
        let judgement = judge_push(
            &user.access,
            item,
            accepted,
            current.as_ref().map(|current| &current.stored),
            period_holder,
        );
        match judgement {
            Judgement::Answer(outcome) => return Ok((outcome, false)),
            Judgement::Store => {
                let new = NewReport { accepted, photos };
                if batch
                    .insert_new(std::slice::from_ref(&new), submitter)
                    .await?
                    .contains(&accepted.report.id)
                {
                    return Ok((PushOutcome::Accepted, false));
                }
            }
            Judgement::Replace { previous } => {
                let author_id = current.and_then(|current| current.author_id);
                if batch
                    .replace(accepted, &previous, author_id, submitter, photos)
                    .await?
                {
                    return Ok((PushOutcome::Accepted, true));
                }
            }
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
