//! Reporting periods and deadlines: which month a report is about, when a
//! periodic report is due, and whether a village filed on time.
//!
//! A period is a calendar month in Kotamobagu's time zone (WITA, UTC+8). A
//! periodic form's report names its month in the answers its form's period
//! rule points at (the monthly population report's `tahun` and `bulan`); any
//! other report belongs to the month it was filled in.
//!
//! The month itself is [`Period`], the one month type of the phone, the
//! server and the Command Center; the due day comes from the form
//! definition's period rule.

use crate::form::{Date, FormDefinition, Frequency, Lang, Period};
use crate::report::{Report, ReviewStatus};
use crate::sync::Delivery;
use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

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
pub fn deadline_ms(period: Period, due_day: u8) -> i64 {
    period.next().start_ms() + i64::from(due_day) * DAY_MS
}

/// The month a report is about: the period its answers name under its
/// form's period rule, else the month it was filled in. No field name is
/// assumed: a form without a period rule (or an unknown form) names none.
pub fn report_period(form: Option<&FormDefinition>, report: &Report) -> Option<Period> {
    form.and_then(|form| form.period_of(&report.answers))
        .or_else(|| Period::of_unix_millis(report.created_at_ms))
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

/// The period whose report a village works on today: the month that just
/// ended (its report is due early in this one).
pub fn duty_period(today: Date) -> Period {
    Period::containing(today).previous()
}

/// Where the user stands with this period's report of a periodic form, as
/// the phone's first screen says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// Nothing filed, and the due day has not passed.
    NotFiled,
    /// Nothing filed, and the due day has passed.
    Overdue,
    /// Saved on the phone, not sent yet.
    WaitingForSignal,
    /// On the server, not reviewed yet (or being reviewed).
    Sent,
    /// The Command Center sent it back.
    NeedsRevision,
    Approved,
    Rejected,
    /// The server refused it or holds another version: the report says why.
    Problem,
}

/// Judges a duty from the report filed for the period, if any: where it
/// stands with the server and the review status that applies to it.
pub fn duty(
    filed: Option<(&Delivery, Option<ReviewStatus>)>,
    today: Date,
    due: Option<Date>,
) -> Duty {
    match filed {
        None if due.is_some_and(|due| today > due) => Duty::Overdue,
        None => Duty::NotFiled,
        Some((Delivery::Waiting, _)) => Duty::WaitingForSignal,
        Some((Delivery::Conflict | Delivery::Rejected { .. }, _)) => Duty::Problem,
        Some((Delivery::Sent, Some(ReviewStatus::NeedsRevision))) => Duty::NeedsRevision,
        Some((Delivery::Sent, Some(ReviewStatus::Approved))) => Duty::Approved,
        Some((Delivery::Sent, Some(ReviewStatus::Rejected))) => Duty::Rejected,
        Some((Delivery::Sent, _)) => Duty::Sent,
    }
}

