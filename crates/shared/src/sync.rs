//! The sync protocol between the phone's outbox and the server, sans I/O.
//!
//! Both peers are plain functions over values: the phone asks
//! [`next_push`] what to send and feeds the answer to [`apply_push_response`];
//! the server asks [`admit`] once whether each pushed item may be filed
//! (the one decision of [`crate::acceptance`]) and [`judge_push`] what to do
//! with it given what it already stores. Transport, storage and clocks belong to the callers.

use crate::acceptance::{AcceptedReport, FilingRefusal, decide_filing_in};
use crate::account::{Access, Authorship, Role, Scope};
use crate::form::{AnswerErrorKind, Field, FieldKind, FormCatalog, FormDefinition, Period};
use crate::object::Object;
use crate::report::{
    Answers, ContentHash, FieldError, FieldErrorKind, Report, ReportId, ReviewStatus,
};
use crate::village::{Village, VillageCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Bumped whenever a message changes shape. The server answers a request of
/// another version with a clear error instead of guessing.
pub const PROTOCOL_VERSION: u32 = 1;

/// At most this many reports travel in one push, so one request stays small
/// enough to finish on a weak EDGE link.
pub const MAX_PUSH_BATCH: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub protocol_version: u32,
    /// The device id the phone logged in with. The server refuses a push
    /// that names another device than its session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    pub items: Vec<PushItem>,
}

/// One report with the hash the phone computed for it. The server recomputes
/// the hash and refuses an item whose hash does not match its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushItem {
    pub report: Report,
    pub content_hash: ContentHash,
    /// For an edited report: the hash of the version it replaces. The server
    /// replaces only that exact version, and only while the report is still
    /// editable (see [`ReviewStatus::editable`]); anything else is a
    /// conflict, so two phones editing the same report cannot overwrite each
    /// other unnoticed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<ContentHash>,
}

impl PushItem {
    pub fn new(report: Report) -> PushItem {
        let content_hash = report.content_hash();
        PushItem {
            report,
            content_hash,
            replaces: None,
        }
    }

