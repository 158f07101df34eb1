//! Form versions published by admins (`published_forms`). Rows are only
//! ever added: the database refuses changes and deletions.

use super::{AuditEntry, Store};
use sqlx::Row;

/// A published form version as stored.
#[derive(Debug, Clone)]
pub struct PublishedForm {
    pub form_id: String,
    pub version: u32,
    pub definition_json: String,
    pub content_hash: String,
    pub published_by: String,
    pub published_at_ms: i64,
}

/// A version to publish, by the admin `user_id`.
#[derive(Debug, Clone)]
pub struct NewPublishedForm<'a> {
    pub form_id: &'a str,
    pub version: u32,
    pub definition_json: &'a str,
    pub content_hash: &'a str,
    pub user_id: i64,
    pub username: &'a str,
}

impl Store {
    /// Every published version, oldest publication first.
    pub async fn published_forms(&self) -> anyhow::Result<Vec<PublishedForm>> {
        // From the writer: a server that has just published reloads its
        // catalog at once and must see its own row.
        let rows = sqlx::query(
            "SELECT form_id, version, definition_json, content_hash, published_by_name,
                    published_at_ms
             FROM published_forms ORDER BY published_at_ms, form_id, version",
        )
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PublishedForm {
                    form_id: row.try_get(0)?,
                    version: u32::try_from(row.try_get::<i64, _>(1)?)?,
                    definition_json: row.try_get(2)?,
                    content_hash: row.try_get(3)?,
                    published_by: row.try_get(4)?,
                    published_at_ms: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// How many versions were published; it only grows.
    pub async fn published_form_count(&self) -> anyhow::Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM published_forms")
            .fetch_one(&self.reader)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Stores a version and its audit row in one transaction; false (and
    /// nothing written) when that form id and version is already there.
    pub async fn publish_form(
        &self,
        form: &NewPublishedForm<'_>,
        audit: &AuditEntry,
        now_ms: i64,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO published_forms (form_id, version, definition_json, content_hash,
                                          published_by, published_by_name, published_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (form_id, version) DO NOTHING",
        )
        .bind(form.form_id)
        .bind(i64::from(form.version))
        .bind(form.definition_json)
        .bind(form.content_hash)
        .bind(form.user_id)
        .bind(form.username)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            tx.rollback().await?;
            return Ok(false);
        }
        self.audit_in(&mut tx, audit, now_ms).await?;
        tx.commit().await?;
        Ok(true)
    }
}
