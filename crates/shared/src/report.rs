//! A report as the phone files it and the server stores it.

use crate::form::{AnswerErrorKind, Date, Lang, Text, WITA_OFFSET_MINUTES};
use crate::object::Object;
use crate::village::VillageCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// A report's identity, generated on the phone when it is first saved, so the
/// same report keeps the same id across retries, reloads and reinstalls of the
/// outbox. It is a UUIDv7: ids sort by creation time, which keeps the server's
/// index appends cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReportId(Uuid);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidReportId(pub String);

impl fmt::Display for InvalidReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a UUIDv7 report id: {:?}", self.0)
    }
}

impl std::error::Error for InvalidReportId {}

impl ReportId {
    /// Builds an id from the wall clock and 10 random bytes; the caller owns
    /// both because this crate does no I/O.
    pub fn new_v7(unix_millis: u64, random: [u8; 10]) -> ReportId {
        ReportId(uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid())
    }

    pub fn parse(text: &str) -> Result<ReportId, InvalidReportId> {
        match Uuid::try_parse(text) {
            Ok(uuid) if uuid.get_version_num() == 7 => Ok(ReportId(uuid)),
            _ => Err(InvalidReportId(text.to_owned())),
        }
    }
}

impl TryFrom<String> for ReportId {
    type Error = InvalidReportId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ReportId::parse(&value)
    }
}

