//! Validation of a whole submission against the form version it was filled
//! against. The phone runs it before saving and the server runs it again on
//! arrival; both run this code, so they cannot disagree.

use super::date::{Date, DateTime, Time};
use super::expr::{Context, Expr, Value};
use super::model::{DEFAULT_LONG_TEXT_MAX, DEFAULT_SHORT_TEXT_MAX, DEFAULT_URL_MAX};
use super::model::{DateBound, Field, FieldKind, FormDefinition, Lang, Text};
use super::nik::{InvalidNik, Nik};
use super::number::decimal_text;
use super::phone::PhoneNumber;
use super::url::WebUrl;
use crate::object::Object;
use crate::report::{Answers, answers_from_object, object_from_answers};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The result of validating a submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validated {
    /// The answers as they should be stored: values of fields that are not
    /// relevant and of unknown fields dropped, calculations applied. Values
    /// with a type or range problem are dropped too, so only a valid
    /// submission's answers are worth storing; the app keeps what the user
    /// typed until [`Validated::is_valid`].
    pub answers: Answers,
    /// Every problem, in form order; empty when the submission is valid.
    pub problems: Vec<AnswerError>,
}

impl Validated {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One problem with one answer. The path is the field code, or for a repeat
/// `repeat[row].column` with rows counted from 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerError {
    pub path: String,
    #[serde(flatten)]
    pub kind: AnswerErrorKind,
}

impl AnswerError {
    pub fn message(&self, lang: Lang) -> String {
        self.kind.message(lang)
    }
}

/// The kinds of value an answer can have, to say what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    Text,
    Integer,
    Number,
    Date,
    Time,
    DateTime,
    YesNo,
    Choice,
    ChoiceList,
    PhotoList,
    Gps,
    Rows,
    Row,
}

