//! Carries out the sync cycle's effects. Every decision (what to push, when
//! to pull, which photos to upload or forget, what a failure means, how long
//! to wait before retrying) is made by `kabar_shared::phone_sync`; this
//! module only moves data between IndexedDB, the network and the signals.
//!
//! Every effect the machine hands out is started at once, each in its own
//! task: while pushing, several batches are on the air together. Each task
//! tells the machine its result and then starts whatever became ready.

use crate::api::{self, RequestError};
use crate::components::state::{Connection, PhoneState};
use crate::device::{device_id, random_bytes};
use crate::storage::{self, PulledPage, StorageError};
use crate::time::now_ms;
use gloo_timers::future::TimeoutFuture;
use kabar_shared::phone_sync::{Effect, Event, Failure, photos_still_needed};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;

thread_local! {
    /// The error behind the latest failure, shown when the cycle ends.
    static LAST_ERROR: RefCell<Option<SyncError>> = const { RefCell::new(None) };
}

/// Why the last sync did not finish, for the screen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SyncError {
    Request(RequestError),
    /// The server speaks another protocol version, or answered something
    /// that does not fit.
    Protocol,
    Storage(StorageError),
}

/// Starts a sync, or, while one runs, makes another follow it, so nothing
/// saved meanwhile waits for the next timer tick. Signed out, it only
/// checks whether the server answers, for the connection pill.
pub(crate) fn request_sync(state: PhoneState) {
    // Not before what the phone remembers is read: a pull finished earlier
    // would have its forms and news overwritten by the older copies being
    // read. The first sync follows that read (`app::start_background_work`),
    // also for a user who logged in while it was still going on.
    if !state.remembered.get_untracked() {
        return;
    }
    if state.username_untracked().is_none() {
        spawn_local(async move {
            let reachable = api::server_reachable().await.is_ok();
            state.connection.set(if reachable {
                Connection::Online
            } else {
                Connection::Offline
            });
        });
        return;
    }
    // The cycle is in the second module (`components::later`).
    crate::components::later::load(state, move |later| (later.sync_cycle)(state));
}

/// The signed-in user's sync: starts a cycle unless one runs, in which
/// case the machine makes another follow it.
pub(crate) fn sync_cycle(state: PhoneState) {
    spawn_local(async move {
        let Some(username) = state.username_untracked() else {
            return;
        };
        let cursor = match storage::database().await {
            Ok(db) => db.pull_cursor().await.unwrap_or_default(),
            Err(_) => None,
        };
        let start = Event::Started {
            username,
            device_id: device_id(),
            cursor,
            jitter: random_bytes::<1>()[0],
        };
        // Checked and told in one step, with no await between, so two
        // requests never drive two cycles at once.
        let was_running = state.sync.try_update_value(|sync| {
            let was_running = sync.is_running();
            sync.receive(start);
            was_running
        });
        if was_running == Some(false) {
            start_ready(state);
        }
    });
}

/// The user signed out: a cycle under way ends without telling the server
/// anything more for them.
pub(crate) fn signed_out(state: PhoneState) {
    state
        .sync
        .update_value(|sync| sync.receive(Event::SignedOut));
}

/// Starts every effect the machine has ready, and handles those that end a
/// cycle, until it waits for an answer.
fn start_ready(state: PhoneState) {
    while let Some(effect) = state
        .sync
        .try_update_value(|sync| sync.next_effect())
        .flatten()
    {
        let last_error = || LAST_ERROR.with_borrow_mut(Option::take);
        match effect {
            Effect::EndSession => {
                // Nothing is lost: the reports keep waiting for the login.
                state.sync_error.set(last_error());
                state.connection.set(Connection::Online);
                state.signed_out();
            }
            Effect::RetryAfter { delay_ms, failure } => {
                state
                    .sync_error
                    .set(last_error().or(Some(SyncError::Protocol)));
                state.connection.set(match failure {
                    Failure::Offline | Failure::TimedOut => Connection::Offline,
                    _ => Connection::Online,
                });
                retry_after(state, delay_ms);
                spawn_local(state.reload_entries());
            }
            Effect::Done(_) => {
                last_error();
                state.sync_error.set(None);
                state.connection.set(Connection::Online);
                spawn_local(state.reload_entries());
            }
            effect => spawn_local(async move {
                let event = carry_out(state, effect).await;
                state.sync.update_value(|sync| sync.receive(event));
                start_ready(state);
            }),
        }
    }
}

/// Remembers `error` for the screen and says what it means to the sync.
/// As in the machine, the first failure of a cycle is the one told, unless
/// a later one is a 401, which outranks it.
fn failed(error: SyncError) -> Failure {
    let failure = failure_of(&error);
    LAST_ERROR.with_borrow_mut(|last| {
        if last.is_none() || failure == Failure::Unauthorized {
            *last = Some(error);
        }
    });
    failure
}

/// Asks for a sync after `delay_ms`, unless another retry was scheduled
/// since: each failed cycle schedules one, and only the newest counts.
fn retry_after(state: PhoneState, delay_ms: i64) {
    let Some(generation) = state.retry_generation.try_update_value(|generation| {
        *generation = generation.wrapping_add(1);
        *generation
    }) else {
        return;
    };
    spawn_local(async move {
        TimeoutFuture::new(delay_ms.clamp(0, i64::from(u32::MAX)) as u32).await;
        if state.retry_generation.try_get_value() == Some(generation) {
            request_sync(state);
        }
    });
}