    /// An edited report that replaces the version with hash `previous`.
    pub fn edit(report: Report, previous: ContentHash) -> PushItem {
        PushItem {
            replaces: Some(previous),
            ..PushItem::new(report)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    pub protocol_version: u32,
    pub results: Vec<PushResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushResult {
    pub id: ReportId,
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// By hand, for the phone's download size (see `object`).
impl<'de> Deserialize<'de> for PushResult {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<PushResult, D::Error> {
        let mut object = Object::read(deserializer)?;
        let id = object.required("id")?;
        let outcome = match object.tag("outcome")?.as_str() {
            "accepted" => PushOutcome::Accepted,
            "duplicate" => PushOutcome::Duplicate,
            "conflict" => PushOutcome::Conflict,
            "rejected" => PushOutcome::Rejected {
                errors: object.required("errors")?,
            },
            other => {
                return Err(serde::de::Error::unknown_variant(
                    other,
                    &["accepted", "duplicate", "conflict", "rejected"],
                ));
            }
        };
        Ok(PushResult { id, outcome })
    }
}

/// The server's answer for one pushed report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Stored now, for the first time.
    Accepted,
    /// Already stored with exactly this content: acknowledged, not stored again.
    Duplicate,
    /// Already stored with other content under the same id. The server keeps
    /// what it has; the phone keeps its copy and shows the conflict.
    Conflict,
    /// Not stored because the content breaks the rules.
    Rejected { errors: Vec<FieldError> },
}

/// What the server should do with one pushed item that
/// [`admit`] accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// Store it as the report's first version; answer
    /// [`PushOutcome::Accepted`] once it is committed.
    Store,
    /// Store it as the next version of the report whose current version has
    /// this hash (an edit); answer [`PushOutcome::Accepted`] once committed,
    /// or judge again if the current version changed in between. Earlier
    /// versions are kept.
    Replace { previous: ContentHash },
    /// Store nothing and answer this.
    Answer(PushOutcome),
}

/// What the server holds under a pushed report's id: its current version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub content_hash: ContentHash,
    pub status: ReviewStatus,
    pub village: VillageCode,
    /// Who filed the report, seen from the user pushing now.
    pub authorship: Authorship,
}

/// Checks one pushed item, once: that its hash names the pushed content
/// (nothing was damaged in transit) and [`decide_filing_in`] for the user
/// who pushed it. On success the item is to be stored as the accepted
/// report, whose hash may differ from the pushed one when the validator
/// cleaned the answers; the stored hash is always the hash of the stored
/// JSON.
pub fn admit(
    catalog: &FormCatalog,
    pusher: &Access,
    item: &PushItem,
) -> Result<AcceptedReport, Vec<FieldError>> {
    let decision = decide_filing_in(pusher, catalog, &item.report);
    let mut errors: Vec<FieldError> = match &decision {
        Ok(_) => Vec::new(),
        Err(refusals) => refusals.iter().map(FilingRefusal::to_field_error).collect(),
    };
    if item.report.content_hash() != item.content_hash {
        errors.push(FieldError {
            field: "content_hash".into(),
            problem: FieldErrorKind::HashMismatch,
        });
    }
    match decision {
        Ok(accepted) if errors.is_empty() => Ok(accepted),
        _ => Err(errors),
    }
}

/// Decides what to do with an admitted item given what the server stores
/// under its id, and which report of the same village already holds the
/// accepted report's period, if any (for periodic forms: one report per
/// form, village and period).
///
/// - Nothing stored: store it, unless another report holds its period.
/// - The same content stored (as cleaned, or as pushed by an older
///   server): a duplicate.
/// - An edit naming the current version: a new version, if the pusher may
///   edit the report ([`Access::may_edit`]: its author, and for a village
///   head's report only a village head) and the review table still lets its
///   author edit it ([`crate::review::edit_moves_to`]).
/// - Anything else under the same id: a conflict; the server keeps what it
///   has.
pub fn judge_push(
    pusher: &Access,
    item: &PushItem,
    accepted: &AcceptedReport,
    stored: Option<&StoredVersion>,
    period_holder: Option<ReportId>,
) -> Judgement {
    let period_taken = match (accepted.period, period_holder) {
        (Some(period), Some(holder)) if holder != accepted.report.id => {
            Some(Judgement::Answer(PushOutcome::Rejected {
                errors: vec![period_taken_error(
                    accepted.period_answer.clone().unwrap_or_default(),
                    period,
                )],
            }))
        }
        _ => None,
    };
    match (stored, &item.replaces) {
        (None, _) => period_taken.unwrap_or(Judgement::Store),
        (Some(stored), _)
            if stored.content_hash == accepted.content_hash
                || stored.content_hash == item.content_hash =>
        {
            Judgement::Answer(PushOutcome::Duplicate)
        }
        (Some(stored), Some(previous)) if stored.content_hash == *previous => {
            if !pusher.may_edit(&stored.village, stored.authorship) {
                Judgement::Answer(PushOutcome::Rejected {
                    errors: vec![FieldError {
                        field: "id".into(),
                        problem: FieldErrorKind::NotAllowed,
                    }],
                })
            } else if !stored.status.editable() {
                Judgement::Answer(PushOutcome::Conflict)
            } else {
                period_taken.unwrap_or(Judgement::Replace {
                    previous: previous.clone(),
                })
            }
        }
        (Some(_), _) => Judgement::Answer(PushOutcome::Conflict),
    }
}

fn period_taken_error(field: String, period: Period) -> FieldError {
    FieldError {
        field,
        problem: FieldErrorKind::from_validator(AnswerErrorKind::PeriodAlreadyReported { period }),
    }
}

/// [`admit`] and [`judge_push`] by the built-in forms for a village user of
/// the report's village whose role may file its form, who filed whatever is
/// stored: for in-memory peers in tests and simulations.
pub fn judge(item: &PushItem, stored: Option<&ContentHash>) -> Judgement {
    let catalog = FormCatalog::builtin();
    let role = catalog
        .get(&item.report.form)
        .and_then(|form| form.filed_by.first().copied())
        .map_or(Role::VillageHead, |role| match role {
            crate::form::Filer::VillageHead => Role::VillageHead,
            crate::form::Filer::KimVolunteer => Role::KimVolunteer,
        });
    let Ok(pusher) = Access::new(role, Scope::Village(item.report.village.clone())) else {
        return Judgement::Answer(PushOutcome::Rejected {
            errors: vec![FieldError {
                field: "village".into(),
                problem: FieldErrorKind::UnknownVillage,
            }],
        });
    };
    let accepted = match admit(&catalog, &pusher, item) {
        Ok(accepted) => accepted,
        Err(errors) => return Judgement::Answer(PushOutcome::Rejected { errors }),
    };
    let stored = stored.map(|hash| StoredVersion {
        content_hash: hash.clone(),
        status: ReviewStatus::Received,
        village: item.report.village.clone(),
        authorship: Authorship {
            by_this_user: true,
            author_role: Some(role),
        },
    });
    judge_push(&pusher, item, &accepted, stored.as_ref(), None)
}

/// The photos a report announces: every reference in its photo fields,
/// repeat rows included, in form order, without repeats. The phone uploads
/// them after the report; the server counts the report complete when all
/// have arrived.
pub fn announced_photos(form: &FormDefinition, answers: &Answers) -> Vec<ContentHash> {
    fn walk(fields: &[Field], answers: &Answers, out: &mut Vec<ContentHash>) {
        for field in fields {
            match &field.kind {
                FieldKind::Section { fields } => walk(fields, answers, out),
                FieldKind::Photo { .. } => {
                    let refs = answers.get(&field.code).and_then(|value| value.as_array());
                    for text in refs.into_iter().flatten().filter_map(|v| v.as_str()) {
                        if let Ok(hash) = ContentHash::parse(text)
                            && !out.contains(&hash)
                        {
                            out.push(hash);
                        }
                    }
                }
                FieldKind::Repeat { fields, .. } => {
                    let rows = answers.get(&field.code).and_then(|value| value.as_array());
                    for row in rows.into_iter().flatten().filter_map(|r| r.as_object()) {
                        let row: Answers = row.clone().into_iter().collect();
                        walk(fields, &row, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&form.fields, answers, &mut out);
    out
}

/// At most this many changes travel in one pull page.
pub const MAX_PULL_PAGE: usize = 500;

/// `GET /api/v1/sync/pull?cursor=…&limit=…`: the phone asks for everything
/// it should cache since its cursor. Without a cursor it gets everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Asks for [`PullResponse::approved`]. Phones from before it existed
    /// do not ask and read no field they do not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
}

/// One page of what changed. The phone stores `cursor` only after it has
/// stored the page, and asks again at once while `has_more`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullResponse {
    pub protocol_version: u32,
    /// Opaque; send it back as is.
    pub cursor: String,
    pub has_more: bool,
    /// Every published form version, when they changed since the cursor
    /// (absent when the phone's copy is current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forms: Option<Vec<FormDefinition>>,
    /// The villages the user may see, when they changed since the cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub villages: Option<Vec<Village>>,
    /// Status changes and reviewer comments on the user's own reports, oldest
    /// first.
    pub reviews: Vec<ReviewEvent>,
    /// The user's reports whose announced photos have not all arrived: the
    /// full current list on every page, so the phone can simply replace its
    /// copy.
    pub incomplete: Vec<IncompleteReport>,
    /// When the phone asked (`approved=true`): for each of the user's
    /// villages and each periodic form, the approved report of the latest
    /// period, the full current list on every page. A new report starts its
    /// carried figures from it (see [`crate::form::carry`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<Vec<ApprovedReport>>,
}

/// A village's last approved report of a periodic form, with only the
/// answers a next report carries from ([`crate::form::carried_answers`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovedReport {
    pub report_id: ReportId,
    pub form_id: String,
    pub village: VillageCode,
    pub period: Period,
    pub answers: Answers,
}

/// By hand, for the phone's download size (see `object`): the derived
/// struct visitor cost more than this reading of one JSON object.
impl<'de> Deserialize<'de> for ApprovedReport {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<ApprovedReport, D::Error> {
        let mut object = Object::read(deserializer)?;
        Ok(ApprovedReport {
            report_id: object.required("report_id")?,
            form_id: object.required("form_id")?,
            village: object.required("village")?,
            period: object.required("period")?,
            answers: object.required("answers")?,
        })
    }
}

/// A reviewer changed a report's status, commented on it, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEvent {
    pub report_id: ReportId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReviewStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The reviewer's display name.
    pub reviewer: String,
    pub at_ms: i64,
}

/// A report still waiting for some of its photos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteReport {
    pub report_id: ReportId,
    pub missing_photos: Vec<ContentHash>,
}

/// Where a report saved on the phone stands with the server.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Delivery {
    /// Saved on the phone, not yet confirmed by the server ("menunggu").
    Waiting,
    /// Confirmed stored by the server ("terkirim").
    Sent,
    /// The server holds other content under this id.
    Conflict,
    /// The server refused the content; the errors say why.
    Rejected { errors: Vec<FieldError> },
}