impl ValueKind {
    fn name(self, lang: Lang) -> &'static str {
        let (id, en) = match self {
            ValueKind::Text => ("teks", "text"),
            ValueKind::Integer => ("bilangan bulat", "a whole number"),
            ValueKind::Number => ("angka", "a number"),
            ValueKind::Date => ("tanggal (TTTT-BB-HH)", "a date (YYYY-MM-DD)"),
            ValueKind::Time => ("jam (JJ:MM)", "a time (HH:MM)"),
            ValueKind::DateTime => ("tanggal dan jam", "a date and time"),
            ValueKind::YesNo => ("ya atau tidak", "yes or no"),
            ValueKind::Choice => ("satu pilihan", "one choice"),
            ValueKind::ChoiceList => ("daftar pilihan", "a list of choices"),
            ValueKind::PhotoList => ("daftar foto", "a list of photos"),
            ValueKind::Gps => ("titik GPS", "a GPS point"),
            ValueKind::Rows => ("daftar baris", "a list of rows"),
            ValueKind::Row => ("satu baris", "one row"),
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

/// What is wrong with one answer, language-neutral; [`AnswerErrorKind::message`]
/// says it in the user's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AnswerErrorKind {
    Required,
    /// The form has no such field (or it is a note or section).
    UnexpectedField,
    WrongType {
        expected: ValueKind,
    },
    TooShort {
        min_chars: u32,
    },
    TooLong {
        max_chars: u32,
    },
    TooSmall {
        min: f64,
    },
    TooLarge {
        max: f64,
    },
    DateTooEarly {
        min: Date,
    },
    DateTooLate {
        max: Date,
    },
    UnknownChoice {
        code: String,
    },
    RepeatedChoice {
        code: String,
    },
    TooFewSelected {
        min: u32,
    },
    TooManySelected {
        max: u32,
    },
    InvalidPhoto,
    TooManyPhotos {
        max: u32,
    },
    InvalidGps,
    GpsTooInaccurate {
        max_accuracy_m: f64,
    },
    InvalidNik {
        reason: InvalidNik,
    },
    InvalidPhone,
    /// Not an `http://` or `https://` address.
    InvalidUrl,
    TooFewRows {
        min: u32,
    },
    TooManyRows {
        max: u32,
    },
    /// The field's own constraint failed; the form supplies the message.
    Constraint {
        message: Text,
    },
    /// The village already has a report of this form for this period; a
    /// correction must be a new version of that report. The server finds
    /// this, not the validator: only it knows every report.
    PeriodAlreadyReported {
        period: super::period::Period,
    },
    /// A kind from a newer server that this build does not know. The
    /// validator never makes it; a phone reads it from a refusal whose
    /// message, sent along, is what the user sees.
    Unrecognized,
}

/// By hand, for the phone's download size (see `form::object`).
impl<'de> Deserialize<'de> for AnswerErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<AnswerErrorKind, D::Error> {
        let mut object = Object::read(deserializer)?;
        let tag = object.tag("problem")?;
        Ok(match tag.as_str() {
            "required" => AnswerErrorKind::Required,
            "unexpected_field" => AnswerErrorKind::UnexpectedField,
            "wrong_type" => AnswerErrorKind::WrongType {
                expected: object.required("expected")?,
            },
            "too_short" => AnswerErrorKind::TooShort {
                min_chars: object.required("min_chars")?,
            },
            "too_long" => AnswerErrorKind::TooLong {
                max_chars: object.required("max_chars")?,
            },
            "too_small" => AnswerErrorKind::TooSmall {
                min: object.required("min")?,
            },
            "too_large" => AnswerErrorKind::TooLarge {
                max: object.required("max")?,
            },
            "date_too_early" => AnswerErrorKind::DateTooEarly {
                min: object.required("min")?,
            },
            "date_too_late" => AnswerErrorKind::DateTooLate {
                max: object.required("max")?,
            },
            "unknown_choice" => AnswerErrorKind::UnknownChoice {
                code: object.required("code")?,
            },
            "repeated_choice" => AnswerErrorKind::RepeatedChoice {
                code: object.required("code")?,
            },
            "too_few_selected" => AnswerErrorKind::TooFewSelected {
                min: object.required("min")?,
            },
            "too_many_selected" => AnswerErrorKind::TooManySelected {
                max: object.required("max")?,
            },
            "invalid_photo" => AnswerErrorKind::InvalidPhoto,
            "too_many_photos" => AnswerErrorKind::TooManyPhotos {
                max: object.required("max")?,
            },
            "invalid_gps" => AnswerErrorKind::InvalidGps,
            "gps_too_inaccurate" => AnswerErrorKind::GpsTooInaccurate {
                max_accuracy_m: object.required("max_accuracy_m")?,
            },
            "invalid_nik" => AnswerErrorKind::InvalidNik {
                reason: object.required("reason")?,
            },
            "invalid_phone" => AnswerErrorKind::InvalidPhone,
            "invalid_url" => AnswerErrorKind::InvalidUrl,
            "too_few_rows" => AnswerErrorKind::TooFewRows {
                min: object.required("min")?,
            },
            "too_many_rows" => AnswerErrorKind::TooManyRows {
                max: object.required("max")?,
            },
            "constraint" => AnswerErrorKind::Constraint {
                message: object.required("message")?,
            },
            "period_already_reported" => AnswerErrorKind::PeriodAlreadyReported {
                period: object.required("period")?,
            },
            "unrecognized" => AnswerErrorKind::Unrecognized,
            other => {
                return Err(serde::de::Error::unknown_variant(
                    other,
                    &["a problem kind of form::validate::AnswerErrorKind"],
                ));
            }
        })
    }
}

