//! Everything the phone keeps, in IndexedDB through rexie, behind functions
//! named for what the user does. Only this module knows IndexedDB (and the
//! few preferences in localStorage).
//!
//! Every report the user saves is one record of `outbox`, kept until the
//! user's phone is wiped: sent reports stay so the user can see what went
//! out. A record holds the report's canonical JSON as a string, so what is
//! read back is exactly what was hashed and will be pushed, byte for byte.
//!
//! Photos live in `photos`, keyed by their reference `sha256:<hex>`: the
//! hash of the stored bytes, which is what a report's photo answer holds. A
//! photo is stored when it is taken, before the report is saved, so a saved
//! report never names a photo the phone does not have.
//!
//! Drafts live in `drafts`: the answers of a form being filled, one per user
//! and form, written as the user types. Low-end phones kill a backgrounded
//! tab to free memory; the draft brings the half-filled form back. Saving a
//! report deletes its draft in the same transaction, so a report is never
//! both saved and still offered as unfinished.
//!
//! What the pull brings lives here too: form versions the server published
//! (`forms`), the villages in the user's scope (`villages`), the reviewers'
//! news per report (`reviews`) and, in `meta`, the pull cursor and the
//! villages' last approved periodic reports (`last_approved`). A pulled
//! page's news and the cursor that brought it are written in one
//! transaction, so a crash can only repeat a page, never skip one. Only
//! small values read synchronously at start stay in localStorage: the
//! language, the device id, the last village chosen and the confirmed
//! identity.

use kabar_shared::account::Me;
use kabar_shared::form::{FormDefinition, FormSummary};
use kabar_shared::report::{Answers, ContentHash, ReviewStatus};
use kabar_shared::sync::{ApprovedReport, Delivery, ReviewEvent};
use kabar_shared::village::Village;
use kabar_shared::{Report, ReportId};
use rexie::{Direction, Index, KeyRange, ObjectStore, Rexie, TransactionMode};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// The database the app uses; tests open others.
pub const DATABASE_NAME: &str = "kabar-desa";
/// Version 1 had only the outbox; version 2 added the photos store, version
/// 3 the drafts store, version 4 the stores of what the pull brings (until
/// then kept in localStorage), and version 5 the outbox's indexes by owner
/// and by owner and state. The upgrade creates missing stores and indexes
/// and keeps existing ones with their records; IndexedDB fills a new index
/// from the records already stored.
const VERSION: u32 = 5;
const OUTBOX: &str = "outbox";
/// The outbox by `[owner, state]`: the sync reads only the user's waiting
/// reports, however many sent ones the phone keeps.
const BY_OWNER_STATE: &str = "owner_state";
/// The outbox by `owner`, then id (IndexedDB orders an index's equal keys
/// by the primary key): the list reads a user's newest reports by walking
/// it backwards.
const BY_OWNER: &str = "owner";
const PHOTOS: &str = "photos";
const DRAFTS: &str = "drafts";
const FORMS: &str = "forms";
const VILLAGES: &str = "villages";
const REVIEWS: &str = "reviews";
const META: &str = "meta";
const CURSOR_KEY: &str = "pull_cursor";
const APPROVED_KEY: &str = "last_approved";
/// In `meta`: every outbox record has the properties the indexes read.
const INDEXED_KEY: &str = "outbox_indexed";
/// The key of the one record in `forms` and `villages`: the whole set, as
/// the server sends it whenever it changes.
const ALL: &str = "all";

/// One saved report and where it stands with the server.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub report: Report,
    pub delivery: Delivery,
    pub saved_at_ms: i64,
    /// The username that saved it. Phones are shared: a report waits for its
    /// own author's session, and others using the phone do not see it.
    /// Empty for reports saved before accounts existed.
    pub owner: String,
    /// For a report the user fixed after the Command Center sent it back:
    /// which version it replaces.
    pub revision: Option<Revision>,
}

/// A fixed version of a sent report: it replaces the version with hash
/// `replaces`, and answers the review news up to `answers_review_at_ms`
/// (the server's time of the latest review event the user saw), so that
/// older news is not shown against the new version.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub replaces: ContentHash,
    pub answers_review_at_ms: i64,
}

impl OutboxEntry {
    /// Whether `username` may see and send this report.
    pub fn belongs_to(&self, username: &str) -> bool {
        self.owner.is_empty() || self.owner == username
    }
}

/// A form being filled, as typed: half-typed values stay as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub owner: String,
    pub form_id: String,
    /// The village chosen so far, as the picker holds it ("" for none).
    pub village: String,
    pub answers: Answers,
    pub saved_at_ms: i64,
}

impl Draft {
    fn key(owner: &str, form_id: &str) -> JsValue {
        // Usernames and form ids never hold a newline.
        JsValue::from_str(&format!("{owner}\n{form_id}"))
    }
}

/// A photo kept on the phone, as the camera pipeline stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPhoto {
    pub reference: ContentHash,
    pub bytes: Vec<u8>,
    /// The MIME type of the bytes, `image/jpeg` for photos the app took.
    pub mime: String,
    pub saved_at_ms: i64,
}

/// How safe this app's data is on the phone, as the browser tells it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageHealth {
    /// Whether the browser promised to keep the data when space runs short.
    /// Without it ("best effort"), Chrome may evict the whole origin,
    /// unsent reports included, to make room.
    pub persistent: bool,
    /// Bytes this app may still store, when the browser says.
    pub free_bytes: Option<f64>,
}

