//! Drains the outbox: asks the shared sync core what to push, pushes it, and
//! stores the server's per-report answers. The decisions live in
//! `kabar_shared::sync`; this module only moves data between IndexedDB and
//! the network.

use crate::api::{self, ApiError};
use crate::outbox_db::{Draft, OutboxDb, OutboxEntry, StorageError};
use kabar_shared::ContentHash;
use kabar_shared::form::FormDefinition;
use kabar_shared::report::Answers;
use kabar_shared::sync::{Delivery, ProtocolMismatch, ReviewEvent, apply_push_response, next_push};
use kabar_shared::village::Village;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub enum SyncError {
    Api(ApiError),
    Protocol(ProtocolMismatch),
    Storage(StorageError),
}

impl From<ApiError> for SyncError {
    fn from(error: ApiError) -> SyncError {
        SyncError::Api(error)
    }
}

impl From<StorageError> for SyncError {
    fn from(error: StorageError) -> SyncError {
        SyncError::Storage(error)
    }
}

/// Pushes batches until nothing waits or a round makes no progress. Returns
/// how many reports changed state. A failure leaves every unanswered report
/// waiting, so the next attempt picks it up again.
pub async fn drain_outbox(
    db: &OutboxDb,
    device_id: &str,
    username: &str,
) -> Result<usize, SyncError> {
    let mut changed = 0;
    loop {
        // Only the signed-in user's reports: on a shared phone another
        // person's reports wait for their own session.
        let mut entries = db.all().await?;
        entries.retain(|entry| entry.belongs_to(username));
        let Some(mut request) =
            next_push(entries.iter().map(|entry| (&entry.report, &entry.delivery)))
        else {
            return Ok(changed);
        };
        request.device_id = Some(device_id.to_owned());
        let response = api::push(&request).await?;
        let updates = apply_push_response(&request, &response).map_err(SyncError::Protocol)?;
        if updates.is_empty() {
            // The server answered for none of what we sent; pushing again at
            // once would loop. The next scheduled attempt retries.
            return Ok(changed);
        }
        db.set_deliveries(&updates).await?;
        changed += updates.len();
    }
}

/// What a pull brought for the screen.
#[derive(Debug, Default)]
pub struct Pulled {
    /// The cursor to send next time; store it only after `reviews` is stored.
    pub cursor: Option<String>,
    /// Status changes and reviewer comments on this user's reports.
    pub reviews: Vec<ReviewEvent>,
    /// Photos uploaded because the server still missed them.
    pub photos_uploaded: usize,
    /// Every published form version, when the server's set changed.
    pub forms: Option<Vec<FormDefinition>>,
    /// The villages in the user's scope, with their profiles, when changed.
    pub villages: Option<Vec<Village>>,
}

/// Pulls every page since `cursor`, then uploads the photos the server says
/// it is still missing. Photos go after their report, so the server knows
/// which report announced them; a photo this phone does not hold (taken on
/// another phone) is left for that phone to send.
pub async fn pull_and_upload(
    db: &OutboxDb,
    mut cursor: Option<String>,
) -> Result<Pulled, SyncError> {
    let mut pulled = Pulled::default();
    let mut missing: Vec<ContentHash> = Vec::new();
    loop {
        let page = api::pull(cursor.as_deref()).await?;
        pulled.reviews.extend(page.reviews);
        if page.forms.is_some() {
            pulled.forms = page.forms;
        }
        if page.villages.is_some() {
            pulled.villages = page.villages;
        }
        for report in page.incomplete {
            for photo in report.missing_photos {
                if !missing.contains(&photo) {
                    missing.push(photo);
                }
            }
        }
        cursor = Some(page.cursor);
        if !page.has_more {
            break;
        }
    }
    for reference in &missing {
        if let Some(photo) = db.photo(reference).await? {
            api::upload_photo(&photo).await?;
            pulled.photos_uploaded += 1;
        }
    }
    pulled.cursor = cursor;
    Ok(pulled)
}

/// A photo stored within this long is never forgotten: it may have just been
/// taken for a form whose draft is not written yet.
pub const PHOTO_GRACE_MS: i64 = 10 * 60 * 1000;