impl AnswerErrorKind {
    pub fn message(&self, lang: Lang) -> String {
        let id = lang == Lang::Id;
        let pick = |id_text: String, en_text: String| if id { id_text } else { en_text };
        match self {
            AnswerErrorKind::Required => pick("Wajib diisi.".into(), "Required.".into()),
            AnswerErrorKind::UnexpectedField => pick(
                "Isian ini tidak ada di formulir.".into(),
                "This form has no such field.".into(),
            ),
            AnswerErrorKind::WrongType { expected } => pick(
                format!("Harus berupa {}.", expected.name(Lang::Id)),
                format!("Must be {}.", expected.name(Lang::En)),
            ),
            AnswerErrorKind::TooShort { min_chars } => pick(
                format!("Minimal {min_chars} karakter."),
                format!("At least {min_chars} characters."),
            ),
            AnswerErrorKind::TooLong { max_chars } => pick(
                format!("Maksimal {max_chars} karakter."),
                format!("At most {max_chars} characters."),
            ),
            AnswerErrorKind::TooSmall { min } => {
                let min = decimal_text(*min);
                pick(
                    format!("Tidak boleh kurang dari {min}."),
                    format!("Must be at least {min}."),
                )
            }
            AnswerErrorKind::TooLarge { max } => {
                let max = decimal_text(*max);
                pick(
                    format!("Tidak boleh lebih dari {max}."),
                    format!("Must be at most {max}."),
                )
            }
            AnswerErrorKind::DateTooEarly { min } => pick(
                format!("Tanggal tidak boleh sebelum {min}."),
                format!("The date cannot be before {min}."),
            ),
            AnswerErrorKind::DateTooLate { max } => pick(
                format!("Tanggal tidak boleh setelah {max}."),
                format!("The date cannot be after {max}."),
            ),
            AnswerErrorKind::UnknownChoice { code } => pick(
                format!("Pilihan \"{code}\" tidak ada."),
                format!("There is no choice \"{code}\"."),
            ),
            AnswerErrorKind::RepeatedChoice { code } => pick(
                format!("Pilihan \"{code}\" dipilih dua kali."),
                format!("The choice \"{code}\" is selected twice."),
            ),
            AnswerErrorKind::TooFewSelected { min } => pick(
                format!("Pilih paling sedikit {min}."),
                format!("Select at least {min}."),
            ),
            AnswerErrorKind::TooManySelected { max } => pick(
                format!("Pilih paling banyak {max}."),
                format!("Select at most {max}."),
            ),
            AnswerErrorKind::InvalidPhoto => pick(
                "Foto tidak dikenali.".into(),
                "The photo reference is not valid.".into(),
            ),
            AnswerErrorKind::TooManyPhotos { max } => pick(
                format!("Paling banyak {max} foto."),
                format!("At most {max} photos."),
            ),
            AnswerErrorKind::InvalidGps => pick(
                "Titik GPS tidak valid.".into(),
                "The GPS point is not valid.".into(),
            ),
            AnswerErrorKind::GpsTooInaccurate { max_accuracy_m } => {
                let max_accuracy_m = decimal_text(*max_accuracy_m);
                pick(
                format!(
                    "Lokasi GPS kurang akurat (harus {max_accuracy_m} m atau lebih baik). Coba lagi di tempat terbuka."
                ),
                format!(
                    "The GPS fix is not accurate enough (needs {max_accuracy_m} m or better). Try again in the open."
                ),
                )
            }
            AnswerErrorKind::InvalidNik { reason } => {
                let (id_reason, en_reason) = match reason {
                    InvalidNik::NotSixteenDigits => ("harus 16 angka", "it must be 16 digits"),
                    InvalidNik::UnknownRegion => {
                        ("kode wilayah tidak dikenal", "unknown region code")
                    }
                    InvalidNik::InvalidBirthDate => (
                        "tanggal lahir di dalam NIK tidak mungkin",
                        "the birth date in it is impossible",
                    ),
                    InvalidNik::InvalidSerial => {
                        ("nomor urut tidak boleh 0000", "the serial cannot be 0000")
                    }
                };
                pick(
                    format!("NIK tidak valid: {id_reason}."),
                    format!("Invalid NIK: {en_reason}."),
                )
            }
            AnswerErrorKind::InvalidPhone => pick(
                "Nomor telepon tidak valid (contoh: 0812-3456-7890).".into(),
                "Invalid phone number (e.g. 0812-3456-7890).".into(),
            ),
            AnswerErrorKind::InvalidUrl => pick(
                "Tautan tidak valid: salin alamat lengkapnya, yang diawali https:// (contoh: https://kotamobagukota.go.id/berita).".into(),
                "Invalid link: copy the full address, starting with https:// (e.g. https://kotamobagukota.go.id/berita).".into(),
            ),
            AnswerErrorKind::TooFewRows { min } => pick(
                format!("Isi paling sedikit {min} baris."),
                format!("Fill in at least {min} rows."),
            ),
            AnswerErrorKind::TooManyRows { max } => pick(
                format!("Paling banyak {max} baris."),
                format!("At most {max} rows."),
            ),
            AnswerErrorKind::Constraint { message } => message.get(lang).to_owned(),
            AnswerErrorKind::PeriodAlreadyReported { period } => pick(
                format!(
                    "Laporan {} untuk desa/kelurahan ini sudah dikirim. Buka laporan itu dan perbaiki, jangan membuat laporan baru.",
                    period.label(Lang::Id)
                ),
                format!(
                    "This village already sent its report for {}. Open that report and correct it instead of starting a new one.",
                    period.label(Lang::En)
                ),
            ),
            AnswerErrorKind::Unrecognized => pick("Isian tidak valid.".into(), "Invalid entry.".into()),
        }
    }
}

