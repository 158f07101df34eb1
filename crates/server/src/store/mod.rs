//! Durable storage. Only this module knows SQL.
//!
//! One [`Store`] runs on either backend through sqlx's `Any` driver: SQLite
//! for a single server (the embedded default) and PostgreSQL for several
//! servers behind a load balancer. Each backend has its own migrations
//! (`migrations/sqlite`, `migrations/postgres`) creating the same schema, and
//! every query here is written in the SQL both understand (`$1` parameters,
//! `ON CONFLICT`, `RETURNING`), so the same integration tests cover both.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`, so an acknowledged report
//! survives a power cut of the office machine, and all writes go through one
//! connection, so concurrent pushes queue instead of failing with "database is
//! locked". A push is one transaction for its whole batch (see `push`), so
//! a batch costs one `fsync`, not one per report. On PostgreSQL concurrent
//! writers are normal; uniqueness constraints decide races (see
//! [`PushTx::insert_new`]).

mod accounts;
mod audit;
mod forms;
mod mail;
mod photos;
mod public;
mod pusat;
mod push;
mod reports;
mod reviews;

pub use accounts::{LoginLimits, LoginReservation, NewSession, NewUser, SessionRecord, UserRecord};
pub use audit::{AuditEntry, AuditFilter, AuditRecord};
pub use forms::{NewPublishedForm, PublishedForm};
pub use mail::{DigestReport, MailKind, OutboxMail, PhotoFile};
pub use photos::{NewPhoto, PhotoRecord};
pub use public::PublicReport;
pub use pusat::{FilingRow, InboxQuery, InboxRow, ReportDetail, ReportPhoto, ReviewRecord};
pub use push::{NewReport, PeriodKey, PushTx};
pub use reports::{
    ApprovedPeriodReport, CurrentVersion, PageMark, ReportFilter, ReportPage, ReportVersion,
    StoredReport, Submitter,
};
pub use reviews::NewReview;

use crate::config::Database;
use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::fmt::Write as _;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    /// Reads that may lag a moment behind writes (listings, pulls).
    reader: AnyPool,
    /// Writes, and reads that must see the latest write.
    writer: AnyPool,
    backend: Backend,
}

/// A transaction on the writer.
type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Store {
    pub async fn open(database: &Database) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        match database {
            Database::Sqlite(path) => Store::open_sqlite(path).await,
            Database::Postgres(url) => Store::open_postgres(url).await,
        }
        .with_context(|| format!("opening the database {}", database.describe()))
    }

    async fn open_sqlite(path: &std::path::Path) -> anyhow::Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent)
                .await
                .with_context(|| format!("creating the database directory {}", parent.display()))?;
        }
        let url = |mode: &str| format!("sqlite://{}?mode={mode}", path.display());
        let writer = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_str(&url("rwc"))?)
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .context("migrating the database")?;
        let reader = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute("PRAGMA busy_timeout = 10000;").await?;
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_str(&url("ro"))?)
            .await
            .context("opening the database for reading")?;
        Ok(Store {
            reader,
            writer,
            backend: Backend::Sqlite,
        })
    }

    async fn open_postgres(url: &str) -> anyhow::Result<Store> {
        let pool = AnyPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(AnyConnectOptions::from_str(url)?)
            .await?;
        // The migrator takes a PostgreSQL advisory lock, so several servers
        // starting at once migrate one after the other.
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .context("migrating the database")?;
        Ok(Store {
            reader: pool.clone(),
            writer: pool,
            backend: Backend::Postgres,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    /// Writes a consistent copy of an SQLite database to `to` while the
    /// server keeps running (`VACUUM INTO`). Writers wait while it runs.
    pub async fn vacuum_into(&self, to: &std::path::Path) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            anyhow::bail!("VACUUM INTO is for SQLite; PostgreSQL is backed up with pg_dump");
        }
        let to = to
            .to_str()
            .context("the backup path must be valid UTF-8")?
            .to_owned();
        sqlx::query("VACUUM INTO $1")
            .bind(to)
            .execute(&self.writer)
            .await
            .context("VACUUM INTO")?;
        Ok(())
    }

    /// Opens an SQLite file without migrating it and runs SQLite's own
    /// integrity check on it.
    pub async fn check_integrity_of(database: &Database) -> anyhow::Result<()> {
        let Database::Sqlite(path) = database else {
            return Ok(());
        };
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=ro", path.display());
        let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
            .await
            .with_context(|| format!("{} is not an SQLite database", path.display()))?;
        let verdict: String = sqlx::Row::try_get(
            &sqlx::query("PRAGMA integrity_check")
                .fetch_one(&mut connection)
                .await
                .with_context(|| format!("{} is not an SQLite database", path.display()))?,
            0,
        )?;
        if verdict != "ok" {
            anyhow::bail!("{} is damaged: {verdict}", path.display());
        }
        Ok(())
    }

    /// Whether a PostgreSQL database has no tables of its own yet.
    pub async fn postgres_is_empty(url: &str) -> anyhow::Result<bool> {
        sqlx::any::install_default_drivers();
        let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
            .await
            .context("connecting to the PostgreSQL database")?;
        let tables: i64 = sqlx::Row::try_get(
            &sqlx::query(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(&mut connection)
            .await?,
            0,
        )?;
        Ok(tables == 0)
    }

    async fn begin(&self) -> anyhow::Result<Tx> {
        Ok(self.writer.begin().await?)
    }

    /// A transaction that reads before it writes. On SQLite it takes the
    /// write lock at once (`BEGIN IMMEDIATE`, waiting up to the busy
    /// timeout): a plain `BEGIN` that has read cannot wait for the lock
    /// when another server on the same file wrote meanwhile, and fails
    /// with "database is locked".
    async fn begin_to_write(&self) -> anyhow::Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.writer.begin().await?,
        })
    }

    /// Serializes writers of sequence-numbered rows until the transaction
    /// ends, so sequence numbers become visible in the order they were
    /// taken and a pull cursor never skips a row committed late. SQLite has
    /// one writer already.
    async fn lock_sequence(&self, tx: &mut Tx) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(4000001)) AS locked")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// The placeholders `(…), (…)` of a multi-row `VALUES` list: `rows` rows
/// of `columns` values, bound in the order they appear.
///
/// SQLite gets anonymous `?`s. sqlx's SQLite driver asks SQLite for every
/// parameter's name when it binds, and SQLite finds the name of a numbered
/// parameter by walking the statement's list of names: with `$n`, a
/// statement of a whole push (100 reports, 1,100 values) spent more time
/// binding than writing, so pushes were cut into statements of 8 rows, and
/// each statement is a round trip to sqlx's SQLite worker thread. Anonymous
/// parameters have no name to look up, so a push writes each table in one
/// statement (about 6 a push instead of 45, and 20 to 35 % more reports a
/// second from one client; BENCHMARKS.md). PostgreSQL numbers them.
pub(super) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${}", row * columns + column + 1);
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// The wall clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
