//! Decimal numbers as text, without the standard library's float parser and
//! float formatter.
//!
//! `str::parse::<f64>` and `f64`'s `Display` each bring a table of powers of
//! ten or five and their big-number fallbacks into the field app's wasm:
//! together about 30 KB, 20 KB of the first load after brotli, for numbers
//! a villager types by hand. serde_json's own parser and its shortest-digits formatter
//! are in the wasm anyway, so the rare number that is not exact in the fast
//! path below goes through them. The phone and the server call the same
//! functions, so they agree on every answer.

use serde_json::Value as Json;

/// The powers of ten an `f64` holds exactly: a number with at most 15
/// significant digits scaled by one of them is rounded once, correctly
/// (Clinger's fast path).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The largest integer below which every integer is an exact `f64`.
const EXACT_INTEGERS: u64 = 1 << 53;

/// `text` as a number, with the grammar of `str::parse::<f64>`: an optional
/// sign, digits with an optional decimal point (`1`, `1.`, `.5`, `1.5`), an
/// optional exponent (`1e3`, `2E-4`), or `inf`, `infinity` and `nan` in any
/// case. Like the standard parser, a number too large is infinite and one
/// too small is zero; a number with more than 19 significant digits or an
/// exponent beyond ±22 may differ from it in the last binary digit.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude =
        if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
            f64::INFINITY
        } else if unsigned.eq_ignore_ascii_case("nan") {
            f64::NAN
        } else {
            parse_unsigned(unsigned.as_bytes())?
        };
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_unsigned(bytes: &[u8]) -> Option<f64> {
    let mut significand: u64 = 0;
    // Significant digits beyond what a u64 holds are dropped; each raises
    // the exponent instead (or not, after the decimal point).
    let mut exponent: i64 = 0;
    let mut digits_seen = false;
    let mut truncated = false;
    let mut after_point = false;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'0'..=b'9' => {
                digits_seen = true;
                let digit = u64::from(byte - b'0');
                match significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(digit))
                {
                    Some(next) => {
                        significand = next;
                        if after_point {
                            exponent -= 1;
                        }
                    }
                    None => {
                        truncated |= digit != 0;
                        if !after_point {
                            exponent += 1;
                        }
                    }
                }
            }
            b'.' if !after_point => after_point = true,
            _ => break,
        }
        i += 1;
    }
    if !digits_seen {
        return None;
    }
    if let Some(&(b'e' | b'E')) = bytes.get(i) {
        let rest = &bytes[i + 1..];
        let (negative, digits) = match rest.first()? {
            b'-' => (true, &rest[1..]),
            b'+' => (false, &rest[1..]),
            _ => (false, rest),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Saturating: an exponent of a million digits is still just huge.
        let written = digits.iter().fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
        exponent = exponent.saturating_add(if negative { -written } else { written });
    } else if i != bytes.len() {
        return None;
    }
    if significand == 0 {
        return Some(0.0);
    }
    if !truncated && significand <= EXACT_INTEGERS && exponent.unsigned_abs() < 23 {
        let power = EXACT_POWERS_OF_TEN[exponent.unsigned_abs() as usize];
        let value = significand as f64;
        return Some(if exponent < 0 {
            value / power
        } else {
            value * power
        });
    }
    // Far out of range either way: what the standard parser returns.
    if exponent > 400 {
        return Some(f64::INFINITY);
    }
    if exponent < -400 {
        return Some(0.0);
    }
    // The rare rest goes through serde_json's parser, as JSON.
    match serde_json::from_str::<Json>(&format!("{significand}e{exponent}")) {
        Ok(json) => json.as_f64(),
        // serde_json refuses a number too large for an f64.
        Err(_) if exponent > 0 => Some(f64::INFINITY),
        Err(_) => Some(0.0),
    }
}

/// `value` written for a person: whole numbers without a decimal point
/// (`5`, `-12`), others with the shortest digits that read back as the same
/// number (`0.5`, `12.75`), very large or small ones with an exponent
/// (`1e21`).
pub fn decimal_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGERS as f64 {
        return (value as i64).to_string();
    }
    match serde_json::Number::from_f64(value) {
        Some(number) => number.to_string(),
        None if value.is_nan() => "NaN".into(),
        None if value > 0.0 => "inf".into(),
        None => "-inf".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_the_standard_parser() {
        let inputs = [
            "0",
            "1",
            "-1",
            "+1",
            "1.",
            ".5",
            "1.5",
            "-0.25",
            "007",
            "1e3",
            "1E3",
            "2e-4",
            "12.5e+2",
            "3.14159",
            "0.1",
            "0.2",
            "0.3",
            "123456789012345",
            "9007199254740993",
            "1234567890123456789012",
            "0.000000000000000000000001",
            "1e22",
            "1e23",
            "1e300",
            "1e400",
            "1e-400",
            "-0",
            "0.0e5",
            "17976931348623157e292",
            "4.9e-324",
            "inf",
            "-Infinity",
            "NaN",
            "99999999999999999999999",
            "1.7976931348623157e308",
        ];
        for input in inputs {
            let expected: f64 = input.parse().unwrap();
            let got = parse_decimal(input).unwrap();
            if expected.is_nan() {
                assert!(got.is_nan(), "{input}");
            } else {
                // Bit for bit, except the documented last-digit latitude of
                // the slow path.
                let ulps = (got.to_bits() as i64 - expected.to_bits() as i64).abs();
                assert!(ulps <= 1, "{input}: {got} != {expected}");
                if input.len() < 16 && !input.contains('e') {
                    assert_eq!(got.to_bits(), expected.to_bits(), "{input}");
                }
            }
        }
    }

    #[test]
    fn refuses_what_the_standard_parser_refuses() {
        for input in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1..2", "1.2.3", "1,5", " 1", "1 ", "0x10",
            "abc", "--1", "1e5.5", "infinit",
        ] {
            assert!(input.parse::<f64>().is_err(), "{input}");
            assert_eq!(parse_decimal(input), None, "{input}");
        }
    }

    #[test]
    fn writes_whole_numbers_without_a_point() {
        assert_eq!(decimal_text(5.0), "5");
        assert_eq!(decimal_text(-12.0), "-12");
        assert_eq!(decimal_text(0.0), "0");
        assert_eq!(decimal_text(0.5), "0.5");
        assert_eq!(decimal_text(12.75), "12.75");
        assert_eq!(decimal_text(0.1 + 0.2), (0.1 + 0.2).to_string());
        assert_eq!(decimal_text(f64::INFINITY), "inf");
    }
}
