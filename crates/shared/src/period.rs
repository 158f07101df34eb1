//! Reporting periods and deadlines: which month a report is about, when a
//! periodic report is due, and whether a village filed on time.
//!
//! A period is a calendar month in Kotamobagu's time zone (WITA, UTC+8). A
//! monthly form's report names its month in its answers (`tahun` and
//! `bulan`); any other report belongs to the month it was filled in.
//!
//! The due day lives in one function, [`due_day`], so that when the form
//! model gains its own due-day field, only that function changes.

use crate::form::{Date, FormDefinition, Frequency, Lang, WITA_OFFSET_MINUTES};
use crate::report::{Answers, ReviewStatus};
use serde::{Deserialize, Serialize};
use std::fmt;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const WITA_OFFSET_MS: i64 = WITA_OFFSET_MINUTES as i64 * 60 * 1000;

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u8,
}

/// Why a string is not a month `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMonth(pub String);

impl fmt::Display for InvalidMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a month written YYYY-MM", self.0)
    }
}

impl std::error::Error for InvalidMonth {}

const MONTH_NAMES: [(&str, &str); 12] = [
    ("Januari", "January"),
    ("Februari", "February"),
    ("Maret", "March"),
    ("April", "April"),
    ("Mei", "May"),
    ("Juni", "June"),
    ("Juli", "July"),
    ("Agustus", "August"),
    ("September", "September"),
    ("Oktober", "October"),
    ("November", "November"),
    ("Desember", "December"),
];

impl Month {
    pub fn new(year: i32, month: u8) -> Option<Month> {
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    pub fn parse(text: &str) -> Result<Month, InvalidMonth> {
        let invalid = || InvalidMonth(text.to_owned());
        let (year, month) = text.split_once('-').ok_or_else(invalid)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(invalid());
        }
        let year = year.parse().map_err(|_| invalid())?;
        let month = month.parse().map_err(|_| invalid())?;
        Month::new(year, month).ok_or_else(invalid)
    }

    /// The month, in WITA, of a moment in Unix milliseconds.
    pub fn of_unix_millis(unix_millis: i64) -> Option<Month> {
        let date = Date::from_unix_millis(unix_millis, WITA_OFFSET_MINUTES)?;
        Month::new(date.year(), date.month())
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                month: self.month - 1,
                ..self
            }
        }
    }

    /// Midnight WITA starting the first day of the month, in Unix ms.
    pub fn start_ms(self) -> i64 {
        let first = Date::new(self.year, self.month, 1).expect("a month's first day exists");
        first.to_days() * DAY_MS - WITA_OFFSET_MS
    }

    /// "Maret 2026" or "March 2026".
    pub fn label(self, lang: Lang) -> String {
        let (id, en) = MONTH_NAMES[usize::from(self.month - 1)];
        let name = match lang {
            Lang::Id => id,
            Lang::En => en,
        };
        format!("{name} {}", self.year)
    }

    /// The months from `first` to `last`, both included (none when `last`
    /// comes first).
    pub fn range(first: Month, last: Month) -> Vec<Month> {
        let mut months = Vec::new();
        let mut month = first;
        while month <= last {
            months.push(month);
            month = month.next();
        }
        months
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl TryFrom<String> for Month {
    type Error = InvalidMonth;
    fn try_from(value: String) -> Result<Month, InvalidMonth> {
        Month::parse(&value)
    }
}

impl From<Month> for String {
    fn from(month: Month) -> String {
        month.to_string()
    }
}

/// The day of the following month by which a periodic form's report is due,
/// as the form definition's period rule says (the monthly population report:
/// the 10th), or none for forms filed when something happens.
pub fn due_day(form: &FormDefinition) -> Option<u8> {
    match form.frequency {
        Frequency::Monthly => form.period.as_ref().map(|rule| rule.due_day_of_next_period),
        Frequency::OnEvent => None,
    }
}

/// The first moment after the due day: a report about `period` filed before
/// this (midnight WITA ending day `due_day` of the next month) is on time.
pub fn deadline_ms(period: Month, due_day: u8) -> i64 {
    period.next().start_ms() + i64::from(due_day) * DAY_MS
}

/// The answers naming a monthly report's own period.
pub const PERIOD_YEAR_FIELD: &str = "tahun";
pub const PERIOD_MONTH_FIELD: &str = "bulan";

/// The month a report is about: the year and month its answers name, else
/// the month it was filled in.
pub fn report_period(answers: &Answers, created_at_ms: i64) -> Option<Month> {
    let year = answers
        .get(PERIOD_YEAR_FIELD)
        .and_then(|value| value.as_i64());
    let month = answers
        .get(PERIOD_MONTH_FIELD)
        .and_then(|value| value.as_str())
        .and_then(|text| text.parse::<u8>().ok());
    match (year, month) {
        (Some(year), Some(month)) => Month::new(i32::try_from(year).ok()?, month),
        _ => Month::of_unix_millis(created_at_ms),
    }
}

/// Where a village stands with one periodic report for one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filing {
    /// Filed before the deadline.
    OnTime,
    /// Filed after the deadline.
    Late,
    /// Not filed, and the deadline has passed.
    Missing,
    /// Filed, then sent back to the village to fix.
    NeedsRevision,
    /// Not filed yet, and there is still time.
    NotYetDue,
}