impl From<ReportId> for String {
    fn from(id: ReportId) -> String {
        id.0.hyphenated().to_string()
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// A report title: trimmed, not empty, at most [`ReportTitle::MAX_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTitle(String);

impl ReportTitle {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(text: &str) -> Result<ReportTitle, FieldErrorKind> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            Err(FieldErrorKind::Required)
        } else if trimmed.chars().count() > Self::MAX_CHARS {
            Err(FieldErrorKind::TooLong {
                max_chars: Self::MAX_CHARS,
            })
        } else {
            Ok(ReportTitle(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A report body: trimmed, may be empty, at most [`ReportBody::MAX_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportBody(String);

impl ReportBody {
    pub const MAX_CHARS: usize = 5000;

    pub fn parse(text: &str) -> Result<ReportBody, FieldErrorKind> {
        let trimmed = text.trim();
        if trimmed.chars().count() > Self::MAX_CHARS {
            Err(FieldErrorKind::TooLong {
                max_chars: Self::MAX_CHARS,
            })
        } else {
            Ok(ReportBody(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What is wrong with one field. The app and the server turn it into a
/// sentence in the user's language; this crate stays language-neutral.
///
/// Reports filled against a catalog form are judged by the form validator;
/// its problems arrive as [`FieldErrorKind::Invalid`], which carries the
/// validator's own problem and its sentence in both languages, so a phone
/// that does not know a newer problem kind can still show the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum FieldErrorKind {
    Required,
    TooLong {
        max_chars: usize,
    },
    UnknownVillage,
    UnknownForm,
    UnexpectedField,
    HashMismatch,
    /// The form validator refused this answer.
    Invalid {
        detail: AnswerErrorKind,
        message: Text,
    },
    /// The user's role may not file this form (e.g. a KIM volunteer filing
    /// the village head's monthly population report).
    NotAllowed,
}

impl FieldErrorKind {
    /// The validator's problem, with its message in both languages.
    pub fn from_validator(kind: AnswerErrorKind) -> FieldErrorKind {
        let message = Text::new(&kind.message(Lang::Id), &kind.message(Lang::En));
        FieldErrorKind::Invalid {
            detail: kind,
            message,
        }
    }
}

/// A field name with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub problem: FieldErrorKind,
}

/// By hand, for the phone's download size (see `object`).
impl<'de> Deserialize<'de> for FieldError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FieldError, D::Error> {
        let mut object = Object::read(deserializer)?;
        Ok(FieldError {
            field: object.required("field")?,
            problem: FieldErrorKind::take_from(&mut object)?,
        })
    }
}

impl<'de> Deserialize<'de> for FieldErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<FieldErrorKind, D::Error> {
        FieldErrorKind::take_from(&mut Object::read(deserializer)?)
    }
}

impl FieldErrorKind {
    fn take_from<E: serde::de::Error>(object: &mut Object<E>) -> Result<FieldErrorKind, E> {
        let tag = object.tag("problem")?;
        Ok(match tag.as_str() {
            "required" => FieldErrorKind::Required,
            "too_long" => FieldErrorKind::TooLong {
                max_chars: object.required("max_chars")?,
            },
            "unknown_village" => FieldErrorKind::UnknownVillage,
            "unknown_form" => FieldErrorKind::UnknownForm,
            "unexpected_field" => FieldErrorKind::UnexpectedField,
            "hash_mismatch" => FieldErrorKind::HashMismatch,
            // A phone runs an older build for days offline: a problem kind
            // added on the server since must not make the whole push
            // answer unreadable, and the message says it anyway.
            "invalid" => FieldErrorKind::Invalid {
                detail: object
                    .required("detail")
                    .unwrap_or(AnswerErrorKind::Unrecognized),
                message: object.required("message")?,
            },
            "not_allowed" => FieldErrorKind::NotAllowed,
            other => {
                return Err(E::unknown_variant(
                    other,
                    &["a problem kind of report::FieldErrorKind"],
                ));
            }
        })
    }
}

/// Which form a report was filled against. A form version never changes once
/// published, so the pair identifies the rules the answers were checked by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FormRef {
    pub id: String,
    pub version: u32,
}

/// The answers of a report, by field code. A `BTreeMap` keeps the keys sorted,
/// so the canonical JSON (and with it the content hash) is the same on every
/// device.
pub type Answers = BTreeMap<String, serde_json::Value>;

/// A JSON object's members as answers (a repeat row). Inserted one by one
/// rather than collected: `BTreeMap`'s `FromIterator` sorts first, and each
/// such collect put its own copy of the standard library's stable sort into
/// the field app's wasm.
pub fn answers_from_object(object: serde_json::Map<String, serde_json::Value>) -> Answers {
    let mut answers = Answers::new();
    for (code, value) in object {
        answers.insert(code, value);
    }
    answers
}

/// Answers as a JSON object, the other way round.
pub fn object_from_answers(answers: Answers) -> serde_json::Map<String, serde_json::Value> {
    let mut object = serde_json::Map::new();
    for (code, value) in answers {
        object.insert(code, value);
    }
    object
}

/// The short free-text report of the walking skeleton: a title and a body.
pub const SHORT_REPORT_FORM: &str = "laporan-singkat";

/// One report, exactly as it travels and as the server keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub id: ReportId,
    pub form: FormRef,
    pub village: VillageCode,
    /// When the user saved it, in Unix milliseconds by the phone's clock.
    pub created_at_ms: i64,
    pub answers: Answers,
}

/// The form of incident and disaster reports, its urgency question, and
/// the answers that make an incident urgent: sent first by the phone,
/// mailed to the mayor's office on arrival, filterable in the Command
/// Center.
pub const INCIDENT_FORM: &str = "laporan-kejadian";
pub const URGENCY_FIELD: &str = "tingkat_urgensi";
pub const URGENT_LEVELS: &[&str] = &["tinggi", "darurat"];

impl Report {
    /// Whether this is an incident report of high urgency.
    pub fn is_urgent(&self) -> bool {
        self.form.id == INCIDENT_FORM
            && self
                .answers
                .get(URGENCY_FIELD)
                .and_then(|value| value.as_str())
                .is_some_and(|level| URGENT_LEVELS.contains(&level))
    }

    /// A short report with its title and body already checked.
    pub fn short(
        id: ReportId,
        village: VillageCode,
        created_at_ms: i64,
        title: &ReportTitle,
        body: &ReportBody,
    ) -> Report {
        let mut answers = Answers::new();
        answers.insert("title".into(), title.as_str().into());
        answers.insert("body".into(), body.as_str().into());
        Report {
            id,
            form: FormRef {
                id: SHORT_REPORT_FORM.into(),
                version: 1,
            },
            village,
            created_at_ms,
            answers,
        }
    }

    pub fn title(&self) -> &str {
        self.answers
            .get("title")
            .and_then(|value| value.as_str())
            .unwrap_or("")
    }

    pub fn body(&self) -> &str {
        self.answers
            .get("body")
            .and_then(|value| value.as_str())
            .unwrap_or("")
    }

    /// The SHA-256 of the report's canonical JSON. Two reports with the same
    /// id and the same hash are the same report sent twice; the same id with
    /// another hash is a conflict.
    pub fn content_hash(&self) -> ContentHash {
        let canonical = serde_json::to_vec(self).expect("a report always serializes");
        ContentHash::of_bytes(&canonical)
    }

    /// The day the report was filled, in Kotamobagu's time zone: the `today`
    /// its form's date rules are judged against, so a report that waited a
    /// week for signal is not refused for being late.
    pub fn filled_on(&self) -> Option<Date> {
        Date::from_unix_millis(self.created_at_ms, WITA_OFFSET_MINUTES)
    }
}

/// Where a report stands with the Command Center's reviewers. Every report
/// starts as `received`; the phone learns of later changes through the pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Stored by the server, nobody has looked at it yet ("diterima server").
    Received,
    /// A reviewer is working on it ("sedang ditinjau").
    InReview,
    /// Checked and accepted ("disetujui").
    Approved,
    /// Sent back to the reporter to fix ("perlu perbaikan").
    NeedsRevision,
    /// Refused for good, with the reviewer's reason ("ditolak").
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 5] = [
        ReviewStatus::Received,
        ReviewStatus::InReview,
        ReviewStatus::Approved,
        ReviewStatus::NeedsRevision,
        ReviewStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Received => "received",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::Approved => "approved",
            ReviewStatus::NeedsRevision => "needs_revision",
            ReviewStatus::Rejected => "rejected",
        }
    }

    /// The status as the people of Kotamobagu say it.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ReviewStatus::Received, Lang::Id) => "diterima",
            (ReviewStatus::Received, Lang::En) => "received",
            (ReviewStatus::InReview, Lang::Id) => "sedang ditinjau",
            (ReviewStatus::InReview, Lang::En) => "in review",
            (ReviewStatus::Approved, Lang::Id) => "disetujui",
            (ReviewStatus::Approved, Lang::En) => "approved",
            (ReviewStatus::NeedsRevision, Lang::Id) => "perlu perbaikan",
            (ReviewStatus::NeedsRevision, Lang::En) => "needs revision",
            (ReviewStatus::Rejected, Lang::Id) => "ditolak",
            (ReviewStatus::Rejected, Lang::En) => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// Whether the reporter may still replace the report with an edited
    /// version: before a reviewer took it up, or when sent back to fix (the
    /// author's rows of [`crate::review::TRANSITIONS`]).
    pub fn editable(self) -> bool {
        crate::review::edit_moves_to(self).is_some()
    }
}

/// `POST /api/v1/reports/{id}/review`: a reviewer sets a report's status,
/// comments on it, or both. The reporter's phone learns of it in its pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    #[serde(default)]
    pub status: Option<ReviewStatus>,
    #[serde(default)]
    pub comment: Option<String>,
}

impl ReviewRequest {
    pub const MAX_COMMENT_CHARS: usize = 2000;
}

/// `sha256:` followed by 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContentHash(String);

/// Why a string is not a `sha256:<hex>` hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidContentHash(pub String);

impl fmt::Display for InvalidContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a sha256:<64 lowercase hex> hash: {:?}", self.0)
    }
}

impl std::error::Error for InvalidContentHash {}

impl ContentHash {
    /// Parses `sha256:` and 64 lowercase hex digits, the form photo
    /// references take in answers and photo upload paths.
    pub fn parse(text: &str) -> Result<ContentHash, InvalidContentHash> {
        let well_formed = text.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if well_formed {
            Ok(ContentHash(text.to_owned()))
        } else {
            Err(InvalidContentHash(text.to_owned()))
        }
    }

    /// The 64 hex digits without the `sha256:` prefix.
    pub fn hex(&self) -> &str {
        self.0.strip_prefix("sha256:").unwrap_or(&self.0)
    }

    pub fn of_bytes(bytes: &[u8]) -> ContentHash {
        let digest = Sha256::digest(bytes);
        let mut text = String::with_capacity(7 + 64);
        text.push_str("sha256:");
        for byte in digest {
            text.push(char::from_digit(u32::from(byte >> 4), 16).unwrap());
            text.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap());
        }
        ContentHash(text)
    }

    /// Wraps a hash read back from storage that this crate produced.
    pub fn from_stored(text: String) -> ContentHash {
        ContentHash(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_report(seed: u8, title: &str) -> Report {
        Report::short(
            ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
            VillageCode::parse("71.74.02.1003").unwrap(),
            1_764_000_000_000,
            &ReportTitle::parse(title).unwrap(),
            &ReportBody::parse("Jalan desa rusak").unwrap(),
        )
    }

    #[test]
    fn report_ids_are_uuid_v7_and_round_trip() {
        let id = ReportId::new_v7(1_764_000_000_000, [7; 10]);
        let text = id.to_string();
        assert_eq!(ReportId::parse(&text), Ok(id));
        assert!(
            ReportId::parse("00000000-0000-4000-8000-000000000000").is_err(),
            "v4 is refused"
        );
        assert!(ReportId::parse("not-an-id").is_err());
    }

    #[test]
    fn the_short_report_helpers_match_its_json_form() {
        // The short report is judged by its JSON form; the title and body
        // types only build one and must not promise other limits.
        let catalog = crate::form::FormCatalog::builtin();
        let form = catalog.latest(SHORT_REPORT_FORM).unwrap();
        let max = |code: &str| match form.field(code).map(|field| &field.kind) {
            Some(
                crate::form::FieldKind::ShortText { max_length, .. }
                | crate::form::FieldKind::LongText { max_length, .. },
            ) => max_length.map(|max| max as usize),
            _ => None,
        };
        assert_eq!(max("title"), Some(ReportTitle::MAX_CHARS));
        assert_eq!(max("body"), Some(ReportBody::MAX_CHARS));
    }

    #[test]
    fn report_ids_sort_by_time() {
        let earlier = ReportId::new_v7(1_000, [255; 10]);
        let later = ReportId::new_v7(1_001, [0; 10]);
        assert!(earlier < later);
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        fn check(input: &str, expect: Result<&str, FieldErrorKind>) {
            let got = ReportTitle::parse(input);
            assert_eq!(
                got.as_ref().map(|t| t.as_str()),
                expect.as_ref().map(|s| *s),
                "{input:?}"
            );
        }
        check("  Banjir  ", Ok("Banjir"));
        check("", Err(FieldErrorKind::Required));
        check("   ", Err(FieldErrorKind::Required));
        check(&"a".repeat(120), Ok(&"a".repeat(120)));
        check(
            &"a".repeat(121),
            Err(FieldErrorKind::TooLong { max_chars: 120 }),
        );
        // Counted in characters, not bytes: Indonesian text may carry accents.
        check(&"é".repeat(120), Ok(&"é".repeat(120)));
    }

    #[test]
    fn content_hash_is_stable_and_sensitive_to_content() {
        let report = sample_report(1, "Banjir");
        assert_eq!(report.content_hash(), report.clone().content_hash());
        assert!(report.content_hash().as_str().starts_with("sha256:"));
        assert_eq!(report.content_hash().as_str().len(), 7 + 64);
        let mut changed = report.clone();
        changed
            .answers
            .insert("body".into(), "Jalan desa sudah diperbaiki".into());
        assert_ne!(report.content_hash(), changed.content_hash());
    }

    #[test]
    fn content_hash_pins_the_canonical_json() {
        // The hash is computed on both sides; changing the JSON shape silently
        // would turn every resend into a conflict, so this value is pinned.
        let report = sample_report(1, "Banjir");
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            json,
            r#"{"id":"019ab697-e801-7101-8101-010101010101","form":{"id":"laporan-singkat","version":1},"village":"71.74.02.1003","created_at_ms":1764000000000,"answers":{"body":"Jalan desa rusak","title":"Banjir"}}"#
        );
    }
}