/// Asks the browser to keep this app's data even when the phone runs short
/// of space, then reports how safe and how roomy the storage is. Chrome
/// decides without asking the user: an installed app, or a site used often,
/// is granted. `None` where the browser has no storage manager.
pub async fn secure_storage() -> Option<StorageHealth> {
    use wasm_bindgen_futures::JsFuture;
    let storage = web_sys::window()?.navigator().storage();
    let ask = |promise: Result<js_sys::Promise, JsValue>| async move {
        JsFuture::from(promise.ok()?).await.ok()
    };
    let mut persistent = ask(storage.persisted()).await?.as_bool() == Some(true);
    if !persistent {
        persistent = ask(storage.persist()).await?.as_bool() == Some(true);
    }
    let free_bytes = ask(storage.estimate()).await.and_then(|estimate| {
        let estimate: web_sys::StorageEstimate = estimate.unchecked_into();
        Some(estimate.get_quota()? - estimate.get_usage().unwrap_or(0.0))
    });
    Some(StorageHealth {
        persistent,
        free_bytes,
    })
}

/// IndexedDB failed: blocked, full, or the browser refused storage.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StorageError {}

impl From<rexie::Error> for StorageError {
    fn from(error: rexie::Error) -> StorageError {
        StorageError(error.to_string())
    }
}

/// One open connection to the phone's database. The app uses one
/// ([`database`]); tests open their own by name.
pub struct PhoneDb {
    rexie: Rexie,
    /// A second, plain connection to the same database, for the one write
    /// whose durability matters most: rexie's transactions take no options,
    /// and saving a report needs `durability: "strict"` (see
    /// [`PhoneDb::save_report`]).
    plain: web_sys::IdbDatabase,
}

impl PhoneDb {
    pub async fn open(name: &str) -> Result<PhoneDb, StorageError> {
        let mut builder = Rexie::builder(name).version(VERSION);
        for store in [OUTBOX, PHOTOS, DRAFTS, FORMS, VILLAGES, REVIEWS, META] {
            let mut object_store = ObjectStore::new(store).key_path("id");
            if store == OUTBOX {
                // Stated in full (not unique, not multi-entry): an index
                // whose flags differ from the stored one is dropped and
                // built again on every upgrade.
                object_store = object_store
                    .add_index(
                        Index::new_array(BY_OWNER_STATE, ["owner", "state"])
                            .unique(false)
                            .multi_entry(false),
                    )
                    .add_index(
                        Index::new(BY_OWNER, "owner")
                            .unique(false)
                            .multi_entry(false),
                    );
            }
            builder = builder.add_object_store(object_store);
        }
        // rexie opens first and runs the upgrade; the plain connection then
        // opens the same version, with nothing left to upgrade.
        let rexie = builder.build().await?;
        let plain = open_plain(name).await?;
        let db = PhoneDb { rexie, plain };
        db.index_every_report().await?;
        Ok(db)
    }

