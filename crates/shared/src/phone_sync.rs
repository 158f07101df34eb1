//! The phone's whole sync cycle as a state machine without I/O, in the style
//! of automerge's `sync` module: the phone tells [`PhoneSync`] what happened
//! ([`Event`]) and asks it what to do next ([`Effect`]). The machine never
//! touches the network, storage, a clock or a random source; the app carries
//! each effect out and reports the result as the next event.
//!
//! One cycle goes: read the signed-in user's waiting reports; push them in
//! batches (planned by [`plan_pushes`], answered through
//! [`apply_push_response`]) with up to [`MAX_PUSHES_IN_FLIGHT`] batches on
//! the air at once, storing each batch's answers as they come; pull every
//! page since the cursor, storing each page's news with its cursor; upload
//! the photos the server still misses; forget photos the phone no longer
//! needs. There is no separate health check: the first push (or, with
//! nothing waiting, the first pull) is the real round trip that says
//! whether the server answers.
//!
//! Several batches in flight keep a slow, distant link busy: on EDGE a
//! round trip is most of a second, and one batch at a time left the link
//! idle for that second between batches. Each waiting report is in exactly
//! one batch per cycle, and only the server's answer for its id marks it
//! sent, so batches answered out of order, one answer lost while others
//! arrive, or a 401 with batches in flight leave every report either
//! answered once or still waiting for the next cycle.
//!
//! A failed request ends the cycle with a retry delay that starts at a few
//! seconds and doubles, jittered by a byte the caller draws, so a thousand
//! phones coming back online do not knock at the same moment. A 401 ends the
//! session instead. A user who signs out mid-cycle gets the answers already
//! on their way stored (the server did commit them), and nothing more:
//! nothing is pulled or forgotten on behalf of whoever signs in next.

use crate::form::FormDefinition;
use crate::report::{ContentHash, Report, ReportId};
use crate::review;
use crate::sync::{
    ApprovedReport, Delivery, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
    ReviewEvent, apply_push_response, plan_pushes,
};
use crate::village::Village;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How many push batches may be on the air at once. At 800 ms round trip
/// and 200 kbit/s a batch of 100 varied reports (about 12 KB gzipped) takes
/// about half a second to upload, so the link holds two batches in one round
/// trip; a third and fourth keep it busy while answers come back. More would
/// only make each batch slower without using the link better.
pub const MAX_PUSHES_IN_FLIGHT: usize = 4;

/// The longest quick retry delay; the jitter makes it 2 to 4 seconds (see
/// [`retry_delay_ms`]).
pub const FIRST_RETRY_MS: i64 = 4_000;
/// How many failed cycles in a row are retried quickly: about a minute of
/// 2-to-4-second probes, so a report leaves within seconds of a short
/// outage ending (a tower handing over, a server restart), before the
/// delays grow to spare a prepaid data plan during a long one.
pub const QUICK_RETRIES: u32 = 15;
/// Retries never wait longer than this: the app's own timer comes as often.
pub const LONGEST_RETRY_MS: i64 = 30_000;
/// A photo stored within this long is never forgotten: it may have just been
/// taken for a form whose draft is not written yet.
pub const PHOTO_GRACE_MS: i64 = 10 * 60 * 1000;

/// Why a request or a storage step failed, as far as the sync cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No connection: the request never got an HTTP answer.
    Offline,
    /// The request started but did not finish in time. The server may have
    /// done the work; a retry is safe because pushes are idempotent.
    TimedOut,
    /// 401: the session ended or was revoked.
    Unauthorized,
    /// 5xx: the server failed; it may work again later.
    ServerError,
    /// Any other refusal (4xx).
    Refused,
    /// An answer this phone cannot read, or another protocol version.
    Protocol,
    /// The phone's own storage failed.
    Storage,
}