/// By hand, for the phone's download size (see `object`).
impl<'de> Deserialize<'de> for Delivery {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Delivery, D::Error> {
        let mut object = Object::read(deserializer)?;
        Ok(match object.tag("state")?.as_str() {
            "waiting" => Delivery::Waiting,
            "sent" => Delivery::Sent,
            "conflict" => Delivery::Conflict,
            "rejected" => Delivery::Rejected {
                errors: object.required("errors")?,
            },
            other => {
                return Err(serde::de::Error::unknown_variant(
                    other,
                    &["waiting", "sent", "conflict", "rejected"],
                ));
            }
        })
    }
}

impl Delivery {
    pub fn is_waiting(&self) -> bool {
        matches!(self, Delivery::Waiting)
    }

    /// The state's name as its JSON tag spells it, for storage indexes and
    /// page markup.
    pub fn name(&self) -> &'static str {
        match self {
            Delivery::Waiting => "waiting",
            Delivery::Sent => "sent",
            Delivery::Conflict => "conflict",
            Delivery::Rejected { .. } => "rejected",
        }
    }
}

/// The next push the phone should make, or `None` when nothing waits.
/// Each outbox entry is a report, where it stands, and for a revised report
/// the hash of the version it replaces (see [`PushItem::edit`]). Urgent
/// incidents go first (see [`Report::is_urgent`]), then the rest oldest
/// first, so a long outbox drains in the order it was filled.
pub fn next_push<'a>(
    outbox: impl IntoIterator<Item = (&'a Report, &'a Delivery, Option<&'a ContentHash>)>,
) -> Option<PushRequest> {
    plan_pushes(outbox, &BTreeSet::new()).into_iter().next()
}

/// Every push the phone should make for what waits, in the order of
/// [`next_push`], skipping the reports in `skip` (those already pushed in
/// this sync cycle, whose answer is stored or was lost): each waiting
/// report is in exactly one batch of [`MAX_PUSH_BATCH`] or fewer.
pub fn plan_pushes<'a>(
    outbox: impl IntoIterator<Item = (&'a Report, &'a Delivery, Option<&'a ContentHash>)>,
    skip: &BTreeSet<ReportId>,
) -> Vec<PushRequest> {
    let mut waiting: Vec<(&Report, Option<&ContentHash>, usize)> = outbox
        .into_iter()
        .filter(|(report, delivery, _)| delivery.is_waiting() && !skip.contains(&report.id))
        .enumerate()
        .map(|(listed, (report, _, replaces))| (report, replaces, listed))
        .collect();
    // The listing order breaks ties, as a stable sort would: the unstable
    // sort's code is a few kB smaller in the phone's wasm.
    waiting.sort_unstable_by_key(|(report, _, listed)| (!report.is_urgent(), report.id, *listed));
    // The same report listed twice (a driver's mistake) travels once.
    waiting.dedup_by_key(|(report, _, _)| report.id);
    waiting
        .chunks(MAX_PUSH_BATCH)
        .map(|batch| PushRequest {
            protocol_version: PROTOCOL_VERSION,
            device_id: None,
            items: batch
                .iter()
                .map(|(report, replaces, _)| match replaces {
                    Some(previous) => PushItem::edit((*report).clone(), (*previous).clone()),
                    None => PushItem::new((*report).clone()),
                })
                .collect(),
        })
        .collect()
}

