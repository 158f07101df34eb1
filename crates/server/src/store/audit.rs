//! The append-only audit log: logins, failed logins, submissions, reviews,
//! exports and user changes. The database refuses updates and deletions of
//! its rows (see the migrations).

use super::{Store, Tx, placeholders};
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

/// Which audit entries the admin screen asks for; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The actor's username, exactly.
    pub actor: Option<String>,
    /// The action, exactly (`login`, `user_created`, …).
    pub action: Option<String>,
    /// Entries at or after this instant.
    pub from_ms: Option<i64>,
    /// Entries before this instant.
    pub until_ms: Option<i64>,
    /// Entries older than this one (the previous page's last id).
    pub before_id: Option<i64>,
    pub limit: i64,
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
    /// How many times this event happened: more than one when repeats
    /// within a window were coalesced into this row.
    pub repeats: i64,
    /// When the last of the repeats happened.
    pub last_at_ms: i64,
}

impl Store {
    /// Records an event that an outsider can repeat at will (a failed or
    /// refused login): the first one within `window_ms` for the same action,
    /// `subject` and client gets its audit row; the repeats only raise that
    /// row's count. The audit log stays append-only.
    pub async fn audit_coalesced(
        &self,
        entry: &AuditEntry,
        subject: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> anyhow::Result<()> {
        let client = entry.client.clone().unwrap_or_default();
        let mut tx = self.begin().await?;
        if self.backend == super::Backend::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(4000003)) AS locked")
                .execute(&mut *tx)
                .await?;
        }
        let repeated = sqlx::query(
            "UPDATE audit_repeats SET repeats = repeats + 1, last_at_ms = $1
             WHERE audit_id = (SELECT audit_id FROM audit_repeats
                               WHERE action = $2 AND subject = $3 AND client = $4
                                 AND first_at_ms > $5
                               ORDER BY first_at_ms DESC LIMIT 1)",
        )
        .bind(now_ms)
        .bind(entry.action)
        .bind(subject)
        .bind(&client)
        .bind(now_ms - window_ms)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if repeated == 0 {
            let id = self.audit_in(&mut tx, entry, now_ms).await?;
            sqlx::query(
                "INSERT INTO audit_repeats (audit_id, action, subject, client, first_at_ms,
                                            last_at_ms, repeats)
                 VALUES ($1, $2, $3, $4, $5, $5, 1)",
            )
            .bind(id)
            .bind(entry.action)
            .bind(subject)
            .bind(&client)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit(&self, entry: &AuditEntry, now_ms: i64) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        self.audit_in(&mut tx, entry, now_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds one row and returns its id.
    pub(super) async fn audit_in(
        &self,
        tx: &mut Tx,
        entry: &AuditEntry,
        now_ms: i64,
    ) -> anyhow::Result<i64> {
        let row = sqlx::query(
            "INSERT INTO audit_log (at_ms, actor_id, actor, action, target, client, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(now_ms)
        .bind(entry.actor_id)
        .bind(entry.actor.clone())
        .bind(entry.action)
        .bind(entry.target.clone())
        .bind(entry.client.clone())
        .bind(entry.detail.to_string())
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Adds one row per entry in one statement (a push's submissions).
    pub(super) async fn audit_many_in(
        &self,
        tx: &mut Tx,
        entries: &[AuditEntry],
        now_ms: i64,
    ) -> anyhow::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO audit_log (at_ms, actor_id, actor, action, target, client, detail)
             VALUES {}",
            placeholders(self.backend, entries.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for entry in entries {
            query = query
                .bind(now_ms)
                .bind(entry.actor_id)
                .bind(entry.actor.clone())
                .bind(entry.action)
                .bind(entry.target.clone())
                .bind(entry.client.clone())
                .bind(entry.detail.to_string());
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }

    /// The newest entries first.
    pub async fn audit_log(&self, limit: i64) -> anyhow::Result<Vec<AuditRecord>> {
        self.audit_search(&AuditFilter {
            limit,
            ..AuditFilter::default()
        })
        .await
    }

    /// The newest entries that pass `filter` first, at most `filter.limit`.
    pub async fn audit_search(&self, filter: &AuditFilter) -> anyhow::Result<Vec<AuditRecord>> {
        enum Bound<'a> {
            Text(&'a str),
            Number(i64),
        }
        // Each condition takes the next parameter number, so the same text
        // works on SQLite and PostgreSQL.
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<Bound> = Vec::new();
        let mut add = |sql: &str, value| {
            values.push(value);
            conditions.push(sql.replace('?', &format!("${}", values.len())));
        };
        if let Some(actor) = &filter.actor {
            add("a.actor = ?", Bound::Text(actor));
        }
        if let Some(action) = &filter.action {
            add("a.action = ?", Bound::Text(action));
        }
        if let Some(from) = filter.from_ms {
            add("a.at_ms >= ?", Bound::Number(from));
        }
        if let Some(until) = filter.until_ms {
            add("a.at_ms < ?", Bound::Number(until));
        }
        if let Some(before) = filter.before_id {
            add("a.id < ?", Bound::Number(before));
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT a.id, a.at_ms, a.actor, a.action, a.target, a.client, a.detail,
                    COALESCE(r.repeats, 1), COALESCE(r.last_at_ms, a.at_ms)
             FROM audit_log a LEFT JOIN audit_repeats r ON r.audit_id = a.id
             {clause} ORDER BY a.id DESC LIMIT ${}",
            values.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Number(number) => query.bind(number),
            };
        }
        let rows = query.bind(filter.limit).fetch_all(&self.writer).await?;
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
                    repeats: row.try_get(7)?,
                    last_at_ms: row.try_get(8)?,
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
