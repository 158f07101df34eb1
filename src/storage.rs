//! The phone's outbox in IndexedDB, through rexie. Only this module knows
//! IndexedDB.
//!
//! Every report the user saves is one record, kept until the user's phone is
//! wiped: sent reports stay so the user can see what went out. A record holds
//! the report's canonical JSON as a string, so what is read back is exactly
//! what was hashed and will be pushed, byte for byte.
//!
//! Photos live in a second store, `photos`, keyed by their reference
//! `sha256:<hex>`: the hash of the stored bytes, which is what a report's
//! photo answer holds. A photo is stored when it is taken, before the report
//! is saved, so a saved report never names a photo the phone does not have.
//!
//! Drafts live in a third store, `drafts`: the answers of a form being
//! filled, one per user and form, written as the user types. Low-end phones
//! kill a backgrounded tab to free memory; the draft brings the half-filled
//! form back. Saving a report deletes its draft in the same transaction, so
//! a report is never both saved and still offered as unfinished.

use kabar_shared::report::{Answers, ContentHash};
use kabar_shared::sync::Delivery;
use kabar_shared::{Report, ReportId};
use rexie::{ObjectStore, Rexie, TransactionMode};
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// The database the app uses; tests open others.
pub const DATABASE_NAME: &str = "kabar-desa";
/// Version 1 had only the outbox; version 2 added the photos store and
/// version 3 the drafts store. The upgrade creates missing stores and keeps
/// existing ones with their records.
const VERSION: u32 = 3;
const OUTBOX: &str = "outbox";
const PHOTOS: &str = "photos";
const DRAFTS: &str = "drafts";

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

pub struct OutboxDb {
    rexie: Rexie,
}

impl OutboxDb {
    pub async fn open(name: &str) -> Result<OutboxDb, StorageError> {
        let rexie = Rexie::builder(name)
            .version(VERSION)
            .add_object_store(ObjectStore::new(OUTBOX).key_path("id"))
            .add_object_store(ObjectStore::new(PHOTOS).key_path("id"))
            .add_object_store(ObjectStore::new(DRAFTS).key_path("id"))
            .build()
            .await?;
        Ok(OutboxDb { rexie })
    }

    pub fn close(self) {
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
    pub async fn save_new(
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
        };
        let transaction = self
            .rexie
            .transaction(&[OUTBOX, DRAFTS], TransactionMode::ReadWrite)?;
        transaction
            .store(OUTBOX)?
            .add(&to_record(&entry)?, None)
            .await?;
        transaction
            .store(DRAFTS)?
            .delete(Draft::key(owner, &report.form.id))
            .await?;
        transaction.done().await?;
        Ok(())
    }

    /// Every saved report, oldest first (ids are UUIDv7, so key order is
    /// creation order).
    pub async fn all(&self) -> Result<Vec<OutboxEntry>, StorageError> {
        let transaction = self
            .rexie
            .transaction(&[OUTBOX], TransactionMode::ReadOnly)?;
        let records = transaction.store(OUTBOX)?.get_all(None, None).await?;
        transaction.done().await?;
        records.iter().map(from_record).collect()
    }

    /// Records the server's answers in one transaction: either every update
    /// lands or none does. Only the delivery changes; the report itself is
    /// never rewritten here.
    pub async fn set_deliveries(
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

impl OutboxDb {
    /// Stores a photo's bytes under their hash and returns that reference.
    /// Resolves only when the transaction is complete. The same bytes stored
    /// twice are one record, so taking the same picture into two reports
    /// costs the space once.
    pub async fn save_photo(
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

impl OutboxDb {
    /// Writes (or replaces) the draft of one user's form.
    pub async fn save_draft(&self, draft: &Draft) -> Result<(), StorageError> {
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
        drafts.sort_by_key(|draft| std::cmp::Reverse(draft.saved_at_ms));
        Ok(drafts)
    }

    /// Forgets one user's draft of a form; nothing happens when there is none.
    pub async fn discard_draft(&self, owner: &str, form_id: &str) -> Result<(), StorageError> {
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

/// `{ id, state, saved_at_ms, report, delivery }` with `report` and
/// `delivery` as JSON text; `id` and `state` are plain for debugging in the
/// browser's devtools.
fn to_record(entry: &OutboxEntry) -> Result<JsValue, StorageError> {
    js_record(&[
        ("id", JsValue::from_str(&entry.report.id.to_string())),
        ("state", JsValue::from_str(entry.delivery.name())),
        ("saved_at_ms", JsValue::from_f64(entry.saved_at_ms as f64)),
        ("owner", JsValue::from_str(&entry.owner)),
        ("report", JsValue::from_str(&to_json(&entry.report)?)),
        ("delivery", JsValue::from_str(&to_json(&entry.delivery)?)),
    ])
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

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|error| StorageError(error.to_string()))
}
