//! The mail outbox: rows written with their cause, leased by one worker at a
//! time, and what the mails are made of (photos of a report, the day's
//! filings for the digest).

use super::{Backend, Store, Tx};
use kabar_shared::form::Period;
use kabar_shared::{ContentHash, ReportId, VillageCode};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// A report was approved: the mayor's office (and its camat) get it.
    Approved,
    /// An incident report of high urgency arrived: mailed before review.
    Urgent,
    /// The day's digest.
    Digest,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Approved => "approved",
            MailKind::Urgent => "urgent",
            MailKind::Digest => "digest",
        }
    }

    fn parse(text: &str) -> anyhow::Result<MailKind> {
        Ok(match text {
            "approved" => MailKind::Approved,
            "urgent" => MailKind::Urgent,
            "digest" => MailKind::Digest,
            other => anyhow::bail!("unknown stored mail kind {other:?}"),
        })
    }
}

/// One row of the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMail {
    pub id: i64,
    pub kind: MailKind,
    pub dedup_key: String,
    pub report_id: Option<String>,
    pub content_hash: Option<String>,
    /// `pending`, `sent`, `dead` or `skipped`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at_ms: i64,
    pub last_answer: Option<String>,
    pub created_at_ms: i64,
    pub sent_at_ms: Option<i64>,
    /// The village of the mail's report, for the admins' list (filled by
    /// [`Store::outbox_mails`] only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub village_code: Option<String>,
}

const OUTBOX_COLUMNS: &str = "id, kind, dedup_key, report_id, content_hash, status, attempts, \
     next_attempt_at_ms, last_answer, created_at_ms, sent_at_ms";

fn outbox_mail(row: &AnyRow) -> anyhow::Result<OutboxMail> {
    Ok(OutboxMail {
        id: row.try_get(0)?,
        kind: MailKind::parse(&row.try_get::<String, _>(1)?)?,
        dedup_key: row.try_get(2)?,
        report_id: row.try_get(3)?,
        content_hash: row.try_get(4)?,
        status: row.try_get(5)?,
        attempts: row.try_get(6)?,
        next_attempt_at_ms: row.try_get(7)?,
        last_answer: row.try_get(8)?,
        created_at_ms: row.try_get(9)?,
        sent_at_ms: row.try_get(10)?,
        village_code: None,
    })
}

/// A photo of a report that has arrived, with where its bytes are.
#[derive(Debug, Clone)]
pub struct PhotoFile {
    pub sha256: ContentHash,
    pub content_type: String,
    pub size_bytes: i64,
}

/// One report in the digest's window.
#[derive(Debug, Clone)]
pub struct DigestReport {
    pub id: ReportId,
    pub village: VillageCode,
    pub form_id: String,
    pub status: String,
}

