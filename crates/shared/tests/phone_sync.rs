//! Scenario tests of the phone's sync cycle: an in-memory phone carries out
//! the machine's effects against an in-memory server, as the app does with
//! IndexedDB and `fetch`.

use kabar_shared::form::{FormDefinition, builtin_forms};
use kabar_shared::phone_sync::{
    Effect, Event, Failure, LONGEST_RETRY_MS, MAX_PUSHES_IN_FLIGHT, PHOTO_GRACE_MS, PhoneSync,
    QUICK_RETRIES, Summary, photos_still_needed, retry_delay_ms,
};
use kabar_shared::report::{Answers, FieldError, FieldErrorKind, ReviewStatus};
use kabar_shared::sync::{
    Delivery, IncompleteReport, PROTOCOL_VERSION, PullResponse, PushOutcome, PushRequest,
    PushResponse, PushResult, ReviewEvent,
};
use kabar_shared::village::{Gazetteer, Village};
use kabar_shared::{ContentHash, Report, ReportBody, ReportId, ReportTitle, VillageCode};
use std::collections::{BTreeMap, BTreeSet};

const SANGADI: &str = "sangadi.moyag";
const VOLUNTEER: &str = "relawan.moyag";

fn report(seed: u32, title: &str) -> Report {
    let mut random = [0u8; 10];
    random[..4].copy_from_slice(&seed.to_be_bytes());
    Report::short(
        ReportId::new_v7(1_764_000_000_000 + u64::from(seed), random),
        VillageCode::parse("71.74.02.1003").unwrap(),
        1_764_000_000_000 + i64::from(seed),
        &ReportTitle::parse(title).unwrap(),
        &ReportBody::parse("Isi laporan").unwrap(),
    )
}

fn photo(n: u8) -> ContentHash {
    ContentHash::of_bytes(&[n; 3])
}

/// A report naming a photo in its answers.
fn report_with_photo(seed: u32, reference: &ContentHash) -> Report {
    let mut report = report(seed, "Dengan foto");
    report
        .answers
        .insert("foto".into(), serde_json::json!([reference.as_str()]));
    report
}

/// What the server does, in memory, with the faults a real network has.
#[derive(Default)]
struct MemoryServer {
    stored: BTreeMap<ReportId, ContentHash>,
    /// Every push request that reached the server, with its size.
    pushes: Vec<usize>,
    photos: BTreeSet<ContentHash>,
    /// Reports whose photos the server misses.
    missing: BTreeMap<ReportId, Vec<ContentHash>>,
    /// The pull's pages, one per cursor number.
    pages: Vec<PullResponse>,
    /// Fails the n-th request from now with this failure, before doing
    /// anything.
    fail_before: BTreeMap<usize, Failure>,
    /// Does the n-th request from now, then loses its answer.
    lose_answer: BTreeSet<usize>,
    requests: usize,
    /// Whose session the server accepts; `None` for anyone.
    session_of: Option<String>,
}

impl MemoryServer {
    /// Counts a request; says whether it fails before reaching the server.
    fn arrive(&mut self) -> Result<usize, Failure> {
        let number = self.requests;
        self.requests += 1;
        match self.fail_before.remove(&number) {
            Some(failure) => Err(failure),
            None => Ok(number),
        }
    }

