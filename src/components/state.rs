//! The signals every component shares. What is kept on the phone is read
//! and written through `storage`; the sync is driven by `sync_engine`.

use crate::i18n::Lang;
use crate::storage::{self, OutboxEntry, StorageError, StorageHealth, secure_storage};
use crate::sync_engine::SyncError;
use kabar_shared::ReportId;
use kabar_shared::account::Me;
use kabar_shared::phone_sync::PhoneSync;
use kabar_shared::sync::{ApprovedReport, ReviewEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// What the app knows about its link to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Connection {
    Checking,
    Online,
    Offline,
    Sending,
}

/// Who uses this phone. The last confirmed identity is kept in localStorage,
/// so the app opens as that user with no signal for weeks; the server stays
/// the judge of whether the session still holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Session {
    /// No identity known on this phone: the login screen shows.
    SignedOut,
    SignedIn(Me),
}

/// The phone's shared signals, provided as context by the root component.
#[derive(Clone, Copy)]
pub(crate) struct PhoneState {
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Session>,
    /// Whether what the phone remembers of its pulls (review news, pulled
    /// forms) has been read from IndexedDB; the first screen waits for it.
    pub remembered: RwSignal<bool>,
    /// What the Command Center said about this user's reports, oldest first
    /// per report, as pulled and kept in IndexedDB.
    pub reviews: RwSignal<BTreeMap<ReportId, Vec<ReviewEvent>>>,
    /// This user's newest reports, oldest first: the list's rows, at most
    /// `shown` of them. A phone may keep thousands; the screen reads and
    /// draws only these.
    pub entries: RwSignal<Vec<OutboxEntry>>,
    /// How many of the newest reports the list reads and shows; "more"
    /// raises it by [`LIST_PAGE`].
    pub shown: RwSignal<u32>,
    /// Whether the user has older reports than `entries` holds.
    pub more_reports: RwSignal<bool>,
    /// How many of this user's reports wait to be sent, all of them,
    /// counted by the storage index.
    pub waiting: RwSignal<usize>,
    pub connection: RwSignal<Connection>,
    /// The last sync failure, cleared by the next successful sync.
    pub sync_error: RwSignal<Option<SyncError>>,
    /// IndexedDB could not be opened or read.
    pub storage_error: RwSignal<Option<StorageError>>,
    /// Whether the browser keeps the data when space runs short, and how
    /// much room is left; refreshed whenever the outbox is reread.
    pub storage_health: RwSignal<Option<StorageHealth>>,
    /// The sync cycle's state; `sync_engine` carries out its effects.
    pub sync: StoredValue<PhoneSync, LocalStorage>,
    /// Counts scheduled retries, so only the newest one runs.
    pub retry_generation: StoredValue<u32>,
    /// The saved report the user opened from the list, shown instead of the
    /// new-report form and the list.
    pub opened: RwSignal<Option<ReportId>>,
    /// A fix was just saved: the list says so once.
    pub fix_saved: RwSignal<bool>,
    /// The password screen is open.
    pub changing_password: RwSignal<bool>,
    /// The phone knows the forms: read from IndexedDB at start, or brought
    /// by the first pull. Set once, so an open form is never rebuilt.
    pub forms_ready: RwSignal<bool>,
    /// The villages' last approved periodic reports, as last pulled: a new
    /// report's carried figures start from them.
    pub approved: RwSignal<Vec<ApprovedReport>>,
    /// The second wasm module (`later`): what a signed-in user needs after
    /// the first screen.
    pub later: RwSignal<super::later::LaterState>,
}

const LANGUAGE_KEY: &str = "kabar-desa.language";

/// The list's rows at first, and how many "more" adds. Thirty rows draw in
/// a few milliseconds on a slow phone, where a thousand took seconds, and
/// cover a month's periodic reports, which the duties look for among them.
pub(crate) const LIST_PAGE: u32 = 30;

impl PhoneState {
    pub fn new() -> PhoneState {
        PhoneState {
            lang: RwSignal::new(
                storage::preference(LANGUAGE_KEY)
                    .map(|code| Lang::from_code(&code))
                    .unwrap_or_default(),
            ),
            session: RwSignal::new(
                storage::remembered_identity().map_or(Session::SignedOut, Session::SignedIn),
            ),
            remembered: RwSignal::new(false),
            reviews: RwSignal::new(BTreeMap::new()),
            entries: RwSignal::new(Vec::new()),
            shown: RwSignal::new(LIST_PAGE),
            more_reports: RwSignal::new(false),
            waiting: RwSignal::new(0),
            connection: RwSignal::new(Connection::Checking),
            sync_error: RwSignal::new(None),
            storage_error: RwSignal::new(None),
            storage_health: RwSignal::new(None),
            sync: StoredValue::new_local(PhoneSync::new()),
            retry_generation: StoredValue::new(0),
            opened: RwSignal::new(None),
            fix_saved: RwSignal::new(false),
            changing_password: RwSignal::new(false),
            forms_ready: RwSignal::new(false),
            approved: RwSignal::new(Vec::new()),
            later: RwSignal::new(super::later::LaterState::NotLoaded),
        }
    }

    pub fn set_language(self, lang: Lang) {
        self.lang.set(lang);
        storage::set_preference(LANGUAGE_KEY, lang.code());
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = element.set_attribute("lang", lang.code());
        }
    }

    /// The signed-in username, without subscribing to changes.
    pub fn username_untracked(self) -> Option<String> {
        self.session.with_untracked(|session| match session {
            Session::SignedIn(me) => Some(me.username.as_str().to_owned()),
            Session::SignedOut => None,
        })
    }

    /// Remembers a confirmed login on this phone and syncs.
    pub fn signed_in(self, me: Me) {
        storage::remember_sign_in(&me);
        self.session.set(Session::SignedIn(me));
        super::app::refresh(self);
    }

    /// Forgets the identity and what was pulled for it (logout, or the
    /// server ended the session). The outbox stays: waiting reports go out
    /// after the next login.
    pub fn signed_out(self) {
        if let super::later::LaterState::Ready(later) = self.later.get_untracked() {
            (later.sync_signed_out)(self);
        }
        self.reviews.set(BTreeMap::new());
        self.entries.set(Vec::new());
        self.approved.set(Vec::new());
        self.waiting.set(0);
        self.shown.set(LIST_PAGE);
        self.opened.set(None);
        self.changing_password.set(false);
        spawn_local(async move {
            // The login screen shows once the phone has forgotten: the next
            // person never starts on the last one's cursor.
            if let Err(error) = storage::forget_sign_in().await {
                self.storage_error.set(Some(error));
            }
            self.session.set(Session::SignedOut);
        });
    }

    /// Rereads this user's newest reports into `entries`, how many wait,
    /// and how safe the storage is: every save and sync goes through here.
    pub async fn reload_entries(self) {
        let username = self.username_untracked().unwrap_or_default();
        match storage::shown_reports_of(&username, self.shown.get_untracked()).await {
            Ok((entries, more, waiting)) => {
                self.entries.set(entries);
                self.more_reports.set(more);
                self.waiting.set(waiting);
                self.storage_error.set(None);
            }
            Err(error) => self.storage_error.set(Some(error)),
        }
        self.storage_health.set(secure_storage().await);
    }
}

impl Default for PhoneState {
    fn default() -> PhoneState {
        PhoneState::new()
    }
}
