//! Reports a reviewer made public. A public report is shown only while it is
//! still approved: sending it back for revision hides it at once.

use super::Store;
use kabar_shared::{ContentHash, Report};
use sqlx::Row;

/// A public report as stored, with its photos that have arrived. Its answers
/// are not yet stripped: callers publish `public_answers` of them only.
#[derive(Debug, Clone)]
pub struct PublicReport {
    pub report: Report,
    pub content_hash: ContentHash,
    pub published_at_ms: i64,
    pub updated_at_ms: i64,
    pub photos: Vec<ContentHash>,
}

impl Store {
    /// Makes a report public; false when it was already.
    pub async fn publish_report(
        &self,
        report_id: &str,
        user_id: i64,
        now_ms: i64,
    ) -> anyhow::Result<bool> {
        let result = sqlx::query(
            "INSERT INTO public_reports (report_id, published_by, published_at_ms)
             VALUES ($1, $2, $3) ON CONFLICT (report_id) DO NOTHING",
        )
        .bind(report_id)
        .bind(user_id)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Makes a report private again; false when it was not public.
    pub async fn unpublish_report(&self, report_id: &str) -> anyhow::Result<bool> {
        let result = sqlx::query("DELETE FROM public_reports WHERE report_id = $1")
            .bind(report_id)
            .execute(&self.writer)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Whether a reviewer made this report public (it shows on `/publik/`
    /// only while it is also approved).
    pub async fn is_public(&self, report_id: &str) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT 1 FROM public_reports WHERE report_id = $1")
            .bind(report_id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.is_some())
    }

    /// Public reports that are still approved, the latest filed first.
    pub async fn public_reports(&self, limit: i64) -> anyhow::Result<Vec<PublicReport>> {
        let rows = sqlx::query(
            "SELECT r.report_json, r.content_hash, p.published_at_ms, r.updated_at_ms, r.id
             FROM public_reports p JOIN reports r ON r.id = p.report_id
             WHERE r.status = 'approved'
             ORDER BY r.created_at_ms DESC, r.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        let mut reports = Vec::with_capacity(rows.len());
        for row in rows {
            let json: String = row.try_get(0)?;
            let id: String = row.try_get(4)?;
            let photos = sqlx::query(
                "SELECT p.sha256 FROM report_photos rp JOIN photos p ON p.sha256 = rp.sha256
                 WHERE rp.report_id = $1 ORDER BY p.sha256",
            )
            .bind(&id)
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|row| Ok(ContentHash::from_stored(row.try_get(0)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
            reports.push(PublicReport {
                report: serde_json::from_str(&json)?,
                content_hash: ContentHash::from_stored(row.try_get(1)?),
                published_at_ms: row.try_get(2)?,
                updated_at_ms: row.try_get(3)?,
                photos,
            });
        }
        Ok(reports)
    }

    /// The content type of a photo that belongs to a public, approved
    /// report; none for any other photo.
    pub async fn public_photo(&self, sha256: &ContentHash) -> anyhow::Result<Option<String>> {
        let row = sqlx::query(
            "SELECT p.content_type FROM photos p
             JOIN report_photos rp ON rp.sha256 = p.sha256
             JOIN public_reports pr ON pr.report_id = rp.report_id
             JOIN reports r ON r.id = rp.report_id
             WHERE p.sha256 = $1 AND r.status = 'approved' LIMIT 1",
        )
        .bind(sha256.as_str())
        .fetch_optional(&self.reader)
        .await?;
        row.map(|row| Ok(row.try_get(0)?)).transpose()
    }
}
