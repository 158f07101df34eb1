//! Drains the outbox: asks the shared sync core what to push, pushes it, and
//! stores the server's per-report answers. The decisions live in
//! `kabar_shared::sync`; this module only moves data between IndexedDB and
//! the network.

use crate::api::{self, ApiError};
use crate::outbox_db::{OutboxDb, StorageError};
use kabar_shared::ContentHash;
use kabar_shared::form::FormDefinition;
use kabar_shared::sync::{ProtocolMismatch, ReviewEvent, apply_push_response, next_push};
use kabar_shared::village::Village;

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
