//! The phone's whole sync cycle as a state machine without I/O, in the style
//! of automerge's `sync` module: the phone tells [`PhoneSync`] what happened
//! ([`Event`]) and asks it what to do next ([`Effect`]). The machine never
//! touches the network, storage, a clock or a random source; the app carries
//! each effect out and reports the result as the next event.
//!
//! One cycle goes: check that the server answers; push the signed-in user's
//! waiting reports in batches (reusing [`next_push`] and
//! [`apply_push_response`]) and store each batch's answers; pull every page
//! since the cursor, storing each page's news with its cursor; upload the
//! photos the server still misses; forget photos the phone no longer needs.
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
    ReviewEvent, apply_push_response, next_push,
};
use crate::village::Village;
use std::collections::{BTreeMap, BTreeSet};

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
    /// The health check answered.
    ServerReachable,
    /// The signed-in user's outbox entries, in any order: each report, where
    /// it stands, and for a revised report the hash of the version it
    /// replaces.
    OutboxRead(Vec<(Report, Delivery, Option<ContentHash>)>),
    PushAnswered(PushResponse),
    /// The last `StoreDeliveries` or `StorePulled` is complete.
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

/// What the phone should do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Ask the server's health check.
    CheckServer,
    /// Read this user's outbox and answer [`Event::OutboxRead`].
    ReadOutbox { username: String },
    /// Send this batch.
    Push(PushRequest),
    /// Store these delivery states in one transaction.
    StoreDeliveries(Vec<(ReportId, Delivery)>),
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

#[derive(Debug, Clone, PartialEq)]
enum Step {
    CheckingServer,
    ReadingOutbox,
    Pushing(PushRequest),
    StoringDeliveries,
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
    /// Photos the server misses, gathered over every pulled page.
    missing_photos: Vec<ContentHash>,
    summary: Summary,
}

/// The phone's sync: at most one cycle runs, and a request while one runs
/// makes another follow it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhoneSync {
    cycle: Option<Cycle>,
    /// The effect to hand out next; `None` while one is being carried out.
    ready: Option<Effect>,
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
        self.cycle.is_some() || self.ready.is_some()
    }

    /// Failed cycles in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The next thing to do, once: `None` while the last effect handed out
    /// has not been answered, and when nothing is to be done.
    pub fn next_effect(&mut self) -> Option<Effect> {
        if let Some(effect) = self.ready.take() {
            return Some(effect);
        }
        if self.cycle.is_none()
            && let Some(start) = self.queued.take()
        {
            self.receive(start);
            return self.ready.take();
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
                let start = Event::Started {
                    username: username.clone(),
                    device_id: device_id.clone(),
                    cursor: cursor.clone(),
                    jitter,
                };
                if self.is_running() {
                    self.queued = Some(start);
                    return;
                }
                self.cycle = Some(Cycle {
                    username,
                    device_id,
                    cursor,
                    jitter,
                    step: Step::CheckingServer,
                    signed_out: false,
                    missing_photos: Vec::new(),
                    summary: Summary::default(),
                });
                self.ready = Some(Effect::CheckServer);
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
                let effect = self.advance(cycle, event);
                self.ready = Some(effect);
            }
        }
    }

    /// The effect that follows `event` in `cycle`; puts the cycle back
    /// unless the effect ends it.
    fn advance(&mut self, mut cycle: Cycle, event: Event) -> Effect {
        if let Event::RequestFailed(failure) = event {
            return self.fail(cycle, failure);
        }
        let step = std::mem::replace(&mut cycle.step, Step::CheckingServer);
        let effect = match (step, event) {
            (Step::CheckingServer, Event::ServerReachable) => {
                cycle.step = Step::ReadingOutbox;
                Effect::ReadOutbox {
                    username: cycle.username.clone(),
                }
            }
            (Step::ReadingOutbox, Event::OutboxRead(entries)) => {
                match next_push(
                    entries
                        .iter()
                        .map(|(report, delivery, replaces)| (report, delivery, replaces.as_ref())),
                ) {
                    Some(mut request) => {
                        request.device_id = Some(cycle.device_id.clone());
                        cycle.step = Step::Pushing(request.clone());
                        Effect::Push(request)
                    }
                    None => Self::pull(&mut cycle),
                }
            }
            (Step::Pushing(request), Event::PushAnswered(response)) => {
                match apply_push_response(&request, &response) {
                    Err(_) => return self.fail(cycle, Failure::Protocol),
                    // The server answered for none of what was sent; pushing
                    // again at once would loop. The next cycle retries.
                    Ok(updates) if updates.is_empty() => Self::pull(&mut cycle),
                    Ok(updates) => {
                        cycle.summary.reports_answered += updates.len();
                        cycle.step = Step::StoringDeliveries;
                        // Stored even after a sign-out: the server did
                        // commit them, and they are the old user's reports.
                        Effect::StoreDeliveries(updates)
                    }
                }
            }
            (Step::StoringDeliveries, Event::Stored) => {
                cycle.step = Step::ReadingOutbox;
                Effect::ReadOutbox {
                    username: cycle.username.clone(),
                }
            }
            (Step::Pulling, Event::PullPageReceived(page)) => {
                if page.protocol_version != PROTOCOL_VERSION {
                    return self.fail(cycle, Failure::Protocol);
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
                Effect::StorePulled(PulledUpdates {
                    reviews: page.reviews,
                    forms: page.forms,
                    villages: page.villages,
                    approved: page.approved,
                    cursor: page.cursor,
                })
            }
            (Step::StoringPage { has_more: true }, Event::Stored) => Self::pull(&mut cycle),
            (Step::StoringPage { has_more: false }, Event::Stored) => Self::upload(&mut cycle),
            (Step::Uploading, Event::PhotoUploaded(_)) => {
                cycle.summary.photos_uploaded += 1;
                Self::upload(&mut cycle)
            }
            (Step::Uploading, Event::PhotoNotOnPhone(_)) => Self::upload(&mut cycle),
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
                    return self.finish(cycle);
                }
                cycle.step = Step::Forgetting;
                Effect::ForgetPhotos {
                    candidates,
                    stored_before_ms: now_ms - PHOTO_GRACE_MS,
                }
            }
            (Step::Forgetting, Event::PhotosForgotten(count)) => {
                cycle.summary.photos_forgotten += count;
                return self.finish(cycle);
            }
            // An answer that does not fit the step is a bug in the phone's
            // driver; ending the cycle keeps it from hanging forever.
            _ => return self.fail(cycle, Failure::Protocol),
        };
        // After a sign-out only the old user's push answers are stored; the
        // rest of the cycle would act for whoever signs in next.
        if cycle.signed_out && !matches!(effect, Effect::StoreDeliveries(_)) {
            cycle.summary.abandoned = true;
            return self.finish(cycle);
        }
        self.cycle = Some(cycle);
        effect
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
