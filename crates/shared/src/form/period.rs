//! Reporting periods of periodic forms.
//!
//! A monthly form names its period in its own answers (the year and month
//! fields of the monthly population report), so the phone, the server and
//! the Command Center all read it the same way: [`FormDefinition::period_of`].
//! A village files one report per form and period; a correction is a new
//! version of that report, never a second one.

use super::date::{Date, WITA_OFFSET_MINUTES};
use super::model::{FieldKind, FormDefinition, Frequency};
use crate::report::Answers;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a periodic form keeps its period and when a report is due.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodRule {
    /// The integer field holding the year, e.g. `tahun`.
    pub year_field: String,
    /// The select field holding the month as `01` to `12`, e.g. `bulan`.
    pub month_field: String,
    /// The day of the month after the period by which the report is due:
    /// 10 means October's report is due on 10 November.
    pub due_day_of_next_period: u8,
}

/// Why a string is not a period written `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPeriod(pub String);

impl fmt::Display for InvalidPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a month written YYYY-MM", self.0)
    }
}

impl std::error::Error for InvalidPeriod {}

/// One calendar month in WITA: the period of a monthly form, of a filter in
/// the Command Center and of a column of its completeness grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u8,
}

impl Period {
    pub fn new(year: i32, month: u8) -> Option<Period> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Period { year, month })
    }

    /// The period `text` names in its [`Period::key`] spelling, `YYYY-MM`.
    pub fn parse(text: &str) -> Result<Period, InvalidPeriod> {
        let invalid = || InvalidPeriod(text.to_owned());
        let (year, month) = text.split_once('-').ok_or_else(invalid)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(invalid());
        }
        let year = year.parse().map_err(|_| invalid())?;
        let month = month.parse().map_err(|_| invalid())?;
        Period::new(year, month).ok_or_else(invalid)
    }

    /// The month, in WITA, of a moment in Unix milliseconds.
    pub fn of_unix_millis(unix_millis: i64) -> Option<Period> {
        let date = Date::from_unix_millis(unix_millis, WITA_OFFSET_MINUTES)?;
        Period::new(date.year(), date.month())
    }

    /// Midnight WITA starting the first day of the month, in Unix ms.
    pub fn start_ms(self) -> i64 {
        const DAY_MS: i64 = 24 * 60 * 60 * 1000;
        let first = Date::new(self.year, self.month, 1).expect("a month's first day exists");
        first.to_days() * DAY_MS - i64::from(WITA_OFFSET_MINUTES) * 60 * 1000
    }

    /// The periods from `first` to `last`, both included (none when `last`
    /// comes first).
    pub fn range(first: Period, last: Period) -> Vec<Period> {
        let mut periods = Vec::new();
        let mut period = first;
        while period <= last {
            periods.push(period);
            period = period.next();
        }
        periods
    }

    /// The period `day` falls in.
    pub fn containing(day: Date) -> Period {
        Period {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// `YYYY-MM`: how the server stores and indexes the period.
    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month's name and year for people, e.g. `Oktober 2026`.
    pub fn label(self, lang: super::Lang) -> String {
        const ID: [&str; 12] = [
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember",
        ];
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let names = match lang {
            super::Lang::Id => ID,
            super::Lang::En => EN,
        };
        format!("{} {}", names[usize::from(self.month - 1)], self.year)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Period, D::Error> {
        let text = String::deserialize(deserializer)?;
        Period::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl FormDefinition {
    /// The period a report of this form is about, read from its answers;
    /// `None` for forms filed on events, and for answers that do not name a
    /// valid year and month (the validator refuses those anyway).
    pub fn period_of(&self, answers: &Answers) -> Option<Period> {
        let rule = self.period.as_ref()?;
        let year = answers.get(&rule.year_field)?.as_i64()?;
        let month = answers.get(&rule.month_field)?.as_str()?;
        if month.len() != 2 {
            return None;
        }
        Period::new(i32::try_from(year).ok()?, month.parse().ok()?)
    }

    /// A report's title for lists and headings: the form's title, and for a
    /// periodic form the month the report is about, as in "Laporan Bulanan
    /// Kependudukan · Oktober 2026". Other forms' reports are told apart by
    /// what they say, not by a month.
    pub fn title_for_period(&self, period: Option<Period>, lang: super::Lang) -> String {
        let title = self.title.get(lang);
        match period {
            Some(period) if self.period.is_some() => format!("{title} · {}", period.label(lang)),
            _ => title.to_owned(),
        }
    }

    /// The day a report for `period` is due, for forms with a period rule.
    pub fn due_date(&self, period: Period) -> Option<Date> {
        let rule = self.period.as_ref()?;
        let next = period.next();
        Date::new(next.year, next.month, rule.due_day_of_next_period)
    }

    /// Mistakes in the period rule, as [`FormDefinition::check`] reports them.
    pub(super) fn period_problems(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        match (&self.period, self.frequency) {
            (None, Frequency::Monthly) => problems.push((
                "period".to_owned(),
                "a monthly form needs a period rule".to_owned(),
            )),
            (Some(_), Frequency::OnEvent) => problems.push((
                "period".to_owned(),
                "a form filed on events has no period".to_owned(),
            )),
            _ => {}
        }
        let Some(rule) = &self.period else {
            return problems;
        };
        if !(1..=28).contains(&rule.due_day_of_next_period) {
            problems.push((
                "period.due_day_of_next_period".to_owned(),
                "the due day is 1 to 28, a day every month has".to_owned(),
            ));
        }
        // The period fields sit at the top of the form (sections allowed):
        // a repeat column would give a report many periods.
        let top_level = |code: &str| {
            fn find<'a>(fields: &'a [super::Field], code: &str) -> Option<&'a super::Field> {
                fields.iter().find_map(|field| match &field.kind {
                    _ if field.code == code => Some(field),
                    FieldKind::Section { fields } => find(fields, code),
                    _ => None,
                })
            }
            find(&self.fields, code)
        };
        match top_level(&rule.year_field) {
            Some(field) if matches!(field.kind, FieldKind::Integer { .. }) && field.required => {}
            _ => problems.push((
                "period.year_field".to_owned(),
                format!(
                    "{:?} is not a required top-level integer field",
                    rule.year_field
                ),
            )),
        }
        let month_codes: Vec<String> = (1..=12).map(|month| format!("{month:02}")).collect();
        match top_level(&rule.month_field) {
            Some(field)
                if matches!(field.kind, FieldKind::SelectOne { .. })
                    && field.required
                    && field
                        .kind
                        .choices()
                        .iter()
                        .map(|choice| &choice.code)
                        .eq(month_codes.iter()) => {}
            _ => problems.push((
                "period.month_field".to_owned(),
                format!(
                    "{:?} is not a required top-level select_one with the choices 01 to 12",
                    rule.month_field
                ),
            )),
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{FormCatalog, Lang};

    fn monthly() -> FormDefinition {
        FormCatalog::builtin()
            .latest("laporan-bulanan-kependudukan")
            .unwrap()
            .clone()
    }

    #[test]
    fn the_period_is_read_from_the_answers_of_periodic_forms_only() {
        fn check(form: &FormDefinition, answers: serde_json::Value, expect: Option<&str>) {
            let answers: Answers = serde_json::from_value(answers.clone()).unwrap();
            assert_eq!(
                form.period_of(&answers).map(Period::key).as_deref(),
                expect,
                "{answers:?}"
            );
        }
        let monthly = monthly();
        check(
            &monthly,
            serde_json::json!({"tahun": 2026, "bulan": "10"}),
            Some("2026-10"),
        );
        check(&monthly, serde_json::json!({"tahun": 2026}), None);
        check(
            &monthly,
            serde_json::json!({"tahun": 2026, "bulan": "13"}),
            None,
        );
        check(
            &monthly,
            serde_json::json!({"tahun": "2026", "bulan": "10"}),
            None,
        );
        check(
            &monthly,
            serde_json::json!({"tahun": 2026, "bulan": "7"}),
            None,
        );
        let short = FormCatalog::builtin()
            .latest("laporan-singkat")
            .unwrap()
            .clone();
        check(
            &short,
            serde_json::json!({"tahun": 2026, "bulan": "10"}),
            None,
        );
    }

    #[test]
    fn a_periodic_reports_title_carries_its_month() {
        fn check(form: &FormDefinition, period: Option<(i32, u8)>, lang: Lang, expect: &str) {
            let period = period.and_then(|(year, month)| Period::new(year, month));
            assert_eq!(form.title_for_period(period, lang), expect, "{period:?}");
        }
        let monthly = monthly();
        let incident = FormCatalog::builtin()
            .latest("laporan-kejadian")
            .unwrap()
            .clone();
        check(
            &monthly,
            Some((2026, 10)),
            Lang::Id,
            "Laporan Bulanan Kependudukan · Oktober 2026",
        );
        check(
            &monthly,
            Some((2026, 10)),
            Lang::En,
            "Monthly Population Report · October 2026",
        );
        check(&monthly, None, Lang::Id, "Laporan Bulanan Kependudukan");
        check(
            &incident,
            Some((2026, 10)),
            Lang::Id,
            incident.title.get(Lang::Id),
        );
    }

    #[test]
    fn the_monthly_report_is_due_on_the_tenth_of_the_next_month() {
        fn check(period: Period, expect: &str) {
            assert_eq!(
                monthly().due_date(period).unwrap().to_string(),
                expect,
                "{period}"
            );
        }
        check(Period::new(2026, 10).unwrap(), "2026-11-10");
        check(Period::new(2026, 12).unwrap(), "2027-01-10");
        assert_eq!(
            monthly().period.unwrap().due_day_of_next_period,
            10,
            "the Command Center's completeness grid reads it"
        );
    }

    #[test]
    fn periods_parse_print_and_step() {
        fn check(input: &str, expect: Option<(i32, u8)>) {
            assert_eq!(
                Period::parse(input).ok().map(|p| (p.year(), p.month())),
                expect,
                "{input:?}"
            );
        }
        check("2026-10", Some((2026, 10)));
        check("2026-1", None);
        check("2026-00", None);
        check("26-10", None);
        check("garbage", None);
        let december = Period::new(2026, 12).unwrap();
        assert_eq!(december.next().key(), "2027-01");
        assert_eq!(december.next().previous(), december);
        assert_eq!(december.label(Lang::Id), "Desember 2026");
        assert_eq!(december.label(Lang::En), "December 2026");
        assert_eq!(serde_json::to_string(&december).unwrap(), r#""2026-12""#);
        assert_eq!(
            Period::containing(Date::new(2026, 3, 31).unwrap()).key(),
            "2026-03"
        );
    }

    #[test]
    fn a_period_rule_must_name_real_fields_and_a_monthly_form_must_have_one() {
        let mut form = monthly();
        assert!(form.period_problems().is_empty());
        form.period = Some(PeriodRule {
            year_field: "bulan".into(),
            month_field: "tahun".into(),
            due_day_of_next_period: 31,
        });
        let paths: Vec<String> = form.period_problems().into_iter().map(|p| p.0).collect();
        assert_eq!(
            paths,
            vec![
                "period.due_day_of_next_period",
                "period.year_field",
                "period.month_field"
            ]
        );
        form.period = None;
        assert_eq!(form.period_problems()[0].0, "period");
    }
}
