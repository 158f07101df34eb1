//! `kabar-server backup --to FILE` and `kabar-server restore --from FILE`.
//!
//! SQLite is backed up online with `VACUUM INTO`: a consistent copy of the
//! database as of one moment, taken while the server keeps running (writes
//! wait for the moment it takes). PostgreSQL is backed up with `pg_dump`
//! in its custom format, also consistent and online. A restore goes into a
//! fresh, empty database (an SQLite file that does not exist yet, or an
//! empty PostgreSQL database) with the server stopped, so it can never
//! mix a backup into live data; afterwards the server migrates the restored
//! database to its own schema version at start, as always.
//!
//! Photos are not in the database: back up the photo directory or bucket
//! with the tools for files (rsync, the bucket's versioning). A photo is
//! named by its hash, so copies never conflict.

use crate::config::Database;
use crate::store::Store;
use anyhow::{Context, bail};
use std::path::Path;
use std::process::Stdio;

/// Writes a backup of `database` to `to`, which must not exist yet.
pub async fn backup(database: &Database, to: &Path) -> anyhow::Result<String> {
    if to.exists() {
        bail!(
            "{} exists already; a backup never overwrites a file",
            to.display()
        );
    }
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the directory {}", parent.display()))?;
    }
    match database {
        Database::Sqlite(_) => {
            let store = Store::open(database).await?;
            store.vacuum_into(to).await?;
        }
        Database::Postgres(url) => {
            run_tool(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    &format!("--file={}", to.display()),
                    &format!("--dbname={url}"),
                ],
            )
            .await?;
        }
    }
    let bytes = std::fs::metadata(to)
        .with_context(|| format!("the backup {} was not written", to.display()))?
        .len();
    Ok(format!(
        "backed up {} to {} ({bytes} bytes)",
        database.describe(),
        to.display()
    ))
}

/// Restores the backup `from` into `database`, which must be new: an
/// SQLite file that does not exist, or a PostgreSQL database without
/// tables. Then opens it, which checks it and migrates it.
pub async fn restore(database: &Database, from: &Path) -> anyhow::Result<String> {
    if !from.is_file() {
        bail!("no backup file at {}", from.display());
    }
    match database {
        Database::Sqlite(path) => {
            if path.exists() {
                bail!(
                    "{} exists already; restore into a new file (move the old one aside first, \
                     with the server stopped)",
                    path.display()
                );
            }
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating the directory {}", parent.display()))?;
            }
            // Copied under a temporary name and renamed, so a database file
            // at the final path is always a whole one.
            let partial = path.with_extension("restoring");
            std::fs::copy(from, &partial)
                .with_context(|| format!("copying {} to {}", from.display(), partial.display()))?;
            std::fs::File::open(&partial)?.sync_all()?;
            std::fs::rename(&partial, path)?;
            Store::check_integrity_of(database).await?;
        }
        Database::Postgres(url) => {
            if !Store::postgres_is_empty(url).await? {
                bail!(
                    "{} has tables already; restore into a new, empty database \
                     (createdb NAME) and point the server at it",
                    database.describe()
                );
            }
            run_tool(
                "pg_restore",
                &[
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    &format!("--dbname={url}"),
                    &from.display().to_string(),
                ],
            )
            .await?;
        }
    }
    // Opening migrates a backup taken by an older server.
    Store::open(database).await?;
    Ok(format!(
        "restored {} into {}",
        from.display(),
        database.describe()
    ))
}

/// Runs a PostgreSQL client tool and fails with its own words when it does.
async fn run_tool(tool: &str, args: &[&str]) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(tool)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| {
            format!("cannot run {tool}: install the PostgreSQL client tools (postgresql-client)")
        })?;
    if !output.status.success() {
        bail!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