    /// Gives every outbox record the `owner` and `state` the indexes need,
    /// once per database (a mark in `meta` says it was done). A record
    /// without one of them is in no index, and the list and the sync would
    /// never see it. Reports saved before accounts existed may lack an
    /// owner; they get the empty owner, which every user of the phone sees
    /// (see [`OutboxEntry::belongs_to`]). Later opens cost one read.
    async fn index_every_report(&self) -> Result<(), StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX, META], TransactionMode::ReadWrite)?;
        let meta = transaction.store(META)?;
        let mark = JsValue::from_str(INDEXED_KEY);
        if meta.get(mark.clone()).await?.is_none() {
            let store = transaction.store(OUTBOX)?;
            for record in store.get_all(None, None).await? {
                // Only the two properties are set: the report itself is
                // not read, so opening the database (on the first screen)
                // needs no code to read reports.
                let has_owner = text_property(&record, "owner").is_some();
                let has_state = text_property(&record, "state").is_some();
                if has_owner && has_state {
                    continue;
                }
                if !has_owner {
                    set_property(&record, "owner", &JsValue::from_str(""))?;
                }
                if !has_state {
                    let delivery = text_property(&record, "delivery").unwrap_or_default();
                    let delivery: Delivery = serde_json::from_str(&delivery).map_err(|error| {
                        StorageError(format!("a stored delivery does not parse: {error}"))
                    })?;
                    set_property(&record, "state", &JsValue::from_str(delivery.name()))?;
                }
                store.put(&record, None).await?;
            }
            meta.put(&js_record(&[("id", mark)])?, None).await?;
        }
        transaction.done().await?;
        Ok(())
    }

    pub fn close(self) {
        self.plain.close();
        self.rexie.close();
    }

    /// Deletes a whole database; for tests.
    pub async fn delete(name: &str) -> Result<(), StorageError> {
        Ok(Rexie::delete(name).await?)
    }

    /// Stores a newly saved report as waiting, and deletes the owner's
    /// draft of its form in the same transaction. Resolves only when
    /// IndexedDB reports the transaction complete, so "saved" on screen means
    /// saved. An id that is already stored is an error, never an overwrite,
    /// and then the draft stays.
    ///
    /// The transaction's durability is `strict`: its `complete` fires only
    /// once the browser has flushed the write to disk. Chrome's default
    /// since version 121 is `relaxed` (complete as soon as the operating
    /// system has the data), which survives a killed browser but not a
    /// power cut or a phone that dies with an empty battery, and the user
    /// was told "Tersimpan". One flush per saved report costs milliseconds;
    /// the other writes (drafts typed, pull caches, delivery states) keep
    /// the default, since each can be redone.
    pub async fn save_report(
        &self,
        report: &Report,
        saved_at_ms: i64,
        owner: &str,
    ) -> Result<(), StorageError> {
        let entry = OutboxEntry {
            report: report.clone(),
            delivery: Delivery::Waiting,
            saved_at_ms,
            owner: owner.to_owned(),
            revision: None,
        };
        let transaction = strict_transaction(&self.plain, &[OUTBOX, DRAFTS])?;
        let done = settled(&transaction, "complete", &["error", "abort"]);
        let written = (|| {
            transaction
                .object_store(OUTBOX)?
                .add(&to_record(&entry).map_err(|e| JsValue::from_str(&e.0))?)?;
            transaction
                .object_store(DRAFTS)?
                .delete(&Draft::key(owner, &report.form.id))?;
            Ok::<(), JsValue>(())
        })();
        if let Err(error) = written {
            let _ = transaction.abort();
            return Err(js_error(error));
        }
        done.await.map_err(|_| {
            StorageError(
                transaction
                    .error()
                    .map(|error| error.message())
                    .unwrap_or_else(|| "the report was not saved".into()),
            )
        })
    }

    /// Stores the user's fixed version of a sent report in place of the
    /// version it replaces, waiting to be sent. Only the owner's sent
    /// version with that exact hash is replaced, in one transaction, so a
    /// fix is never written over a newer one or someone else's report.
    pub async fn save_revision(
        &self,
        report: &Report,
        revision: Revision,
        saved_at_ms: i64,
        owner: &str,
    ) -> Result<(), StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
        let store = transaction.store(OUTBOX)?;
        let key = JsValue::from_str(&report.id.to_string());
        let current = match store.get(key).await? {
            Some(record) => from_record(&record)?,
            None => {
                return Err(StorageError(
                    "the report to fix is not on this phone".into(),
                ));
            }
        };
        let replaceable = current.owner == owner
            && current.delivery == Delivery::Sent
            && current.report.content_hash() == revision.replaces;
        if !replaceable {
            return Err(StorageError(
                "the report changed on this phone since it was opened".into(),
            ));
        }
        let entry = OutboxEntry {
            report: report.clone(),
            delivery: Delivery::Waiting,
            saved_at_ms,
            owner: owner.to_owned(),
            revision: Some(revision),
        };
        store.put(&to_record(&entry)?, None).await?;
        transaction.done().await?;
        Ok(())
    }

    /// Deletes one of the owner's reports that is still waiting to be sent.
    /// Returns false, deleting nothing, when it is no longer waiting (a sync
    /// sent it meanwhile): a report the server has is never deleted here.
    pub async fn delete_waiting(&self, id: ReportId, owner: &str) -> Result<bool, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
        let store = transaction.store(OUTBOX)?;
        let key = JsValue::from_str(&id.to_string());
        let deletable = match store.get(key.clone()).await? {
            Some(record) => {
                let entry = from_record(&record)?;
                entry.belongs_to(owner) && entry.delivery.is_waiting()
            }
            None => false,
        };
        if deletable {
            store.delete(key).await?;
        }
        transaction.done().await?;
        Ok(deletable)
    }

    /// Every saved report, oldest first (ids are UUIDv7, so key order is
    /// creation order).
    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
        let records = transaction.store(OUTBOX)?.get_all(None, None).await?;
        transaction.done().await?;
        records.iter().map(from_record).collect()
    }

    /// The waiting reports `username` may send, oldest first: read through
    /// the `[owner, state]` index, so sent reports are never read.
    pub async fn waiting_of(&self, username: &str) -> Result<Vec<OutboxEntry>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
        let index = transaction.store(OUTBOX)?.index(BY_OWNER_STATE)?;
        let mut entries = Vec::new();
        for owner in owners_seen_by(username) {
            let key = js_sys::Array::of2(&JsValue::from_str(owner), &JsValue::from_str("waiting"));
            let range = only(&key)?;
            for record in index.get_all(Some(range), None).await? {
                entries.push(from_record(&record)?);
            }
        }
        transaction.done().await?;
        // Each owner's reports come in id order; the sync orders the
        // batches itself, so the two owners' lists are not merged here.
        Ok(entries)
    }

    /// How many reports `username` may see are waiting: counted by the
    /// index, without reading one.
    pub async fn count_waiting(&self, username: &str) -> Result<usize, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
        let index = transaction.store(OUTBOX)?.index(BY_OWNER_STATE)?;
        let mut count = 0;
        for owner in owners_seen_by(username) {
            let key = js_sys::Array::of2(&JsValue::from_str(owner), &JsValue::from_str("waiting"));
            // The keys only (ids), not the records; rexie's `count` would
            // add its own request code to the download for the same answer.
            count += index.get_all_keys(Some(only(&key)?), None).await?.len();
        }
        transaction.done().await?;
        Ok(count)
    }

    /// The newest `limit` reports `username` may see, oldest first, and
    /// whether there are more: read backwards through the owner index, so
    /// a phone with ten thousand reports reads only as many as are shown.
    /// (Reading the index's ids alone instead saves the cursor's code in
    /// the download, but ten thousand ids took a third of a second at 4×
    /// CPU slowdown after every save.)
    pub async fn newest_of(
        &self,
        username: &str,
        limit: u32,
    ) -> Result<(Vec<OutboxEntry>, bool), StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
        let index = transaction.store(OUTBOX)?.index(BY_OWNER)?;
        // Each owner's newest first, kept oldest last so the newest of all
        // is one `pop` away; merged by hand, as a sort of entries costs
        // kilobytes of download for two lists already in order.
        let mut lists: Vec<Vec<OutboxEntry>> = Vec::new();
        for owner in owners_seen_by(username) {
            let range = only(&JsValue::from_str(owner))?;
            // One more than asked says whether there are more.
            let records = index
                .scan(Some(range), Some(limit + 1), None, Some(Direction::Prev))
                .await?;
            let mut list = Vec::new();
            for (_, record) in records.iter().rev() {
                list.push(from_record(record)?);
            }
            lists.push(list);
        }
        transaction.done().await?;
        let mut newest = Vec::new();
        while newest.len() <= limit as usize {
            let pick = lists
                .iter()
                .enumerate()
                .filter_map(|(at, list)| list.last().map(|entry| (at, entry.report.id)))
                .max_by_key(|(_, id)| *id)
                .map(|(at, _)| at);
            let Some(entry) = pick.and_then(|at| lists[at].pop()) else {
                break;
            };
            newest.push(entry);
        }
        let more = newest.len() > limit as usize;
        newest.truncate(limit as usize);
        newest.reverse();
        Ok((newest, more))
    }

    /// Records the server's answers in one transaction: either every update
    /// lands or none does. Only the delivery changes; the report itself is
    /// never rewritten here.
    pub async fn record_deliveries(
        &self,
        updates: &[(ReportId, Delivery)],
    ) -> Result<(), StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadWrite)?;
        let store = transaction.store(OUTBOX)?;
        for (id, delivery) in updates {
            let Some(record) = store.get(JsValue::from_str(&id.to_string())).await? else {
                continue;
            };
            let mut entry = from_record(&record)?;
            entry.delivery = delivery.clone();
            store.put(&to_record(&entry)?, None).await?;
        }
        transaction.done().await?;
        Ok(())
    }
}