/// Validates a submission against its form version. `today` is the day the
/// submission was filled, in local time (see [`Date::from_unix_millis`]); it
/// feeds `today()` and relative date bounds.
///
/// Fields are visited in form order. An expression sees the answers as
/// cleaned so far: a field skipped or calculated earlier in the form reads as
/// skipped or calculated, one later in the form as the phone sent it.
pub fn validate(form: &FormDefinition, answers: &Answers, today: Date) -> Validated {
    let mut validator = Validator {
        today,
        problems: Vec::new(),
    };
    let mut cleaned = answers.clone();
    validator.drop_unknown(&form.fields, &mut cleaned, "");
    validator.walk(&form.fields, None, &mut cleaned, "", true);
    Validated {
        answers: cleaned,
        problems: validator.problems,
    }
}

struct Validator {
    today: Date,
    problems: Vec<AnswerError>,
}

/// Answer codes a list of fields takes, looking through sections.
fn answer_codes<'a>(fields: &'a [Field], out: &mut Vec<&'a str>) {
    for field in fields {
        match &field.kind {
            FieldKind::Section { fields } => answer_codes(fields, out),
            FieldKind::Note => {}
            _ => out.push(&field.code),
        }
    }
}

fn is_blank(value: Option<&Json>) -> bool {
    match value {
        None | Some(Json::Null) => true,
        Some(Json::String(s)) => s.trim().is_empty(),
        Some(Json::Array(items)) => items.is_empty(),
        Some(_) => false,
    }
}

impl Validator {
    fn push(&mut self, path: String, kind: AnswerErrorKind) {
        self.problems.push(AnswerError { path, kind });
    }

    fn drop_unknown(&mut self, fields: &[Field], answers: &mut Answers, prefix: &str) {
        let mut known = Vec::new();
        answer_codes(fields, &mut known);
        let unknown: Vec<String> = answers
            .keys()
            .filter(|key| !known.contains(&key.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            answers.remove(&key);
            self.push(format!("{prefix}{key}"), AnswerErrorKind::UnexpectedField);
        }
    }

    /// Walks `fields` whose answers live in `own`: the whole submission when
    /// `top` is `None`, otherwise one repeat row of the submission `top`.
    fn walk(
        &mut self,
        fields: &[Field],
        top: Option<&Answers>,
        own: &mut Answers,
        prefix: &str,
        parent_relevant: bool,
    ) {
        for field in fields {
            let path = format!("{prefix}{}", field.code);
            let relevant = parent_relevant
                && field
                    .relevant
                    .as_ref()
                    .is_none_or(|expr| evaluate(expr, top, own, None, self.today).is_truthy());
            match &field.kind {
                FieldKind::Section { fields } => {
                    self.walk(fields, top, own, prefix, relevant);
                    continue;
                }
                FieldKind::Note => continue,
                _ => {}
            }
            if !relevant {
                own.remove(&field.code);
                continue;
            }
            if let Some(calculate) = &field.calculate {
                match evaluate(calculate, top, own, None, self.today).to_json() {
                    Json::Null => own.remove(&field.code),
                    value => own.insert(field.code.clone(), value),
                };
            }
            if is_blank(own.get(&field.code)) {
                match &field.kind {
                    FieldKind::Repeat {
                        min_rows: Some(min),
                        ..
                    } if *min > 0 => self.push(path, AnswerErrorKind::TooFewRows { min: *min }),
                    _ if field.required => self.push(path, AnswerErrorKind::Required),
                    _ => {}
                }
                continue;
            }
            let value = own.get(&field.code).cloned().unwrap_or(Json::Null);
            let problems = value_problems(&field.kind, &value, self.today);
            if !problems.is_empty() {
                for kind in problems {
                    self.push(path.clone(), kind);
                }
                // A malformed or out-of-range value must not feed totals and
                // constraints further down, or one typo would be reported
                // again under every field that depends on it.
                own.remove(&field.code);
                continue;
            }
            if let FieldKind::Repeat { fields, .. } = &field.kind {
                let rows = self.walk_rows(fields, top, own, &value, &path);
                own.insert(field.code.clone(), rows);
            }
            if let Some(constraint) = &field.constraint {
                let current = own.get(&field.code);
                let verdict = evaluate(&constraint.expr, top, own, current, self.today);
                if verdict != Value::Null && !verdict.is_truthy() {
                    self.push(
                        path,
                        AnswerErrorKind::Constraint {
                            message: constraint.message.clone(),
                        },
                    );
                }
            }
        }
    }

    fn walk_rows(
        &mut self,
        fields: &[Field],
        top: Option<&Answers>,
        own: &Answers,
        rows: &Json,
        path: &str,
    ) -> Json {
        // Repeats do not nest in the built-in forms, but nothing forbids it;
        // a nested repeat's rows see the outermost answers as the top.
        let top = top.unwrap_or(own);
        let rows = rows.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut cleaned_rows = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let prefix = format!("{path}[{i}].");
            let Some(object) = row.as_object() else {
                self.push(
                    format!("{path}[{i}]"),
                    AnswerErrorKind::WrongType {
                        expected: ValueKind::Row,
                    },
                );
                cleaned_rows.push(row.clone());
                continue;
            };
            let mut row_answers = answers_from_object(object.clone());
            self.drop_unknown(fields, &mut row_answers, &prefix);
            self.walk(fields, Some(top), &mut row_answers, &prefix, true);
            cleaned_rows.push(Json::Object(object_from_answers(row_answers)));
        }
        Json::Array(cleaned_rows)
    }
}

