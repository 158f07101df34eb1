//! Clock and calendar for the user: times are shown in WITA (Asia/Makassar,
//! UTC+8, no daylight saving), whatever time zone the phone is set to.

use crate::i18n::Lang;

/// The phone's clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

const WITA_OFFSET_MS: i64 = 8 * 60 * 60 * 1000;

/// `27 Nov 2026 14.05 WITA` (Indonesian) or `27 Nov 2026 14:05 WITA`.
pub fn format_wita(unix_ms: i64, lang: Lang) -> String {
    let local_ms = unix_ms + WITA_OFFSET_MS;
    let days = local_ms.div_euclid(86_400_000);
    let minute_of_day = local_ms.rem_euclid(86_400_000) / 60_000;
    let (year, month, day) = civil_from_days(days);
    let months = match lang {
        Lang::Id => [
            "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
        ],
        Lang::En => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    };
    let separator = if lang == Lang::Id { '.' } else { ':' };
    format!(
        "{day} {} {year} {:02}{separator}{:02} WITA",
        months[(month - 1) as usize],
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// algorithm), so no calendar crate is shipped to the phone.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_wita() {
        fn check(unix_ms: i64, lang: Lang, expect: &str) {
            assert_eq!(format_wita(unix_ms, lang), expect);
        }
        // 2026-11-27T22:35:00Z is already the 28th in Kotamobagu.
        check(1_795_818_900_000, Lang::Id, "28 Nov 2026 06.35 WITA");
        check(1_795_818_900_000, Lang::En, "28 Nov 2026 06:35 WITA");
        check(0, Lang::Id, "1 Jan 1970 08.00 WITA");
        // A leap day.
        check(1_709_164_800_000, Lang::En, "29 Feb 2024 08:00 WITA");
    }
}