impl PhoneDb {
    /// Stores a photo's bytes under their hash and returns that reference.
    /// Resolves only when the transaction is complete. The same bytes stored
    /// twice are one record, so taking the same picture into two reports
    /// costs the space once.
    pub async fn keep_photo(
        &self,
        bytes: &[u8],
        mime: &str,
        saved_at_ms: i64,
    ) -> Result<ContentHash, StorageError> {
        // The shared crate computes the hash, the same function the server
        // uses to check an uploaded photo, so the reference cannot disagree.
        let reference = ContentHash::of_bytes(bytes);
        let record = js_record(&[
            ("id", JsValue::from_str(reference.as_str())),
            ("type", JsValue::from_str(mime)),
            ("size", JsValue::from_f64(bytes.len() as f64)),
            ("saved_at_ms", JsValue::from_f64(saved_at_ms as f64)),
            ("bytes", js_sys::Uint8Array::from(bytes).into()),
        ])?;
        let transaction = self
            .rexie
            .transaction(&[PHOTOS], TransactionMode::ReadWrite)?;
        transaction.store(PHOTOS)?.put(&record, None).await?;
        transaction.done().await?;
        Ok(reference)
    }

    /// The photo stored under a reference, if the phone has it.
    pub async fn photo(
        &self,
        reference: &ContentHash,
    ) -> Result<Option<StoredPhoto>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
        let record = transaction
            .store(PHOTOS)?
            .get(JsValue::from_str(reference.as_str()))
            .await?;
        transaction.done().await?;
        let Some(record) = record else {
            return Ok(None);
        };
        let bytes = property(&record, "bytes")
            .filter(|value| value.is_instance_of::<js_sys::Uint8Array>())
            .map(|value| js_sys::Uint8Array::from(value).to_vec())
            .ok_or_else(|| StorageError("a stored photo has no bytes".into()))?;
        Ok(Some(StoredPhoto {
            reference: reference.clone(),
            bytes,
            mime: text_property(&record, "type").unwrap_or_else(|| "image/jpeg".into()),
            saved_at_ms: time_property(&record, "saved_at_ms"),
        }))
    }

    /// Deletes those of `candidates` that were stored before
    /// `stored_before_ms`, in one transaction, and says how many went. A
    /// photo stored again since (the same picture chosen for a new report)
    /// carries the newer time and stays.
    pub async fn forget_photos(
        &self,
        candidates: &[ContentHash],
        stored_before_ms: i64,
    ) -> Result<usize, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[PHOTOS], TransactionMode::ReadWrite)?;
        let store = transaction.store(PHOTOS)?;
        let mut forgotten = 0;
        for reference in candidates {
            let key = JsValue::from_str(reference.as_str());
            let Some(record) = store.get(key.clone()).await? else {
                continue;
            };
            // A record without a time is kept: it cannot be shown old.
            let saved_at_ms = property(&record, "saved_at_ms").and_then(|value| value.as_f64());
            if saved_at_ms.is_some_and(|saved_at_ms| saved_at_ms < stored_before_ms as f64) {
                store.delete(key).await?;
                forgotten += 1;
            }
        }
        transaction.done().await?;
        Ok(forgotten)
    }

    /// The references of every stored photo, in key order.
    pub async fn photo_references(&self) -> Result<Vec<ContentHash>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
        let keys = transaction.store(PHOTOS)?.get_all_keys(None, None).await?;
        transaction.done().await?;
        Ok(keys
            .iter()
            .filter_map(JsValue::as_string)
            .map(ContentHash::from_stored)
            .collect())
    }
}

