//! Reports as pushed, with who pushed them and where review stands.

use super::{Backend, Store, Tx};
use anyhow::Context;
use kabar_shared::account::{Authorship, Role, Scope};
use kabar_shared::form::Period;
use kabar_shared::report::ReviewStatus;
use kabar_shared::sync::StoredVersion;
use kabar_shared::{ContentHash, Report, ReportId, VillageCode};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A report as stored, with what the server added.
#[derive(Debug, Clone, Serialize)]
pub struct StoredReport {
    pub report: Report,
    pub content_hash: ContentHash,
    pub received_at_ms: i64,
    pub status: ReviewStatus,
    /// The username of who filed it (none for reports from before accounts).
    pub submitted_by: Option<String>,
    /// The current version's number: 1 until the first edit arrives.
    pub version: i64,
    /// Announced photos that have not arrived yet.
    pub missing_photos: Vec<ContentHash>,
}

/// Which reports to list; the scope is the reader's and always applies.
#[derive(Debug, Clone)]
pub struct ReportFilter {
    pub scope: Scope,
    pub village: Option<VillageCode>,
    pub status: Option<ReviewStatus>,
    /// Only reports that arrived before this one: the page after a page
    /// ending there.
    pub before: Option<PageMark>,
    /// The page size; the caller bounds it.
    pub limit: u16,
}

/// One page of a report list, the latest arrivals first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportPage {
    pub reports: Vec<StoredReport>,
    /// Where the next page starts (`before=` this); absent on the last.
    pub next_before: Option<PageMark>,
}

/// A place in the list: when a report arrived, and its id to order reports
/// that arrived in the same millisecond. Written `RECEIVED_AT_MS.ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageMark {
    pub received_at_ms: i64,
    pub id: ReportId,
}

impl PageMark {
    pub fn parse(text: &str) -> Option<PageMark> {
        let (received_at_ms, id) = text.split_once('.')?;
        Some(PageMark {
            received_at_ms: received_at_ms.parse().ok()?,
            id: ReportId::parse(id).ok()?,
        })
    }
}

impl Serialize for PageMark {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}.{}", self.received_at_ms, self.id))
    }
}

/// A value bound to a list query.
enum Bound {
    Text(String),
    Number(i64),
}

/// Who pushed a report, from where.
#[derive(Debug, Clone)]
pub struct Submitter<'a> {
    pub user_id: i64,
    pub username: &'a str,
    pub device_id: &'a str,
    pub client: &'a str,
}

const REPORT_COLUMNS: &str =
    "r.report_json, r.content_hash, r.received_at_ms, r.status, u.username, r.id, r.version";

/// What is stored under a pushed report's id, as the push judge needs it,
/// and the author's account for the write to match on.
#[derive(Debug, Clone)]
pub struct CurrentVersion {
    pub stored: StoredVersion,
    pub author_id: Option<i64>,
}

/// One version of a report, as `GET /api/v1/reports/{id}/versions` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportVersion {
    /// 1 for the report as first filed, then one more per edit.
    pub version: i64,
    pub report: Report,
    pub content_hash: ContentHash,
    pub received_at_ms: i64,
    /// The username of who pushed this version.
    pub submitted_by: Option<String>,
}