fn evaluate(
    expr: &Expr,
    top: Option<&Answers>,
    own: &Answers,
    current: Option<&Json>,
    today: Date,
) -> Value {
    let context = Context {
        answers: top.unwrap_or(own),
        row: top.map(|_| own),
        current,
        today,
    };
    expr.evaluate(&context)
}

fn wrong(expected: ValueKind) -> Vec<AnswerErrorKind> {
    vec![AnswerErrorKind::WrongType { expected }]
}

fn date_bounds(
    date: Date,
    min: &Option<DateBound>,
    max: &Option<DateBound>,
    today: Date,
) -> Vec<AnswerErrorKind> {
    let mut problems = Vec::new();
    if let Some(min) = min.and_then(|bound| bound.resolve(today))
        && date < min
    {
        problems.push(AnswerErrorKind::DateTooEarly { min });
    }
    if let Some(max) = max.and_then(|bound| bound.resolve(today))
        && date > max
    {
        problems.push(AnswerErrorKind::DateTooLate { max });
    }
    problems
}

fn number_bounds(n: f64, min: Option<f64>, max: Option<f64>) -> Vec<AnswerErrorKind> {
    match (min, max) {
        (Some(min), _) if n < min => vec![AnswerErrorKind::TooSmall { min }],
        (_, Some(max)) if n > max => vec![AnswerErrorKind::TooLarge { max }],
        _ => Vec::new(),
    }
}