impl PhoneDb {
    /// Writes (or replaces) the draft of one user's form.
    pub async fn keep_draft(&self, draft: &Draft) -> Result<(), StorageError> {
        let record = js_record(&[
            ("id", Draft::key(&draft.owner, &draft.form_id)),
            ("owner", JsValue::from_str(&draft.owner)),
            ("form_id", JsValue::from_str(&draft.form_id)),
            ("village", JsValue::from_str(&draft.village)),
            ("answers", JsValue::from_str(&to_json(&draft.answers)?)),
            ("saved_at_ms", JsValue::from_f64(draft.saved_at_ms as f64)),
        ])?;
        let transaction = self
            .rexie
            .transaction(&[DRAFTS], TransactionMode::ReadWrite)?;
        transaction.store(DRAFTS)?.put(&record, None).await?;
        transaction.done().await?;
        Ok(())
    }

    /// Every draft of one user, the most recently edited first.
    pub async fn drafts_of(&self, owner: &str) -> Result<Vec<Draft>, StorageError> {
        let mut drafts = self.all_drafts().await?;
        drafts.retain(|draft| draft.owner == owner);
        Ok(drafts)
    }

    /// Every draft on the phone, whoever typed it, the most recent first.
    pub async fn all_drafts(&self) -> Result<Vec<Draft>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[DRAFTS], TransactionMode::ReadOnly)?;
        let records = transaction.store(DRAFTS)?.get_all(None, None).await?;
        transaction.done().await?;
        let mut drafts = Vec::new();
        for record in &records {
            let text = |key: &str| text_property(record, key).unwrap_or_default();
            let answers = serde_json::from_str(&text("answers"))
                .map_err(|error| StorageError(format!("a draft does not parse: {error}")))?;
            drafts.push(Draft {
                owner: text("owner"),
                form_id: text("form_id"),
                village: text("village"),
                answers,
                saved_at_ms: time_property(record, "saved_at_ms"),
            });
        }
        drafts.sort_unstable_by_key(|draft| std::cmp::Reverse(draft.saved_at_ms));
        Ok(drafts)
    }

    /// Forgets one user's draft of a form; nothing happens when there is none.
    pub async fn forget_draft(&self, owner: &str, form_id: &str) -> Result<(), StorageError> {
        let transaction = self
            .rexie
            .transaction(&[DRAFTS], TransactionMode::ReadWrite)?;
        transaction
            .store(DRAFTS)?
            .delete(Draft::key(owner, form_id))
            .await?;
        transaction.done().await?;
        Ok(())
    }
}

/// What one pulled page brings for the phone to keep.
#[derive(Debug, Clone, Copy)]
pub struct PulledPage<'a> {
    pub reviews: &'a [ReviewEvent],
    /// Every published form version, when the server's set changed.
    pub forms: Option<&'a [FormDefinition]>,
    /// The villages in the user's scope, when they changed.
    pub villages: Option<&'a [Village]>,
    /// The villages' last approved periodic reports, when the page has them.
    pub approved: Option<&'a [ApprovedReport]>,
    /// Where the next pull starts.
    pub cursor: &'a str,
}

impl PhoneDb {
    /// Keeps one pulled page: its review news, the reference data it
    /// carries, and the cursor that brought them, in ONE transaction. Either
    /// all of it lands or none does, so the next pull starts exactly after
    /// what the phone holds.
    pub async fn keep_pulled(&self, page: PulledPage<'_>) -> Result<(), StorageError> {
        let transaction = self.rexie.transaction(
            &[FORMS, VILLAGES, REVIEWS, META],
            TransactionMode::ReadWrite,
        )?;
        // One record per event, keyed by the event itself: a page pulled
        // again (a crash before its cursor was kept) writes the same records.
        let reviews = transaction.store(REVIEWS)?;
        for event in page.reviews {
            reviews.put(&review_record(event)?, None).await?;
        }
        // The server sends the whole set whenever it changed.
        if let Some(forms) = page.forms {
            let store = transaction.store(FORMS)?;
            store.put(&json_record(ALL, forms)?, None).await?;
        }
        if let Some(villages) = page.villages {
            let store = transaction.store(VILLAGES)?;
            store.put(&json_record(ALL, villages)?, None).await?;
        }
        // The server sends the current list on every page that has it.
        if let Some(approved) = page.approved {
            transaction
                .store(META)?
                .put(&json_record(APPROVED_KEY, approved)?, None)
                .await?;
        }
        transaction
            .store(META)?
            .put(&json_record(CURSOR_KEY, &page.cursor)?, None)
            .await?;
        transaction.done().await?;
        Ok(())
    }

    /// The villages' last approved periodic reports, as last pulled: what a
    /// new report's carried figures start from. Sign-out forgets them with
    /// the rest of `meta`.
    pub async fn last_approved(&self) -> Result<Vec<ApprovedReport>, StorageError> {
        Ok(self.meta(APPROVED_KEY).await?.unwrap_or_default())
    }

    /// Where the next pull starts; `None` before the first pull.
    pub async fn pull_cursor(&self) -> Result<Option<String>, StorageError> {
        self.meta(CURSOR_KEY).await
    }

