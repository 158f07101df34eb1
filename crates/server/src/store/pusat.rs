//! The Command Center's reads: the inbox with its filters and counts, a
//! report's details (device, photos, review history) and the periodic
//! reports behind the completeness grid.
//!
//! Filters on answers (urgency, a monthly report's own period) read the
//! stored report JSON with each backend's JSON function; the field codes are
//! constants of this module, and every value the reader typed is bound as a
//! parameter.

use super::reports::{PageMark, StoredReport, parse_status};
use super::{Backend, Store};
use anyhow::Context;
use kabar_shared::account::{DistrictCode, Scope};
use kabar_shared::form::Period;
use kabar_shared::report::ReviewStatus;
use kabar_shared::report::URGENCY_FIELD;
use kabar_shared::{Report, ReportId, VillageCode};
use serde::Serialize;
use sqlx::Row;

/// What the inbox shows; the scope is the reader's and always applies.
#[derive(Debug, Clone)]
pub struct InboxQuery {
    pub scope: Scope,
    pub district: Option<DistrictCode>,
    pub village: Option<VillageCode>,
    pub form: Option<String>,
    pub status: Option<ReviewStatus>,
    pub period: Option<Period>,
    pub urgency: Option<String>,
    /// Words to find anywhere in the report or its submitter's username.
    pub text: Option<String>,
    pub before: Option<PageMark>,
    pub limit: u16,
}

/// One report in the inbox.
#[derive(Debug, Clone)]
pub struct InboxRow {
    pub report: Report,
    pub status: ReviewStatus,
    pub received_at_ms: i64,
    pub submitted_by: Option<String>,
}

/// A review action as the Command Center shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewRecord {
    pub status: Option<ReviewStatus>,
    pub comment: Option<String>,
    pub reviewer: String,
    pub at_ms: i64,
}

/// A photo a report announced, and whether it has arrived.
#[derive(Debug, Clone, Serialize)]
pub struct ReportPhoto {
    pub sha256: String,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
}

/// What the Command Center shows of one report beyond the report itself.
#[derive(Debug, Clone)]
pub struct ReportDetail {
    pub stored: StoredReport,
    pub device_id: Option<String>,
    pub submitter_name: Option<String>,
    pub reviews: Vec<ReviewRecord>,
    pub photos: Vec<ReportPhoto>,
}

/// A periodic report, for the completeness grid.
#[derive(Debug, Clone)]
pub struct FilingRow {
    pub id: ReportId,
    pub report: Report,
    pub status: ReviewStatus,
}

/// SQL conditions with their bound values, numbered `$1`, `$2`, ….
#[derive(Default)]
struct Conditions {
    sql: Vec<String>,
    values: Vec<Bound>,
}

enum Bound {
    Text(String),
    Number(i64),
}

impl Conditions {
    /// Adds `sql`, whose each `?` takes the next of `bound`.
    fn add(&mut self, sql: &str, bound: Vec<Bound>) {
        let mut sql = sql.to_owned();
        for value in bound {
            self.values.push(value);
            sql = sql.replacen('?', &format!("${}", self.values.len()), 1);
        }
        self.sql.push(sql);
    }

    fn clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        }
    }

    fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.values {
            query = match value {
                Bound::Text(text) => query.bind(text.as_str()),
                Bound::Number(number) => query.bind(*number),
            };
        }
        query
    }
}

/// The text of answer `code` of the report in `r.report_json`, or NULL.
fn answer_text(backend: Backend, code: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("CAST(json_extract(r.report_json, '$.answers.{code}') AS TEXT)")
        }
        Backend::Postgres => format!("(CAST(r.report_json AS jsonb) -> 'answers' ->> '{code}')"),
    }
}

/// `%text%` for LIKE, with LIKE's own wildcards taken literally.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for character in text.to_lowercase().chars() {
        if matches!(character, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(character);
    }
    pattern.push('%');
    pattern
}

fn scope_conditions(
    conditions: &mut Conditions,
    scope: &Scope,
    district: Option<&DistrictCode>,
    village: Option<&VillageCode>,
) {
    let mut prefix =
        |code: String| conditions.add("r.village_code LIKE ?", vec![Bound::Text(code)]);
    match scope {
        Scope::Village(village) => prefix(village.as_str().to_owned()),
        Scope::District(district) => prefix(format!("{}.%", district.as_str())),
        Scope::All => {}
    }
    if let Some(district) = district {
        prefix(format!("{}.%", district.as_str()));
    }
    if let Some(village) = village {
        prefix(village.as_str().to_owned());
    }
}

impl Store {
    fn inbox_conditions(&self, query: &InboxQuery, with_status: bool) -> Conditions {
        let mut conditions = Conditions::default();
        scope_conditions(
            &mut conditions,
            &query.scope,
            query.district.as_ref(),
            query.village.as_ref(),
        );
        if let Some(form) = &query.form {
            conditions.add("r.form_id = ?", vec![Bound::Text(form.clone())]);
        }
        if with_status && let Some(status) = query.status {
            conditions.add(
                "r.status = ?",
                vec![Bound::Text(status.as_str().to_owned())],
            );
        }
        // The period column holds what the report's own form's period rule
        // named when it was stored; any other report is about the month it
        // was filled in.
        if let Some(period) = query.period {
            conditions.add(
                "(r.period = ? OR (r.period IS NULL AND r.created_at_ms >= ? AND r.created_at_ms < ?))",
                vec![
                    Bound::Text(period.key()),
                    Bound::Number(period.start_ms()),
                    Bound::Number(period.next().start_ms()),
                ],
            );
        }
        if let Some(urgency) = &query.urgency {
            let answer = answer_text(self.backend, URGENCY_FIELD);
            conditions.add(&format!("{answer} = ?"), vec![Bound::Text(urgency.clone())]);
        }
        if let Some(text) = &query.text {
            let pattern = like_pattern(text);
            conditions.add(
                "(LOWER(r.report_json) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(u.username, '')) LIKE ? ESCAPE '\\')",
                vec![Bound::Text(pattern.clone()), Bound::Text(pattern)],
            );
        }
        conditions
    }