    fn push(&mut self, request: &PushRequest) -> PushResponse {
        self.pushes.push(request.items.len());
        let results = request
            .items
            .iter()
            .map(|item| {
                let outcome = if item.report.title() == "Racun" {
                    // A poison report the server always refuses.
                    PushOutcome::Rejected {
                        errors: vec![FieldError {
                            field: "title".into(),
                            problem: FieldErrorKind::Required,
                        }],
                    }
                } else {
                    match self.stored.get(&item.report.id) {
                        None => {
                            self.stored
                                .insert(item.report.id, item.content_hash.clone());
                            for reference in photos_in(&item.report.answers) {
                                if !self.photos.contains(&reference) {
                                    self.missing
                                        .entry(item.report.id)
                                        .or_default()
                                        .push(reference);
                                }
                            }
                            PushOutcome::Accepted
                        }
                        Some(hash) if *hash == item.content_hash => PushOutcome::Duplicate,
                        Some(_) => PushOutcome::Conflict,
                    }
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

    fn pull(&self, cursor: Option<&str>) -> PullResponse {
        let incomplete = self
            .missing
            .iter()
            .filter(|(_, photos)| !photos.is_empty())
            .map(|(id, photos)| IncompleteReport {
                report_id: *id,
                missing_photos: photos.clone(),
            })
            .collect();
        let number: usize = cursor.map_or(0, |cursor| cursor.parse().unwrap());
        let mut page = self.pages.get(number).cloned().unwrap_or(PullResponse {
            protocol_version: PROTOCOL_VERSION,
            cursor: number.to_string(),
            has_more: false,
            forms: None,
            villages: None,
            reviews: Vec::new(),
            incomplete: Vec::new(),
            approved: None,
        });
        page.incomplete = incomplete;
        page
    }

    fn upload(&mut self, reference: &ContentHash) {
        self.photos.insert(reference.clone());
        for photos in self.missing.values_mut() {
            photos.retain(|missing| missing != reference);
        }
    }
}

impl MemoryPhone {
    fn reviews_by_report(&self) -> BTreeMap<ReportId, Vec<ReviewEvent>> {
        let mut by_report: BTreeMap<ReportId, Vec<ReviewEvent>> = BTreeMap::new();
        for event in &self.reviews {
            by_report
                .entry(event.report_id)
                .or_default()
                .push(event.clone());
        }
        by_report
    }
}

fn photos_in(answers: &Answers) -> Vec<ContentHash> {
    photos_still_needed([answers], [], &BTreeMap::new(), "")
        .into_iter()
        .collect()
}

/// What the phone keeps, in memory, as the app keeps it in IndexedDB.
#[derive(Default)]
struct MemoryPhone {
    /// (report, delivery, owner)
    outbox: Vec<(Report, Delivery, String)>,
    photos: BTreeMap<ContentHash, i64>,
    drafts: Vec<Answers>,
    cursor: Option<String>,
    reviews: Vec<ReviewEvent>,
    forms: Vec<FormDefinition>,
    villages: Vec<Village>,
    signed_in: Option<String>,
    now_ms: i64,
}

impl MemoryPhone {
    fn save(&mut self, report: Report, owner: &str) {
        self.outbox.push((report, Delivery::Waiting, owner.into()));
    }

    fn delivery_of(&self, id: ReportId) -> Delivery {
        self.outbox
            .iter()
            .find(|(report, _, _)| report.id == id)
            .unwrap()
            .1
            .clone()
    }

    fn count(&self, delivery: &Delivery) -> usize {
        self.outbox.iter().filter(|(_, d, _)| d == delivery).count()
    }

    fn start(&self) -> Event {
        Event::Started {
            username: self.signed_in.clone().unwrap(),
            device_id: "a1b2".into(),
            cursor: self.cursor.clone(),
            jitter: 255,
        }
    }

    /// Carries out one effect and says what happened; `None` for effects
    /// that end the cycle.
    fn carry_out(&mut self, effect: Effect, server: &mut MemoryServer) -> Option<Event> {
        let request = |server: &mut MemoryServer| server.arrive();
        let event = match effect {
            Effect::ReadOutbox { username } => Event::OutboxRead(
                self.outbox
                    .iter()
                    .filter(|(_, _, owner)| *owner == username)
                    .map(|(report, delivery, _)| (report.clone(), delivery.clone(), None))
                    .collect(),
            ),
            Effect::Push {
                batch,
                request: push,
            } => {
                assert_eq!(push.device_id.as_deref(), Some("a1b2"));
                match request(server) {
                    Err(failure) => Event::BatchFailed { batch, failure },
                    Ok(number) => {
                        let user = self.signed_in.clone();
                        if server.session_of.is_some() && server.session_of != user {
                            Event::BatchFailed {
                                batch,
                                failure: Failure::Unauthorized,
                            }
                        } else {
                            let response = server.push(&push);
                            if server.lose_answer.remove(&number) {
                                Event::BatchFailed {
                                    batch,
                                    failure: Failure::TimedOut,
                                }
                            } else {
                                Event::PushAnswered { batch, response }
                            }
                        }
                    }
                }
            }
            Effect::StoreDeliveries { batch, updates } => {
                for (id, delivery) in updates {
                    if let Some(entry) = self.outbox.iter_mut().find(|e| e.0.id == id) {
                        entry.1 = delivery;
                    }
                }
                Event::DeliveriesStored { batch }
            }
            Effect::Pull { cursor } => match request(server) {
                Ok(_) => Event::PullPageReceived(server.pull(cursor.as_deref())),
                Err(failure) => Event::RequestFailed(failure),
            },
            Effect::StorePulled(updates) => {
                for event in updates.reviews {
                    if !self.reviews.contains(&event) {
                        self.reviews.push(event);
                    }
                }
                if let Some(forms) = updates.forms {
                    self.forms = forms;
                }
                if let Some(villages) = updates.villages {
                    self.villages = villages;
                }
                self.cursor = Some(updates.cursor);
                Event::Stored
            }
            Effect::UploadPhoto(reference) => {
                if !self.photos.contains_key(&reference) {
                    Event::PhotoNotOnPhone(reference)
                } else {
                    match request(server) {
                        Ok(_) => {
                            server.upload(&reference);
                            Event::PhotoUploaded(reference)
                        }
                        Err(failure) => Event::RequestFailed(failure),
                    }
                }
            }
            Effect::ReadPhotoUse { username } => Event::PhotoUse {
                stored: self.photos.keys().cloned().collect(),
                needed: photos_still_needed(
                    &self.drafts,
                    self.outbox
                        .iter()
                        .map(|(report, delivery, owner)| (report, delivery, owner.as_str())),
                    &self.reviews_by_report(),
                    &username,
                ),
                now_ms: self.now_ms,
            },
            Effect::ForgetPhotos {
                candidates,
                stored_before_ms,
            } => {
                let before = self.photos.len();
                self.photos.retain(|reference, stored_at| {
                    !(candidates.contains(reference) && *stored_at < stored_before_ms)
                });
                Event::PhotosForgotten(before - self.photos.len())
            }
            Effect::EndSession => {
                self.signed_in = None;
                return None;
            }
            Effect::RetryAfter { .. } | Effect::Done(_) => return None,
        };
        Some(event)
    }
}

/// Runs one whole cycle; returns the effect that ended it.
fn sync(machine: &mut PhoneSync, phone: &mut MemoryPhone, server: &mut MemoryServer) -> Effect {
    machine.receive(phone.start());
    run(machine, phone, server, |_, _| {})
}

/// Carries out effects until the cycle ends, calling `meddle` before each.
/// Every effect the machine hands out is taken before any is carried out,
/// as the app's driver starts them all at once: several push batches are
/// on the air together.
fn run(
    machine: &mut PhoneSync,
    phone: &mut MemoryPhone,
    server: &mut MemoryServer,
    meddle: impl FnMut(&Effect, &mut PhoneSync),
) -> Effect {
    run_in_order(machine, phone, server, false, meddle)
}

/// [`run`], carrying out the effects on the air newest first when
/// `reversed`: the server answers the last batch sent before the first.
fn run_in_order(
    machine: &mut PhoneSync,
    phone: &mut MemoryPhone,
    server: &mut MemoryServer,
    reversed: bool,
    mut meddle: impl FnMut(&Effect, &mut PhoneSync),
) -> Effect {
    for _ in 0..10_000 {
        let mut on_air = Vec::new();
        while let Some(effect) = machine.next_effect() {
            if effect.ends_cycle() {
                assert!(on_air.is_empty(), "a cycle ends with nothing on the air");
                phone.carry_out(effect.clone(), server);
                return effect;
            }
            on_air.push(effect);
        }
        assert!(!on_air.is_empty(), "a running cycle has a next step");
        let pushes = on_air
            .iter()
            .filter(|effect| matches!(effect, Effect::Push { .. }))
            .count();
        assert!(pushes <= MAX_PUSHES_IN_FLIGHT, "{pushes} pushes at once");
        if reversed {
            on_air.reverse();
        }
        for effect in on_air {
            meddle(&effect, machine);
            let event = phone.carry_out(effect, server).unwrap();
            machine.receive(event);
        }
    }
    panic!("the cycle never ended");
}

fn signed_in_phone(user: &str) -> MemoryPhone {
    MemoryPhone {
        signed_in: Some(user.into()),
        now_ms: 1_764_100_000_000,
        ..MemoryPhone::default()
    }
}

#[test]
fn a_thousand_waiting_reports_go_out_in_batches_of_a_hundred() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    for seed in 0..1_000 {
        phone.save(report(seed, "Jalan rusak"), SANGADI);
    }
    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    assert_eq!(
        end,
        Effect::Done(Summary {
            reports_answered: 1_000,
            ..Summary::default()
        })
    );
    assert_eq!(server.pushes, vec![100; 10]);
    // No health probe: ten pushes and one pull are every request made.
    assert_eq!(server.requests, 11);
    assert_eq!(phone.count(&Delivery::Sent), 1_000);
    assert!(!machine.is_running());
    // Nothing waits now: the next cycle pushes nothing.
    sync(&mut machine, &mut phone, &mut server);
    assert_eq!(server.pushes.len(), 10);
}

#[test]
fn an_answer_lost_after_the_server_committed_is_retried_and_stored_once() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    let first = report(1, "Banjir");
    phone.save(first.clone(), SANGADI);
    // Request 0 is the push: there is no health check before it.
    server.lose_answer.insert(0);
    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    let Effect::RetryAfter { delay_ms, failure } = end else {
        panic!("a lost answer is retried, not {end:?}");
    };
    assert_eq!(failure, Failure::TimedOut);
    assert!((2_000..=4_000).contains(&delay_ms), "{delay_ms}");
    assert_eq!(server.stored.len(), 1, "the server did commit");
    assert_eq!(phone.delivery_of(first.id), Delivery::Waiting);

    let end = sync(&mut machine, &mut phone, &mut server);
    assert!(matches!(end, Effect::Done(_)), "{end:?}");
    assert_eq!(phone.delivery_of(first.id), Delivery::Sent);
    assert_eq!(server.stored.len(), 1, "the replay is a duplicate");
    assert_eq!(machine.failures(), 0, "success resets the backoff");
}

#[test]
fn a_401_while_batches_are_in_flight_stores_their_answers_and_ends_the_session() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    for seed in 0..650 {
        phone.save(report(seed, "Jalan rusak"), SANGADI);
    }
    // Four batches go on the air at once; the second meets a session that
    // ended. The other three were committed and their answers are stored;
    // the three batches not yet sent are not sent.
    server.fail_before.insert(1, Failure::Unauthorized);
    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    assert_eq!(end, Effect::EndSession);
    assert_eq!(phone.signed_in, None);
    assert_eq!(server.pushes, vec![100; 3]);
    assert_eq!(phone.count(&Delivery::Sent), 300);
    assert_eq!(phone.count(&Delivery::Waiting), 350);
    assert_eq!(machine.failures(), 0, "a 401 is not a network failure");
    assert_eq!(phone.cursor, None, "nothing was pulled");

    phone.signed_in = Some(SANGADI.into());
    sync(&mut machine, &mut phone, &mut server);
    assert_eq!(phone.count(&Delivery::Sent), 650);
    assert_eq!(server.stored.len(), 650);
    assert_eq!(server.pushes.iter().sum::<usize>(), 650, "each sent once");
}

#[test]
fn a_401_and_a_lost_answer_in_flight_together_end_the_session_losing_nothing() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    for seed in 0..200 {
        phone.save(report(seed, "Jalan rusak"), SANGADI);
    }
    // The first batch's answer is lost after the server committed it; the
    // second meets an ended session. The 401 wins: a password is needed.
    server.lose_answer.insert(0);
    server.fail_before.insert(1, Failure::Unauthorized);
    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    assert_eq!(end, Effect::EndSession);
    assert_eq!(phone.count(&Delivery::Waiting), 200);
    assert_eq!(server.stored.len(), 100);