fn is_photo_ref(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The problems of one non-blank answer taken alone: its type and bounds.
/// Repeat rows are checked by the caller; constraints need the whole form.
pub(crate) fn value_problems(kind: &FieldKind, value: &Json, today: Date) -> Vec<AnswerErrorKind> {
    match kind {
        FieldKind::ShortText {
            min_length,
            max_length,
        }
        | FieldKind::LongText {
            min_length,
            max_length,
        } => {
            let Some(text) = value.as_str() else {
                return wrong(ValueKind::Text);
            };
            let default_max = if matches!(kind, FieldKind::ShortText { .. }) {
                DEFAULT_SHORT_TEXT_MAX
            } else {
                DEFAULT_LONG_TEXT_MAX
            };
            let max_chars = max_length.unwrap_or(default_max);
            let chars = text.trim().chars().count();
            if matches!(kind, FieldKind::ShortText { .. }) && text.contains('\n') {
                return wrong(ValueKind::Text);
            }
            match min_length {
                Some(min_chars) if chars < *min_chars as usize => vec![AnswerErrorKind::TooShort {
                    min_chars: *min_chars,
                }],
                _ if chars > max_chars as usize => vec![AnswerErrorKind::TooLong { max_chars }],
                _ => Vec::new(),
            }
        }
        FieldKind::Integer { min, max } => match value.as_i64() {
            Some(n) => number_bounds(n as f64, min.map(|m| m as f64), max.map(|m| m as f64)),
            None => wrong(ValueKind::Integer),
        },
        FieldKind::Decimal { min, max } => match value.as_f64() {
            Some(n) if value.is_number() => number_bounds(n, *min, *max),
            _ => wrong(ValueKind::Number),
        },
        FieldKind::Date { min, max } => match value.as_str().map(Date::parse) {
            Some(Ok(date)) => date_bounds(date, min, max, today),
            _ => wrong(ValueKind::Date),
        },
        FieldKind::Time => match value.as_str().map(Time::parse) {
            Some(Ok(_)) => Vec::new(),
            _ => wrong(ValueKind::Time),
        },
        FieldKind::DateTime { min, max } => match value.as_str().map(DateTime::parse) {
            Some(Ok(moment)) => date_bounds(moment.date, min, max, today),
            _ => wrong(ValueKind::DateTime),
        },
        FieldKind::YesNo => {
            if value.is_boolean() {
                Vec::new()
            } else {
                wrong(ValueKind::YesNo)
            }
        }
        FieldKind::SelectOne { choices } => match value.as_str() {
            Some(code) if choices.iter().any(|c| c.code == code) => Vec::new(),
            Some(code) => vec![AnswerErrorKind::UnknownChoice { code: code.into() }],
            None => wrong(ValueKind::Choice),
        },
        FieldKind::SelectMany {
            choices,
            min_selected,
            max_selected,
        } => {
            let Some(codes) = value
                .as_array()
                .and_then(|items| items.iter().map(Json::as_str).collect::<Option<Vec<_>>>())
            else {
                return wrong(ValueKind::ChoiceList);
            };
            let mut problems = Vec::new();
            for (i, code) in codes.iter().enumerate() {
                if !choices.iter().any(|c| c.code == *code) {
                    problems.push(AnswerErrorKind::UnknownChoice {
                        code: (*code).into(),
                    });
                } else if codes[..i].contains(code) {
                    problems.push(AnswerErrorKind::RepeatedChoice {
                        code: (*code).into(),
                    });
                }
            }
            match (min_selected, max_selected) {
                (Some(min), _) if codes.len() < *min as usize => {
                    problems.push(AnswerErrorKind::TooFewSelected { min: *min })
                }
                (_, Some(max)) if codes.len() > *max as usize => {
                    problems.push(AnswerErrorKind::TooManySelected { max: *max })
                }
                _ => {}
            }
            problems
        }
        FieldKind::Photo { max_count } => {
            let Some(items) = value.as_array() else {
                return wrong(ValueKind::PhotoList);
            };
            let mut problems = Vec::new();
            if !items
                .iter()
                .all(|item| item.as_str().is_some_and(is_photo_ref))
            {
                problems.push(AnswerErrorKind::InvalidPhoto);
            }
            if items.len() > *max_count as usize {
                problems.push(AnswerErrorKind::TooManyPhotos { max: *max_count });
            }
            problems
        }
        FieldKind::Gps { max_accuracy_m } => {
            let Some(point) = value.as_object() else {
                return wrong(ValueKind::Gps);
            };
            let number = |key: &str| point.get(key).and_then(Json::as_f64);
            let well_formed = point.len() == 3
                && number("lat").is_some_and(|lat| (-90.0..=90.0).contains(&lat))
                && number("lon").is_some_and(|lon| (-180.0..=180.0).contains(&lon))
                && number("accuracy_m").is_some_and(|acc| acc >= 0.0);
            if !well_formed {
                return vec![AnswerErrorKind::InvalidGps];
            }
            match (number("accuracy_m"), max_accuracy_m) {
                (Some(accuracy), Some(max)) if accuracy > *max => {
                    vec![AnswerErrorKind::GpsTooInaccurate {
                        max_accuracy_m: *max,
                    }]
                }
                _ => Vec::new(),
            }
        }
        FieldKind::Nik => match value.as_str().map(Nik::parse) {
            Some(Ok(_)) => Vec::new(),
            Some(Err(reason)) => vec![AnswerErrorKind::InvalidNik { reason }],
            None => wrong(ValueKind::Text),
        },
        FieldKind::Phone => match value.as_str().map(PhoneNumber::parse) {
            Some(Ok(_)) => Vec::new(),
            Some(Err(_)) => vec![AnswerErrorKind::InvalidPhone],
            None => wrong(ValueKind::Text),
        },
        FieldKind::Url { max_length } => {
            let Some(text) = value.as_str() else {
                return wrong(ValueKind::Text);
            };
            let max_chars = max_length.unwrap_or(DEFAULT_URL_MAX);
            if text.trim().chars().count() > max_chars as usize {
                vec![AnswerErrorKind::TooLong { max_chars }]
            } else if WebUrl::parse(text).is_err() {
                vec![AnswerErrorKind::InvalidUrl]
            } else {
                Vec::new()
            }
        }
        FieldKind::Repeat {
            min_rows, max_rows, ..
        } => {
            let Some(rows) = value.as_array() else {
                return wrong(ValueKind::Rows);
            };
            match (min_rows, max_rows) {
                (Some(min), _) if rows.len() < *min as usize => {
                    vec![AnswerErrorKind::TooFewRows { min: *min }]
                }
                (_, Some(max)) if rows.len() > *max as usize => {
                    vec![AnswerErrorKind::TooManyRows { max: *max }]
                }
                _ => Vec::new(),
            }
        }
        FieldKind::Note | FieldKind::Section { .. } => vec![AnswerErrorKind::UnexpectedField],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_a_sentence_in_both_languages() {
        let kinds = vec![
            AnswerErrorKind::Required,
            AnswerErrorKind::UnexpectedField,
            AnswerErrorKind::WrongType {
                expected: ValueKind::Date,
            },
            AnswerErrorKind::TooShort { min_chars: 10 },
            AnswerErrorKind::TooLong { max_chars: 255 },
            AnswerErrorKind::TooSmall { min: 0.0 },
            AnswerErrorKind::TooLarge { max: 100.0 },
            AnswerErrorKind::DateTooEarly {
                min: Date::parse("2025-01-01").unwrap(),
            },
            AnswerErrorKind::DateTooLate {
                max: Date::parse("2025-06-15").unwrap(),
            },
            AnswerErrorKind::UnknownChoice { code: "x".into() },
            AnswerErrorKind::RepeatedChoice { code: "x".into() },
            AnswerErrorKind::TooFewSelected { min: 1 },
            AnswerErrorKind::TooManySelected { max: 2 },
            AnswerErrorKind::InvalidPhoto,
            AnswerErrorKind::TooManyPhotos { max: 5 },
            AnswerErrorKind::InvalidGps,
            AnswerErrorKind::GpsTooInaccurate {
                max_accuracy_m: 20.0,
            },
            AnswerErrorKind::InvalidNik {
                reason: InvalidNik::UnknownRegion,
            },
            AnswerErrorKind::InvalidPhone,
            AnswerErrorKind::InvalidUrl,
            AnswerErrorKind::TooFewRows { min: 1 },
            AnswerErrorKind::TooManyRows { max: 2 },
            AnswerErrorKind::Constraint {
                message: Text {
                    id: "Harus genap.".into(),
                    en: "Must be even.".into(),
                },
            },
            AnswerErrorKind::PeriodAlreadyReported {
                period: super::super::Period::new(2026, 10).unwrap(),
            },
            AnswerErrorKind::Unrecognized,
        ];
        for kind in kinds {
            let (id, en) = (kind.message(Lang::Id), kind.message(Lang::En));
            assert!(!id.is_empty() && !en.is_empty(), "{kind:?}");
            assert_ne!(id, en, "{kind:?} is not translated");
            // The hand-written Deserialize reads what the derived Serialize
            // writes, from text as the phone gets it.
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(
                serde_json::from_str::<AnswerErrorKind>(&json).unwrap(),
                kind,
                "{json}"
            );
        }
        for refused in [
            r#"{"problem": "too_old"}"#,
            r#"{"problem": "too_short"}"#,
            r#"{"problem": "too_short", "min_chars": "ten"}"#,
            r#"{"min_chars": 10}"#,
            r#"["too_short", 10]"#,
        ] {
            assert!(
                serde_json::from_str::<AnswerErrorKind>(refused).is_err(),
                "{refused}"
            );
        }
        // Whole-number bounds read as whole numbers, not `100.0`.
        assert_eq!(
            AnswerErrorKind::TooLarge { max: 100.0 }.message(Lang::Id),
            "Tidak boleh lebih dari 100."
        );
    }
}
