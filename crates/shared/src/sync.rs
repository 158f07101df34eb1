//! The sync protocol between the phone's outbox and the server, sans I/O.
//!
//! Both peers are plain functions over values: the phone asks
//! [`next_push`] what to send and feeds the answer to [`apply_push_response`];
//! the server asks [`judge`] what to do with each pushed item given what it
//! already stores. Transport, storage and clocks belong to the callers.

use crate::report::{ContentHash, FieldError, FieldProblem, Report, ReportId};
use serde::{Deserialize, Serialize};

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
    pub items: Vec<PushItem>,
}

/// One report with the hash the phone computed for it. The server recomputes
/// the hash and refuses an item whose hash does not match its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushItem {
    pub report: Report,
    pub content_hash: ContentHash,
}

impl PushItem {
    pub fn new(report: Report) -> PushItem {
        let content_hash = report.content_hash();
        PushItem {
            report,
            content_hash,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushResponse {
    pub protocol_version: u32,
    pub results: Vec<PushResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub id: ReportId,
    #[serde(flatten)]
    pub outcome: PushOutcome,
}

/// The server's answer for one pushed report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// What the server should do with one pushed item.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// Store it; answer [`PushOutcome::Accepted`] once it is committed.
    Store,
    /// Store nothing and answer this.
    Answer(PushOutcome),
}

/// Decides one pushed item given the hash the server already stores under its
/// id, if any. Checking content before identity means a malformed resend is
/// refused even when an earlier good copy exists.
pub fn judge(item: &PushItem, stored: Option<&ContentHash>) -> Judgement {
    let mut errors = item.report.problems();
    if item.report.content_hash() != item.content_hash {
        errors.push(FieldError {
            field: "content_hash".into(),
            problem: FieldProblem::HashMismatch,
        });
    }
    if !errors.is_empty() {
        return Judgement::Answer(PushOutcome::Rejected { errors });
    }
    match stored {
        None => Judgement::Store,
        Some(hash) if *hash == item.content_hash => Judgement::Answer(PushOutcome::Duplicate),
        Some(_) => Judgement::Answer(PushOutcome::Conflict),
    }
}

/// Where a report saved on the phone stands with the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

impl Delivery {
    pub fn is_waiting(&self) -> bool {
        matches!(self, Delivery::Waiting)
    }
}

/// The next push the phone should make, or `None` when nothing waits.
/// Reports go oldest first so a long outbox drains in the order it was filled.
pub fn next_push<'a>(
    outbox: impl IntoIterator<Item = (&'a Report, &'a Delivery)>,
) -> Option<PushRequest> {
    let mut waiting: Vec<&Report> = outbox
        .into_iter()
        .filter(|(_, delivery)| delivery.is_waiting())
        .map(|(report, _)| report)
        .collect();
    if waiting.is_empty() {
        return None;
    }
    waiting.sort_by_key(|report| report.id);
    waiting.truncate(MAX_PUSH_BATCH);
    Some(PushRequest {
        protocol_version: PROTOCOL_VERSION,
        items: waiting.into_iter().cloned().map(PushItem::new).collect(),
    })
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
                            Judgement::Store => {
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
            let request = next_push(self.outbox.iter().map(|(r, d)| (r, d)))?;
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
        let request = next_push(phone.outbox.iter().map(|(r, d)| (r, d))).unwrap();
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
            items: vec![PushItem::new(original.clone())],
        });

        let mut changed = original.clone();
        changed.answers.insert("body".into(), "Isi lain".into());
        let response = server.push(&PushRequest {
            protocol_version: 1,
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
        let request = next_push(phone.outbox.iter().map(|(r, d)| (r, d))).unwrap();
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
    fn an_answer_in_another_protocol_version_changes_nothing() {
        let report = sample_report(1, "Banjir");
        let request = next_push([(&report, &Delivery::Waiting)]).unwrap();
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
        let request = next_push(reports.iter().map(|r| (r, &Delivery::Waiting))).unwrap();
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
                        problem: FieldProblem::Required,
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
    fn unknown_fields_in_a_push_are_refused() {
        let json = r#"{"protocol_version":1,"items":[],"extra":true}"#;
        assert!(serde_json::from_str::<PushRequest>(json).is_err());
    }
}
