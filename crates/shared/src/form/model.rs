//! The form definition model: what the server publishes and the phone caches.
//!
//! The JSON shape is part of the protocol between server and phones, and of
//! the form files in `data/forms/`, so tests pin it. Field kinds are tagged
//! by `"type"` inside the field object, which keeps form files flat and easy
//! to read for the officials who review them.

use super::date::Date;
use super::expr::Expr;
use crate::object::Object;
use crate::report::{Answers, ContentHash, FormRef};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::fmt;

/// The user's language. Bahasa Indonesia is the default: it is what village
/// heads and KIM volunteers read every day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

/// A text in Bahasa Indonesia and English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub id: String,
    pub en: String,
}

impl Text {
    pub fn new(id: &str, en: &str) -> Text {
        Text {
            id: id.to_owned(),
            en: en.to_owned(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

/// Who may file a form: the village-bound roles of `account::Role`, named
/// apart so the two are never confused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filer {
    /// The sangadi of a desa or the lurah of a kelurahan, or their staff.
    VillageHead,
    /// A volunteer of the Kelompok Informasi Masyarakat.
    KimVolunteer,
}

/// How often a form is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    OnEvent,
}

/// One version of one form. A published version never changes: fix a form by
/// publishing the next version, because submissions filled against the old
/// one keep arriving from phones that were offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// Kebab-case, e.g. `laporan-bulanan-kependudukan`.
    pub id: String,
    pub version: u32,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub filed_by: Vec<Filer>,
    pub frequency: Frequency,
    /// For periodic forms: which answers name the period and when a report
    /// is due (see [`super::period`]). Absent for forms filed on events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<super::period::PeriodRule>,
    pub fields: Vec<Field>,
}

/// One question, note, section or repeat group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    /// Snake-case, unique in the whole form (repeat columns included), and
    /// the key of the answer.
    pub code: String,
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Skip logic: when this is not truthy the field is not asked, and any
    /// value it has is dropped. Children of a skipped section or repeat are
    /// skipped too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<Expr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Constraint>,
    /// A derived value. It replaces whatever the phone sent, so the server
    /// never trusts a total it could compute itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculate: Option<Expr>,
    /// What the app prefills in a new submission. The validator never fills
    /// it in: a reporter who cleared a default meant it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Json>,
    /// Whether the answer is personal data (a resident's name, NIK, phone
    /// number, address or the GPS point of a home). Personal answers never
    /// leave the government: [`public_answers`](super::public_answers) drops them before anything
    /// is published. A personal section or repeat makes all its fields
    /// personal.
    #[serde(default, skip_serializing_if = "is_false")]
    pub personal: bool,
    /// For a periodic form: the field of the previous period's approved
    /// report whose answer starts this one (the month-end population is the
    /// next month's start). The app prefills it and flags a changed figure;
    /// see [`super::carry`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carry_from: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A rule on a field's own value (`.`), with the message shown when it fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub expr: Expr,
    pub message: Text,
}

/// One answer of a select field: the code is stored, the label is shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub label: Text,
}

/// The field types a form may use, as their JSON `type` names them.
pub const FIELD_TYPES: &[&str] = &[
    "short_text",
    "long_text",
    "integer",
    "decimal",
    "date",
    "time",
    "date_time",
    "yes_no",
    "select_one",
    "select_many",
    "photo",
    "gps",
    "nik",
    "phone",
    "url",
    "note",
    "section",
    "repeat",
];

/// Short texts are capped even when the form sets no limit, so one field
/// cannot fill a report that has to travel over a weak link.
pub const DEFAULT_SHORT_TEXT_MAX: u32 = 255;
pub const DEFAULT_LONG_TEXT_MAX: u32 = 5000;
/// Links are capped too: a link to a post or an article is rarely longer,
/// and a longer one is more likely a pasted page than an address.
pub const DEFAULT_URL_MAX: u32 = 500;
/// No form may allow longer links than this, whatever it sets.
pub const URL_MAX_LIMIT: u32 = 2000;