impl Filing {
    pub const ALL: [Filing; 5] = [
        Filing::OnTime,
        Filing::Late,
        Filing::Missing,
        Filing::NeedsRevision,
        Filing::NotYetDue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Filing::OnTime => "on_time",
            Filing::Late => "late",
            Filing::Missing => "missing",
            Filing::NeedsRevision => "needs_revision",
            Filing::NotYetDue => "not_yet_due",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Filing::OnTime, Lang::Id) => "Tepat waktu",
            (Filing::OnTime, Lang::En) => "On time",
            (Filing::Late, Lang::Id) => "Terlambat",
            (Filing::Late, Lang::En) => "Late",
            (Filing::Missing, Lang::Id) => "Belum ada",
            (Filing::Missing, Lang::En) => "Missing",
            (Filing::NeedsRevision, Lang::Id) => "Perlu perbaikan",
            (Filing::NeedsRevision, Lang::En) => "Needs revision",
            (Filing::NotYetDue, Lang::Id) => "Belum jatuh tempo",
            (Filing::NotYetDue, Lang::En) => "Not yet due",
        }
    }
}

/// Judges one cell of the completeness grid. `filed` is the village's report
/// for the month (when it filed one): when it was filled on the phone and its
/// review status. The phone's time counts, not the arrival: a report filled
/// by the 10th and carried to signal later was on time.
pub fn filing(filed: Option<(i64, ReviewStatus)>, deadline_ms: i64, now_ms: i64) -> Filing {
    match filed {
        Some((_, ReviewStatus::NeedsRevision)) => Filing::NeedsRevision,
        Some((created_at_ms, _)) if created_at_ms < deadline_ms => Filing::OnTime,
        Some(_) => Filing::Late,
        None if now_ms < deadline_ms => Filing::NotYetDue,
        None => Filing::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::FormCatalog;
    use crate::report::FormRef;

    #[test]
    fn months_parse_print_and_step() {
        let march = Month::parse("2026-03").unwrap();
        assert_eq!(march.to_string(), "2026-03");
        assert_eq!(
            Month::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            Month::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        assert_eq!(march.label(Lang::Id), "Maret 2026");
        assert_eq!(march.label(Lang::En), "March 2026");
        for bad in [
            "2026-3", "2026-13", "26-03", "2026/03", "", "2026-00", "abcd-ef",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        let months = Month::range(Month::parse("2025-11").unwrap(), march);
        assert_eq!(months.len(), 5);
        assert!(Month::range(march, march.previous()).is_empty());
    }

    #[test]
    fn months_start_at_midnight_wita() {
        // 2026-03-01T00:00+08:00 is 2026-02-28T16:00Z.
        let march = Month::parse("2026-03").unwrap();
        assert_eq!(march.start_ms(), 1_772_294_400_000);
        assert_eq!(Month::of_unix_millis(march.start_ms()), Some(march));
        assert_eq!(
            Month::of_unix_millis(march.start_ms() - 1),
            Some(march.previous())
        );
    }

    #[test]
    fn the_monthly_population_report_is_due_by_the_tenth_of_the_next_month() {
        let catalog = FormCatalog::builtin();
        let monthly = catalog
            .get(&FormRef {
                id: "laporan-bulanan-kependudukan".into(),
                version: 1,
            })
            .unwrap();
        assert_eq!(due_day(monthly), Some(10));
        let march = Month::parse("2026-03").unwrap();
        let deadline = deadline_ms(march, 10);
        // Midnight WITA ending 10 April 2026.
        assert_eq!(
            deadline,
            Month::parse("2026-04").unwrap().start_ms() + 10 * DAY_MS
        );
        assert_eq!(
            filing(
                Some((deadline - 1, ReviewStatus::Received)),
                deadline,
                deadline + 5
            ),
            Filing::OnTime
        );
        assert_eq!(
            filing(
                Some((deadline, ReviewStatus::Approved)),
                deadline,
                deadline + 5
            ),
            Filing::Late
        );
        assert_eq!(
            filing(Some((0, ReviewStatus::NeedsRevision)), deadline, 0),
            Filing::NeedsRevision
        );
        assert_eq!(filing(None, deadline, deadline - 1), Filing::NotYetDue);
        assert_eq!(filing(None, deadline, deadline), Filing::Missing);
    }

    #[test]
    fn a_report_is_about_the_month_it_names_or_else_the_month_it_was_filled() {
        let answers: Answers = serde_json::from_str(r#"{"tahun": 2026, "bulan": "02"}"#).unwrap();
        assert_eq!(report_period(&answers, 0), Month::new(2026, 2));
        let march = Month::parse("2026-03").unwrap();
        assert_eq!(
            report_period(&Answers::new(), march.start_ms() + 1),
            Some(march)
        );
    }
}
