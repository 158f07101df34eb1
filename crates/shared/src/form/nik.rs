//! The NIK (Nomor Induk Kependudukan), the 16-digit national identity number.
//!
//! Its digits are structured: `PP KK CC DDMMYY SSSS` is the province, regency
//! and district of first registration, the birth date with 40 added to the day
//! for women, and a serial number. Only the structure can be checked offline;
//! whether the number was really issued is a question for Dukcapil.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Province codes in use by Kemendagri, including the Papua provinces created
/// in 2022 (93 to 97), because a NIK keeps the province of first registration.
const PROVINCE_CODES: &[u8] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
    71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97,
];

/// The sex encoded in a NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// What is structurally wrong with a NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidNik {
    /// Not exactly 16 ASCII digits.
    NotSixteenDigits,
    /// The province is unknown or the regency or district is `00`.
    UnknownRegion,
    /// The day, month or day-of-month (after removing the +40) is impossible.
    InvalidBirthDate,
    /// The serial is `0000`, which is never issued.
    InvalidSerial,
}

impl fmt::Display for InvalidNik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidNik::NotSixteenDigits => "not 16 digits",
            InvalidNik::UnknownRegion => "unknown region code",
            InvalidNik::InvalidBirthDate => "impossible birth date",
            InvalidNik::InvalidSerial => "serial 0000",
        })
    }
}

impl std::error::Error for InvalidNik {}

/// A structurally valid NIK.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nik(String);

/// The birth date a NIK encodes. The year has only two digits, so the century
/// is left to the caller, who knows today's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NikBirth {
    pub day: u8,
    pub month: u8,
    pub year_two_digits: u8,
}

impl Nik {
    pub fn parse(text: &str) -> Result<Nik, InvalidNik> {
        let bytes = text.as_bytes();
        if bytes.len() != 16 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(InvalidNik::NotSixteenDigits);
        }
        let pair = |at: usize| (bytes[at] - b'0') * 10 + (bytes[at + 1] - b'0');
        if !PROVINCE_CODES.contains(&pair(0)) || pair(2) == 0 || pair(4) == 0 {
            return Err(InvalidNik::UnknownRegion);
        }
        let day = match pair(6) {
            day @ 41..=71 => day - 40,
            day => day,
        };
        let month = pair(8);
        let year = pair(10);
        // Both centuries are possible, so 29 February is accepted when either
        // 19YY or 20YY is a leap year; the only year that differs is 00.
        let year = i32::from(year);
        let longest = super::date::days_in_month(1900 + year, month)
            .max(super::date::days_in_month(2000 + year, month));
        if day == 0 || day > longest {
            return Err(InvalidNik::InvalidBirthDate);
        }
        if &text[12..] == "0000" {
            return Err(InvalidNik::InvalidSerial);
        }
        Ok(Nik(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region of first registration, e.g. `71.74.02`.
    pub fn region_code(&self) -> String {
        format!("{}.{}.{}", &self.0[0..2], &self.0[2..4], &self.0[4..6])
    }

    pub fn sex(&self) -> Sex {
        if self.0.as_bytes()[6] >= b'4' {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    pub fn birth(&self) -> NikBirth {
        let number = |range: std::ops::Range<usize>| self.0[range].parse::<u8>().unwrap_or(0);
        let day = number(6..8);
        NikBirth {
            day: if day > 40 { day - 40 } else { day },
            month: number(8..10),
            year_two_digits: number(10..12),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nik_structure_is_checked_region_birth_date_and_serial() {
        fn check(input: &str, expect: Result<(), InvalidNik>) {
            assert_eq!(Nik::parse(input).map(|_| ()), expect, "{input:?}");
        }
        // A man born 12 May 1990 registered in Kotamobagu Timur.
        check("7174021205900001", Ok(()));
        // A woman born on the same day: the day is written as 52.
        check("7174025205900001", Ok(()));
        check("7174027105900001", Ok(()));
        check("7174027205900001", Err(InvalidNik::InvalidBirthDate));
        check("7174023104900001", Err(InvalidNik::InvalidBirthDate));
        check("7174020013900001", Err(InvalidNik::InvalidBirthDate));
        check("7174024005900001", Err(InvalidNik::InvalidBirthDate));
        check("7174022902000001", Ok(()));
        check("7174022902010001", Err(InvalidNik::InvalidBirthDate));
        check("7174023004900001", Ok(()));
        check("7174021205900000", Err(InvalidNik::InvalidSerial));
        check("1074021205900001", Err(InvalidNik::UnknownRegion));
        check("7100021205900001", Err(InvalidNik::UnknownRegion));
        check("7174001205900001", Err(InvalidNik::UnknownRegion));
        check("717402120590000", Err(InvalidNik::NotSixteenDigits));
        check("71740212059000011", Err(InvalidNik::NotSixteenDigits));
        check("71740212059000a1", Err(InvalidNik::NotSixteenDigits));
        check("７１74021205900001", Err(InvalidNik::NotSixteenDigits));
        check("", Err(InvalidNik::NotSixteenDigits));
    }

    #[test]
    fn nik_tells_sex_birth_and_region() {
        let woman = Nik::parse("7174025205900001").unwrap();
        assert_eq!(woman.sex(), Sex::Female);
        assert_eq!(
            woman.birth(),
            NikBirth {
                day: 12,
                month: 5,
                year_two_digits: 90
            }
        );
        assert_eq!(woman.region_code(), "71.74.02");
        assert_eq!(Nik::parse("7174021205900001").unwrap().sex(), Sex::Male);
    }
}
