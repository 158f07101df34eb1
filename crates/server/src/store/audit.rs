//! The append-only audit log: logins, failed logins, submissions, reviews,
//! exports and user changes. The database refuses updates and deletions of
//! its rows (see the migrations).

use super::{Store, Tx};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor_id: Option<i64>,
    /// The actor's username as it was; `cli` for the admin command line.
    pub actor: Option<String>,
    pub action: &'static str,
    pub target: Option<String>,
    pub client: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at_ms: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub client: Option<String>,
    pub detail: serde_json::Value,
}

impl Store {
    pub async fn audit(&self, entry: &AuditEntry, now_ms: i64) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        self.audit_in(&mut tx, entry, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn audit_in(
        &self,
        tx: &mut Tx,
        entry: &AuditEntry,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at_ms, actor_id, actor, action, target, client, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(now_ms)
        .bind(entry.actor_id)
        .bind(entry.actor.clone())
        .bind(entry.action)
        .bind(entry.target.clone())
        .bind(entry.client.clone())
        .bind(entry.detail.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The newest entries first.
    pub async fn audit_log(&self, limit: i64) -> anyhow::Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT id, at_ms, actor, action, target, client, detail FROM audit_log
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get(0)?,
                    at_ms: row.try_get(1)?,
                    actor: row.try_get(2)?,
                    action: row.try_get(3)?,
                    target: row.try_get(4)?,
                    client: row.try_get(5)?,
                    detail: serde_json::from_str(&row.try_get::<String, _>(6)?)?,
                })
            })
            .collect()
    }

    /// Tries to rewrite history; only the tests call this, to prove the
    /// database refuses.
    pub async fn try_tamper_with_audit_log(&self) -> anyhow::Result<()> {
        sqlx::query("UPDATE audit_log SET action = 'nothing'")
            .execute(&self.writer)
            .await?;
        Ok(())
    }
}
