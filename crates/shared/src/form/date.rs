//! Calendar dates and wall-clock times, written by hand so the wasm stays
//! small and the crate needs no clock: the caller passes today's date in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A day in the proleptic Gregorian calendar, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Kotamobagu keeps Central Indonesian Time (WITA), UTC+8, all year.
pub const WITA_OFFSET_MINUTES: i32 = 8 * 60;

/// Why a string is not a date, a time or a date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDate(pub String);

impl fmt::Display for InvalidDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid date or time: {:?}", self.0)
    }
}

impl std::error::Error for InvalidDate {}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads exactly `width` ASCII digits; signs and spaces are refused, which
/// `str::parse` alone would let through.
fn digits(text: &str, width: usize) -> Option<u32> {
    if text.len() != width || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl Date {
    /// Builds a date if it exists in the calendar (no 31 April, no 29
    /// February outside leap years). Years stay within 1..=9999 so every
    /// date has a four-digit ISO form.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Parses the ISO form `YYYY-MM-DD` and nothing else.
    pub fn parse(text: &str) -> Result<Date, InvalidDate> {
        let invalid = || InvalidDate(text.to_owned());
        let mut parts = text.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let year = digits(y, 4).ok_or_else(invalid)?;
        let month = digits(m, 2).ok_or_else(invalid)?;
        let day = digits(d, 2).ok_or_else(invalid)?;
        Date::new(year as i32, month as u8, day as u8).ok_or_else(invalid)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01, negative before it. This is Howard Hinnant's
    /// `days_from_civil`, which counts in 400-year eras so it needs no tables.
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`Date::to_days`]; `None` outside years 1..=9999.
    pub fn from_days(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(i32::try_from(year).ok()?, month as u8, day as u8)
    }

    /// The local date at a Unix time, for a zone `utc_offset_minutes` ahead of
    /// UTC. Forms are judged against the day a report was filled on the phone
    /// (its `created_at_ms`), not the day it reached the server, so a report
    /// that waited a week for signal is not refused for being late.
    pub fn from_unix_millis(unix_millis: i64, utc_offset_minutes: i32) -> Option<Date> {
        let local = unix_millis.checked_add(i64::from(utc_offset_minutes) * 60_000)?;
        Date::from_days(local.div_euclid(86_400_000))
    }

    /// The date `days` later (earlier when negative), if still in range.
    pub fn add_days(self, days: i64) -> Option<Date> {
        Date::from_days(self.to_days().checked_add(days)?)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = InvalidDate;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Date::parse(&value)
    }
}

impl From<Date> for String {
    fn from(date: Date) -> String {
        date.to_string()
    }
}

/// A wall-clock time `HH:MM` or `HH:MM:SS`. Reports carry local time as the
/// reporter reads it off the phone (WITA in Kotamobagu), not an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Time {
    pub fn parse(text: &str) -> Result<Time, InvalidDate> {
        let invalid = || InvalidDate(text.to_owned());
        let parts: Vec<&str> = text.split(':').collect();
        if parts.len() != 2 && parts.len() != 3 {
            return Err(invalid());
        }
        let hour = digits(parts[0], 2).ok_or_else(invalid)?;
        let minute = digits(parts[1], 2).ok_or_else(invalid)?;
        let second = match parts.get(2) {
            Some(part) => digits(part, 2).ok_or_else(invalid)?,
            None => 0,
        };
        if hour > 23 || minute > 59 || second > 59 {
            return Err(invalid());
        }
        Ok(Time {
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
        })
    }
}

/// A local date and time, `YYYY-MM-DDTHH:MM` with optional seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub date: Date,
    pub time: Time,
}

