//! The state every component shares, and the background work that keeps it
//! current: loading the outbox from IndexedDB and syncing it.

use crate::api::{self, ApiError};
use crate::i18n::Lang;
use crate::outbox_db::{
    DATABASE_NAME, OutboxDb, OutboxEntry, StorageError, StorageHealth, secure_storage,
};
use crate::sync_engine::{self, SyncError};
use crate::time::now_ms;
use kabar_shared::ReportId;
use kabar_shared::account::Me;
use kabar_shared::sync::ReviewEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// What the app knows about its link to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Checking,
    Online,
    Offline,
    Sending,
}

/// Who uses this phone. The last confirmed identity is kept in localStorage,
/// so the app opens as that user with no signal for weeks; the server stays
/// the judge of whether the session still holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// No identity known on this phone: the login screen shows.
    SignedOut,
    SignedIn(Me),
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Session>,
    /// What the Command Center said about this user's reports, oldest first
    /// per report. Pulled from the server and kept in localStorage: it can
    /// always be pulled again, unlike the reports themselves.
    pub reviews: RwSignal<BTreeMap<ReportId, Vec<ReviewEvent>>>,
    pub entries: RwSignal<Vec<OutboxEntry>>,
    pub connection: RwSignal<Connection>,
    /// The last sync failure, cleared by the next successful sync.
    pub sync_error: RwSignal<Option<SyncError>>,
    /// IndexedDB could not be opened or read.
    pub storage_error: RwSignal<Option<StorageError>>,
    /// Whether the browser keeps the data when space runs short, and how
    /// much room is left; refreshed whenever the outbox is reread.
    pub storage_health: RwSignal<Option<StorageHealth>>,
}

impl AppState {
    pub fn new() -> AppState {
        AppState {
            lang: RwSignal::new(stored_language()),
            session: RwSignal::new(stored_session()),
            reviews: RwSignal::new(stored_reviews()),
            entries: RwSignal::new(Vec::new()),
            connection: RwSignal::new(Connection::Checking),
            sync_error: RwSignal::new(None),
            storage_error: RwSignal::new(None),
            storage_health: RwSignal::new(None),
        }
    }