impl Store {
    /// Serializes writers of one village's periodic reports until the
    /// transaction ends, so two phones filing the same village's month at
    /// once cannot both pass the "one report per period" check. Only the
    /// village is locked (a push names one village): phones of different
    /// villages do not wait for each other. SQLite has one writer already.
    pub(super) async fn lock_periods(&self, tx: &mut Tx, village: &str) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1, $2)) AS locked")
                .bind(PERIOD_LOCK)
                .bind(village_lock_key(village))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Every version of a report, the first first; the caller checks the
    /// scope.
    pub async fn report_versions(&self, id: ReportId) -> anyhow::Result<Vec<ReportVersion>> {
        let rows = sqlx::query(
            "SELECT v.version, v.report_json, v.content_hash, v.received_at_ms, u.username
             FROM report_versions v LEFT JOIN users u ON u.id = v.submitted_by
             WHERE v.report_id = $1 ORDER BY v.version",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|row| {
                let json: String = row.try_get(1)?;
                Ok(ReportVersion {
                    version: row.try_get(0)?,
                    report: serde_json::from_str(&json)
                        .context("a stored report version no longer parses")?,
                    content_hash: ContentHash::from_stored(row.try_get(2)?),
                    received_at_ms: row.try_get(3)?,
                    submitted_by: row.try_get(4)?,
                })
            })
            .collect()
    }

    /// One page of the reports in the filter's scope, the latest arrivals
    /// first, and where the next page starts. Arrival, not creation: a report
    /// filed offline days ago and synced now belongs at the top of what the
    /// Command Center has not seen yet.
    pub async fn reports(&self, filter: &ReportFilter) -> anyhow::Result<ReportPage> {
        if let Some(village) = &filter.village
            && !filter.scope.contains(village)
        {
            return Ok(ReportPage::default());
        }
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        // Each `?` in `sql` takes the next of `bound`, numbered `$n`.
        let mut condition = |sql: &str, bound: Vec<Bound>| {
            let mut sql = sql.to_owned();
            for value in bound {
                values.push(value);
                sql = sql.replacen('?', &format!("${}", values.len()), 1);
            }
            conditions.push(sql);
        };
        match (&filter.village, &filter.scope) {
            (Some(village), _) | (None, Scope::Village(village)) => {
                condition(
                    "r.village_code = ?",
                    vec![Bound::Text(village.as_str().to_owned())],
                );
            }
            (None, Scope::District(district)) => {
                condition(
                    "r.village_code LIKE ?",
                    vec![Bound::Text(format!("{}.%", district.as_str()))],
                );
            }
            (None, Scope::All) => {}
        }
        if let Some(status) = filter.status {
            condition(
                "r.status = ?",
                vec![Bound::Text(status.as_str().to_owned())],
            );
        }
        if let Some(before) = filter.before {
            condition(
                "(r.received_at_ms < ? OR (r.received_at_ms = ? AND r.id < ?))",
                vec![
                    Bound::Number(before.received_at_ms),
                    Bound::Number(before.received_at_ms),
                    Bound::Text(before.id.to_string()),
                ],
            );
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports r LEFT JOIN users u ON u.id = r.submitted_by
             {clause} ORDER BY r.received_at_ms DESC, r.id DESC LIMIT ${}",
            values.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Number(number) => query.bind(number),
            };
        }
        // One row more than asked says whether another page follows.
        let rows = query
            .bind(i64::from(filter.limit) + 1)
            .fetch_all(&self.reader)
            .await?;
        let has_more = rows.len() > usize::from(filter.limit);
        let mut reports = rows
            .iter()
            .take(usize::from(filter.limit))
            .map(stored_report)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let ids = reports.iter().map(|stored| stored.report.id);
        if let (Some(lowest), Some(highest)) = (ids.clone().min(), ids.max()) {
            // Arrival order is not id order; the id range may hold other
            // reports too, whose photos are filtered out by id below.
            let missing = self.missing_photos_between(lowest, highest).await?;
            for report in &mut reports {
                report.missing_photos = missing
                    .iter()
                    .filter(|(id, _)| *id == report.report.id)
                    .map(|(_, hash)| hash.clone())
                    .collect();
            }
        }
        let next_before = has_more
            .then(|| {
                reports.last().map(|last| PageMark {
                    received_at_ms: last.received_at_ms,
                    id: last.report.id,
                })
            })
            .flatten();
        Ok(ReportPage {
            reports,
            next_before,
        })
    }

    /// One report, whatever its village; the caller checks the scope.
    pub async fn report(&self, id: ReportId) -> anyhow::Result<Option<StoredReport>> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports r LEFT JOIN users u ON u.id = r.submitted_by
             WHERE r.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.writer)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut report = stored_report(&row)?;
        report.missing_photos = self.missing_photos_of(id).await?;
        Ok(Some(report))
    }

    /// The village and submitter of a report, for authorization.
    pub async fn report_owner(
        &self,
        id: ReportId,
    ) -> anyhow::Result<Option<(VillageCode, Option<i64>)>> {
        let row = sqlx::query("SELECT village_code, submitted_by FROM reports WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.writer)
            .await?;
        row.map(|row| {
            let village: String = row.try_get(0)?;
            Ok((
                VillageCode::parse(&village).context("a stored village code no longer parses")?,
                row.try_get(1)?,
            ))
        })
        .transpose()
    }
}

/// The first half of the two-key advisory locks on a village's periods
/// (the two-key locks are apart from the one-key locks of other tables).
const PERIOD_LOCK: i32 = 4_000_002;