/// What happened, told to the machine by the phone.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A sync is wanted: at start, on a timer, when the phone comes online or
    /// to the foreground, after a save. `jitter` is a random byte for the
    /// retry delay should this cycle fail.
    Started {
        username: String,
        device_id: String,
        /// The stored pull cursor, `None` before the first pull.
        cursor: Option<String>,
        jitter: u8,
    },
    /// The signed-in user's waiting reports, in any order: each report, where
    /// it stands, and for a revised report the hash of the version it
    /// replaces. Entries that are not waiting are allowed and ignored.
    OutboxRead(Vec<(Report, Delivery, Option<ContentHash>)>),
    /// The server answered the push of this batch.
    PushAnswered {
        batch: u32,
        response: PushResponse,
    },
    /// This batch's `StoreDeliveries` is complete.
    DeliveriesStored {
        batch: u32,
    },
    /// This batch's push, or the storing of its answers, failed.
    BatchFailed {
        batch: u32,
        failure: Failure,
    },
    /// The last `StorePulled` is complete.
    Stored,
    PullPageReceived(PullResponse),
    PhotoUploaded(ContentHash),
    /// The server misses a photo this phone does not hold (it was taken on
    /// another phone); that phone will send it.
    PhotoNotOnPhone(ContentHash),
    /// Which photos the phone stores and which of them a draft or an
    /// unsettled report still needs (see [`photos_still_needed`]).
    PhotoUse {
        stored: Vec<ContentHash>,
        needed: BTreeSet<ContentHash>,
        now_ms: i64,
    },
    PhotosForgotten(usize),
    RequestFailed(Failure),
    /// The user signed out, or another user signed in.
    SignedOut,
}

/// What the phone should do next. Several push batches and the storing of
/// their answers may be under way at once; every other effect is the only
/// one under way until it is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Read this user's waiting reports and answer [`Event::OutboxRead`].
    ReadOutbox { username: String },
    /// Send this batch; answer [`Event::PushAnswered`] or
    /// [`Event::BatchFailed`] with its number.
    Push { batch: u32, request: PushRequest },
    /// Store this batch's delivery states in one transaction; answer
    /// [`Event::DeliveriesStored`] or [`Event::BatchFailed`].
    StoreDeliveries {
        batch: u32,
        updates: Vec<(ReportId, Delivery)>,
    },
    /// Fetch the page after this cursor.
    Pull { cursor: Option<String> },
    /// Store one page's news and its cursor in one transaction.
    StorePulled(PulledUpdates),
    /// Upload this photo, or answer [`Event::PhotoNotOnPhone`].
    UploadPhoto(ContentHash),
    /// Answer [`Event::PhotoUse`] for this user.
    ReadPhotoUse { username: String },
    /// Delete those of these photos stored before this time.
    ForgetPhotos {
        candidates: Vec<ContentHash>,
        stored_before_ms: i64,
    },
    /// The server ended the session: ask for the password again. Nothing is
    /// lost; the reports keep waiting. The cycle is over.
    EndSession,
    /// The cycle failed; start another after this long. The cycle is over.
    RetryAfter { delay_ms: i64, failure: Failure },
    /// The cycle is over.
    Done(Summary),
}

impl Effect {
    /// Whether this effect ends the cycle (nothing is to be answered).
    pub fn ends_cycle(&self) -> bool {
        matches!(
            self,
            Effect::EndSession | Effect::RetryAfter { .. } | Effect::Done(_)
        )
    }
}

/// What one pulled page brings for the phone to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledUpdates {
    pub reviews: Vec<ReviewEvent>,
    pub forms: Option<Vec<FormDefinition>>,
    pub villages: Option<Vec<Village>>,
    /// The villages' last approved periodic reports, when the page has them.
    pub approved: Option<Vec<ApprovedReport>>,
    pub cursor: String,
}

/// What a finished cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Reports whose delivery state changed.
    pub reports_answered: usize,
    pub photos_uploaded: usize,
    pub photos_forgotten: usize,
    /// Whether the cycle stopped early because the user signed out.
    pub abandoned: bool,
}

