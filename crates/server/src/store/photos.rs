//! Which photos arrived, and which reports still wait for theirs.

use super::Store;
use kabar_shared::sync::IncompleteReport;
use kabar_shared::{ContentHash, ReportId, VillageCode};
use sqlx::Row;

/// A photo about to be recorded after its bytes were stored.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub sha256: ContentHash,
    pub content_type: &'static str,
    pub stored_sha256: ContentHash,
    pub size_bytes: i64,
    pub uploaded_by: i64,
}

#[derive(Debug, Clone)]
pub struct PhotoRecord {
    pub content_type: String,
    pub stored_sha256: ContentHash,
}

impl Store {
    pub async fn photo(&self, sha256: &ContentHash) -> anyhow::Result<Option<PhotoRecord>> {
        let row = sqlx::query("SELECT content_type, stored_sha256 FROM photos WHERE sha256 = $1")
            .bind(sha256.as_str())
            .fetch_optional(&self.writer)
            .await?;
        row.map(|row| {
            Ok(PhotoRecord {
                content_type: row.try_get(0)?,
                stored_sha256: ContentHash::from_stored(row.try_get(1)?),
            })
        })
        .transpose()
    }

    /// Records a photo; false when it was there already (a retried upload or
    /// a concurrent one on another server).
    pub async fn insert_photo(&self, photo: &NewPhoto, now_ms: i64) -> anyhow::Result<bool> {
        let result = sqlx::query(
            "INSERT INTO photos (sha256, content_type, stored_sha256, size_bytes, uploaded_by, uploaded_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(photo.sha256.as_str())
        .bind(photo.content_type)
        .bind(photo.stored_sha256.as_str())
        .bind(photo.size_bytes)
        .bind(photo.uploaded_by)
        .bind(now_ms)
        .execute(&self.writer)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The villages and submitters of the reports that announce a photo.
    pub async fn photo_announcers(
        &self,
        sha256: &ContentHash,
    ) -> anyhow::Result<Vec<(VillageCode, Option<i64>)>> {
        let rows = sqlx::query(
            "SELECT r.village_code, r.submitted_by FROM report_photos rp
             JOIN reports r ON r.id = rp.report_id WHERE rp.sha256 = $1",
        )
        .bind(sha256.as_str())
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                let village: String = row.try_get(0)?;
                Ok((VillageCode::parse(&village)?, row.try_get(1)?))
            })
            .collect()
    }

    pub async fn missing_photos_of(&self, id: ReportId) -> anyhow::Result<Vec<ContentHash>> {
        Ok(self
            .missing_photos_between(id, id)
            .await?
            .into_iter()
            .map(|(_, hash)| hash)
            .collect())
    }

    /// The reports a user pushed that still wait for photos.
    pub async fn incomplete_reports_of(
        &self,
        user_id: i64,
    ) -> anyhow::Result<Vec<IncompleteReport>> {
        let rows = sqlx::query(
            "SELECT rp.report_id, rp.sha256 FROM report_photos rp
             JOIN reports r ON r.id = rp.report_id
             LEFT JOIN photos p ON p.sha256 = rp.sha256
             WHERE p.sha256 IS NULL AND r.submitted_by = $1
             ORDER BY rp.report_id, rp.sha256",
        )
        .bind(user_id)
        .fetch_all(&self.reader)
        .await?;
        let mut incomplete: Vec<IncompleteReport> = Vec::new();
        for row in rows {
            let id = ReportId::parse(&row.try_get::<String, _>(0)?)?;
            let hash = ContentHash::from_stored(row.try_get(1)?);
            match incomplete.last_mut() {
                Some(last) if last.report_id == id => last.missing_photos.push(hash),
                _ => incomplete.push(IncompleteReport {
                    report_id: id,
                    missing_photos: vec![hash],
                }),
            }
        }
        Ok(incomplete)
    }

    /// Missing photos of the reports with ids from `oldest` to `newest`.
    pub(super) async fn missing_photos_between(
        &self,
        oldest: ReportId,
        newest: ReportId,
    ) -> anyhow::Result<Vec<(ReportId, ContentHash)>> {
        let rows = sqlx::query(
            "SELECT rp.report_id, rp.sha256 FROM report_photos rp
             LEFT JOIN photos p ON p.sha256 = rp.sha256
             WHERE p.sha256 IS NULL AND rp.report_id >= $1 AND rp.report_id <= $2
             ORDER BY rp.report_id, rp.sha256",
        )
        .bind(oldest.to_string())
        .bind(newest.to_string())
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    ReportId::parse(&row.try_get::<String, _>(0)?)?,
                    ContentHash::from_stored(row.try_get(1)?),
                ))
            })
            .collect()
    }
}