/// A village code as the second key of its period lock: FNV-1a, stable
/// across servers and releases (two villages sharing a key only wait for
/// each other).
fn village_lock_key(village: &str) -> i32 {
    let hash = village.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    i32::from_ne_bytes(hash.to_ne_bytes())
}

/// A row of `content_hash, status, village_code, submitted_by, role` as
/// the push judge needs it, seen from the user `pusher_id`.
pub(super) fn current_version(row: &AnyRow, pusher_id: i64) -> anyhow::Result<CurrentVersion> {
    let author_id: Option<i64> = row.try_get(3)?;
    let author_role: Option<String> = row.try_get(4)?;
    let village: String = row.try_get(2)?;
    Ok(CurrentVersion {
        stored: StoredVersion {
            content_hash: ContentHash::from_stored(row.try_get(0)?),
            status: parse_status(&row.try_get::<String, _>(1)?)?,
            village: VillageCode::parse(&village)
                .context("a stored village code no longer parses")?,
            authorship: Authorship {
                by_this_user: author_id == Some(pusher_id),
                author_role: author_role
                    .as_deref()
                    .map(Role::parse)
                    .transpose()
                    .context("a stored role no longer parses")?,
            },
        },
        author_id,
    })
}

pub(super) fn parse_status(text: &str) -> anyhow::Result<ReviewStatus> {
    ReviewStatus::parse(text).with_context(|| format!("unknown stored review status {text:?}"))
}

fn stored_report(row: &AnyRow) -> anyhow::Result<StoredReport> {
    let json: String = row.try_get(0)?;
    Ok(StoredReport {
        report: serde_json::from_str(&json).context("a stored report no longer parses")?,
        content_hash: ContentHash::from_stored(row.try_get(1)?),
        received_at_ms: row.try_get(2)?,
        status: parse_status(&row.try_get::<String, _>(3)?)?,
        submitted_by: row.try_get(4)?,
        version: row.try_get(6)?,
        missing_photos: Vec::new(),
    })
}

/// A village's approved report of a periodic form, as the pull carries it.
#[derive(Debug, Clone)]
pub struct ApprovedPeriodReport {
    pub period: Period,
    pub report: Report,
}

impl Store {
    /// For each of `villages` and each periodic form, the approved report of
    /// the latest period that has one: what a new report of the next month
    /// starts its carried figures from. A report sent back or still waiting
    /// for review is not approved and never counts.
    pub async fn last_approved_reports(
        &self,
        villages: &[VillageCode],
    ) -> anyhow::Result<Vec<ApprovedPeriodReport>> {
        if villages.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=villages.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT r.report_json, r.period FROM reports r
             WHERE r.status = 'approved' AND r.period IS NOT NULL
               AND r.village_code IN ({})
               AND r.period = (SELECT MAX(p.period) FROM reports p
                               WHERE p.form_id = r.form_id AND p.village_code = r.village_code
                                 AND p.status = 'approved' AND p.period IS NOT NULL)
             ORDER BY r.village_code, r.form_id, r.received_at_ms, r.id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for village in villages {
            query = query.bind(village.as_str().to_owned());
        }
        let mut found: Vec<ApprovedPeriodReport> = Vec::new();
        for row in query.fetch_all(&self.reader).await? {
            let report: Report = serde_json::from_str(&row.try_get::<String, _>(0)?)
                .context("a stored report no longer parses")?;
            let period = Period::parse(&row.try_get::<String, _>(1)?)?;
            // One report per village, form and period is the rule; a database
            // from before it may hold two, and the first filed counts.
            if !found.iter().any(|known| {
                known.report.village == report.village && known.report.form.id == report.form.id
            }) {
                found.push(ApprovedPeriodReport { period, report });
            }
        }
        Ok(found)
    }

    /// The approved report of `form_id` from `village` about `period`, if
    /// any: the one a report of the month after carries its figures from.
    pub async fn approved_report_of_period(
        &self,
        form_id: &str,
        village: &VillageCode,
        period: Period,
    ) -> anyhow::Result<Option<Report>> {
        let row = sqlx::query(
            "SELECT report_json FROM reports
             WHERE form_id = $1 AND village_code = $2 AND period = $3 AND status = 'approved'
             ORDER BY received_at_ms, id LIMIT 1",
        )
        .bind(form_id)
        .bind(village.as_str())
        .bind(period.key())
        .fetch_optional(&self.reader)
        .await?;
        row.map(|row| {
            serde_json::from_str(&row.try_get::<String, _>(0)?)
                .context("a stored report no longer parses")
        })
        .transpose()
    }
}
