//! Review actions on reports: status changes and comments, in one numbered
//! sequence that the phones' pull cursors follow.

use super::Store;
use super::reports::parse_status;
use kabar_shared::ReportId;
use kabar_shared::report::ReviewStatus;
use kabar_shared::sync::ReviewEvent;
use sqlx::Row;

/// A reviewer's action about to be recorded.
#[derive(Debug, Clone)]
pub struct NewReview<'a> {
    pub report_id: ReportId,
    pub reviewer_id: i64,
    pub reviewer_name: &'a str,
    pub reviewer_username: &'a str,
    pub client: &'a str,
    /// The status the review was decided against: a status change is
    /// written only if the report is still in it.
    pub current: ReviewStatus,
    pub status: Option<ReviewStatus>,
    pub comment: Option<&'a str>,
}

impl Store {
    /// Records a review action, updates the report's status, and audits it,
    /// in one transaction. Returns its sequence number, or `None` when the
    /// report's status is no longer the one the review was decided against
    /// (another reviewer or an edit came first); then nothing is written.
    pub async fn add_review(
        &self,
        review: &NewReview<'_>,
        now_ms: i64,
    ) -> anyhow::Result<Option<i64>> {
        let mut tx = self.begin().await?;
        self.lock_sequence(&mut tx).await?;
        if let Some(status) = review.status {
            let updated = sqlx::query(
                "UPDATE reports SET status = $1, updated_at_ms = $2 WHERE id = $3 AND status = $4",
            )
            .bind(status.as_str())
            .bind(now_ms)
            .bind(review.report_id.to_string())
            .bind(review.current.as_str())
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Ok(None);
            }
        }
        let row = sqlx::query(
            "INSERT INTO reviews (report_id, submitted_by, reviewer_id, reviewer_name, status, comment, at_ms)
             SELECT id, submitted_by, $2, $3, $4, $5, $6 FROM reports WHERE id = $1
             RETURNING seq",
        )
        .bind(review.report_id.to_string())
        .bind(review.reviewer_id)
        .bind(review.reviewer_name)
        .bind(review.status.map(ReviewStatus::as_str))
        .bind(review.comment)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let seq: i64 = row.try_get(0)?;
        if review.status == Some(ReviewStatus::Approved) {
            // The mayor's mail is written with the approval: both or neither.
            super::mail::enqueue_approved_in(&mut tx, review.report_id, now_ms).await?;
        }
        let entry = super::AuditEntry {
            actor_id: Some(review.reviewer_id),
            actor: Some(review.reviewer_username.to_owned()),
            action: "review",
            target: Some(review.report_id.to_string()),
            client: Some(review.client.to_owned()),
            detail: serde_json::json!({
                "status": review.status,
                "comment": review.comment,
            }),
        };
        self.audit_in(&mut tx, &entry, now_ms).await?;
        tx.commit().await?;
        Ok(Some(seq))
    }

    /// Review actions on the reports a user pushed, after `after_seq`, at
    /// most `limit`, oldest first, with their sequence numbers.
    pub async fn reviews_for_submitter(
        &self,
        user_id: i64,
        after_seq: i64,
        limit: i64,
    ) -> anyhow::Result<Vec<(i64, ReviewEvent)>> {
        let rows = sqlx::query(
            "SELECT seq, report_id, status, comment, reviewer_name, at_ms FROM reviews
             WHERE submitted_by = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(user_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let status: Option<String> = row.try_get(2)?;
                Ok((
                    row.try_get(0)?,
                    ReviewEvent {
                        report_id: ReportId::parse(&row.try_get::<String, _>(1)?)?,
                        status: status.as_deref().map(parse_status).transpose()?,
                        comment: row.try_get(3)?,
                        reviewer: row.try_get(4)?,
                        at_ms: row.try_get(5)?,
                    },
                ))
            })
            .collect()
    }
}