    phone.signed_in = Some(SANGADI.into());
    let end = sync(&mut machine, &mut phone, &mut server);
    assert!(matches!(end, Effect::Done(_)), "{end:?}");
    assert_eq!(phone.count(&Delivery::Sent), 200);
    assert_eq!(
        server.stored.len(),
        200,
        "the replayed batch is a duplicate"
    );
}

#[test]
fn two_batches_in_flight_with_one_answer_lost_leave_only_that_batch_waiting() {
    for reversed in [false, true] {
        let mut phone = signed_in_phone(SANGADI);
        let mut server = MemoryServer::default();
        let reports: Vec<Report> = (0..200).map(|seed| report(seed, "Jalan rusak")).collect();
        for report in &reports {
            phone.save(report.clone(), SANGADI);
        }
        // The first batch sent (whichever order the server takes them in)
        // is committed and its answer lost on the way back.
        server.lose_answer.insert(0);
        let mut machine = PhoneSync::new();
        machine.receive(phone.start());
        let end = run_in_order(&mut machine, &mut phone, &mut server, reversed, |_, _| {});
        let Effect::RetryAfter { failure, .. } = end else {
            panic!("a lost answer is retried, not {end:?}");
        };
        assert_eq!(failure, Failure::TimedOut);
        assert_eq!(server.stored.len(), 200, "both batches were committed");
        assert_eq!(phone.count(&Delivery::Sent), 100, "the answered batch");
        assert_eq!(phone.count(&Delivery::Waiting), 100, "the lost one");
        let lost_first = if reversed { &reports[100] } else { &reports[0] };
        assert_eq!(phone.delivery_of(lost_first.id), Delivery::Waiting);
        assert_eq!(phone.cursor, None, "no pull after a failed push");

        let end = sync(&mut machine, &mut phone, &mut server);
        assert!(matches!(end, Effect::Done(_)), "{end:?}");
        assert_eq!(phone.count(&Delivery::Sent), 200);
        assert_eq!(server.stored.len(), 200, "the replay is a duplicate");
        assert_eq!(server.pushes, vec![100, 100, 100]);
    }
}