/// What kind of answer a field takes, with its bounds. The JSON value of each
/// answer is described on each variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    /// A JSON string on one line.
    ShortText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_length: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    /// A JSON string, possibly several paragraphs.
    LongText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_length: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    /// A JSON integer.
    Integer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// A JSON number.
    Decimal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// A string `YYYY-MM-DD`.
    Date {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<DateBound>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<DateBound>,
    },
    /// A string `HH:MM` or `HH:MM:SS`, local time.
    Time,
    /// A string `YYYY-MM-DDTHH:MM`, local time; the bounds apply to its date.
    DateTime {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<DateBound>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<DateBound>,
    },
    /// `true` or `false`.
    YesNo,
    /// The code of one choice, as a string.
    SelectOne { choices: Vec<Choice> },
    /// An array of distinct choice codes.
    SelectMany {
        choices: Vec<Choice>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_selected: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_selected: Option<u32>,
    },
    /// An array of photo references `sha256:<64 hex digits>`, the hash of the
    /// photo file, which travels separately. `max_count: 1` is a single photo.
    Photo { max_count: u32 },
    /// An object `{"lat": …, "lon": …, "accuracy_m": …}` in WGS 84 degrees.
    Gps {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_accuracy_m: Option<f64>,
    },
    /// A 16-digit NIK as a string.
    Nik,
    /// An Indonesian phone number as a string.
    Phone,
    /// A web address as a string: `http://` or `https://` and a host, at
    /// most `max_length` characters (default [`DEFAULT_URL_MAX`]). Other
    /// schemes (`javascript:`, `file:`) are refused, because the Command
    /// Center shows the link to reviewers.
    Url {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    /// Text shown to the reporter; it takes no answer.
    Note,
    /// A titled group of fields. Its fields' answers sit next to the others,
    /// not nested, so moving a field into a section changes no answers.
    Section { fields: Vec<Field> },
    /// A table: an array of row objects, each answering `fields`.
    Repeat {
        fields: Vec<Field>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_rows: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_rows: Option<u32>,
    },
}

/// By hand, for the phone's download size (see `form::object`): the
/// derived code for the flattened, internally tagged kind was the largest
/// function in the app.
impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Field, D::Error> {
        let mut object = Object::read(deserializer)?;
        Ok(Field {
            code: object.required("code")?,
            label: object.required("label")?,
            hint: object.optional("hint")?,
            required: object.optional("required")?.unwrap_or(false),
            relevant: object.optional("relevant")?,
            constraint: object.optional("constraint")?,
            calculate: object.optional("calculate")?,
            default: object.optional("default")?,
            personal: object.optional("personal")?.unwrap_or(false),
            carry_from: object.optional("carry_from")?,
            kind: FieldKind::take_from(&mut object)?,
        })
    }
}

impl<'de> Deserialize<'de> for FieldKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FieldKind, D::Error> {
        FieldKind::take_from(&mut Object::read(deserializer)?)
    }
}

impl FieldKind {
    fn take_from<E: serde::de::Error>(object: &mut Object<E>) -> Result<FieldKind, E> {
        let tag = object.tag("type")?;
        Ok(match tag.as_str() {
            "short_text" => FieldKind::ShortText {
                min_length: object.optional("min_length")?,
                max_length: object.optional("max_length")?,
            },
            "long_text" => FieldKind::LongText {
                min_length: object.optional("min_length")?,
                max_length: object.optional("max_length")?,
            },
            "integer" => FieldKind::Integer {
                min: object.optional("min")?,
                max: object.optional("max")?,
            },
            "decimal" => FieldKind::Decimal {
                min: object.optional("min")?,
                max: object.optional("max")?,
            },
            "date" => FieldKind::Date {
                min: object.optional("min")?,
                max: object.optional("max")?,
            },
            "time" => FieldKind::Time,
            "date_time" => FieldKind::DateTime {
                min: object.optional("min")?,
                max: object.optional("max")?,
            },
            "yes_no" => FieldKind::YesNo,
            "select_one" => FieldKind::SelectOne {
                choices: object.required("choices")?,
            },
            "select_many" => FieldKind::SelectMany {
                choices: object.required("choices")?,
                min_selected: object.optional("min_selected")?,
                max_selected: object.optional("max_selected")?,
            },
            "photo" => FieldKind::Photo {
                max_count: object.required("max_count")?,
            },
            "gps" => FieldKind::Gps {
                max_accuracy_m: object.optional("max_accuracy_m")?,
            },
            "nik" => FieldKind::Nik,
            "phone" => FieldKind::Phone,
            "url" => FieldKind::Url {
                max_length: object.optional("max_length")?,
            },
            "note" => FieldKind::Note,
            "section" => FieldKind::Section {
                fields: object.required("fields")?,
            },
            "repeat" => FieldKind::Repeat {
                fields: object.required("fields")?,
                min_rows: object.optional("min_rows")?,
                max_rows: object.optional("max_rows")?,
            },
            other => return Err(E::unknown_variant(other, FIELD_TYPES)),
        })
    }