    pub fn set_language(self, lang: Lang) {
        self.lang.set(lang);
        local_storage_set(LANGUAGE_KEY, lang.code());
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

    /// Remembers a confirmed login on this phone.
    pub fn signed_in(self, me: Me) {
        if let Ok(json) = serde_json::to_string(&me) {
            local_storage_set(SESSION_KEY, &json);
        }
        if let Some(village) = me.access.village() {
            local_storage_set(VILLAGE_KEY, village.as_str());
        }
        self.session.set(Session::SignedIn(me));
        spawn_local(async move { self.reload_entries().await });
        self.request_sync();
    }

    /// Forgets the identity (logout, or the server ended the session). The
    /// outbox stays: waiting reports go out after the next login.
    pub fn signed_out(self) {
        local_storage_remove(SESSION_KEY);
        // The next user of a shared phone starts from their own cursor.
        local_storage_remove(REVIEWS_KEY);
        local_storage_remove(CURSOR_KEY);
        local_storage_remove(VILLAGES_KEY);
        self.reviews.set(BTreeMap::new());
        self.entries.set(Vec::new());
        self.session.set(Session::SignedOut);
    }

    /// Rereads the outbox from IndexedDB into the `entries` signal, and
    /// how safe the storage is: every save and sync goes through here.
    pub async fn reload_entries(self) {
        match database().await {
            Ok(db) => match db.all().await {
                Ok(mut entries) => {
                    let username = self.username_untracked().unwrap_or_default();
                    entries.retain(|entry| entry.belongs_to(&username));
                    self.entries.set(entries);
                    self.storage_error.set(None);
                }
                Err(error) => self.storage_error.set(Some(error)),
            },
            Err(error) => self.storage_error.set(Some(error)),
        }
        self.storage_health.set(secure_storage().await);
    }

    /// Starts a sync unless one is running; a request during a running sync
    /// makes it go around once more, so nothing saved meanwhile waits for the
    /// next timer tick.
    pub fn request_sync(self) {
        if SYNC_RUNNING.get() {
            SYNC_AGAIN.set(true);
            return;
        }
        SYNC_RUNNING.set(true);
        spawn_local(async move {
            loop {
                SYNC_AGAIN.set(false);
                self.sync_once().await;
                if !SYNC_AGAIN.get() {
                    break;
                }
            }
            SYNC_RUNNING.set(false);
        });
    }

    async fn sync_once(self) {
        if !api::server_reachable().await {
            self.connection.set(Connection::Offline);
            return;
        }
        self.connection.set(Connection::Online);
        if self.session.with_untracked(|s| *s == Session::SignedOut) {
            return;
        }
        let db = match database().await {
            Ok(db) => db,
            Err(error) => {
                self.storage_error.set(Some(error));
                return;
            }
        };
        let waiting = self
            .entries
            .with_untracked(|entries| entries.iter().any(|e| e.delivery.is_waiting()));
        if waiting {
            self.connection.set(Connection::Sending);
        }
        let username = self.username_untracked().unwrap_or_default();
        let result = sync_engine::drain_outbox(&db, &device_id(), &username).await;
        if matches!(
            result,
            Err(SyncError::Api(ApiError::Refused { status: 401, .. }))
        ) {
            // The session expired or was revoked: ask for the password again.
            // Nothing is lost; the reports keep waiting.
            self.signed_out();
        }
        let lost_connection = matches!(
            result,
            Err(SyncError::Api(
                api::ApiError::Unreachable | api::ApiError::TimedOut
            ))
        );
        // A push can take a minute on EDGE; if another user signed in on
        // this phone meanwhile, the pull would answer for them, and their
        // missing photos would say nothing about this user's reports.
        let same_user = || self.username_untracked().as_deref() == Some(username.as_str());
        let result = match result {
            Ok(_) if same_user() => self.pull(&db).await,
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        if result.is_ok() && same_user() {
            // A failed cleanup loses nothing and is retried at the next
            // sync, so it is not worth a message to the user.
            let _ = sync_engine::forget_uploaded_photos(&db, &username, now_ms()).await;
        }
        self.sync_error.set(result.err());
        self.connection.set(if lost_connection {
            Connection::Offline
        } else {
            Connection::Online
        });
        self.reload_entries().await;
    }
}

impl AppState {
    /// Pulls review news and uploads missing photos; stores the reviews
    /// before the cursor, so a crash in between only repeats a page.
    async fn pull(self, db: &OutboxDb) -> Result<(), SyncError> {
        let pulled = sync_engine::pull_and_upload(db, local_storage_get(CURSOR_KEY)).await?;
        if !pulled.reviews.is_empty() {
            self.reviews.update(|reviews| {
                for event in pulled.reviews {
                    let events = reviews.entry(event.report_id).or_default();
                    if !events.contains(&event) {
                        events.push(event);
                    }
                }
            });
            if let Ok(json) = self.reviews.with_untracked(serde_json::to_string) {
                local_storage_set(REVIEWS_KEY, &json);
            }
        }
        // Reference data is cached as the server sent it; forms join the
        // picker at the next start (see `form_catalog`).
        if let Some(forms) = &pulled.forms
            && let Ok(json) = serde_json::to_string(forms)
        {
            local_storage_set(super::form_catalog::PULLED_FORMS_KEY, &json);
        }
        if let Some(villages) = &pulled.villages
            && let Ok(json) = serde_json::to_string(villages)
        {
            local_storage_set(VILLAGES_KEY, &json);
        }
        if let Some(cursor) = pulled.cursor {
            local_storage_set(CURSOR_KEY, &cursor);
        }
        Ok(())
    }
}

impl Default for AppState {
    fn default() -> AppState {
        AppState::new()
    }
}

thread_local! {
    static DATABASE: RefCell<Option<Rc<OutboxDb>>> = const { RefCell::new(None) };
    static SYNC_RUNNING: Cell<bool> = const { Cell::new(false) };
    static SYNC_AGAIN: Cell<bool> = const { Cell::new(false) };
}

/// The app's one IndexedDB connection, opened on first use.
pub async fn database() -> Result<Rc<OutboxDb>, StorageError> {
    if let Some(db) = DATABASE.with_borrow(|db| db.clone()) {
        return Ok(db);
    }
    let db = Rc::new(OutboxDb::open(DATABASE_NAME).await?);
    // Another task may have opened it meanwhile; keep the first.
    Ok(DATABASE.with_borrow_mut(|slot| slot.get_or_insert(db).clone()))
}

const LANGUAGE_KEY: &str = "kabar-desa.language";
const SESSION_KEY: &str = "kabar-desa.session";
const DEVICE_KEY: &str = "kabar-desa.device";
const REVIEWS_KEY: &str = "kabar-desa.reviews";
const CURSOR_KEY: &str = "kabar-desa.pull-cursor";
/// The villages in the user's scope with their profiles, as last pulled.
pub const VILLAGES_KEY: &str = "kabar-desa.villages";
pub const VILLAGE_KEY: &str = "kabar-desa.village";

fn stored_language() -> Lang {
    local_storage_get(LANGUAGE_KEY)
        .map(|code| Lang::from_code(&code))
        .unwrap_or_default()
}

fn stored_session() -> Session {
    local_storage_get(SESSION_KEY)
        .and_then(|json| serde_json::from_str(&json).ok())
        .map_or(Session::SignedOut, Session::SignedIn)
}

fn stored_reviews() -> BTreeMap<ReportId, Vec<ReviewEvent>> {
    local_storage_get(REVIEWS_KEY)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Bytes from the browser's CSPRNG, for report ids and the device id.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Every browser that runs wasm has crypto.getRandomValues; this only
        // keeps ids distinct if one somehow does not.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

/// This phone's id, made once and kept: the server binds sessions to it.
pub fn device_id() -> String {
    if let Some(id) = local_storage_get(DEVICE_KEY) {
        return id;
    }
    let id: String = random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    local_storage_set(DEVICE_KEY, &id);
    id
}

fn local_storage_remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    // The app's unit tests run natively, where there is no browser to ask.
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    web_sys::window()?.local_storage().ok()?
}

pub fn local_storage_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok()?
}

/// Small preferences only; reports never go to localStorage.
pub fn local_storage_set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}