    /// The reviewers' news on every report, oldest first per report.
    pub async fn reviews(&self) -> Result<BTreeMap<ReportId, Vec<ReviewEvent>>, StorageError> {
        // Keys sort by report and then time, so each report's events come
        // oldest first.
        let mut reviews: BTreeMap<ReportId, Vec<ReviewEvent>> = BTreeMap::new();
        for record in self.records(REVIEWS).await? {
            let text = |key: &str| text_property(&record, key).unwrap_or_default();
            let Ok(report_id) = ReportId::parse(&text("report_id")) else {
                return Err(StorageError("a stored review names no report".into()));
            };
            let comment = text("comment");
            reviews.entry(report_id).or_default().push(ReviewEvent {
                report_id,
                status: ReviewStatus::parse(&text("status")),
                comment: (!comment.is_empty()).then_some(comment),
                reviewer: text("reviewer"),
                at_ms: time_property(&record, "at_ms"),
            });
        }
        Ok(reviews)
    }

    /// The form versions the server published, as last pulled: whole
    /// [`FormDefinition`]s, or only their [`FormSummary`]s (the first
    /// screen's, see `form_catalog`).
    pub async fn pulled_forms<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Vec<T>, StorageError> {
        self.whole_set(FORMS, "the stored forms").await
    }

    /// The villages in the user's scope, with their profiles, as last pulled.
    pub async fn villages(&self) -> Result<Vec<Village>, StorageError> {
        self.whole_set(VILLAGES, "the stored villages").await
    }

    /// The one record of a store the pull replaces as a whole.
    async fn whole_set<T: serde::de::DeserializeOwned>(
        &self,
        store: &str,
        what: &str,
    ) -> Result<Vec<T>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[store], TransactionMode::ReadOnly)?;
        let record = transaction
            .store(store)?
            .get(JsValue::from_str(ALL))
            .await?;
        transaction.done().await?;
        match record {
            Some(record) => parse_json(&record, what),
            None => Ok(Vec::new()),
        }
    }

    /// Forgets who was signed in and everything pulled for them, in one
    /// transaction: the next user of a shared phone starts from their own
    /// cursor. Reports, drafts and photos stay; they wait for their author.
    pub async fn forget_user(&self) -> Result<(), StorageError> {
        let transaction = self
            .rexie
            .transaction(&[VILLAGES, REVIEWS, META], TransactionMode::ReadWrite)?;
        transaction.store(VILLAGES)?.clear().await?;
        transaction.store(REVIEWS)?.clear().await?;
        // The cursor and the approved reports the pull brought: the
        // outbox's index mark is the phone's, not the user's.
        let meta = transaction.store(META)?;
        for key in [CURSOR_KEY, APPROVED_KEY] {
            meta.delete(JsValue::from_str(key)).await?;
        }
        transaction.done().await?;
        Ok(())
    }

    async fn meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StorageError> {
        let transaction = self.rexie.transaction(&[META], TransactionMode::ReadOnly)?;
        let record = transaction.store(META)?.get(JsValue::from_str(key)).await?;
        transaction.done().await?;
        record
            .map(|record| parse_json(&record, "a stored setting"))
            .transpose()
    }

    async fn records(&self, store: &str) -> Result<Vec<JsValue>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[store], TransactionMode::ReadOnly)?;
        let records = transaction.store(store)?.get_all(None, None).await?;
        transaction.done().await?;
        Ok(records)
    }
}

/// A review event as plain properties, keyed by everything it says: the
/// same event pulled twice is one record, and keys sort by report and then
/// time (zero-padded).
fn review_record(event: &ReviewEvent) -> Result<JsValue, StorageError> {
    let status = event.status.map_or("", ReviewStatus::as_str);
    let comment = event.comment.as_deref().unwrap_or_default();
    let id = format!(
        "{}\n{:016}\n{status}\n{}\n{comment}",
        event.report_id, event.at_ms, event.reviewer
    );
    js_record(&[
        ("id", JsValue::from_str(&id)),
        ("report_id", JsValue::from_str(&event.report_id.to_string())),
        ("status", JsValue::from_str(status)),
        ("comment", JsValue::from_str(comment)),
        ("reviewer", JsValue::from_str(&event.reviewer)),
        ("at_ms", JsValue::from_f64(event.at_ms as f64)),
    ])
}

/// `{ id, json }`: a value of the shared crate as its JSON text.
fn json_record<T: serde::Serialize + ?Sized>(id: &str, value: &T) -> Result<JsValue, StorageError> {
    js_record(&[
        ("id", JsValue::from_str(id)),
        ("json", JsValue::from_str(&to_json(value)?)),
    ])
}

fn parse_json<T: serde::de::DeserializeOwned>(
    record: &JsValue,
    what: &str,
) -> Result<T, StorageError> {
    let text = text_property(record, "json").unwrap_or_default();
    serde_json::from_str(&text)
        .map_err(|error| StorageError(format!("{what} does not parse: {error}")))
}

thread_local! {
    static DATABASE: RefCell<Option<Rc<PhoneDb>>> = const { RefCell::new(None) };
}

/// The app's one IndexedDB connection, opened on first use.
pub async fn database() -> Result<Rc<PhoneDb>, StorageError> {
    if let Some(db) = DATABASE.with_borrow(|db| db.clone()) {
        return Ok(db);
    }
    let db = Rc::new(PhoneDb::open(DATABASE_NAME).await?);
    // Another task may have opened it meanwhile; keep the first.
    Ok(DATABASE.with_borrow_mut(|slot| slot.get_or_insert(db).clone()))
}