/// Carries out one effect; a failure is told as the event of its kind: a
/// push batch's as that batch's, any other as the step's.
async fn carry_out(state: PhoneState, effect: Effect) -> Event {
    let batch = match &effect {
        Effect::Push { batch, .. } | Effect::StoreDeliveries { batch, .. } => Some(*batch),
        _ => None,
    };
    // One function for every effect: each async function is a state
    // machine of its own in the download.
    match carry_out_step(state, effect).await {
        Ok(event) => event,
        Err(error) => match batch {
            Some(batch) => Event::BatchFailed {
                batch,
                failure: failed(error),
            },
            None => Event::RequestFailed(failed(error)),
        },
    }
}

async fn carry_out_step(state: PhoneState, effect: Effect) -> Result<Event, SyncError> {
    Ok(match effect {
        Effect::Push { batch, request } => {
            state.connection.set(Connection::Sending);
            Event::PushAnswered {
                batch,
                response: api::push(&request).await?,
            }
        }
        Effect::StoreDeliveries { batch, updates } => {
            storage::database()
                .await?
                .record_deliveries(&updates)
                .await?;
            // The list shows progress batch by batch.
            spawn_local(state.reload_entries());
            Event::DeliveriesStored { batch }
        }
        Effect::ReadOutbox { username } => {
            let entries = storage::waiting_of(&username).await?;
            Event::OutboxRead(
                entries
                    .into_iter()
                    .map(|entry| {
                        let replaces = entry.revision.map(|revision| revision.replaces);
                        (entry.report, entry.delivery, replaces)
                    })
                    .collect(),
            )
        }
        Effect::Pull { cursor } => Event::PullPageReceived(api::pull(cursor.as_deref()).await?),
        Effect::StorePulled(updates) => {
            storage::database()
                .await?
                .keep_pulled(PulledPage {
                    reviews: &updates.reviews,
                    forms: updates.forms.as_deref(),
                    villages: updates.villages.as_deref(),
                    approved: updates.approved.as_deref(),
                    cursor: &updates.cursor,
                })
                .await?;
            if let Some(approved) = updates.approved {
                state.approved.set(approved);
            }
            if let Some(forms) = updates.forms
                && crate::components::form_catalog::adopt(forms)
                && !state.forms_ready.get_untracked()
            {
                state.forms_ready.set(true);
            }
            if !updates.reviews.is_empty() {
                state.reviews.update(|reviews| {
                    for event in updates.reviews {
                        let events = reviews.entry(event.report_id).or_default();
                        if !events.contains(&event) {
                            events.push(event);
                        }
                    }
                });
            }
            Event::Stored
        }
        Effect::UploadPhoto(reference) => match storage::photo(&reference).await? {
            Some(photo) => {
                api::upload_photo(&photo).await?;
                Event::PhotoUploaded(reference)
            }
            None => Event::PhotoNotOnPhone(reference),
        },
        Effect::ReadPhotoUse { username } => {
            let db = storage::database().await?;
            // Most syncs are of text reports: a phone holding no photo costs
            // one key read, not a parse of the whole outbox.
            let stored = db.photo_references().await?;
            let needed = if stored.is_empty() {
                Default::default()
            } else {
                let drafts = db.all_drafts().await?;
                let entries = db.outbox().await?;
                let reviews = db.reviews().await?;
                photos_still_needed(
                    drafts.iter().map(|draft| &draft.answers),
                    entries
                        .iter()
                        .map(|entry| (&entry.report, &entry.delivery, entry.owner.as_str())),
                    &reviews,
                    &username,
                )
            };
            Event::PhotoUse {
                stored,
                needed,
                now_ms: now_ms(),
            }
        }
        Effect::ForgetPhotos {
            candidates,
            stored_before_ms,
        } => {
            let db = storage::database().await?;
            Event::PhotosForgotten(db.forget_photos(&candidates, stored_before_ms).await?)
        }
        // The driver handles the effects that end a cycle before it gets
        // here; were one to arrive, the cycle ends as confused.
        Effect::EndSession | Effect::RetryAfter { .. } | Effect::Done(_) => {
            return Err(SyncError::Protocol);
        }
    })
}

fn failure_of(error: &SyncError) -> Failure {
    match error {
        SyncError::Request(RequestError::Unreachable | RequestError::NotOurServer) => {
            Failure::Offline
        }
        SyncError::Request(RequestError::TimedOut) => Failure::TimedOut,
        SyncError::Request(RequestError::Refused { status: 401, .. }) => Failure::Unauthorized,
        SyncError::Request(RequestError::Refused { status, .. }) if *status >= 500 => {
            Failure::ServerError
        }
        SyncError::Request(RequestError::Refused { .. }) => Failure::Refused,
        SyncError::Request(RequestError::Unreadable(_)) | SyncError::Protocol => Failure::Protocol,
        SyncError::Storage(_) => Failure::Storage,
    }
}

impl From<RequestError> for SyncError {
    fn from(error: RequestError) -> SyncError {
        SyncError::Request(error)
    }
}

impl From<StorageError> for SyncError {
    fn from(error: StorageError) -> SyncError {
        SyncError::Storage(error)
    }
}