/// The retry delay after `failures` failed cycles in a row: 4 s for the
/// first [`QUICK_RETRIES`], then 8 s, 16 s and 30 s, each scaled by a factor
/// between one half and one that the jitter byte picks.
pub fn retry_delay_ms(failures: u32, jitter: u8) -> i64 {
    let doublings = failures.saturating_sub(QUICK_RETRIES).min(4);
    let doubled = FIRST_RETRY_MS << doublings;
    let delay = doubled.min(LONGEST_RETRY_MS);
    delay / 2 + delay / 2 * i64::from(jitter) / 255
}

/// Every photo a draft or a not-yet-settled report names. A report is
/// settled when it is `username`'s, marked sent (only then did this user's
/// sync confirm its photos are on the server), and past revision: a report
/// its author may still fix (see [`review::may_still_be_revised`]) keeps
/// its photos, since the fixed version names them again. Any string in the
/// answers that reads as a photo reference counts, wherever it sits, so a
/// form this phone no longer knows cannot make a needed photo look unused.
pub fn photos_still_needed<'a>(
    drafts: impl IntoIterator<Item = &'a crate::report::Answers>,
    reports: impl IntoIterator<Item = (&'a Report, &'a Delivery, &'a str)>,
    reviews: &BTreeMap<ReportId, Vec<ReviewEvent>>,
    username: &str,
) -> BTreeSet<ContentHash> {
    fn collect(value: &serde_json::Value, out: &mut BTreeSet<ContentHash>) {
        match value {
            serde_json::Value::String(text) => {
                if let Ok(reference) = ContentHash::parse(text) {
                    out.insert(reference);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| collect(item, out)),
            serde_json::Value::Object(map) => map.values().for_each(|item| collect(item, out)),
            _ => {}
        }
    }
    let mut needed = BTreeSet::new();
    for answers in drafts {
        answers
            .values()
            .for_each(|value| collect(value, &mut needed));
    }
    for (report, delivery, owner) in reports {
        let latest = reviews
            .get(&report.id)
            .and_then(|events| review::latest_status(events));
        let settled = owner == username
            && *delivery == Delivery::Sent
            && !review::may_still_be_revised(latest);
        if !settled {
            report
                .answers
                .values()
                .for_each(|value| collect(value, &mut needed));
        }
    }
    needed
}

/// The push phase of a cycle: the batches still to send and those on the
/// air (pushed, or answered and being stored).
#[derive(Debug, Clone, PartialEq)]
struct Pushing {
    queue: VecDeque<PushRequest>,
    /// At most [`MAX_PUSHES_IN_FLIGHT`] entries: a vector, whose code is a
    /// fraction of a map's in the phone's download.
    in_flight: Vec<(u32, PushRequest)>,
    /// The first failure of a batch: no further batch is sent, and the
    /// cycle ends with it once the batches on the air are settled.
    stopped: Option<Failure>,
}

impl Pushing {
    fn request(&self, batch: u32) -> Option<&PushRequest> {
        self.in_flight
            .iter()
            .find(|(number, _)| *number == batch)
            .map(|(_, request)| request)
    }

    /// Takes `batch` off the air; false when it was not on the air.
    fn remove(&mut self, batch: u32) -> bool {
        let before = self.in_flight.len();
        self.in_flight.retain(|(number, _)| *number != batch);
        self.in_flight.len() < before
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    ReadingOutbox,
    Pushing(Pushing),
    Pulling,
    StoringPage { has_more: bool },
    Uploading,
    ReadingPhotoUse,
    Forgetting,
}

#[derive(Debug, Clone, PartialEq)]
struct Cycle {
    username: String,
    device_id: String,
    cursor: Option<String>,
    jitter: u8,
    step: Step,
    signed_out: bool,
    /// Reports pushed in this cycle: never planned again in it, so a report
    /// the server did not answer for waits for the next cycle instead of
    /// looping, and none is in two batches.
    pushed: BTreeSet<ReportId>,
    next_batch: u32,
    /// Photos the server misses, gathered over every pulled page.
    missing_photos: Vec<ContentHash>,
    summary: Summary,
}

/// The phone's sync: at most one cycle runs, and a request while one runs
/// makes another follow it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhoneSync {
    cycle: Option<Cycle>,
    /// Effects to hand out next, in order.
    ready: VecDeque<Effect>,
    /// A start requested while a cycle ran; the latest wins.
    queued: Option<Event>,
    /// Failed cycles in a row, for the retry delay.
    failures: u32,
}

impl PhoneSync {
    pub fn new() -> PhoneSync {
        PhoneSync::default()
    }

    /// Whether a cycle is under way (its effects are being carried out).
    pub fn is_running(&self) -> bool {
        self.cycle.is_some() || !self.ready.is_empty()
    }

    /// Failed cycles in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The next thing to do, once: `None` when nothing is to be done until
    /// an effect handed out is answered. While pushing, several effects may
    /// be handed out before any is answered; carry them out concurrently.
    pub fn next_effect(&mut self) -> Option<Effect> {
        if let Some(effect) = self.ready.pop_front() {
            return Some(effect);
        }
        if self.cycle.is_none()
            && let Some(start) = self.queued.take()
        {
            self.receive(start);
            return self.ready.pop_front();
        }
        None
    }

    /// Tells the machine what happened.
    pub fn receive(&mut self, event: Event) {
        match event {
            Event::Started {
                username,
                device_id,
                cursor,
                jitter,
            } => {
                if self.is_running() {
                    self.queued = Some(Event::Started {
                        username,
                        device_id,
                        cursor,
                        jitter,
                    });
                    return;
                }
                let username_read = username.clone();
                self.cycle = Some(Cycle {
                    username,
                    device_id,
                    cursor,
                    jitter,
                    step: Step::ReadingOutbox,
                    signed_out: false,
                    pushed: BTreeSet::new(),
                    next_batch: 0,
                    missing_photos: Vec::new(),
                    summary: Summary::default(),
                });
                self.ready.push_back(Effect::ReadOutbox {
                    username: username_read,
                });
            }
            Event::SignedOut => {
                // A start queued for the user who left is dropped; the next
                // user's sign-in asks for its own.
                self.queued = None;
                if let Some(cycle) = &mut self.cycle {
                    cycle.signed_out = true;
                }
            }
            event => {
                let Some(cycle) = self.cycle.take() else {
                    // An answer with no cycle waiting for it: nothing to do.
                    return;
                };
                self.advance(cycle, event);
            }
        }
    }

    /// Hands out `effect`; puts the cycle back unless the effect ends it.
    fn emit(&mut self, cycle: Cycle, effect: Effect) {
        if !effect.ends_cycle() {
            self.cycle = Some(cycle);
        }
        self.ready.push_back(effect);
    }

    /// Moves `cycle` on by `event`.
    fn advance(&mut self, mut cycle: Cycle, event: Event) {
        let step = std::mem::replace(&mut cycle.step, Step::ReadingOutbox);
        match (step, event) {
            (Step::Pushing(pushing), event) => self.push_event(cycle, pushing, event),
            (step, Event::RequestFailed(failure)) => {
                // `fail` judges by the step that failed.
                cycle.step = step;
                let end = self.fail(cycle, failure);
                self.ready.push_back(end);
            }
            (Step::ReadingOutbox, Event::OutboxRead(entries)) => {
                let batches = plan_pushes(
                    entries
                        .iter()
                        .map(|(report, delivery, replaces)| (report, delivery, replaces.as_ref())),
                    &cycle.pushed,
                );
                if batches.is_empty() {
                    let effect = Self::pull(&mut cycle);
                    self.emit_unless_signed_out(cycle, effect);
                } else {
                    let pushing = Pushing {
                        queue: batches.into(),
                        in_flight: Vec::new(),
                        stopped: None,
                    };
                    self.refill(cycle, pushing);
                }
            }
            (Step::Pulling, Event::PullPageReceived(page)) => {
                if page.protocol_version != PROTOCOL_VERSION {
                    let end = self.fail(cycle, Failure::Protocol);
                    self.ready.push_back(end);
                    return;
                }
                // Every page carries the full current list.
                cycle.missing_photos.clear();
                for reference in page.incomplete.iter().flat_map(|r| &r.missing_photos) {
                    if !cycle.missing_photos.contains(reference) {
                        cycle.missing_photos.push(reference.clone());
                    }
                }
                cycle.cursor = Some(page.cursor.clone());
                cycle.step = Step::StoringPage {
                    has_more: page.has_more,
                };
                let effect = Effect::StorePulled(PulledUpdates {
                    reviews: page.reviews,
                    forms: page.forms,
                    villages: page.villages,
                    approved: page.approved,
                    cursor: page.cursor,
                });
                self.emit_unless_signed_out(cycle, effect);
            }
            (Step::StoringPage { has_more: true }, Event::Stored) => {
                let effect = Self::pull(&mut cycle);
                self.emit_unless_signed_out(cycle, effect);
            }
            (Step::StoringPage { has_more: false }, Event::Stored) => {
                let effect = Self::upload(&mut cycle);
                self.emit_unless_signed_out(cycle, effect);
            }
            (Step::Uploading, Event::PhotoUploaded(_)) => {
                cycle.summary.photos_uploaded += 1;
                let effect = Self::upload(&mut cycle);
                self.emit_unless_signed_out(cycle, effect);
            }
            (Step::Uploading, Event::PhotoNotOnPhone(_)) => {
                let effect = Self::upload(&mut cycle);
                self.emit_unless_signed_out(cycle, effect);
            }
            (
                Step::ReadingPhotoUse,
                Event::PhotoUse {
                    stored,
                    needed,
                    now_ms,
                },
            ) => {
                let candidates: Vec<ContentHash> = stored
                    .into_iter()
                    .filter(|reference| !needed.contains(reference))
                    .collect();
                if candidates.is_empty() {
                    let end = self.finish(cycle);
                    self.ready.push_back(end);
                    return;
                }
                cycle.step = Step::Forgetting;
                let effect = Effect::ForgetPhotos {
                    candidates,
                    stored_before_ms: now_ms - PHOTO_GRACE_MS,
                };
                self.emit_unless_signed_out(cycle, effect);
            }
            (Step::Forgetting, Event::PhotosForgotten(count)) => {
                cycle.summary.photos_forgotten += count;
                let end = self.finish(cycle);
                self.ready.push_back(end);
            }
            // An answer that does not fit the step is a bug in the phone's
            // driver; ending the cycle keeps it from hanging forever.
            _ => {
                let end = self.fail(cycle, Failure::Protocol);
                self.ready.push_back(end);
            }
        }
    }

    /// After a sign-out the rest of the cycle would act for whoever signs
    /// in next: it ends instead of handing out `effect`.
    fn emit_unless_signed_out(&mut self, mut cycle: Cycle, effect: Effect) {
        if cycle.signed_out {
            cycle.summary.abandoned = true;
            let end = self.finish(cycle);
            self.ready.push_back(end);
        } else {
            self.emit(cycle, effect);
        }
    }

    /// An event of the push phase: a batch answered, stored or failed.
    fn push_event(&mut self, mut cycle: Cycle, mut pushing: Pushing, event: Event) {
        match event {
            Event::PushAnswered { batch, response } => {
                let Some(request) = pushing.request(batch) else {
                    return self.confused(cycle, pushing);
                };
                match apply_push_response(request, &response) {
                    Err(_) => {
                        pushing.remove(batch);
                        pushing.stopped.get_or_insert(Failure::Protocol);
                    }
                    // The server answered for none of what was sent; those
                    // reports wait for the next cycle (they are in
                    // `pushed`, so this one does not loop on them).
                    Ok(updates) if updates.is_empty() => {
                        pushing.remove(batch);
                    }
                    Ok(updates) => {
                        cycle.summary.reports_answered += updates.len();
                        // Stored even after a sign-out: the server did
                        // commit them, and they are the old user's reports.
                        // The batch stays on the air until they are stored.
                        self.ready
                            .push_back(Effect::StoreDeliveries { batch, updates });
                        cycle.step = Step::Pushing(pushing);
                        self.cycle = Some(cycle);
                        return;
                    }
                }
            }
            Event::DeliveriesStored { batch } => {
                if !pushing.remove(batch) {
                    return self.confused(cycle, pushing);
                }
            }
            Event::BatchFailed { batch, failure } => {
                if !pushing.remove(batch) {
                    return self.confused(cycle, pushing);
                }
                // A 401 outranks any other failure: the session is over,
                // whatever else went wrong meanwhile.
                if failure == Failure::Unauthorized || pushing.stopped.is_none() {
                    pushing.stopped = Some(failure);
                }
            }
            _ => return self.confused(cycle, pushing),
        }
        self.refill(cycle, pushing);
    }

    /// An event the push phase cannot place: stop sending, and end the
    /// cycle once the batches on the air are settled.
    fn confused(&mut self, cycle: Cycle, mut pushing: Pushing) {
        pushing.stopped = Some(Failure::Protocol);
        self.refill(cycle, pushing);
    }

    /// Sends more batches while fewer than [`MAX_PUSHES_IN_FLIGHT`] are on
    /// the air; when none is left and none is on the air, reads the outbox
    /// again (a report saved during the push goes in this cycle too), or
    /// ends the cycle after a failure or a sign-out.
    fn refill(&mut self, mut cycle: Cycle, mut pushing: Pushing) {
        let sending = pushing.stopped.is_none() && !cycle.signed_out;
        while sending && pushing.in_flight.len() < MAX_PUSHES_IN_FLIGHT {
            let Some(mut request) = pushing.queue.pop_front() else {
                break;
            };
            request.device_id = Some(cycle.device_id.clone());
            cycle
                .pushed
                .extend(request.items.iter().map(|item| item.report.id));
            let batch = cycle.next_batch;
            cycle.next_batch += 1;
            pushing.in_flight.push((batch, request.clone()));
            self.ready.push_back(Effect::Push { batch, request });
        }
        if !pushing.in_flight.is_empty() {
            cycle.step = Step::Pushing(pushing);
            self.cycle = Some(cycle);
            return;
        }
        if let Some(failure) = pushing.stopped {
            let end = self.fail(cycle, failure);
            self.ready.push_back(end);
        } else if cycle.signed_out {
            cycle.summary.abandoned = true;
            let end = self.finish(cycle);
            self.ready.push_back(end);
        } else {
            cycle.step = Step::ReadingOutbox;
            let effect = Effect::ReadOutbox {
                username: cycle.username.clone(),
            };
            self.emit(cycle, effect);
        }
    }

    fn pull(cycle: &mut Cycle) -> Effect {
        cycle.step = Step::Pulling;
        Effect::Pull {
            cursor: cycle.cursor.clone(),
        }
    }

    /// The next missing photo to upload, or on to the photo clean-up.
    fn upload(cycle: &mut Cycle) -> Effect {
        if let Some(reference) = cycle.missing_photos.pop() {
            cycle.step = Step::Uploading;
            return Effect::UploadPhoto(reference);
        }
        cycle.step = Step::ReadingPhotoUse;
        Effect::ReadPhotoUse {
            username: cycle.username.clone(),
        }
    }

    fn finish(&mut self, cycle: Cycle) -> Effect {
        if !cycle.summary.abandoned {
            self.failures = 0;
        }
        Effect::Done(cycle.summary)
    }

    /// The effect that ends `cycle` after `failure`; `cycle.step` is the
    /// step that failed.
    fn fail(&mut self, mut cycle: Cycle, failure: Failure) -> Effect {
        if cycle.signed_out {
            // Whatever failed, it was for a user who is gone: a 401 now must
            // not end the next user's session.
            cycle.summary.abandoned = true;
            return self.finish(cycle);
        }
        match (&cycle.step, failure) {
            (_, Failure::Unauthorized) => Effect::EndSession,
            // Everything was sent and pulled; a failed clean-up loses
            // nothing and is tried again next time.
            (Step::ReadingPhotoUse | Step::Forgetting, _) => self.finish(cycle),
            _ => {
                self.failures += 1;
                Effect::RetryAfter {
                    delay_ms: retry_delay_ms(self.failures, cycle.jitter),
                    failure,
                }
            }
        }
    }
}