#[test]
fn answers_in_any_order_mark_each_report_sent_once() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    for seed in 0..1_000 {
        phone.save(report(seed, "Jalan rusak"), SANGADI);
    }
    let mut machine = PhoneSync::new();
    machine.receive(phone.start());
    let mut pushed = Vec::new();
    let end = run_in_order(&mut machine, &mut phone, &mut server, true, |effect, _| {
        if let Effect::Push { request, .. } = effect {
            pushed.extend(request.items.iter().map(|item| item.report.id));
        }
    });
    assert!(matches!(end, Effect::Done(_)), "{end:?}");
    assert_eq!(phone.count(&Delivery::Sent), 1_000);
    assert_eq!(pushed.len(), 1_000);
    pushed.sort();
    pushed.dedup();
    assert_eq!(pushed.len(), 1_000, "no report in two batches");
}

#[test]
fn a_user_switch_mid_push_stores_the_answers_and_does_nothing_for_the_next_user() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    for seed in 0..150 {
        phone.save(report(seed, "Punya sangadi"), SANGADI);
    }
    phone.save(report(500, "Punya relawan"), VOLUNTEER);
    server.pages.push(PullResponse {
        protocol_version: PROTOCOL_VERSION,
        cursor: "1".into(),
        has_more: false,
        forms: None,
        villages: None,
        reviews: vec![review(0, "Untuk sangadi")],
        incomplete: Vec::new(),
        approved: None,
    });
    // Six batches of the sangadi's: four go on the air at once.
    for seed in 1_000..1_400 {
        phone.save(report(seed, "Punya sangadi"), SANGADI);
    }
    let mut machine = PhoneSync::new();
    machine.receive(phone.start());
    let mut switched = false;
    let end = run(
        &mut machine,
        &mut phone,
        &mut server,
        |effect, machine: &mut PhoneSync| {
            if matches!(effect, Effect::Push { .. }) && !switched {
                // While the first batch is on the air, the sangadi signs out
                // and the volunteer signs in; their sync is queued.
                switched = true;
                machine.receive(Event::SignedOut);
                machine.receive(Event::Started {
                    username: VOLUNTEER.into(),
                    device_id: "a1b2".into(),
                    cursor: None,
                    jitter: 0,
                });
            }
        },
    );
    // (The phone's signed-in user is not changed by `run`: the server does
    // not check sessions in this test.)
    let Effect::Done(summary) = end else {
        panic!("{end:?}")
    };
    assert!(summary.abandoned);
    assert_eq!(summary.reports_answered, 400);
    assert_eq!(phone.count(&Delivery::Sent), 400, "the answers in flight");
    assert_eq!(
        server.pushes,
        vec![100; 4],
        "no further batch for the sangadi"
    );
    assert!(phone.reviews.is_empty(), "nothing pulled for the sangadi");
    assert_eq!(phone.cursor, None);

    // The volunteer's queued cycle runs next, for the volunteer only.
    phone.signed_in = Some(VOLUNTEER.into());
    let end = run(&mut machine, &mut phone, &mut server, |_, _| {});
    assert!(matches!(end, Effect::Done(_)), "{end:?}");
    assert_eq!(server.pushes, vec![100, 100, 100, 100, 1]);
    assert_eq!(
        phone.count(&Delivery::Waiting),
        150,
        "the sangadi's rest waits"
    );
}