/// Frees the phone's storage of photos the server holds and nothing on the
/// phone still needs. Run only after a successful push and pull-and-upload:
/// then every report of `username` marked sent has all the photos this phone
/// holds for it on the server. Photos named by a draft, by a report not yet
/// sent, or by another user's report (whose uploads this sync did not
/// confirm) stay.
pub async fn forget_uploaded_photos(
    db: &OutboxDb,
    username: &str,
    now_ms: i64,
) -> Result<usize, SyncError> {
    // This runs after every sync; a phone holding no photo (most syncs of
    // text reports) costs one key read, not a parse of the whole outbox.
    let stored = db.photo_references().await?;
    if stored.is_empty() {
        return Ok(0);
    }
    let needed = photos_still_needed(&db.all_drafts().await?, &db.all().await?, username);
    let candidates: Vec<ContentHash> = stored
        .into_iter()
        .filter(|reference| !needed.contains(reference))
        .collect();
    if candidates.is_empty() {
        return Ok(0);
    }
    Ok(db
        .forget_photos(&candidates, now_ms - PHOTO_GRACE_MS)
        .await?)
}

/// Every photo a draft or a not-yet-settled report names. Any string in the
/// answers that reads as a photo reference counts, wherever it sits, so a
/// form this phone no longer knows cannot make a needed photo look unused.
pub fn photos_still_needed(
    drafts: &[Draft],
    entries: &[OutboxEntry],
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
    let answers_of = |answers: &Answers, out: &mut BTreeSet<ContentHash>| {
        answers.values().for_each(|value| collect(value, out));
    };
    let mut needed = BTreeSet::new();
    for draft in drafts {
        answers_of(&draft.answers, &mut needed);
    }
    for entry in entries {
        let settled = entry.owner == username && entry.delivery == Delivery::Sent;
        if !settled {
            answers_of(&entry.report.answers, &mut needed);
        }
    }
    needed
}

#[cfg(test)]
mod tests {
    use super::*;
    use kabar_shared::report::FormRef;
    use kabar_shared::{Report, ReportId, VillageCode};

    fn photo(n: u8) -> ContentHash {
        ContentHash::of_bytes(&[n])
    }

    fn answers_with(photos: &[u8]) -> Answers {
        let refs: Vec<String> = photos
            .iter()
            .map(|n| photo(*n).as_str().to_owned())
            .collect();
        let answers = serde_json::json!({
            "uraian": "Lampu jalan mati",
            "foto": refs[..refs.len().min(1)],
            "baris": [{"foto_baris": refs.get(1..).unwrap_or_default()}],
        });
        serde_json::from_value(answers).unwrap()
    }

    fn entry(seed: u8, owner: &str, delivery: Delivery, photos: &[u8]) -> OutboxEntry {
        OutboxEntry {
            report: Report {
                id: ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
                form: FormRef {
                    id: "aspirasi-warga".into(),
                    version: 1,
                },
                village: VillageCode::parse("71.74.02.1003").unwrap(),
                created_at_ms: 1_764_000_000_000,
                answers: answers_with(photos),
            },
            delivery,
            saved_at_ms: 0,
            owner: owner.into(),
        }
    }

    #[test]
    fn only_photos_of_the_users_sent_reports_may_go() {
        let drafts = [Draft {
            owner: "relawan.moyag".into(),
            form_id: "aspirasi-warga".into(),
            village: String::new(),
            answers: answers_with(&[1]),
            saved_at_ms: 0,
        }];
        let entries = [
            // Sent by this user: its photos 2 and 3 are on the server.
            entry(1, "sangadi.moyag", Delivery::Sent, &[2, 3]),
            // Sent, but photo 1 is also in someone's draft.
            entry(2, "sangadi.moyag", Delivery::Sent, &[1]),
            // Still waiting, or refused: the photos must stay.
            entry(3, "sangadi.moyag", Delivery::Waiting, &[4]),
            entry(
                4,
                "sangadi.moyag",
                Delivery::Rejected { errors: vec![] },
                &[5],
            ),
            entry(5, "sangadi.moyag", Delivery::Conflict, &[6]),
            // Another user's sent report: this sync did not confirm it.
            entry(6, "relawan.moyag", Delivery::Sent, &[7]),
            // From before accounts: nobody's sync confirms it.
            entry(7, "", Delivery::Sent, &[8]),
        ];
        let needed = photos_still_needed(&drafts, &entries, "sangadi.moyag");
        let expect: BTreeSet<ContentHash> = [1, 4, 5, 6, 7, 8].into_iter().map(photo).collect();
        assert_eq!(needed, expect);
    }
}
