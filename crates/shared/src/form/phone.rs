//! Indonesian phone numbers, as residents write them.

use std::fmt;

/// A phone number in Indonesia, kept in the international form `+62…`.
///
/// People write `0812-3456-7890`, `0812 3456 7890`, `62812…` or `+62812…`;
/// all mean the same line. Landlines such as Kotamobagu's `(0434)` area are
/// accepted too, because not every resident has a mobile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPhoneNumber(pub String);

impl fmt::Display for InvalidPhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an Indonesian phone number: {:?}", self.0)
    }
}

impl std::error::Error for InvalidPhoneNumber {}

impl PhoneNumber {
    /// After the country or trunk prefix come 7 to 12 digits, the first not
    /// zero: the shortest landline and the longest mobile numbers in use.
    pub fn parse(text: &str) -> Result<PhoneNumber, InvalidPhoneNumber> {
        let compact: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let national = compact
            .strip_prefix("+62")
            .or_else(|| compact.strip_prefix("62"))
            .or_else(|| compact.strip_prefix('0'));
        match national {
            Some(rest)
                if (7..=12).contains(&rest.len())
                    && rest.bytes().all(|b| b.is_ascii_digit())
                    && !rest.starts_with('0') =>
            {
                Ok(PhoneNumber(format!("+62{rest}")))
            }
            _ => Err(InvalidPhoneNumber(text.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_read_in_the_ways_residents_write_them() {
        fn check(input: &str, expect: Option<&str>) {
            let got = PhoneNumber::parse(input).ok();
            assert_eq!(got.as_ref().map(PhoneNumber::as_str), expect, "{input:?}");
        }
        check("081234567890", Some("+6281234567890"));
        check("0812-3456-7890", Some("+6281234567890"));
        check("+62 812 3456 7890", Some("+6281234567890"));
        check("6281234567890", Some("+6281234567890"));
        check("(0434) 21234", Some("+6243421234"));
        check("0812345", None);
        check("08123456789012", None);
        check("+6208123456789", None);
        check("812345678", None);
        check("0812abc67890", None);
        check("", None);
    }
}