    /// One page of the inbox, latest arrivals first, and whether another
    /// page follows.
    pub async fn inbox(&self, query: &InboxQuery) -> anyhow::Result<(Vec<InboxRow>, bool)> {
        let mut conditions = self.inbox_conditions(query, true);
        if let Some(before) = query.before {
            conditions.add(
                "(r.received_at_ms < ? OR (r.received_at_ms = ? AND r.id < ?))",
                vec![
                    Bound::Number(before.received_at_ms),
                    Bound::Number(before.received_at_ms),
                    Bound::Text(before.id.to_string()),
                ],
            );
        }
        let sql = format!(
            "SELECT r.report_json, r.status, r.received_at_ms, u.username
             FROM reports r LEFT JOIN users u ON u.id = r.submitted_by
             {} ORDER BY r.received_at_ms DESC, r.id DESC LIMIT ${}",
            conditions.clause(),
            conditions.values.len() + 1
        );
        // One row more than asked says whether another page follows.
        let rows = conditions
            .bind(sqlx::query(&sql))
            .bind(i64::from(query.limit) + 1)
            .fetch_all(&self.reader)
            .await?;
        let has_more = rows.len() > usize::from(query.limit);
        let items = rows
            .iter()
            .take(usize::from(query.limit))
            .map(|row| {
                let json: String = row.try_get(0)?;
                Ok(InboxRow {
                    report: serde_json::from_str(&json)
                        .context("a stored report no longer parses")?,
                    status: parse_status(&row.try_get::<String, _>(1)?)?,
                    received_at_ms: row.try_get(2)?,
                    submitted_by: row.try_get(3)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok((items, has_more))
    }

    /// How many reports of the inbox's filters (all but the status) are in
    /// each review status.
    pub async fn inbox_counts(
        &self,
        query: &InboxQuery,
    ) -> anyhow::Result<Vec<(ReviewStatus, i64)>> {
        let conditions = self.inbox_conditions(query, false);
        let sql = format!(
            "SELECT r.status, COUNT(*) FROM reports r LEFT JOIN users u ON u.id = r.submitted_by
             {} GROUP BY r.status",
            conditions.clause()
        );
        let rows = conditions
            .bind(sqlx::query(&sql))
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    parse_status(&row.try_get::<String, _>(0)?)?,
                    row.try_get(1)?,
                ))
            })
            .collect()
    }

    /// A report with its device, submitter, photos and review history; the
    /// caller checks the scope.
    pub async fn report_detail(&self, id: ReportId) -> anyhow::Result<Option<ReportDetail>> {
        let Some(stored) = self.report(id).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT r.device_id, u.display_name FROM reports r
             LEFT JOIN users u ON u.id = r.submitted_by WHERE r.id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&self.writer)
        .await?;
        let reviews = sqlx::query(
            "SELECT status, comment, reviewer_name, at_ms FROM reviews
             WHERE report_id = $1 ORDER BY seq",
        )
        .bind(id.to_string())
        .fetch_all(&self.writer)
        .await?
        .iter()
        .map(|row| {
            let status: Option<String> = row.try_get(0)?;
            Ok(ReviewRecord {
                status: status.as_deref().map(parse_status).transpose()?,
                comment: row.try_get(1)?,
                reviewer: row.try_get(2)?,
                at_ms: row.try_get(3)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
        let photos = sqlx::query(
            "SELECT rp.sha256, p.content_type, p.size_bytes FROM report_photos rp
             LEFT JOIN photos p ON p.sha256 = rp.sha256
             WHERE rp.report_id = $1 ORDER BY rp.sha256",
        )
        .bind(id.to_string())
        .fetch_all(&self.writer)
        .await?
        .iter()
        .map(|row| {
            Ok(ReportPhoto {
                sha256: row.try_get(0)?,
                content_type: row.try_get(1)?,
                size_bytes: row.try_get(2)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Some(ReportDetail {
            stored,
            device_id: row.try_get(0)?,
            submitter_name: row.try_get(1)?,
            reviews,
            photos,
        }))
    }

    /// Every report of `form` in the scope (and kecamatan, when given), for
    /// the completeness grid. Periodic forms bring one report per village
    /// and period, so this stays small.
    pub async fn filings(
        &self,
        form: &str,
        scope: &Scope,
        district: Option<&DistrictCode>,
    ) -> anyhow::Result<Vec<FilingRow>> {
        let mut conditions = Conditions::default();
        scope_conditions(&mut conditions, scope, district, None);
        conditions.add("r.form_id = ?", vec![Bound::Text(form.to_owned())]);
        let sql = format!(
            "SELECT r.report_json, r.status FROM reports r {} ORDER BY r.created_at_ms",
            conditions.clause()
        );
        let rows = conditions
            .bind(sqlx::query(&sql))
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|row| {
                let json: String = row.try_get(0)?;
                let report: Report =
                    serde_json::from_str(&json).context("a stored report no longer parses")?;
                Ok(FilingRow {
                    id: report.id,
                    report,
                    status: parse_status(&row.try_get::<String, _>(1)?)?,
                })
            })
            .collect()
    }
}