#[test]
fn a_poison_report_is_refused_alone_and_never_blocks_the_others() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    phone.save(report(0, "Racun"), SANGADI);
    for seed in 1..=120 {
        phone.save(report(seed, "Jalan rusak"), SANGADI);
    }
    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    assert!(matches!(end, Effect::Done(_)), "{end:?}");
    assert_eq!(phone.count(&Delivery::Sent), 120);
    assert!(matches!(
        phone.delivery_of(report(0, "Racun").id),
        Delivery::Rejected { .. }
    ));
    // The refused report is not pushed again and again.
    sync(&mut machine, &mut phone, &mut server);
    assert_eq!(server.pushes, vec![100, 21]);
}

fn approved(seed: u32) -> ReviewEvent {
    ReviewEvent {
        status: Some(ReviewStatus::Approved),
        comment: None,
        ..review(seed, "")
    }
}

fn review(seed: u32, comment: &str) -> ReviewEvent {
    ReviewEvent {
        report_id: report(seed, "x").id,
        status: Some(ReviewStatus::NeedsRevision),
        comment: Some(comment.into()),
        reviewer: "Petugas".into(),
        at_ms: 1_764_000_100_000 + i64::from(seed),
    }
}

#[test]
fn a_pull_brings_forms_villages_and_reviews_across_pages_and_uploads_missing_photos() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    let village: Vec<Village> = Gazetteer::kotamobagu()
        .villages()
        .take(1)
        .cloned()
        .collect();
    let forms = builtin_forms();
    let page = |n: usize, has_more: bool| PullResponse {
        protocol_version: PROTOCOL_VERSION,
        cursor: (n + 1).to_string(),
        has_more,
        forms: (n == 0).then(|| forms.clone()),
        villages: (n == 1).then(|| village.clone()),
        reviews: vec![review(n as u32, "Mohon dilengkapi")],
        incomplete: Vec::new(),
        approved: None,
    };
    let mut last_page = page(2, false);
    // Report 10 is approved: nobody will ask for its photo again.
    last_page.reviews.push(approved(10));
    server.pages = vec![page(0, true), page(1, true), last_page];
    // A report with a photo the phone holds, and one whose photo was taken
    // on another phone.
    phone.photos.insert(photo(1), 0);
    phone.save(report_with_photo(10, &photo(1)), SANGADI);
    phone.save(report_with_photo(11, &photo(2)), SANGADI);

    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    assert_eq!(
        end,
        Effect::Done(Summary {
            reports_answered: 2,
            photos_uploaded: 1,
            // Sent, uploaded and approved, the photo is on the server for
            // good: the phone frees it.
            photos_forgotten: 1,
            abandoned: false,
        })
    );
    assert_eq!(phone.cursor.as_deref(), Some("3"));
    assert_eq!(phone.reviews.len(), 4);
    assert_eq!(phone.forms, forms);
    assert_eq!(phone.villages, village);
    assert!(server.photos.contains(&photo(1)));
    assert!(phone.photos.is_empty());

    // The next cycle starts from the stored cursor: nothing new.
    sync(&mut machine, &mut phone, &mut server);
    assert_eq!(phone.reviews.len(), 4);
}