    /// Whether the field holds an answer of its own (notes and sections don't).
    pub fn takes_answer(&self) -> bool {
        !matches!(self, FieldKind::Note | FieldKind::Section { .. })
    }

    pub fn choices(&self) -> &[Choice] {
        match self {
            FieldKind::SelectOne { choices } | FieldKind::SelectMany { choices, .. } => choices,
            _ => &[],
        }
    }
}

/// A bound on a date: a fixed day (`"2020-01-01"`), or a day relative to the
/// day the form is filled (`"today"`, `"today-30"`, `"today+7"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DateBound {
    Fixed(Date),
    Today { offset_days: i32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDateBound(pub String);

impl fmt::Display for InvalidDateBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a date bound (YYYY-MM-DD, today, today-N or today+N): {:?}",
            self.0
        )
    }
}

impl std::error::Error for InvalidDateBound {}

impl DateBound {
    pub fn parse(text: &str) -> Result<DateBound, InvalidDateBound> {
        let invalid = || InvalidDateBound(text.to_owned());
        let Some(rest) = text.strip_prefix("today") else {
            return Date::parse(text)
                .map(DateBound::Fixed)
                .map_err(|_| invalid());
        };
        if rest.is_empty() {
            return Ok(DateBound::Today { offset_days: 0 });
        }
        let (sign, digits) = match (rest.strip_prefix('+'), rest.strip_prefix('-')) {
            (Some(digits), _) => (1, digits),
            (_, Some(digits)) => (-1, digits),
            _ => return Err(invalid()),
        };
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let days: i32 = digits.parse().map_err(|_| invalid())?;
        Ok(DateBound::Today {
            offset_days: sign * days,
        })
    }

    pub fn resolve(self, today: Date) -> Option<Date> {
        match self {
            DateBound::Fixed(date) => Some(date),
            DateBound::Today { offset_days } => today.add_days(i64::from(offset_days)),
        }
    }
}

impl TryFrom<String> for DateBound {
    type Error = InvalidDateBound;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DateBound::parse(&value)
    }
}

impl From<DateBound> for String {
    fn from(bound: DateBound) -> String {
        match bound {
            DateBound::Fixed(date) => date.to_string(),
            DateBound::Today { offset_days: 0 } => "today".into(),
            DateBound::Today { offset_days } => format!("today{offset_days:+}"),
        }
    }
}

/// A mistake in a form definition, found before the form is published or
/// used. Messages are in English, for form authors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefinitionError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn is_snake_case(code: &str) -> bool {
    code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !code.contains("__")
        && !code.ends_with('_')
}

fn is_kebab_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.contains("--")
        && !id.ends_with('-')
}

/// Where a field sits: at the top of the form or as a column of a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope<'a> {
    Top,
    Row(&'a str),
}

/// What a list of forms needs of each: which form and version it is, its
/// title and who files it. Read from the same JSON as the definition,
/// without its fields: the field app's first screen (the form picker) reads
/// only this, so the code that reads whole definitions waits for the app's
/// second module.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FormSummary {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub filed_by: Vec<Filer>,
}

