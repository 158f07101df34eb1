//! Clock and calendar for the user: times are shown in WITA (Asia/Makassar,
//! UTC+8, no daylight saving), whatever time zone the phone is set to.

use crate::i18n::Lang;

/// The phone's clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// `27 Nov 2026 14.05 WITA` (Indonesian) or `27 Nov 2026 14:05 WITA`: the
/// shared crate's formatting, the same the Command Center shows.
pub fn format_wita(unix_ms: i64, lang: Lang) -> String {
    kabar_shared::form::format_wita(unix_ms, lang.shared())
}
