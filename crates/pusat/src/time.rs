//! Times for the reader: always in WITA (UTC+8), whatever the computer's
//! own time zone.

use crate::i18n::Lang;
use kabar_shared::form::{Date, WITA_OFFSET_MINUTES};

/// The browser's clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// `27 Nov 2026 14.05 WITA` (Indonesian) or `27 Nov 2026 14:05 WITA`.
pub fn format_wita(unix_ms: i64, lang: Lang) -> String {
    let Some(date) = Date::from_unix_millis(unix_ms, WITA_OFFSET_MINUTES) else {
        return String::from("–");
    };
    let local_ms = unix_ms + i64::from(WITA_OFFSET_MINUTES) * 60_000;
    let minute_of_day = local_ms.rem_euclid(86_400_000) / 60_000;
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
        "{} {} {} {:02}{separator}{:02} WITA",
        date.day(),
        months[usize::from(date.month() - 1)],
        date.year(),
        minute_of_day / 60,
        minute_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_wita_in_both_languages() {
        // 2026-02-28T16:05:00Z is 1 March 00:05 in WITA.
        assert_eq!(
            format_wita(1_772_294_700_000, Lang::Id),
            "1 Mar 2026 00.05 WITA"
        );
        assert_eq!(
            format_wita(1_772_294_700_000, Lang::En),
            "1 Mar 2026 00:05 WITA"
        );
    }
}