/// Queues the approval mail of a report, in the transaction that approves
/// it. One mail per approved content: approving the same content again adds
/// nothing, and a mail skipped because the report was sent back meanwhile
/// is queued again when that same content is approved again.
pub(super) async fn enqueue_approved_in(
    tx: &mut Tx,
    report: ReportId,
    now_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO mail_outbox
            (kind, dedup_key, report_id, content_hash, status, attempts, next_attempt_at_ms,
             lease_until_ms, created_at_ms, updated_at_ms)
         SELECT 'approved', 'approved:' || id || ':' || content_hash, id, content_hash, 'pending',
                0, $2, 0, $2, $2
         FROM reports WHERE id = $1
         ON CONFLICT (dedup_key) DO UPDATE
         SET status = 'pending', attempts = 0, next_attempt_at_ms = excluded.next_attempt_at_ms,
             updated_at_ms = excluded.updated_at_ms, last_answer = NULL
         WHERE mail_outbox.status = 'skipped'",
    )
    .bind(report.to_string())
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Queues the mails of urgent reports within a push's transaction (the
    /// caller sorts them by id, so concurrent pushes of the same reports
    /// wait for each other in one order), each once whatever the replays.
    pub(super) async fn enqueue_urgent_mails_in(
        &self,
        tx: &mut Tx,
        reports: &[(ReportId, &ContentHash)],
        now_ms: i64,
    ) -> anyhow::Result<()> {
        if reports.is_empty() {
            return Ok(());
        }
        let rows = (0..reports.len())
            .map(|r| {
                let n = 3 * r;
                format!(
                    "('urgent', ${}, ${}, ${}, 'pending', 0, $1, 0, $1, $1)",
                    n + 2,
                    n + 3,
                    n + 4
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO mail_outbox
                (kind, dedup_key, report_id, content_hash, status, attempts, next_attempt_at_ms,
                 lease_until_ms, created_at_ms, updated_at_ms)
             VALUES {rows}
             ON CONFLICT (dedup_key) DO NOTHING"
        );
        let mut query = sqlx::query(&sql).bind(now_ms);
        for (report, content_hash) in reports {
            query = query
                .bind(format!("urgent:{report}"))
                .bind(report.to_string())
                .bind(content_hash.as_str());
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }

    /// Queues the digest of a WITA day unless some server did already. The
    /// digest covers the 24 hours before the row's creation.
    pub async fn enqueue_digest_mail(&self, day: &str, now_ms: i64) -> anyhow::Result<bool> {
        let result = sqlx::query(
            "INSERT INTO mail_outbox
                (kind, dedup_key, status, attempts, next_attempt_at_ms, lease_until_ms,
                 created_at_ms, updated_at_ms)
             VALUES ('digest', $1, 'pending', 0, $2, 0, $2, $2)
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(format!("digest:{day}"))
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Leases the next due mail to `owner` until `lease_until_ms`, counting
    /// the attempt now, so a process that dies while sending has used it.
    /// On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several servers claim
    /// different rows at once; on SQLite the single writer does the same.
    /// Either way the outer condition is checked again on the locked row, so
    /// exactly one claimant gets it.
    pub async fn claim_mail(
        &self,
        owner: &str,
        now_ms: i64,
        lease_until_ms: i64,
    ) -> anyhow::Result<Option<OutboxMail>> {
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "UPDATE mail_outbox
             SET lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1, updated_at_ms = $3
             WHERE id = (SELECT id FROM mail_outbox
                         WHERE status = 'pending' AND next_attempt_at_ms <= $3
                           AND lease_until_ms <= $3
                         ORDER BY next_attempt_at_ms, id LIMIT 1 {lock})
               AND status = 'pending' AND lease_until_ms <= $3
             RETURNING {OUTBOX_COLUMNS}"
        ))
        .bind(owner)
        .bind(lease_until_ms)
        .bind(now_ms)
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(outbox_mail).transpose()
    }

    /// Marks a mail sent with the SMTP server's answer. Whoever holds the
    /// lease, an acknowledged mail is sent: nothing may send it again.
    pub async fn mark_mail_sent(&self, id: i64, answer: &str, now_ms: i64) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE mail_outbox
             SET status = 'sent', sent_at_ms = $2, last_answer = $3, updated_at_ms = $2,
                 lease_owner = NULL, lease_until_ms = 0
             WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms)
        .bind(answer)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Records a failed attempt by the lease holder: the mail waits until
    /// `next_attempt_at_ms`, or is dead when `dead`.
    pub async fn mark_mail_failed(
        &self,
        id: i64,
        owner: &str,
        answer: &str,
        next_attempt_at_ms: i64,
        dead: bool,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE mail_outbox
             SET status = $3, last_answer = $4, next_attempt_at_ms = $5, updated_at_ms = $6,
                 lease_owner = NULL, lease_until_ms = 0
             WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(owner)
        .bind(if dead { "dead" } else { "pending" })
        .bind(answer)
        .bind(next_attempt_at_ms)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Marks a mail as not to be sent, with why.
    pub async fn mark_mail_skipped(
        &self,
        id: i64,
        owner: &str,
        reason: &str,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE mail_outbox
             SET status = 'skipped', last_answer = $3, updated_at_ms = $4,
                 lease_owner = NULL, lease_until_ms = 0
             WHERE id = $1 AND lease_owner = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(owner)
        .bind(reason)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The latest outbox rows, newest first, optionally of one status.
    pub async fn outbox_mails(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxMail>> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS},
                    (SELECT r.village_code FROM reports r WHERE r.id = mail_outbox.report_id)
             FROM mail_outbox
             WHERE ($1 = '' OR status = $1) ORDER BY id DESC LIMIT $2"
        ))
        .bind(status.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                let mut mail = outbox_mail(row)?;
                mail.village_code = row.try_get(11)?;
                Ok(mail)
            })
            .collect()
    }

    /// Puts a dead mail back in the queue with fresh attempts. False when
    /// there is no dead mail with this id.
    pub async fn resend_dead_mail(&self, id: i64, now_ms: i64) -> anyhow::Result<bool> {
        let result = sqlx::query(
            "UPDATE mail_outbox
             SET status = 'pending', attempts = 0, next_attempt_at_ms = $2, updated_at_ms = $2
             WHERE id = $1 AND status = 'dead'",
        )
        .bind(id)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The mail recipients an admin set, as stored (JSON), if any.
    pub async fn mail_recipients(&self) -> anyhow::Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM mail_settings WHERE key = 'recipients'")
            .fetch_optional(&self.writer)
            .await?;
        row.map(|row| Ok(row.try_get(0)?)).transpose()
    }

    /// Stores the recipients an admin set, replacing the previous ones.
    pub async fn set_mail_recipients(
        &self,
        json: &str,
        user_id: i64,
        now_ms: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO mail_settings (key, value, updated_by, updated_at_ms)
             VALUES ('recipients', $1, $2, $3)
             ON CONFLICT (key) DO UPDATE
             SET value = excluded.value, updated_by = excluded.updated_by,
                 updated_at_ms = excluded.updated_at_ms",
        )
        .bind(json)
        .bind(user_id)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The photos of a report that have arrived, in a stable order.
    pub async fn report_photo_files(&self, report: ReportId) -> anyhow::Result<Vec<PhotoFile>> {
        let rows = sqlx::query(
            "SELECT p.sha256, p.content_type, p.size_bytes FROM report_photos rp
             JOIN photos p ON p.sha256 = rp.sha256
             WHERE rp.report_id = $1 ORDER BY p.sha256",
        )
        .bind(report.to_string())
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PhotoFile {
                    sha256: ContentHash::from_stored(row.try_get(0)?),
                    content_type: row.try_get(1)?,
                    size_bytes: row.try_get(2)?,
                })
            })
            .collect()
    }

    /// Reports that arrived in `[from_ms, to_ms)`, oldest first.
    pub async fn reports_received_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> anyhow::Result<Vec<DigestReport>> {
        let rows = sqlx::query(
            "SELECT id, village_code, form_id, status FROM reports
             WHERE received_at_ms >= $1 AND received_at_ms < $2 ORDER BY received_at_ms, id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.writer)
        .await?;
        rows.iter().map(digest_report).collect()
    }

    /// Reports approved in `[from_ms, to_ms)`, oldest approval first.
    pub async fn reports_approved_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> anyhow::Result<Vec<DigestReport>> {
        let rows = sqlx::query(
            "SELECT r.id, r.village_code, r.form_id, r.status FROM reviews v
             JOIN reports r ON r.id = v.report_id
             WHERE v.status = 'approved' AND v.at_ms >= $1 AND v.at_ms < $2
             ORDER BY v.seq",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.writer)
        .await?;
        rows.iter().map(digest_report).collect()
    }

    /// The reports of one form that arrived since `since_ms`, as stored.
    /// The villages that filed a report of `form_id` about `period`, by the
    /// period column the form's period rule filled when it was stored.
    pub async fn villages_that_filed(
        &self,
        form_id: &str,
        period: Period,
    ) -> anyhow::Result<Vec<VillageCode>> {
        let rows = sqlx::query(
            "SELECT DISTINCT village_code FROM reports WHERE form_id = $1 AND period = $2",
        )
        .bind(form_id)
        .bind(period.key())
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| Ok(VillageCode::parse(&row.try_get::<String, _>(0)?)?))
            .collect()
    }
}

fn digest_report(row: &AnyRow) -> anyhow::Result<DigestReport> {
    Ok(DigestReport {
        id: ReportId::parse(&row.try_get::<String, _>(0)?)?,
        village: VillageCode::parse(&row.try_get::<String, _>(1)?)?,
        form_id: row.try_get(2)?,
        status: row.try_get(3)?,
    })
}
