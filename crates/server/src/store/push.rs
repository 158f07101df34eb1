//! The writes of one push: a whole batch of reports in one transaction.
//!
//! A push of 100 reports used to be 100 transactions, each with its own
//! reads and its own commit (one `fsync` of the SQLite WAL each, with
//! `synchronous=FULL`). Now the sync handler opens one [`PushTx`], reads
//! what is stored under every pushed id and every period the batch names in
//! two queries, judges the items in memory, and writes the new reports with
//! a few multi-row statements before one commit. What the phone is told is
//! only sent after that commit, so an answered report is on disk, and a
//! failure anywhere leaves nothing of the batch behind (the phone retries
//! the whole batch; nothing was answered).
//!
//! The rare cases (an edit, an id or a period that an earlier item of the
//! same batch just wrote) are judged item by item against reads inside the
//! same transaction, which see its own writes: `sync` flushes the new
//! reports it holds back before such a read.

use super::reports::{CurrentVersion, Submitter, current_version};
use super::{Store, Tx, placeholders};
use crate::store::audit::AuditEntry;
use kabar_shared::acceptance::AcceptedReport;
use kabar_shared::report::ReviewStatus;
use kabar_shared::review;
use kabar_shared::sync::MAX_PUSH_BATCH;
use kabar_shared::{ContentHash, ReportId};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Which report may hold a period: one report per form (any version),
/// village and period.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeriodKey {
    pub form_id: String,
    pub village: String,
    /// `Period::key`, `YYYY-MM`.
    pub period: String,
}

impl PeriodKey {
    /// The key of an accepted report, when its form is periodic.
    pub fn of(accepted: &AcceptedReport) -> Option<PeriodKey> {
        accepted.period.map(|period| PeriodKey {
            form_id: accepted.report.form.id.clone(),
            village: accepted.report.village.as_str().to_owned(),
            period: period.key(),
        })
    }
}

/// A new report to store, with the photos it announces.
pub struct NewReport<'a> {
    pub accepted: &'a AcceptedReport,
    pub photos: &'a [ContentHash],
}

/// One push's transaction on the writer. Dropped without
/// [`PushTx::commit`], it rolls back.
pub struct PushTx<'s> {
    tx: Tx,
    store: &'s Store,
    submitter_id: i64,
    now_ms: i64,
}

impl Store {
    /// Opens the transaction of one push by `submitter_id`, stamped
    /// `now_ms`. When the batch holds periodic reports it first serializes
    /// writers of their villages' periods on PostgreSQL (`villages` sorted,
    /// so two pushes lock in one order), so what
    /// [`PushTx::period_holders`] reads stays true until the commit (SQLite
    /// has one writer already).
    pub async fn begin_push(
        &self,
        submitter_id: i64,
        villages: &[&str],
        now_ms: i64,
    ) -> anyhow::Result<PushTx<'_>> {
        let mut tx = self.begin_to_write().await?;
        for village in villages {
            self.lock_periods(&mut tx, village).await?;
        }
        Ok(PushTx {
            tx,
            store: self,
            submitter_id,
            now_ms,
        })
    }
}

