//! Durable storage of reports in SQLite. Only this module knows SQL.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`, so an acknowledged report
//! survives a power cut of the office machine, and all writes go through one
//! connection, so concurrent pushes queue instead of failing with "database is
//! locked".

use anyhow::Context;
use kabar_shared::sync::PushItem;
use kabar_shared::{ContentHash, Report, ReportId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub struct Store {
    reader: SqlitePool,
    writer: SqlitePool,
}

/// What happened to an insert.
#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    /// The report is stored now.
    New,
    /// A report with this id was already there (possibly stored by a
    /// concurrent request a moment ago); nothing was written.
    AlreadyPresent,
}

/// A report as stored, with what the server added.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredReport {
    pub report: Report,
    pub content_hash: ContentHash,
    pub received_at_ms: i64,
}

impl Store {
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent)
                .await
                .with_context(|| format!("creating the database directory {}", parent.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening the database {}", path.display()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .context("migrating the database")?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await
            .context("opening the database for reading")?;
        Ok(Store { reader, writer })
    }

    /// The content hash stored under `id`, if a report with that id exists.
    pub async fn content_hash(&self, id: ReportId) -> anyhow::Result<Option<ContentHash>> {
        // Read through the writer so a report stored a moment ago by another
        // request is always seen.
        let row = sqlx::query("SELECT content_hash FROM reports WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.writer)
            .await?;
        Ok(row.map(|row| ContentHash::from_stored(row.get(0))))
    }

    pub async fn insert(&self, item: &PushItem, received_at_ms: i64) -> anyhow::Result<Inserted> {
        let report = &item.report;
        let report_json = serde_json::to_string(report)?;
        let result = sqlx::query(
            "INSERT INTO reports
                (id, form_id, form_version, village_code, created_at_ms, received_at_ms, content_hash, report_json)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(report.id.to_string())
        .bind(&report.form.id)
        .bind(i64::from(report.form.version))
        .bind(report.village.as_str())
        .bind(report.created_at_ms)
        .bind(received_at_ms)
        .bind(item.content_hash.as_str())
        .bind(report_json)
        .execute(&self.writer)
        .await?;
        Ok(if result.rows_affected() == 1 {
            Inserted::New
        } else {
            Inserted::AlreadyPresent
        })
    }

    /// Every stored report, oldest first.
    pub async fn reports(&self) -> anyhow::Result<Vec<StoredReport>> {
        let rows = sqlx::query(
            "SELECT report_json, content_hash, received_at_ms FROM reports ORDER BY id",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.into_iter()
            .map(|row| {
                let json: String = row.get(0);
                Ok(StoredReport {
                    report: serde_json::from_str(&json)
                        .context("a stored report no longer parses")?,
                    content_hash: ContentHash::from_stored(row.get(1)),
                    received_at_ms: row.get(2),
                })
            })
            .collect()
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }
}
