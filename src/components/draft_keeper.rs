//! Keeps the form being filled in IndexedDB while the user types, so a
//! half-filled form survives what low-end phones do to a browser tab: it is
//! killed in the background when the camera needs memory, reloaded after a
//! crash, or closed by mistake.
//!
//! One draft per user and form. A write happens shortly after the typing
//! stops and at once when the app goes to the background; a form that is
//! back to its blank state has no draft. Saving the report deletes the draft
//! in the outbox's own transaction (see `outbox_db`), so this module only
//! stops a pending write when a save begins.

use super::form_catalog::latest;
use super::form_state::coerce;
use crate::i18n::{self, Lang};
use crate::storage::{self, Draft, StorageError};
use crate::time::{format_wita, now_ms};
use gloo_timers::callback::Timeout;
use kabar_shared::form::FormDefinition;
use kabar_shared::report::Answers;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// How long after the last keystroke the draft is written: long enough not
/// to write on every key, short enough that little is lost to a crash.
const WRITE_DELAY_MS: u32 = 400;

/// The open form's signals and its drafts. Copy, so handlers can hold it.
#[derive(Clone, Copy)]
pub struct DraftKeeper {
    owner: StoredValue<String>,
    form_id: RwSignal<String>,
    answers: RwSignal<Answers>,
    village: RwSignal<String>,
    /// The user's drafts as last written, by form id, so switching forms
    /// restores one without waiting for IndexedDB.
    written: StoredValue<BTreeMap<String, Draft>>,
    pending: StoredValue<Option<Timeout>, LocalStorage>,
    /// When the open form came from a draft: when that draft was written.
    restored_from: RwSignal<Option<i64>>,
    storage_error: RwSignal<Option<StorageError>>,
}

impl DraftKeeper {
    /// Starts keeping the form's drafts and brings back the user's most
    /// recent one when the form is still untouched once IndexedDB answers.
    pub fn start(
        owner: String,
        form_id: RwSignal<String>,
        answers: RwSignal<Answers>,
        village: RwSignal<String>,
        storage_error: RwSignal<Option<StorageError>>,
    ) -> DraftKeeper {
        let keeper = DraftKeeper {
            owner: StoredValue::new(owner),
            form_id,
            answers,
            village,
            written: StoredValue::new(BTreeMap::new()),
            pending: StoredValue::new_local(None),
            restored_from: RwSignal::new(None),
            storage_error,
        };
        Effect::new(move |previous: Option<()>| {
            answers.track();
            village.track();
            // The first run is the form as it opened; nothing was typed.
            if previous.is_some() {
                let timer = Timeout::new(WRITE_DELAY_MS, move || keeper.write_now());
                // Replacing the timer drops, and so cancels, the earlier one.
                keeper.pending.set_value(Some(timer));
            }
        });
        let hidden = window_event_listener(ev::visibilitychange, move |_| {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_none_or(|d| d.hidden());
            if hidden && keeper.pending.with_value(Option::is_some) {
                keeper.write_now();
            }
        });
        on_cleanup(move || hidden.remove());
        spawn_local(keeper.restore_newest());
        keeper
    }

    async fn restore_newest(self) {
        let Some(owner) = self.owner.try_get_value() else {
            return;
        };
        let drafts = match storage::drafts_of(&owner).await {
            Ok(drafts) => drafts,
            Err(error) => {
                self.storage_error.set(Some(error));
                return;
            }
        };
        let newest = drafts.first().cloned();
        // The user may have logged out while IndexedDB answered; the form
        // and its signals are gone then, and there is nothing to restore.
        let (Some(form_id), Some(answers)) = (
            self.form_id.try_get_untracked(),
            self.answers.try_get_untracked(),
        ) else {
            return;
        };
        // Merged, not replaced: on a slow first open the user may already
        // have typed and switched forms, and that draft is newer.
        self.written.try_update_value(|written| {
            for draft in drafts {
                let newer_in_memory = written
                    .get(&draft.form_id)
                    .is_some_and(|kept| kept.saved_at_ms >= draft.saved_at_ms);
                if !newer_in_memory {
                    written.insert(draft.form_id.clone(), draft);
                }
            }
        });
        let untouched = latest(&form_id).is_none_or(|form| is_blank(form, &answers));
        let Some(draft) = newest.filter(|draft| latest(&draft.form_id).is_some()) else {
            return;
        };
        if untouched {
            if !draft.village.is_empty() {
                self.village.set(draft.village.clone());
            }
            self.form_id.set(draft.form_id.clone());
            self.show(Some(draft));
        }
    }