impl DateTime {
    pub fn parse(text: &str) -> Result<DateTime, InvalidDate> {
        let invalid = || InvalidDate(text.to_owned());
        let (date, time) = text.split_once('T').ok_or_else(invalid)?;
        Ok(DateTime {
            date: Date::parse(date).map_err(|_| invalid())?,
            time: Time::parse(time).map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_real_iso_days() {
        fn check(input: &str, expect: Option<(i32, u8, u8)>) {
            let got = Date::parse(input)
                .ok()
                .map(|d| (d.year(), d.month(), d.day()));
            assert_eq!(got, expect, "{input:?}");
        }
        check("2025-01-31", Some((2025, 1, 31)));
        check("2024-02-29", Some((2024, 2, 29)));
        check("2000-02-29", Some((2000, 2, 29)));
        check("1900-02-29", None);
        check("2025-02-29", None);
        check("2025-04-31", None);
        check("2025-13-01", None);
        check("2025-00-10", None);
        check("2025-1-5", None);
        check("+025-01-05", None);
        check("2025-01-05T10:00", None);
        check("", None);
    }

    #[test]
    fn day_numbers_round_trip_across_leap_years_and_eras() {
        assert_eq!(Date::parse("1970-01-01").unwrap().to_days(), 0);
        assert_eq!(Date::parse("2000-03-01").unwrap().to_days(), 11_017);
        let mut day = Date::parse("1899-12-25").unwrap();
        for _ in 0..60_000 {
            let next = day.add_days(1).unwrap();
            assert!(next > day);
            assert_eq!(next.to_days(), day.to_days() + 1);
            assert_eq!(Date::from_days(next.to_days()), Some(next));
            day = next;
        }
        assert_eq!(Date::new(9999, 12, 31).unwrap().add_days(1), None);
        assert_eq!(Date::new(1, 1, 1).unwrap().add_days(-1), None);
        assert_eq!(Date::from_days(i64::MAX), None);
    }

    #[test]
    fn the_local_day_of_a_unix_time_follows_wita_not_utc() {
        // 2025-11-24 17:00 UTC is already 25 November, 01:00, in Kotamobagu.
        let millis = 1_764_003_600_000;
        assert_eq!(
            Date::from_unix_millis(millis, 0),
            Date::parse("2025-11-24").ok()
        );
        assert_eq!(
            Date::from_unix_millis(millis, WITA_OFFSET_MINUTES),
            Date::parse("2025-11-25").ok()
        );
        assert_eq!(
            Date::from_unix_millis(-1, 0),
            Date::parse("1969-12-31").ok()
        );
        assert_eq!(Date::from_unix_millis(i64::MAX, WITA_OFFSET_MINUTES), None);
    }

    #[test]
    fn times_and_date_times_parse_strictly() {
        assert!(Time::parse("07:30").is_ok());
        assert!(Time::parse("23:59:59").is_ok());
        assert!(Time::parse("24:00").is_err());
        assert!(Time::parse("7:30").is_err());
        assert!(Time::parse("07:60").is_err());
        assert!(DateTime::parse("2025-06-01T07:30").is_ok());
        assert!(DateTime::parse("2025-06-01 07:30").is_err());
        assert!(DateTime::parse("2025-06-31T07:30").is_err());
    }
}

/// A moment as people in Kotamobagu read it, whatever time zone the device
/// is set to: `27 Nov 2026 14.05 WITA` (Indonesian) or `27 Nov 2026 14:05
/// WITA`. Both apps show times this way; `–` for a moment no calendar holds.
pub fn format_wita(unix_ms: i64, lang: super::Lang) -> String {
    let Some(date) = Date::from_unix_millis(unix_ms, WITA_OFFSET_MINUTES) else {
        return String::from("–");
    };
    let local_ms = unix_ms + i64::from(WITA_OFFSET_MINUTES) * 60_000;
    let minute_of_day = local_ms.rem_euclid(86_400_000) / 60_000;
    let months = match lang {
        super::Lang::Id => [
            "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
        ],
        super::Lang::En => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    };
    let separator = if lang == super::Lang::Id { '.' } else { ':' };
    format!(
        "{} {} {} {:02}{separator}{:02} WITA",
        date.day(),
        months[usize::from(date.month() - 1)],
        date.year(),
        minute_of_day / 60,
        minute_of_day % 60
    )
}

#[cfg(test)]
mod wita_tests {
    use super::format_wita;
    use crate::form::Lang;

    #[test]
    fn times_are_shown_in_wita_in_both_languages() {
        fn check(unix_ms: i64, lang: Lang, expect: &str) {
            assert_eq!(format_wita(unix_ms, lang), expect);
        }
        // 2026-11-27T22:35:00Z is already the 28th in Kotamobagu.
        check(1_795_818_900_000, Lang::Id, "28 Nov 2026 06.35 WITA");
        check(1_795_818_900_000, Lang::En, "28 Nov 2026 06:35 WITA");
        check(0, Lang::Id, "1 Jan 1970 08.00 WITA");
        // A leap day, and midnight crossing into a new month.
        check(1_709_164_800_000, Lang::En, "29 Feb 2024 08:00 WITA");
        check(1_772_294_700_000, Lang::Id, "1 Mar 2026 00.05 WITA");
    }
}