#[test]
fn a_pull_that_fails_on_a_later_page_keeps_the_pages_before_it() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer {
        pages: (0..3)
            .map(|n| PullResponse {
                protocol_version: PROTOCOL_VERSION,
                cursor: (n + 1).to_string(),
                has_more: n < 2,
                forms: None,
                villages: None,
                reviews: vec![review(n, "Catatan")],
                incomplete: Vec::new(),
                approved: None,
            })
            .collect(),
        ..MemoryServer::default()
    };
    // Page 0, then page 1 fails (nothing waits, so nothing is pushed).
    server.fail_before.insert(1, Failure::Offline);
    let mut machine = PhoneSync::new();
    let end = sync(&mut machine, &mut phone, &mut server);
    assert!(matches!(
        end,
        Effect::RetryAfter {
            failure: Failure::Offline,
            ..
        }
    ));
    assert_eq!(phone.cursor.as_deref(), Some("1"));
    assert_eq!(phone.reviews.len(), 1);
    sync(&mut machine, &mut phone, &mut server);
    assert_eq!(phone.cursor.as_deref(), Some("3"));
    assert_eq!(phone.reviews.len(), 3);
}

#[test]
fn photos_a_draft_or_an_unsent_report_names_are_never_forgotten() {
    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    server.photos.extend([photo(1), photo(2), photo(3)]);
    let old = phone.now_ms - PHOTO_GRACE_MS - 1;
    for n in 1..=4 {
        phone.photos.insert(photo(n), old);
    }
    // A fresh photo not yet in any draft.
    phone.photos.insert(photo(5), phone.now_ms - 1_000);
    let mut draft = Answers::new();
    draft.insert("foto".into(), serde_json::json!([photo(2).as_str()]));
    phone.drafts.push(draft);
    phone.save(report_with_photo(1, &photo(1)), SANGADI);
    phone.save(report_with_photo(2, &photo(3)), VOLUNTEER);
    phone.save(report(3, "Racun"), SANGADI);
    let mut poisoned = report_with_photo(4, &photo(4));
    poisoned
        .answers
        .insert("title".into(), serde_json::json!("Racun"));
    phone.save(poisoned, SANGADI);

    // Sent earlier: report 6 approved, report 7 sent back to be fixed (its
    // fixed version names the photo again), report 8 not reviewed yet.
    for (n, review) in [
        (6u8, Some(approved(6))),
        (7, Some(review(7, "Foto buram"))),
        (8, None),
    ] {
        server.photos.insert(photo(n));
        phone.photos.insert(photo(n), old);
        phone.save(report_with_photo(u32::from(n), &photo(n)), SANGADI);
        phone.reviews.extend(review);
    }

    let mut machine = PhoneSync::new();
    sync(&mut machine, &mut phone, &mut server);
    let kept: Vec<ContentHash> = phone.photos.keys().cloned().collect();
    let mut expected = vec![
        photo(1),
        photo(2),
        photo(3),
        photo(4),
        photo(5),
        photo(7),
        photo(8),
    ];
    expected.sort();
    assert_eq!(
        kept, expected,
        "only photo 6 (sent, approved, the sangadi's) goes"
    );

    // Once the Command Center approves report 1, its photo goes too.
    phone.reviews.push(approved(1));
    sync(&mut machine, &mut phone, &mut server);
    assert!(!phone.photos.contains_key(&photo(1)));
}