/// What the second module (`later`) reads when it starts: the reviewers'
/// news, the form versions and the last approved periodic reports pulled
/// earlier.
#[derive(Debug, Default)]
pub struct Remembered {
    pub reviews: BTreeMap<ReportId, Vec<ReviewEvent>>,
    pub forms: Vec<FormDefinition>,
    /// The villages' last approved periodic reports, for carried figures.
    pub approved: Vec<ApprovedReport>,
}

/// Reads what the phone remembers of its pulls.
pub async fn remembered() -> Result<Remembered, StorageError> {
    let db = database().await?;
    Ok(Remembered {
        reviews: db.reviews().await?,
        forms: db.pulled_forms().await?,
        approved: db.last_approved().await?,
    })
}

/// What the first screen needs of the pulled forms: their summaries, for
/// the form picker. Copies an older version of the app kept in localStorage
/// are dropped: with no cursor in IndexedDB the next pull starts from the
/// beginning and brings them anew.
pub async fn remembered_form_summaries() -> Result<Vec<FormSummary>, StorageError> {
    for key in [
        "kabar-desa.pull-cursor",
        "kabar-desa.reviews",
        "kabar-desa.forms",
        "kabar-desa.villages",
    ] {
        remove_preference(key);
    }
    database().await?.pulled_forms().await
}

/// The user saved a report: it waits in the outbox and its draft ends.
pub async fn save_report(report: &Report, now_ms: i64, owner: &str) -> Result<(), StorageError> {
    database().await?.save_report(report, now_ms, owner).await
}

/// The user fixed a report the Command Center sent back: the new version
/// waits to be sent in place of the old one.
pub async fn save_revision(
    report: &Report,
    revision: Revision,
    now_ms: i64,
    owner: &str,
) -> Result<(), StorageError> {
    database()
        .await?
        .save_revision(report, revision, now_ms, owner)
        .await
}

/// The user deleted a report that had not been sent yet; false when a sync
/// sent it meanwhile and nothing was deleted.
pub async fn delete_waiting(id: ReportId, owner: &str) -> Result<bool, StorageError> {
    database().await?.delete_waiting(id, owner).await
}

/// The user took or chose a photo: it is kept under its hash.
pub async fn keep_photo(
    bytes: &[u8],
    mime: &str,
    now_ms: i64,
) -> Result<ContentHash, StorageError> {
    database().await?.keep_photo(bytes, mime, now_ms).await
}

/// A photo the phone holds, to show or to upload.
pub async fn photo(reference: &ContentHash) -> Result<Option<StoredPhoto>, StorageError> {
    database().await?.photo(reference).await
}

/// The user typed: the form as it stands is kept.
pub async fn keep_draft(draft: &Draft) -> Result<(), StorageError> {
    database().await?.keep_draft(draft).await
}

/// The user discarded a half-filled form.
pub async fn forget_draft(owner: &str, form_id: &str) -> Result<(), StorageError> {
    database().await?.forget_draft(owner, form_id).await
}

/// The half-filled forms of one user, the most recent first.
pub async fn drafts_of(owner: &str) -> Result<Vec<Draft>, StorageError> {
    database().await?.drafts_of(owner).await
}

/// The reports waiting for `username`'s session, oldest first; sent ones
/// are not read.
pub async fn waiting_of(username: &str) -> Result<Vec<OutboxEntry>, StorageError> {
    database().await?.waiting_of(username).await
}

/// What the screen shows of `username`'s reports: the newest `limit`,
/// oldest first, whether there are more, and how many wait.
pub async fn shown_reports_of(
    username: &str,
    limit: u32,
) -> Result<(Vec<OutboxEntry>, bool, usize), StorageError> {
    let db = database().await?;
    let (entries, more) = db.newest_of(username, limit).await?;
    Ok((entries, more, db.count_waiting(username).await?))
}

/// The key range of exactly `key`.
fn only(key: &JsValue) -> Result<KeyRange, StorageError> {
    // Not the library's error text: its formatting code costs kilobytes of
    // download for an error that cannot happen with a string key.
    KeyRange::only(key).map_err(|_| StorageError("an invalid key".into()))
}

/// The owners whose reports `username` sees: their own, and those saved
/// before accounts existed (the empty owner).
fn owners_seen_by(username: &str) -> Vec<&str> {
    if username.is_empty() {
        vec![""]
    } else {
        vec![username, ""]
    }
}

const IDENTITY_KEY: &str = "kabar-desa.session";

/// The identity the server last confirmed on this phone, so the app opens as
/// this user with no signal for weeks. It stays in localStorage (see
/// ARCHITECTURE.md): it is read synchronously, so the first screen is the
/// user's without waiting for IndexedDB, and losing it costs one login.
pub fn remembered_identity() -> Option<Me> {
    serde_json::from_str(&preference(IDENTITY_KEY)?).ok()
}

/// The user signed in: the phone remembers who.
pub fn remember_sign_in(me: &Me) {
    if let Ok(json) = serde_json::to_string(me) {
        set_preference(IDENTITY_KEY, &json);
    }
}

/// The user signed out, or the server ended the session: the identity and
/// everything pulled for it go.
pub async fn forget_sign_in() -> Result<(), StorageError> {
    remove_preference(IDENTITY_KEY);
    database().await?.forget_user().await
}

/// A small preference kept in localStorage (language, device id, last
/// village chosen).
pub fn preference(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok()?
}

