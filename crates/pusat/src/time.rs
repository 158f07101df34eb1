//! Times for the reader: always in WITA (UTC+8), whatever the computer's
//! own time zone; the formatting is the shared crate's, as on the phone.

pub use kabar_shared::form::format_wita;

/// The browser's clock in Unix milliseconds.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