#[test]
fn failures_back_off_with_jitter_from_a_few_seconds_and_a_failed_cleanup_is_not_one() {
    assert_eq!(retry_delay_ms(1, 0), 2_000);
    assert_eq!(retry_delay_ms(1, 255), 4_000);
    // About a minute of quick probes, so a short outage costs seconds.
    assert_eq!(retry_delay_ms(QUICK_RETRIES, 255), 4_000);
    assert_eq!(retry_delay_ms(QUICK_RETRIES + 1, 255), 8_000);
    assert_eq!(retry_delay_ms(QUICK_RETRIES + 9, 255), LONGEST_RETRY_MS);
    assert!(retry_delay_ms(QUICK_RETRIES + 9, 0) >= LONGEST_RETRY_MS / 2);

    let mut phone = signed_in_phone(SANGADI);
    let mut server = MemoryServer::default();
    let mut machine = PhoneSync::new();
    let attempts = (1..=QUICK_RETRIES + 3).map(|attempt| {
        let expected = match attempt.saturating_sub(QUICK_RETRIES) {
            0 => 4_000,
            1 => 8_000,
            2 => 16_000,
            _ => 30_000,
        };
        (attempt, expected)
    });
    for (attempt, expected) in attempts {
        server
            .fail_before
            .insert(server.requests, Failure::ServerError);
        let end = sync(&mut machine, &mut phone, &mut server);
        assert_eq!(
            end,
            Effect::RetryAfter {
                delay_ms: expected,
                failure: Failure::ServerError
            },
            "attempt {attempt}"
        );
    }
    // A request while a cycle runs is queued, not run twice at once.
    let read = Effect::ReadOutbox {
        username: SANGADI.into(),
    };
    machine.receive(phone.start());
    assert_eq!(machine.next_effect(), Some(read.clone()));
    machine.receive(phone.start());
    assert_eq!(machine.next_effect(), None, "one cycle at a time");
    machine.receive(Event::OutboxRead(Vec::new()));
    let end = run(&mut machine, &mut phone, &mut server, |_, _| {});
    assert!(matches!(end, Effect::Done(_)));
    assert_eq!(machine.next_effect(), Some(read), "the queued one");
}