/// Small preferences only; reports never go to localStorage.
pub fn set_preference(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

fn remove_preference(key: &str) {
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

/// A plain IndexedDB connection to `name` at the app's version.
async fn open_plain(name: &str) -> Result<web_sys::IdbDatabase, StorageError> {
    let factory = web_sys::window()
        .and_then(|window| window.indexed_db().ok().flatten())
        .ok_or_else(|| StorageError("this browser has no IndexedDB".into()))?;
    let request = factory.open_with_u32(name, VERSION).map_err(js_error)?;
    settled(&request, "success", &["error", "blocked"])
        .await
        .map_err(|_| StorageError(format!("cannot open the database {name}")))?;
    request
        .result()
        .map_err(js_error)?
        .dyn_into::<web_sys::IdbDatabase>()
        .map_err(js_error)
}

/// A read-write transaction with `durability: "strict"`. web-sys offers
/// the options argument only behind its unstable-API flag, so the call is
/// made through JavaScript reflection; a browser without durability hints
/// ignores the option.
fn strict_transaction(
    db: &web_sys::IdbDatabase,
    stores: &[&str],
) -> Result<web_sys::IdbTransaction, StorageError> {
    let names: js_sys::Array = stores.iter().map(|name| JsValue::from_str(name)).collect();
    let options = js_record(&[("durability", JsValue::from_str("strict"))])?;
    let open = js_sys::Reflect::get(db, &JsValue::from_str("transaction"))
        .map_err(js_error)?
        .dyn_into::<js_sys::Function>()
        .map_err(js_error)?;
    open.call3(db, &names, &JsValue::from_str("readwrite"), &options)
        .map_err(js_error)?
        .dyn_into::<web_sys::IdbTransaction>()
        .map_err(js_error)
}

/// Resolves on the first `ok` event of `target`, fails on the first of
/// `failures`. The promise's own functions are the listeners, so nothing
/// needs to be kept alive on the Rust side.
fn settled(
    target: &web_sys::EventTarget,
    ok: &str,
    failures: &[&str],
) -> impl std::future::Future<Output = Result<(), JsValue>> + use<> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = target.add_event_listener_with_callback(ok, &resolve);
        for failure in failures {
            let _ = target.add_event_listener_with_callback(failure, &reject);
        }
    });
    async move {
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map(|_| ())
    }
}

fn js_error(error: JsValue) -> StorageError {
    StorageError(
        error
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}")),
    )
}

/// `{ id, state, saved_at_ms, report, delivery }` with `report` and
/// `delivery` as JSON text; `id` and `state` are plain for debugging in the
/// browser's devtools.
fn to_record(entry: &OutboxEntry) -> Result<JsValue, StorageError> {
    let mut properties = vec![
        ("id", JsValue::from_str(&entry.report.id.to_string())),
        ("state", JsValue::from_str(entry.delivery.name())),
        ("saved_at_ms", JsValue::from_f64(entry.saved_at_ms as f64)),
        ("owner", JsValue::from_str(&entry.owner)),
        ("report", JsValue::from_str(&to_json(&entry.report)?)),
        ("delivery", JsValue::from_str(&to_json(&entry.delivery)?)),
    ];
    if let Some(revision) = &entry.revision {
        properties.push(("replaces", JsValue::from_str(revision.replaces.as_str())));
        properties.push((
            "answers_review_at_ms",
            JsValue::from_f64(revision.answers_review_at_ms as f64),
        ));
    }
    js_record(&properties)
}

fn from_record(record: &JsValue) -> Result<OutboxEntry, StorageError> {
    let text = |key: &str| {
        text_property(record, key)
            .ok_or_else(|| StorageError(format!("a stored record has no {key}")))
    };
    let report = serde_json::from_str(&text("report")?)
        .map_err(|error| StorageError(format!("a stored report does not parse: {error}")))?;
    let delivery = serde_json::from_str(&text("delivery")?)
        .map_err(|error| StorageError(format!("a stored delivery does not parse: {error}")))?;
    Ok(OutboxEntry {
        report,
        delivery,
        saved_at_ms: time_property(record, "saved_at_ms"),
        owner: text_property(record, "owner").unwrap_or_default(),
        revision: text_property(record, "replaces")
            .and_then(|text| ContentHash::parse(&text).ok())
            .map(|replaces| Revision {
                replaces,
                answers_review_at_ms: time_property(record, "answers_review_at_ms"),
            }),
    })
}

/// A plain object with these properties, the shape every store holds.
fn js_record(properties: &[(&str, JsValue)]) -> Result<JsValue, StorageError> {
    let object = js_sys::Object::new();
    for (key, value) in properties {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), value)
            .map_err(|_| StorageError(format!("cannot set {key} on a record")))?;
    }
    Ok(object.into())
}

fn set_property(record: &JsValue, key: &str, value: &JsValue) -> Result<(), StorageError> {
    js_sys::Reflect::set(record, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| StorageError(format!("cannot set {key} on a record")))
}

fn property(record: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(record, &JsValue::from_str(key)).ok()
}

fn text_property(record: &JsValue, key: &str) -> Option<String> {
    property(record, key).and_then(|value| value.as_string())
}

/// A time in Unix milliseconds; records from before a time was kept read 0.
fn time_property(record: &JsValue, key: &str) -> i64 {
    property(record, key)
        .and_then(|value| value.as_f64())
        .unwrap_or(0.0) as i64
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|error| StorageError(error.to_string()))
}