    /// Writes the open form's draft now, or deletes it when the form is
    /// blank; a write that was waiting is no longer needed.
    pub fn write_now(self) {
        self.pending.set_value(None);
        let Some(form) = latest(&self.form_id.get_untracked()) else {
            return;
        };
        let draft = Draft {
            owner: self.owner.get_value(),
            form_id: form.id.clone(),
            village: self.village.get_untracked(),
            answers: self.answers.get_untracked(),
            saved_at_ms: now_ms(),
        };
        let blank = is_blank(form, &draft.answers);
        self.written.update_value(|written| {
            if blank {
                written.remove(&draft.form_id);
            } else {
                written.insert(draft.form_id.clone(), draft.clone());
            }
        });
        let storage_error = self.storage_error;
        spawn_local(async move {
            let written = if blank {
                storage::forget_draft(&draft.owner, &draft.form_id).await
            } else {
                storage::keep_draft(&draft).await
            };
            if let Err(error) = written {
                storage_error.set(Some(error));
            }
        });
    }

    /// Switches the open form: the current one's draft is written first,
    /// and the next one opens from its draft or blank.
    pub fn switch_to(self, next: &'static FormDefinition) {
        self.write_now();
        let draft = self
            .written
            .with_value(|written| written.get(&next.id).cloned());
        self.form_id.set(next.id.clone());
        self.show(draft);
    }

    fn show(self, draft: Option<Draft>) {
        let form = latest(&self.form_id.get_untracked());
        match (draft, form) {
            (Some(draft), _) => {
                self.restored_from.set(Some(draft.saved_at_ms));
                self.answers.set(draft.answers);
            }
            (None, Some(form)) => {
                self.restored_from.set(None);
                self.answers.set(form.initial_answers());
            }
            (None, None) => self.restored_from.set(None),
        }
    }

    /// A save is starting: the answers being saved must not be written
    /// back as a draft after the save deleted it.
    pub fn cancel_pending(self) {
        self.pending.set_value(None);
    }

    /// The open form was saved as a report, which ended its draft; it
    /// starts over blank.
    pub fn saved(self) {
        let form_id = self.form_id.get_untracked();
        self.written.update_value(|written| {
            written.remove(&form_id);
        });
        self.show(None);
    }

    /// Throws the open form's draft away, after the user confirmed.
    pub fn discard(self) {
        self.show(None);
        self.write_now();
    }

    /// "Draft restored" with when it was last changed, and a way to throw it
    /// away, while the open form came from a draft.
    pub fn notice(self, lang: RwSignal<Lang>) -> impl IntoView {
        move || {
            self.restored_from.get().map(|saved_at_ms| {
                let discard = move |_| {
                    let confirmed = web_sys::window()
                        .and_then(|w| {
                            w.confirm_with_message(i18n::DISCARD_DRAFT_CONFIRM.get(lang.get()))
                                .ok()
                        })
                        .unwrap_or(false);
                    if confirmed {
                        self.discard();
                    }
                };
                view! {
                    <div class="notice draft" role="status">
                        <span>
                            {i18n::DRAFT_RESTORED.get(lang.get())} " "
                            {format_wita(saved_at_ms, lang.get())}
                        </span>
                        <button type="button" class="link" on:click=discard>
                            {i18n::DISCARD_DRAFT.get(lang.get())}
                        </button>
                    </div>
                }
            })
        }
    }
}

/// Whether the answers hold nothing the form did not start with; typed and
/// erased text counts as nothing.
fn is_blank(form: &FormDefinition, answers: &Answers) -> bool {
    coerce(&form.fields, answers) == coerce(&form.fields, &form.initial_answers())
}