impl Duty {
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::NotFiled => "not_filed",
            Duty::Overdue => "overdue",
            Duty::WaitingForSignal => "waiting",
            Duty::Sent => "sent",
            Duty::NeedsRevision => "needs_revision",
            Duty::Approved => "approved",
            Duty::Rejected => "rejected",
            Duty::Problem => "problem",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Duty::NotFiled, Lang::Id) => "belum dikirim",
            (Duty::NotFiled, Lang::En) => "not sent yet",
            (Duty::Overdue, Lang::Id) => "terlambat, belum dikirim",
            (Duty::Overdue, Lang::En) => "late, not sent yet",
            (Duty::WaitingForSignal, Lang::Id) => "menunggu sinyal",
            (Duty::WaitingForSignal, Lang::En) => "waiting for signal",
            (Duty::Sent, Lang::Id) => "terkirim",
            (Duty::Sent, Lang::En) => "sent",
            (Duty::NeedsRevision, Lang::Id) => "perlu perbaikan",
            (Duty::NeedsRevision, Lang::En) => "needs changes",
            (Duty::Approved, Lang::Id) => "disetujui",
            (Duty::Approved, Lang::En) => "approved",
            (Duty::Rejected, Lang::Id) => "ditolak",
            (Duty::Rejected, Lang::En) => "rejected",
            (Duty::Problem, Lang::Id) => "ada masalah, buka laporannya",
            (Duty::Problem, Lang::En) => "a problem, open the report",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::FormCatalog;
    use crate::report::FormRef;

    #[test]
    fn periods_parse_print_and_step() {
        let march = Period::parse("2026-03").unwrap();
        assert_eq!(march.to_string(), "2026-03");
        assert_eq!(
            Period::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            Period::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        assert_eq!(march.label(Lang::Id), "Maret 2026");
        assert_eq!(march.label(Lang::En), "March 2026");
        for bad in [
            "2026-3", "2026-13", "26-03", "2026/03", "", "2026-00", "abcd-ef",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        let months = Period::range(Period::parse("2025-11").unwrap(), march);
        assert_eq!(months.len(), 5);
        assert!(Period::range(march, march.previous()).is_empty());
    }

    #[test]
    fn periods_start_at_midnight_wita() {
        // 2026-03-01T00:00+08:00 is 2026-02-28T16:00Z.
        let march = Period::parse("2026-03").unwrap();
        assert_eq!(march.start_ms(), 1_772_294_400_000);
        assert_eq!(Period::of_unix_millis(march.start_ms()), Some(march));
        assert_eq!(
            Period::of_unix_millis(march.start_ms() - 1),
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
        let march = Period::parse("2026-03").unwrap();
        let deadline = deadline_ms(march, 10);
        // Midnight WITA ending 10 April 2026.
        assert_eq!(
            deadline,
            Period::parse("2026-04").unwrap().start_ms() + 10 * DAY_MS
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
    fn a_report_is_about_the_month_its_form_names_or_else_the_month_it_was_filled() {
        let catalog = crate::form::FormCatalog::builtin();
        let monthly = catalog.latest("laporan-bulanan-kependudukan").unwrap();
        let short = catalog.latest("laporan-singkat").unwrap();
        let march = Period::parse("2026-03").unwrap();
        let check = |form: Option<&FormDefinition>, answers: &str, expect: Option<Period>| {
            let report: Report = serde_json::from_value(serde_json::json!({
                "id": "01890a5d-ac96-774b-bcce-b302099a8057",
                "form": {"id": "x", "version": 1},
                "village": "71.74.02.1003",
                "created_at_ms": march.start_ms() + 1,
                "answers": serde_json::from_str::<serde_json::Value>(answers).unwrap(),
            }))
            .unwrap();
            assert_eq!(report_period(form, &report), expect, "{answers}");
        };
        check(
            Some(monthly),
            r#"{"tahun": 2026, "bulan": "02"}"#,
            Period::new(2026, 2),
        );
        check(Some(monthly), r#"{"tahun": 2026}"#, Some(march));
        // Only a form's period rule makes answers name a period.
        check(
            Some(short),
            r#"{"tahun": 2026, "bulan": "02"}"#,
            Some(march),
        );
        check(None, r#"{"tahun": 2026, "bulan": "02"}"#, Some(march));
    }

    #[test]
    fn the_phone_names_where_this_months_duty_stands() {
        let day = |text: &str| Date::parse(text).unwrap();
        assert_eq!(duty_period(day("2026-11-03")).to_string(), "2026-10");
        assert_eq!(duty_period(day("2026-01-31")).to_string(), "2025-12");
        let due = Some(day("2026-11-10"));
        let check =
            |filed: Option<(&Delivery, Option<ReviewStatus>)>, today: &str, expect: Duty| {
                assert_eq!(duty(filed, day(today), due), expect, "{filed:?} on {today}");
            };
        check(None, "2026-11-10", Duty::NotFiled);
        check(None, "2026-11-11", Duty::Overdue);
        check(
            Some((&Delivery::Waiting, None)),
            "2026-11-11",
            Duty::WaitingForSignal,
        );
        check(Some((&Delivery::Sent, None)), "2026-11-03", Duty::Sent);
        check(
            Some((&Delivery::Sent, Some(ReviewStatus::InReview))),
            "2026-11-03",
            Duty::Sent,
        );
        check(
            Some((&Delivery::Sent, Some(ReviewStatus::NeedsRevision))),
            "2026-11-03",
            Duty::NeedsRevision,
        );
        check(
            Some((&Delivery::Sent, Some(ReviewStatus::Approved))),
            "2026-11-03",
            Duty::Approved,
        );
        check(
            Some((&Delivery::Conflict, None)),
            "2026-11-03",
            Duty::Problem,
        );
        assert_eq!(Duty::Overdue.label(Lang::Id), "terlambat, belum dikirim");
    }
}