impl PushTx<'_> {
    /// What is stored under each of `ids` (those stored), as the push judge
    /// needs it, seen from the pusher: one query.
    pub async fn versions(
        &mut self,
        ids: &[ReportId],
    ) -> anyhow::Result<HashMap<ReportId, CurrentVersion>> {
        let mut found = HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(found);
        }
        let list = (1..=ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT r.content_hash, r.status, r.village_code, r.submitted_by, u.role, r.id
             FROM reports r LEFT JOIN users u ON u.id = r.submitted_by WHERE r.id IN ({list})"
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *self.tx).await? {
            let id = ReportId::parse(&row.try_get::<String, _>(5)?)?;
            found.insert(id, current_version(&row, self.submitter_id)?);
        }
        Ok(found)
    }

    /// The report holding each of `keys` (those held): one query. Of
    /// several holders (none can arise today) the first arrival counts.
    pub async fn period_holders(
        &mut self,
        keys: &[PeriodKey],
    ) -> anyhow::Result<HashMap<PeriodKey, ReportId>> {
        let mut holders = HashMap::with_capacity(keys.len());
        if keys.is_empty() {
            return Ok(holders);
        }
        let conditions = (0..keys.len())
            .map(|k| {
                format!(
                    "(form_id = ${} AND village_code = ${} AND period = ${})",
                    3 * k + 1,
                    3 * k + 2,
                    3 * k + 3
                )
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!(
            "SELECT form_id, village_code, period, id FROM reports WHERE {conditions}
             ORDER BY received_at_ms, id"
        );
        let mut query = sqlx::query(&sql);
        for key in keys {
            query = query
                .bind(key.form_id.as_str())
                .bind(key.village.as_str())
                .bind(key.period.as_str());
        }
        for row in query.fetch_all(&mut *self.tx).await? {
            let key = PeriodKey {
                form_id: row.try_get(0)?,
                village: row.try_get(1)?,
                period: row.try_get(2)?,
            };
            let id = ReportId::parse(&row.try_get::<String, _>(3)?)?;
            holders.entry(key).or_insert(id);
        }
        Ok(holders)
    }

    /// Stores new reports as their version 1, with the photos they announce
    /// and one audit row each, in a few multi-row statements. A report is
    /// left out when its id is taken or another report holds its period by
    /// now (a concurrent push on PostgreSQL); the ids returned are the ones
    /// stored, and the caller judges the others again.
    ///
    /// The rows go in id order, so two transactions inserting overlapping
    /// ids wait for each other in the same order instead of deadlocking.
    pub async fn insert_new(
        &mut self,
        reports: &[NewReport<'_>],
        submitter: &Submitter<'_>,
    ) -> anyhow::Result<HashSet<ReportId>> {
        if reports.is_empty() {
            return Ok(HashSet::new());
        }
        let mut sorted: Vec<&NewReport> = reports.iter().collect();
        sorted.sort_by_key(|new| new.accepted.report.id);
        let mut stored = HashSet::with_capacity(sorted.len());
        for chunk in sorted.chunks(MAX_PUSH_BATCH) {
            stored.extend(self.insert_reports(chunk, submitter).await?);
        }
        let written: Vec<&NewReport> = sorted
            .into_iter()
            .filter(|new| stored.contains(&new.accepted.report.id))
            .collect();
        let versions: Vec<(&AcceptedReport, i64)> =
            written.iter().map(|new| (new.accepted, 1)).collect();
        for chunk in versions.chunks(MAX_PUSH_BATCH) {
            self.insert_versions(chunk, submitter).await?;
        }
        let links: Vec<(ReportId, &ContentHash)> = written
            .iter()
            .flat_map(|new| {
                new.photos
                    .iter()
                    .map(|photo| (new.accepted.report.id, photo))
            })
            .collect();
        for chunk in links.chunks(MAX_PUSH_BATCH) {
            self.insert_photo_links(chunk).await?;
        }
        let audit: Vec<AuditEntry> = written
            .iter()
            .map(|new| submission_audit("submission", new.accepted, 1, submitter))
            .collect();
        for chunk in audit.chunks(MAX_PUSH_BATCH) {
            self.store
                .audit_many_in(&mut self.tx, chunk, self.now_ms)
                .await?;
        }
        Ok(stored)
    }

    /// Stores an edit as the report's next version, if its current version
    /// still has hash `previous`, still has `author_id` as its author and is
    /// still in a status its author may edit, and no other report took the
    /// edit's period. The report goes back to the status the review table
    /// gives an edit (received). False when nothing was written (the caller
    /// judges again against what is there now).
    pub async fn replace(
        &mut self,
        accepted: &AcceptedReport,
        previous: &ContentHash,
        author_id: Option<i64>,
        submitter: &Submitter<'_>,
        photos: &[ContentHash],
    ) -> anyhow::Result<bool> {
        let report = &accepted.report;
        let period = accepted.period.map(|period| period.key());
        // The statuses an edit may start from, and where it leads, are the
        // review table's; today every such edit leads back to received.
        let mut updated = 0;
        for status in ReviewStatus::ALL {
            let Some(next) = review::edit_moves_to(status) else {
                continue;
            };
            let result = sqlx::query(
                "UPDATE reports
                 SET form_id = $1, form_version = $2, created_at_ms = $3, content_hash = $4,
                     report_json = $5, device_id = $6, updated_at_ms = $7, status = $8,
                     version = version + 1, period = $9
                 WHERE id = $10 AND content_hash = $11 AND village_code = $12 AND status = $13
                   AND submitted_by IS NOT DISTINCT FROM $14
                   AND NOT EXISTS (
                       SELECT 1 FROM reports other
                       WHERE $9 IS NOT NULL AND other.form_id = $1 AND other.village_code = $12
                         AND other.period = $9 AND other.id <> $10)",
            )
            .bind(&report.form.id)
            .bind(i64::from(report.form.version))
            .bind(report.created_at_ms)
            .bind(accepted.content_hash.as_str())
            .bind(&accepted.canonical_json)
            .bind(submitter.device_id)
            .bind(self.now_ms)
            .bind(next.as_str())
            .bind(period.as_deref())
            .bind(report.id.to_string())
            .bind(previous.as_str())
            .bind(report.village.as_str())
            .bind(status.as_str())
            .bind(author_id)
            .execute(&mut *self.tx)
            .await?;
            updated += result.rows_affected();
            if updated > 0 {
                break;
            }
        }
        if updated != 1 {
            return Ok(false);
        }
        let version: i64 = sqlx::query("SELECT version FROM reports WHERE id = $1")
            .bind(report.id.to_string())
            .fetch_one(&mut *self.tx)
            .await?
            .try_get(0)?;
        self.insert_versions(&[(accepted, version)], submitter)
            .await?;
        sqlx::query("DELETE FROM report_photos WHERE report_id = $1")
            .bind(report.id.to_string())
            .execute(&mut *self.tx)
            .await?;
        let links: Vec<(ReportId, &ContentHash)> =
            photos.iter().map(|photo| (report.id, photo)).collect();
        self.insert_photo_links(&links).await?;
        let audit = submission_audit("submission_edit", accepted, version, submitter);
        self.store
            .audit_many_in(&mut self.tx, &[audit], self.now_ms)
            .await?;
        Ok(true)
    }

    /// Queues the mails of urgent reports that arrived (or arrived again:
    /// the key makes a replay add nothing), with the batch.
    pub async fn enqueue_urgent_mails(
        &mut self,
        reports: &[(ReportId, &ContentHash)],
    ) -> anyhow::Result<()> {
        let mut sorted = reports.to_vec();
        sorted.sort_by_key(|(id, _)| *id);
        sorted.dedup_by_key(|(id, _)| *id);
        for chunk in sorted.chunks(MAX_PUSH_BATCH) {
            self.store
                .enqueue_urgent_mails_in(&mut self.tx, chunk, self.now_ms)
                .await?;
        }
        Ok(())
    }

    /// Makes the batch durable. Only after this may the phone be answered.
    pub async fn commit(self) -> anyhow::Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    /// One multi-row insert of new reports; the ids stored.
    async fn insert_reports(
        &mut self,
        chunk: &[&NewReport<'_>],
        submitter: &Submitter<'_>,
    ) -> anyhow::Result<Vec<ReportId>> {
        // `INSERT … SELECT … FROM (VALUES …)`: the columns of a VALUES list
        // are `column1`, `column2`, … on both backends.
        const COLUMNS: usize = 11;
        let sql = format!(
            "INSERT INTO reports
                (id, form_id, form_version, village_code, created_at_ms, received_at_ms,
                 content_hash, report_json, submitted_by, device_id, status, updated_at_ms,
                 version, period)
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6,
                    v.column7, v.column8, v.column9, v.column10, 'received', v.column6, 1,
                    v.column11
             FROM (VALUES {}) AS v
             WHERE NOT EXISTS (
                 SELECT 1 FROM reports other
                 WHERE v.column11 IS NOT NULL AND other.form_id = v.column2
                   AND other.village_code = v.column4 AND other.period = v.column11)
             ON CONFLICT (id) DO NOTHING
             RETURNING id",
            placeholders(self.store.backend, chunk.len(), COLUMNS)
        );
        let mut query = sqlx::query(&sql);
        for new in chunk {
            let accepted = new.accepted;
            let report = &accepted.report;
            query = query
                .bind(report.id.to_string())
                .bind(report.form.id.as_str())
                .bind(i64::from(report.form.version))
                .bind(report.village.as_str())
                .bind(report.created_at_ms)
                .bind(self.now_ms)
                .bind(accepted.content_hash.as_str())
                .bind(accepted.canonical_json.as_str())
                .bind(submitter.user_id)
                .bind(submitter.device_id)
                .bind(accepted.period.map(|period| period.key()));
        }
        let mut stored = Vec::with_capacity(chunk.len());
        for row in query.fetch_all(&mut *self.tx).await? {
            stored.push(ReportId::parse(&row.try_get::<String, _>(0)?)?);
        }
        Ok(stored)
    }

    async fn insert_versions(
        &mut self,
        versions: &[(&AcceptedReport, i64)],
        submitter: &Submitter<'_>,
    ) -> anyhow::Result<()> {
        if versions.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO report_versions
                (report_id, version, content_hash, report_json, submitted_by, device_id,
                 received_at_ms)
             VALUES {}",
            placeholders(self.store.backend, versions.len(), 7)
        );
        let mut query = sqlx::query(&sql);
        for (accepted, version) in versions {
            query = query
                .bind(accepted.report.id.to_string())
                .bind(*version)
                .bind(accepted.content_hash.as_str())
                .bind(accepted.canonical_json.as_str())
                .bind(submitter.user_id)
                .bind(submitter.device_id)
                .bind(self.now_ms);
        }
        query.execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn insert_photo_links(
        &mut self,
        links: &[(ReportId, &ContentHash)],
    ) -> anyhow::Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO report_photos (report_id, sha256) VALUES {}
             ON CONFLICT (report_id, sha256) DO NOTHING",
            placeholders(self.store.backend, links.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for (report, photo) in links {
            query = query.bind(report.to_string()).bind(photo.as_str());
        }
        query.execute(&mut *self.tx).await?;
        Ok(())
    }
}

fn submission_audit(
    action: &'static str,
    accepted: &AcceptedReport,
    version: i64,
    submitter: &Submitter<'_>,
) -> AuditEntry {
    AuditEntry {
        actor_id: Some(submitter.user_id),
        actor: Some(submitter.username.to_owned()),
        action,
        target: Some(accepted.report.id.to_string()),
        client: Some(submitter.client.to_owned()),
        detail: serde_json::json!({
            "village": accepted.report.village,
            "form": accepted.report.form,
            "content_hash": accepted.content_hash,
            "version": version,
            "device_id": submitter.device_id,
        }),
    }
}