impl FormDefinition {
    /// This form's [`FormSummary`].
    pub fn summary(&self) -> FormSummary {
        FormSummary {
            id: self.id.clone(),
            version: self.version,
            title: self.title.clone(),
            filed_by: self.filed_by.clone(),
        }
    }

    pub fn form_ref(&self) -> FormRef {
        FormRef {
            id: self.id.clone(),
            version: self.version,
        }
    }

    /// The hash of the definition's JSON. A phone that caches a form and
    /// later sees the same id and version with another hash knows the server
    /// broke the immutability rule, and keeps its copy.
    pub fn content_hash(&self) -> ContentHash {
        let json = serde_json::to_vec(self).expect("a form definition always serializes");
        ContentHash::of_bytes(&json)
    }

    /// The field with this code, wherever it sits (sections and repeats
    /// included).
    pub fn field(&self, code: &str) -> Option<&Field> {
        fn find<'a>(fields: &'a [Field], code: &str) -> Option<&'a Field> {
            fields.iter().find_map(|field| {
                if field.code == code {
                    return Some(field);
                }
                match &field.kind {
                    FieldKind::Section { fields } | FieldKind::Repeat { fields, .. } => {
                        find(fields, code)
                    }
                    _ => None,
                }
            })
        }
        find(&self.fields, code)
    }

    /// The answers a new submission starts with: every top-level default.
    /// Repeat columns' defaults apply when the app adds a row.
    pub fn initial_answers(&self) -> Answers {
        fn collect(fields: &[Field], answers: &mut Answers) {
            for field in fields {
                match &field.kind {
                    FieldKind::Section { fields } => collect(fields, answers),
                    _ => {
                        if let Some(default) = &field.default {
                            answers.insert(field.code.clone(), default.clone());
                        }
                    }
                }
            }
        }
        let mut answers = Answers::new();
        collect(&self.fields, &mut answers);
        answers
    }

    /// Every mistake in the definition: malformed or repeated codes, bounds
    /// that exclude everything, choices without codes, references to fields
    /// that do not exist, and defaults the form itself would refuse.
    pub fn check(&self) -> Vec<DefinitionError> {
        let mut problems = Vec::new();
        let mut push = |path: &str, message: String| {
            problems.push(DefinitionError {
                path: path.to_owned(),
                message,
            })
        };
        if !is_kebab_case(&self.id) {
            push("id", format!("{:?} is not kebab-case", self.id));
        }
        if self.version == 0 {
            push("version", "versions start at 1".into());
        }
        if self.filed_by.is_empty() {
            push("filed_by", "nobody may file this form".into());
        }
        // Codes first, so references can be checked against the full list.
        let mut scopes: Vec<(&str, Scope<'_>, &Field)> = Vec::new();
        fn gather<'a>(
            fields: &'a [Field],
            scope: Scope<'a>,
            out: &mut Vec<(&'a str, Scope<'a>, &'a Field)>,
        ) {
            for field in fields {
                out.push((&field.code, scope, field));
                match &field.kind {
                    FieldKind::Section { fields } => gather(fields, scope, out),
                    FieldKind::Repeat { fields, .. } => {
                        gather(fields, Scope::Row(&field.code), out)
                    }
                    _ => {}
                }
            }
        }
        gather(&self.fields, Scope::Top, &mut scopes);
        for (i, (code, _, _)) in scopes.iter().enumerate() {
            if !is_snake_case(code) {
                push(code, "field codes are snake_case".into());
            }
            if scopes[..i].iter().any(|(other, _, _)| other == code) {
                push(code, "field code used twice".into());
            }
        }
        for &(code, scope, field) in &scopes {
            self.check_field(code, scope, field, &scopes, &mut push);
        }
        for (path, message) in self.period_problems() {
            push(&path, message);
        }
        for (path, message) in self.carry_problems() {
            push(&path, message);
        }
        problems
    }

    fn check_field(
        &self,
        code: &str,
        scope: Scope<'_>,
        field: &Field,
        scopes: &[(&str, Scope<'_>, &Field)],
        push: &mut impl FnMut(&str, String),
    ) {
        let bounds_ok = |min: Option<f64>, max: Option<f64>| match (min, max) {
            (Some(min), Some(max)) => min <= max,
            _ => true,
        };
        let as_f64 = |n: Option<u32>| n.map(f64::from);
        let ordered = match &field.kind {
            FieldKind::ShortText {
                min_length,
                max_length,
            }
            | FieldKind::LongText {
                min_length,
                max_length,
            } => bounds_ok(as_f64(*min_length), as_f64(*max_length)),
            FieldKind::Integer { min, max } => {
                bounds_ok(min.map(|n| n as f64), max.map(|n| n as f64))
            }
            FieldKind::Decimal { min, max } => bounds_ok(*min, *max),
            FieldKind::SelectMany {
                min_selected,
                max_selected,
                ..
            } => bounds_ok(as_f64(*min_selected), as_f64(*max_selected)),
            FieldKind::Repeat {
                min_rows, max_rows, ..
            } => bounds_ok(as_f64(*min_rows), as_f64(*max_rows)),
            FieldKind::Date {
                min: Some(DateBound::Fixed(min)),
                max: Some(DateBound::Fixed(max)),
            } => min <= max,
            _ => true,
        };
        if !ordered {
            push(code, "minimum is above maximum".into());
        }
        match &field.kind {
            FieldKind::SelectOne { choices } | FieldKind::SelectMany { choices, .. } => {
                if choices.is_empty() {
                    push(code, "a select field needs choices".into());
                }
                for (i, choice) in choices.iter().enumerate() {
                    if choice.code.is_empty() || choice.code.chars().any(char::is_whitespace) {
                        push(
                            code,
                            format!("choice code {:?} is empty or has spaces", choice.code),
                        );
                    }
                    if choices[..i].iter().any(|other| other.code == choice.code) {
                        push(code, format!("choice code {:?} used twice", choice.code));
                    }
                }
            }
            FieldKind::Photo { max_count: 0 } => push(code, "max_count must be at least 1".into()),
            FieldKind::Url {
                max_length: Some(max),
            } if *max < 12 || *max > URL_MAX_LIMIT => push(
                code,
                format!("a url's max_length must be between 12 and {URL_MAX_LIMIT}"),
            ),
            _ => {}
        }
        if !field.kind.takes_answer()
            && (field.required
                || field.calculate.is_some()
                || field.default.is_some()
                || field.constraint.is_some())
        {
            push(
                code,
                "notes and sections take no answer: no required, calculate, default or constraint"
                    .into(),
            );
        }
        let expressions = [
            ("relevant", field.relevant.as_ref()),
            ("constraint", field.constraint.as_ref().map(|c| &c.expr)),
            ("calculate", field.calculate.as_ref()),
        ];
        for (name, expr) in expressions {
            for reference in expr.into_iter().flat_map(Expr::references) {
                let target = scopes.iter().find(|(c, _, _)| *c == reference.code);
                let problem = match (target, &reference.column) {
                    (None, _) => Some(format!(
                        "{name} reads unknown field ${{{}}}",
                        reference.code
                    )),
                    (Some((_, _, target)), Some(column)) => match &target.kind {
                        FieldKind::Repeat { .. } => (!scopes
                            .iter()
                            .any(|(c, s, _)| c == column && *s == Scope::Row(&reference.code)))
                        .then(|| {
                            format!("{name} reads unknown column {column} of {}", reference.code)
                        }),
                        _ => Some(format!(
                            "{name} reads a column of {}, which is not a repeat",
                            reference.code
                        )),
                    },
                    // A top-level expression cannot read a single cell of a
                    // repeat: it would not know which row.
                    (Some((_, Scope::Row(repeat), _)), None) if scope != Scope::Row(repeat) => {
                        Some(format!(
                            "{name} reads ${{{}}} outside its repeat; use ${{{repeat}.{}}}",
                            reference.code, reference.code
                        ))
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    push(code, problem);
                }
            }
        }
        if let Some(default) = &field.default {
            let today = Date::new(2000, 1, 1).expect("a real date");
            if !super::validate::value_problems(&field.kind, default, today).is_empty() {
                push(code, format!("default {default} is not a valid answer"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_read_every_type_and_refuse_what_is_not_a_field() {
        fn check(input: serde_json::Value, expect: Result<(), &str>) {
            let got = serde_json::from_value::<Field>(input.clone());
            match (got, expect) {
                (Ok(field), Ok(())) => {
                    // What the derived Serialize writes reads back the same.
                    let again: Field =
                        serde_json::from_str(&serde_json::to_string(&field).unwrap()).unwrap();
                    assert_eq!(again, field, "{input}");
                }
                (Err(error), Err(part)) => {
                    assert!(error.to_string().contains(part), "{input}: {error}")
                }
                (got, expect) => panic!("{input}: got {got:?}, expected {expect:?}"),
            }
        }
        let label = json!({"id": "Isian", "en": "Entry"});
        let choices = json!([{"code": "a", "label": label}]);
        let nested = json!([{"code": "inner", "label": label, "type": "integer", "min": 0}]);
        for (kind, extra) in [
            ("short_text", json!({"min_length": 2, "max_length": 9})),
            ("long_text", json!({})),
            ("integer", json!({"min": -1, "max": 9})),
            ("decimal", json!({"min": 0.5})),
            ("date", json!({"min": "today-30", "max": "2030-01-01"})),
            ("time", json!({})),
            ("date_time", json!({"max": "today"})),
            ("yes_no", json!({})),
            ("select_one", json!({"choices": choices})),
            (
                "select_many",
                json!({"choices": choices, "max_selected": 1}),
            ),
            ("photo", json!({"max_count": 3})),
            ("gps", json!({"max_accuracy_m": 25.0})),
            ("nik", json!({})),
            ("phone", json!({})),
            ("url", json!({"max_length": 300})),
            ("note", json!({})),
            ("section", json!({"fields": nested})),
            ("repeat", json!({"fields": nested, "min_rows": 1})),
        ] {
            let mut field = json!({"code": "x", "label": label, "type": kind, "required": true});
            field
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            check(field, Ok(()));
        }
        check(
            json!({"code": "x", "label": label, "type": "slider"}),
            Err("unknown variant `slider`"),
        );
        check(
            json!({"code": "x", "label": label}),
            Err("missing field `type`"),
        );
        check(
            json!({"code": "x", "label": label, "type": "photo"}),
            Err("missing field `max_count`"),
        );
        check(
            json!({"label": label, "type": "note"}),
            Err("missing field `code`"),
        );
        check(
            json!({"code": "x", "label": label, "type": "integer", "min": "nol"}),
            Err("min: invalid type"),
        );
        check(
            json!({"code": "x", "label": label, "type": "select_one", "choices": [{"code": "a"}]}),
            Err("choices: missing field `label`"),
        );
    }

    #[test]
    fn date_bounds_read_fixed_days_and_days_relative_to_today() {
        fn check(input: &str, expect: Option<DateBound>) {
            assert_eq!(DateBound::parse(input).ok(), expect, "{input:?}");
            if let Some(bound) = expect {
                assert_eq!(String::from(bound), input, "round trip");
            }
        }
        check("today", Some(DateBound::Today { offset_days: 0 }));
        check("today-30", Some(DateBound::Today { offset_days: -30 }));
        check("today+7", Some(DateBound::Today { offset_days: 7 }));
        check(
            "2020-01-01",
            Some(DateBound::Fixed(Date::parse("2020-01-01").unwrap())),
        );
        assert_eq!(
            DateBound::parse("today-"),
            Err(InvalidDateBound("today-".into()))
        );
        assert!(DateBound::parse("today-1000000").is_err());
        assert!(DateBound::parse("yesterday").is_err());
        assert!(DateBound::parse("today - 3").is_err());
    }

    #[test]
    fn a_field_keeps_its_json_shape() {
        let json = json!({
            "code": "jumlah_korban",
            "label": {"id": "Jumlah korban", "en": "Number of victims"},
            "type": "integer",
            "min": 0,
            "required": true,
            "relevant": "${ada_korban}",
            "constraint": {
                "expr": ". <= 1000",
                "message": {"id": "Terlalu banyak", "en": "Too many"}
            }
        });
        let field: Field = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            field.kind,
            FieldKind::Integer {
                min: Some(0),
                max: None
            }
        );
        assert!(field.required);
        assert_eq!(serde_json::to_value(&field).unwrap(), json);
    }

    #[test]
    fn a_bad_expression_in_a_form_file_is_refused_with_its_position() {
        let json = json!({
            "code": "x",
            "label": {"id": "X", "en": "X"},
            "type": "yes_no",
            "relevant": "${a} and"
        });
        let error = serde_json::from_value::<Field>(json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("at character 9"), "{error}");
    }

    fn form(fields: Json) -> FormDefinition {
        serde_json::from_value(json!({
            "id": "uji-coba",
            "version": 1,
            "title": {"id": "Uji", "en": "Test"},
            "filed_by": ["kim_volunteer"],
            "frequency": "on_event",
            "fields": fields
        }))
        .unwrap()
    }

    #[test]
    fn definition_mistakes_are_all_reported() {
        let definition = form(json!([
            {"code": "Nama", "label": {"id": "", "en": ""}, "type": "short_text"},
            {"code": "umur", "label": {"id": "", "en": ""}, "type": "integer", "min": 5, "max": 1},
            {"code": "umur", "label": {"id": "", "en": ""}, "type": "yes_no"},
            {"code": "jenis", "label": {"id": "", "en": ""}, "type": "select_one",
             "choices": [{"code": "a", "label": {"id": "", "en": ""}}, {"code": "a", "label": {"id": "", "en": ""}}]},
            {"code": "catatan", "label": {"id": "", "en": ""}, "type": "note", "required": true},
            {"code": "foto", "label": {"id": "", "en": ""}, "type": "photo", "max_count": 0},
            {"code": "baris", "label": {"id": "", "en": ""}, "type": "repeat", "fields": [
                {"code": "nilai", "label": {"id": "", "en": ""}, "type": "integer"}
            ]},
            {"code": "total", "label": {"id": "", "en": ""}, "type": "integer",
             "calculate": "sum(${baris.nilai}) + ${nilai} + ${hilang} + sum(${baris.tidak_ada}) + sum(${umur.x})"},
            {"code": "pilih", "label": {"id": "", "en": ""}, "type": "yes_no", "default": "ya"},
            {"code": "tautan", "label": {"id": "", "en": ""}, "type": "url", "max_length": 5}
        ]));
        let problems: Vec<String> = definition.check().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            vec![
                "Nama: field codes are snake_case",
                "umur: field code used twice",
                "umur: minimum is above maximum",
                "jenis: choice code \"a\" used twice",
                "catatan: notes and sections take no answer: no required, calculate, default or constraint",
                "foto: max_count must be at least 1",
                "total: calculate reads ${nilai} outside its repeat; use ${baris.nilai}",
                "total: calculate reads unknown field ${hilang}",
                "total: calculate reads unknown column tidak_ada of baris",
                "total: calculate reads a column of umur, which is not a repeat",
                "pilih: default \"ya\" is not a valid answer",
                "tautan: a url's max_length must be between 12 and 2000",
            ]
        );
    }

    #[test]
    fn initial_answers_hold_the_defaults() {
        let definition = form(json!([
            {"code": "bagian", "label": {"id": "", "en": ""}, "type": "section", "fields": [
                {"code": "jumlah", "label": {"id": "", "en": ""}, "type": "integer", "default": 0}
            ]},
            {"code": "setuju", "label": {"id": "", "en": ""}, "type": "yes_no", "default": false},
            {"code": "nama", "label": {"id": "", "en": ""}, "type": "short_text"}
        ]));
        assert!(definition.check().is_empty());
        let answers = definition.initial_answers();
        assert_eq!(
            serde_json::to_value(&answers).unwrap(),
            json!({"jumlah": 0, "setuju": false})
        );
        assert_eq!(
            definition.field("jumlah").map(|f| f.code.as_str()),
            Some("jumlah")
        );
    }
}