/// The server answered with a protocol version this phone does not speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolMismatch {
    pub server_version: u32,
}

/// Turns the server's answer into new delivery states for the pushed reports.
/// Results for ids that were not in the request are ignored, and reports the
/// server did not answer for stay waiting, so a truncated or confused answer
/// can only delay a report, never mark it sent.
pub fn apply_push_response(
    request: &PushRequest,
    response: &PushResponse,
) -> Result<Vec<(ReportId, Delivery)>, ProtocolMismatch> {
    if response.protocol_version != PROTOCOL_VERSION {
        return Err(ProtocolMismatch {
            server_version: response.protocol_version,
        });
    }
    let updates = request
        .items
        .iter()
        .filter_map(|item| {
            let result = response
                .results
                .iter()
                .find(|result| result.id == item.report.id)?;
            let delivery = match &result.outcome {
                PushOutcome::Accepted | PushOutcome::Duplicate => Delivery::Sent,
                PushOutcome::Conflict => Delivery::Conflict,
                PushOutcome::Rejected { errors } => Delivery::Rejected {
                    errors: errors.clone(),
                },
            };
            Some((item.report.id, delivery))
        })
        .collect();
    Ok(updates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;
    use std::collections::BTreeMap;

    /// A server peer that keeps reports in memory and follows [`judge`].
    #[derive(Default)]
    struct MemoryServer {
        stored: BTreeMap<ReportId, (ContentHash, Report)>,
    }

    impl MemoryServer {
        fn push(&mut self, request: &PushRequest) -> PushResponse {
            let results = request
                .items
                .iter()
                .map(|item| {
                    let outcome =
                        match judge(item, self.stored.get(&item.report.id).map(|(hash, _)| hash)) {
                            Judgement::Store | Judgement::Replace { .. } => {
                                self.stored.insert(
                                    item.report.id,
                                    (item.content_hash.clone(), item.report.clone()),
                                );
                                PushOutcome::Accepted
                            }
                            Judgement::Answer(outcome) => outcome,
                        };
                    PushResult {
                        id: item.report.id,
                        outcome,
                    }
                })
                .collect();
            PushResponse {
                protocol_version: PROTOCOL_VERSION,
                results,
            }
        }
    }

    /// A phone's outbox in memory, synced through [`next_push`].
    #[derive(Default)]
    struct MemoryPhone {
        outbox: Vec<(Report, Delivery)>,
    }

    impl MemoryPhone {
        fn save(&mut self, report: Report) {
            self.outbox.push((report, Delivery::Waiting));
        }

        fn sync_with(&mut self, server: &mut MemoryServer) -> Option<(PushRequest, PushResponse)> {
            let request = next_push(self.outbox.iter().map(|(r, d)| (r, d, None)))?;
            let response = server.push(&request);
            self.receive(&request, &response);
            Some((request, response))
        }

        fn receive(&mut self, request: &PushRequest, response: &PushResponse) {
            for (id, delivery) in apply_push_response(request, response).unwrap() {
                let entry = self
                    .outbox
                    .iter_mut()
                    .find(|(report, _)| report.id == id)
                    .unwrap();
                entry.1 = delivery;
            }
        }

        fn deliveries(&self) -> Vec<Delivery> {
            self.outbox.iter().map(|(_, d)| d.clone()).collect()
        }
    }

    #[test]
    fn two_offline_reports_arrive_once_when_the_network_returns() {
        let mut phone = MemoryPhone::default();
        let mut server = MemoryServer::default();
        phone.save(sample_report(1, "Jalan rusak"));
        phone.save(sample_report(2, "Banjir"));
        assert_eq!(
            phone.deliveries(),
            vec![Delivery::Waiting, Delivery::Waiting]
        );

        let (request, _) = phone.sync_with(&mut server).unwrap();
        assert_eq!(request.items.len(), 2, "both go in one batch");
        assert_eq!(server.stored.len(), 2);
        assert_eq!(phone.deliveries(), vec![Delivery::Sent, Delivery::Sent]);
        assert!(
            phone.sync_with(&mut server).is_none(),
            "nothing left to send"
        );
    }

    #[test]
    fn a_batch_replayed_after_a_lost_answer_is_acknowledged_not_stored_twice() {
        let mut phone = MemoryPhone::default();
        let mut server = MemoryServer::default();
        phone.save(sample_report(1, "Jalan rusak"));
        phone.save(sample_report(2, "Banjir"));

        // The server commits, but the answer never reaches the phone.
        let request = next_push(phone.outbox.iter().map(|(r, d)| (r, d, None))).unwrap();
        let lost = server.push(&request);
        assert!(
            lost.results
                .iter()
                .all(|r| r.outcome == PushOutcome::Accepted)
        );
        assert_eq!(
            phone.deliveries(),
            vec![Delivery::Waiting, Delivery::Waiting]
        );

        let (_, replay) = phone.sync_with(&mut server).unwrap();
        assert!(
            replay
                .results
                .iter()
                .all(|r| r.outcome == PushOutcome::Duplicate)
        );
        assert_eq!(server.stored.len(), 2);
        assert_eq!(phone.deliveries(), vec![Delivery::Sent, Delivery::Sent]);
    }

    #[test]
    fn a_changed_body_under_an_old_id_is_a_conflict_and_the_server_keeps_the_original() {
        let mut server = MemoryServer::default();
        let original = sample_report(1, "Jalan rusak");
        server.push(&PushRequest {
            protocol_version: 1,
            device_id: None,
            items: vec![PushItem::new(original.clone())],
        });

        let mut changed = original.clone();
        changed.answers.insert("body".into(), "Isi lain".into());
        let response = server.push(&PushRequest {
            protocol_version: 1,
            device_id: None,
            items: vec![PushItem::new(changed)],
        });
        assert_eq!(response.results[0].outcome, PushOutcome::Conflict);
        assert_eq!(server.stored[&original.id].1, original);
    }

    #[test]
    fn one_bad_item_does_not_block_the_others() {
        let mut phone = MemoryPhone::default();
        let mut server = MemoryServer::default();
        let mut bad = sample_report(1, "x");
        bad.answers.insert("title".into(), "".into());
        phone.save(bad);
        phone.save(sample_report(2, "Banjir"));

        phone.sync_with(&mut server).unwrap();
        let deliveries = phone.deliveries();
        assert!(
            matches!(&deliveries[0], Delivery::Rejected { errors } if errors[0].field == "title")
        );
        assert_eq!(deliveries[1], Delivery::Sent);
        assert_eq!(server.stored.len(), 1);
    }

    #[test]
    fn a_hash_that_does_not_match_the_content_is_rejected() {
        let mut item = PushItem::new(sample_report(1, "Banjir"));
        item.content_hash = sample_report(2, "Lain").content_hash();
        let Judgement::Answer(PushOutcome::Rejected { errors }) = judge(&item, None) else {
            panic!("expected a rejection");
        };
        assert_eq!(errors[0].field, "content_hash");
    }

    #[test]
    fn reports_without_an_answer_stay_waiting() {
        let mut phone = MemoryPhone::default();
        phone.save(sample_report(1, "Jalan rusak"));
        phone.save(sample_report(2, "Banjir"));
        let request = next_push(phone.outbox.iter().map(|(r, d)| (r, d, None))).unwrap();
        let partial = PushResponse {
            protocol_version: PROTOCOL_VERSION,
            results: vec![PushResult {
                id: request.items[1].report.id,
                outcome: PushOutcome::Accepted,
            }],
        };
        phone.receive(&request, &partial);
        assert_eq!(phone.deliveries(), vec![Delivery::Waiting, Delivery::Sent]);
    }

    #[test]
    fn urgent_incidents_leave_first_then_the_oldest() {
        let catalog = FormCatalog::builtin();
        let incident = catalog
            .latest(crate::report::INCIDENT_FORM)
            .expect("the incident form is built in");
        let mut urgent = sample_report(9, "Banjir bandang");
        urgent.form = incident.form_ref();
        urgent.answers.insert(
            crate::report::URGENCY_FIELD.into(),
            serde_json::json!("darurat"),
        );
        let older = sample_report(1, "Jalan rusak");
        let newer = sample_report(5, "Lampu padam");
        let request = next_push([
            (&newer, &Delivery::Waiting, None),
            (&urgent, &Delivery::Waiting, None),
            (&older, &Delivery::Waiting, None),
        ])
        .unwrap();
        let order: Vec<ReportId> = request.items.iter().map(|item| item.report.id).collect();
        assert_eq!(order, vec![urgent.id, older.id, newer.id]);
    }

    #[test]
    fn a_revised_report_is_pushed_as_an_edit_of_the_version_it_replaces() {
        let original = sample_report(1, "Banjir");
        let mut revised = original.clone();
        revised
            .answers
            .insert("title".into(), serde_json::json!("Banjir besar"));
        let fresh = sample_report(2, "Jalan rusak");
        let previous = original.content_hash();
        let request = next_push([
            (&revised, &Delivery::Waiting, Some(&previous)),
            (&fresh, &Delivery::Waiting, None),
        ])
        .unwrap();
        assert_eq!(
            request.items,
            vec![
                PushItem::edit(revised.clone(), previous),
                PushItem::new(fresh)
            ]
        );
        let mut server = MemoryServer::default();
        server.push(&PushRequest {
            protocol_version: PROTOCOL_VERSION,
            device_id: None,
            items: vec![PushItem::new(original)],
        });
        let answer = server.push(&request);
        assert_eq!(answer.results[0].outcome, PushOutcome::Accepted);
        assert_eq!(server.stored[&revised.id].1, revised);
    }

    #[test]
    fn an_answer_in_another_protocol_version_changes_nothing() {
        let report = sample_report(1, "Banjir");
        let request = next_push([(&report, &Delivery::Waiting, None)]).unwrap();
        let response = PushResponse {
            protocol_version: 2,
            results: vec![],
        };
        assert_eq!(
            apply_push_response(&request, &response),
            Err(ProtocolMismatch { server_version: 2 })
        );
    }

    #[test]
    fn a_long_outbox_drains_oldest_first_in_bounded_batches() {
        let reports: Vec<Report> = (0..=MAX_PUSH_BATCH as u8)
            .rev()
            .map(|i| sample_report(i, "Laporan"))
            .collect();
        let request = next_push(reports.iter().map(|r| (r, &Delivery::Waiting, None))).unwrap();
        assert_eq!(request.items.len(), MAX_PUSH_BATCH);
        assert!(
            request
                .items
                .windows(2)
                .all(|pair| pair[0].report.id < pair[1].report.id)
        );
    }

    #[test]
    fn push_messages_keep_their_json_shape() {
        let response = PushResponse {
            protocol_version: PROTOCOL_VERSION,
            results: vec![PushResult {
                id: ReportId::new_v7(1_764_000_000_000, [1; 10]),
                outcome: PushOutcome::Rejected {
                    errors: vec![FieldError {
                        field: "title".into(),
                        problem: FieldErrorKind::Required,
                    }],
                },
            }],
        };
        let json = serde_json::to_string(&response).unwrap();
        assert_eq!(
            json,
            r#"{"protocol_version":1,"results":[{"id":"019ab697-e800-7101-8101-010101010101","outcome":"rejected","errors":[{"field":"title","problem":"required"}]}]}"#
        );
        assert_eq!(
            serde_json::from_str::<PushResponse>(&json).unwrap(),
            response
        );
    }

    #[test]
    fn every_outcome_delivery_and_field_problem_reads_back_what_was_written() {
        let every_problem = vec![
            FieldErrorKind::Required,
            FieldErrorKind::TooLong { max_chars: 120 },
            FieldErrorKind::UnknownVillage,
            FieldErrorKind::UnknownForm,
            FieldErrorKind::UnexpectedField,
            FieldErrorKind::HashMismatch,
            FieldErrorKind::from_validator(crate::form::AnswerErrorKind::TooShort {
                min_chars: 10,
            }),
            FieldErrorKind::NotAllowed,
        ];
        let errors: Vec<FieldError> = every_problem
            .into_iter()
            .map(|problem| FieldError {
                field: "uraian".into(),
                problem,
            })
            .collect();
        let id = ReportId::new_v7(1_764_000_000_000, [1; 10]);
        let outcomes = [
            PushOutcome::Accepted,
            PushOutcome::Duplicate,
            PushOutcome::Conflict,
            PushOutcome::Rejected {
                errors: errors.clone(),
            },
        ];
        for outcome in outcomes {
            let result = PushResult { id, outcome };
            let json = serde_json::to_string(&result).unwrap();
            assert_eq!(serde_json::from_str::<PushResult>(&json).unwrap(), result);
        }
        for delivery in [
            Delivery::Waiting,
            Delivery::Sent,
            Delivery::Conflict,
            Delivery::Rejected { errors },
        ] {
            let json = serde_json::to_string(&delivery).unwrap();
            assert_eq!(serde_json::from_str::<Delivery>(&json).unwrap(), delivery);
        }
        for refused in [
            r#"{"id":"019ab697-e800-7101-8101-010101010101","outcome":"lost"}"#,
            r#"{"id":"019ab697-e800-7101-8101-010101010101","outcome":"rejected"}"#,
            r#"{"outcome":"accepted"}"#,
        ] {
            assert!(
                serde_json::from_str::<PushResult>(refused).is_err(),
                "{refused}"
            );
        }
        assert!(serde_json::from_str::<Delivery>(r#"{"state":"gone"}"#).is_err());

        // A problem kind from a newer server still reads, with its message.
        let newer = r#"{"field":"foto","problem":"invalid","detail":{"problem":"photo_too_dark"},"message":{"id":"Foto terlalu gelap.","en":"The photo is too dark."}}"#;
        let error: FieldError = serde_json::from_str(newer).unwrap();
        assert_eq!(
            error.problem,
            FieldErrorKind::Invalid {
                detail: crate::form::AnswerErrorKind::Unrecognized,
                message: crate::form::Text::new("Foto terlalu gelap.", "The photo is too dark."),
            }
        );
    }

    const KOTOBANGUN: &str = "71.74.02.1003";

    fn village_user(role: Role) -> Access {
        Access::new(
            role,
            Scope::Village(VillageCode::parse(KOTOBANGUN).unwrap()),
        )
        .unwrap()
    }

    fn stored(report: &Report, status: ReviewStatus, authorship: Authorship) -> StoredVersion {
        StoredVersion {
            content_hash: report.content_hash(),
            status,
            village: report.village.clone(),
            authorship,
        }
    }

    #[test]
    fn an_edit_makes_a_new_version_only_of_the_version_it_names_by_who_may_edit_while_editable() {
        let catalog = FormCatalog::builtin();
        let head = village_user(Role::VillageHead);
        let kim = village_user(Role::KimVolunteer);
        let own = Authorship {
            by_this_user: true,
            author_role: Some(Role::VillageHead),
        };
        let heads = Authorship {
            by_this_user: false,
            author_role: Some(Role::VillageHead),
        };
        let original = sample_report(1, "Jalan rusak");
        let mut edited = original.clone();
        edited
            .answers
            .insert("body".into(), "Sudah diperbaiki".into());
        let edit = PushItem::edit(edited.clone(), original.content_hash());
        let previous = original.content_hash();
        let mut other = original.clone();
        other.answers.insert("body".into(), "Versi lain".into());

        let check = |pusher: &Access, stored: Option<StoredVersion>, expect: Judgement| {
            let accepted = admit(&catalog, pusher, &edit).unwrap();
            assert_eq!(
                judge_push(pusher, &edit, &accepted, stored.as_ref(), None),
                expect,
                "{:?} over {stored:?}",
                pusher.role()
            );
        };
        let replace = Judgement::Replace {
            previous: previous.clone(),
        };
        check(
            &head,
            Some(stored(&original, ReviewStatus::Received, own)),
            replace.clone(),
        );
        check(
            &head,
            Some(stored(&original, ReviewStatus::NeedsRevision, own)),
            replace.clone(),
        );
        for settled in [
            ReviewStatus::InReview,
            ReviewStatus::Approved,
            ReviewStatus::Rejected,
        ] {
            check(
                &head,
                Some(stored(&original, settled, own)),
                Judgement::Answer(PushOutcome::Conflict),
            );
        }
        // A volunteer may not replace the head's report.
        check(
            &kim,
            Some(stored(&original, ReviewStatus::Received, heads)),
            Judgement::Answer(PushOutcome::Rejected {
                errors: vec![FieldError {
                    field: "id".into(),
                    problem: FieldErrorKind::NotAllowed,
                }],
            }),
        );
        // The edit arrived once already and its answer was lost.
        check(
            &kim,
            Some(stored(&edited, ReviewStatus::Received, heads)),
            Judgement::Answer(PushOutcome::Duplicate),
        );
        // Another phone edited it first.
        check(
            &head,
            Some(stored(&other, ReviewStatus::Received, own)),
            Judgement::Answer(PushOutcome::Conflict),
        );
        check(&head, None, Judgement::Store);
    }

    fn catalog_report(form: &str, answers: serde_json::Value) -> Report {
        Report {
            id: ReportId::new_v7(1_764_000_000_000, [9; 10]),
            form: crate::report::FormRef {
                id: form.into(),
                version: 1,
            },
            village: crate::VillageCode::parse(KOTOBANGUN).unwrap(),
            // 2025-11-24 in Kotamobagu.
            created_at_ms: 1_764_000_000_000,
            answers: serde_json::from_value(answers).unwrap(),
        }
    }

    #[test]
    fn a_second_report_for_a_period_is_refused_but_a_new_version_of_the_first_is_not() {
        let catalog = FormCatalog::builtin();
        let head = village_user(Role::VillageHead);
        let answers = crate::acceptance::tests::monthly_answers();
        let first = catalog_report("laporan-bulanan-kependudukan", answers);
        let second = Report {
            id: ReportId::new_v7(1_764_000_000_001, [8; 10]),
            ..first.clone()
        };
        let item = PushItem::new(second.clone());
        let accepted = admit(&catalog, &head, &item).unwrap();
        assert_eq!(accepted.period.map(Period::key).as_deref(), Some("2025-10"));
        let Judgement::Answer(PushOutcome::Rejected { errors }) =
            judge_push(&head, &item, &accepted, None, Some(first.id))
        else {
            panic!("a second October report must be refused");
        };
        assert_eq!(errors[0].field, "bulan");
        let FieldErrorKind::Invalid { message, .. } = &errors[0].problem else {
            panic!("{errors:?}");
        };
        assert!(message.id.contains("Oktober 2025"), "{}", message.id);
        assert!(message.en.contains("October 2025"), "{}", message.en);
        // The first report itself, resent or edited, holds the period.
        assert_eq!(
            judge_push(&head, &item, &accepted, None, Some(second.id)),
            Judgement::Store
        );
        let mut corrected = first.clone();
        corrected
            .answers
            .insert("keterangan".into(), "Koreksi".into());
        let edit = PushItem::edit(corrected, first.content_hash());
        let accepted = admit(&catalog, &head, &edit).unwrap();
        let own = Authorship {
            by_this_user: true,
            author_role: Some(Role::VillageHead),
        };
        assert_eq!(
            judge_push(
                &head,
                &edit,
                &accepted,
                Some(&stored(&first, ReviewStatus::NeedsRevision, own)),
                Some(first.id)
            ),
            Judgement::Replace {
                previous: first.content_hash()
            }
        );
    }

    #[test]
    fn catalog_forms_are_judged_by_the_form_validator_with_both_languages() {
        let report = catalog_report("aspirasi-warga", serde_json::json!({"jenis": "keluhan"}));
        let Err(errors) = admit(
            &FormCatalog::builtin(),
            &village_user(Role::KimVolunteer),
            &PushItem::new(report),
        ) else {
            panic!("expected a rejection");
        };
        assert_eq!(errors[0].field, "tanggal");
        let json = serde_json::to_string(&errors[0]).unwrap();
        assert_eq!(
            json,
            r#"{"field":"tanggal","problem":"invalid","detail":{"problem":"required"},"message":{"id":"Wajib diisi.","en":"Required."}}"#
        );
        assert_eq!(
            serde_json::from_str::<FieldError>(&json).unwrap(),
            errors[0]
        );
    }

    #[test]
    fn a_role_that_may_not_file_a_form_is_refused() {
        let report = catalog_report("laporan-bulanan-kependudukan", serde_json::json!({}));
        let Err(errors) = admit(
            &FormCatalog::builtin(),
            &village_user(Role::KimVolunteer),
            &PushItem::new(report),
        ) else {
            panic!("expected a rejection");
        };
        assert!(
            errors
                .iter()
                .any(|e| e.field == "form" && e.problem == FieldErrorKind::NotAllowed)
        );
    }

    #[test]
    fn announced_photos_are_found_in_photo_fields_and_repeat_rows_once_each() {
        let catalog = FormCatalog::builtin();
        let photo = |n: char| format!("sha256:{}", n.to_string().repeat(64));
        for form in catalog.forms() {
            let mut answers = Answers::new();
            let mut expect = Vec::new();
            for field in &form.fields {
                if let FieldKind::Photo { .. } = field.kind {
                    answers.insert(
                        field.code.clone(),
                        serde_json::json!([photo('a'), photo('b'), photo('a'), "bukan-foto"]),
                    );
                    expect = vec![
                        ContentHash::parse(&photo('a')).unwrap(),
                        ContentHash::parse(&photo('b')).unwrap(),
                    ];
                }
            }
            assert_eq!(announced_photos(form, &answers), expect, "{}", form.id);
        }
    }

    #[test]
    fn pull_messages_keep_their_json_shape() {
        let response = PullResponse {
            protocol_version: PROTOCOL_VERSION,
            cursor: "c".into(),
            has_more: false,
            forms: None,
            villages: None,
            reviews: vec![ReviewEvent {
                report_id: ReportId::new_v7(1_764_000_000_000, [1; 10]),
                status: Some(ReviewStatus::NeedsRevision),
                comment: Some("Lengkapi foto".into()),
                reviewer: "Command Center".into(),
                at_ms: 1_764_000_100_000,
            }],
            incomplete: vec![IncompleteReport {
                report_id: ReportId::new_v7(1_764_000_000_000, [1; 10]),
                missing_photos: vec![ContentHash::of_bytes(b"foto")],
            }],
            approved: None,
        };
        let json = serde_json::to_string(&response).unwrap();
        assert_eq!(
            json,
            r#"{"protocol_version":1,"cursor":"c","has_more":false,"reviews":[{"report_id":"019ab697-e800-7101-8101-010101010101","status":"needs_revision","comment":"Lengkapi foto","reviewer":"Command Center","at_ms":1764000100000}],"incomplete":[{"report_id":"019ab697-e800-7101-8101-010101010101","missing_photos":["sha256:6187eb884a2243dbed3a648d69e5a1a538be022abc7d72d596fc0b1024fa3dab"]}]}"#
        );
        assert_eq!(
            serde_json::from_str::<PullResponse>(&json).unwrap(),
            response
        );
    }

    #[test]
    fn the_last_approved_reports_travel_only_to_a_phone_that_asks() {
        // A phone that asks says so in the query; one from before does not,
        // and the server then writes no field it would refuse to read.
        let query: PullQuery = serde_json::from_str(r#"{"approved":true}"#).unwrap();
        assert_eq!(query.approved, Some(true));
        assert_eq!(
            serde_json::from_str::<PullQuery>(r#"{"cursor":"c"}"#)
                .unwrap()
                .approved,
            None
        );
        let mut answers = Answers::new();
        answers.insert("akhir_wni_l".into(), serde_json::json!(1234));
        let approved = ApprovedReport {
            report_id: ReportId::new_v7(1_764_000_000_000, [1; 10]),
            form_id: "laporan-bulanan-kependudukan".into(),
            village: VillageCode::parse("71.74.02.1001").unwrap(),
            period: Period::new(2026, 9).unwrap(),
            answers,
        };
        let response = PullResponse {
            protocol_version: PROTOCOL_VERSION,
            cursor: "c".into(),
            has_more: false,
            forms: None,
            villages: None,
            reviews: Vec::new(),
            incomplete: Vec::new(),
            approved: Some(vec![approved]),
        };
        let json = serde_json::to_string(&response).unwrap();
        assert_eq!(
            json,
            r#"{"protocol_version":1,"cursor":"c","has_more":false,"reviews":[],"incomplete":[],"approved":[{"report_id":"019ab697-e800-7101-8101-010101010101","form_id":"laporan-bulanan-kependudukan","village":"71.74.02.1001","period":"2026-09","answers":{"akhir_wni_l":1234}}]}"#
        );
        assert_eq!(
            serde_json::from_str::<PullResponse>(&json).unwrap(),
            response
        );
    }

    #[test]
    fn unknown_fields_in_a_push_are_refused() {
        let json = r#"{"protocol_version":1,"items":[],"extra":true}"#;
        assert!(serde_json::from_str::<PushRequest>(json).is_err());
    }
}
