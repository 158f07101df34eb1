//! The state of one form being filled: the answers as typed, the problems of
//! the last save attempt, and the answers as the validator sees them right
//! now, which drive skip logic and calculated fields while the user types.
//!
//! Answers are kept as typed ("raw") so a half-typed number such as `1,` or
//! `-` is never rewritten under the user's fingers. [`coerce`] turns them
//! into the JSON the form model expects (numbers for number fields, trimmed
//! texts, blanks left out) just before validating; the validator stays the
//! only judge of what is right.

use crate::i18n::Lang;
use kabar_shared::form::number::parse_decimal;
use kabar_shared::form::{
    AnswerError, Context, Date, Field, FieldKind, FormDefinition, carry_mismatches, carry_over,
    validate,
};
use kabar_shared::report::{Answers, answers_from_object, object_from_answers};
use kabar_shared::sync::ApprovedReport;
use kabar_shared::text::lowercase;
use leptos::prelude::*;
use serde_json::Value as Json;

/// Where a field's answer lives: at the top of the answers (sections are
/// flat), or in one row of a repeat group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Top,
    Row { repeat: &'static str, index: usize },
}

impl Slot {
    /// The validator's path for a field in this slot: `code`, or
    /// `repeat[row].code`.
    pub fn path(self, code: &str) -> String {
        match self {
            Slot::Top => code.to_owned(),
            Slot::Row { repeat, index } => format!("{repeat}[{index}].{code}"),
        }
    }

    /// The element id of a field's input. Top-level inputs use the field
    /// code itself (`#title`, `#body` for the short report), so ids stay
    /// readable and stable for tests; codes are snake_case, so the `-` of
    /// row ids cannot collide with them.
    pub fn dom_id(self, code: &str) -> String {
        dom_id_of_path(&self.path(code))
    }
}

/// The element id for a validator path: `a[0].b` → `a-0-b`, `a[0]` → `a-0`.
pub fn dom_id_of_path(path: &str) -> String {
    path.replace("].", "-").replace('[', "-").replace(']', "")
}

/// Everything a field widget needs. Copy, so every closure can hold it.
#[derive(Clone, Copy)]
pub struct FormState {
    pub form: &'static FormDefinition,
    /// The answers as typed.
    pub raw: RwSignal<Answers>,
    /// The problems of the last save attempt; the user is not scolded while
    /// typing, only when saving.
    pub problems: RwSignal<Vec<AnswerError>>,
    /// The answers the validator would store right now: non-relevant values
    /// dropped and calculations applied.
    pub live: Memo<Answers>,
    pub lang: RwSignal<Lang>,
    /// The day in Kotamobagu when the form was opened, for `today()` and
    /// relative date bounds while filling; saving uses the day of saving.
    pub today: Date,
    /// The reviewer's note on a report sent back, lower-cased: fields it
    /// names by their label are marked.
    pub reviewer_note: StoredValue<Option<String>>,
    /// The villages' last approved periodic reports and the report's
    /// village: fields that carry from the previous period start from the
    /// one of this form and village, and say so when they no longer match
    /// (see `kabar_shared::form::carry`). Plain signals, not a derived one:
    /// the lookup is a method, which keeps the wasm small.
    pub approved: Option<(RwSignal<Vec<ApprovedReport>>, RwSignal<String>)>,
}

impl FormState {
    pub fn new(
        form: &'static FormDefinition,
        raw: RwSignal<Answers>,
        problems: RwSignal<Vec<AnswerError>>,
        lang: RwSignal<Lang>,
        today: Date,
    ) -> FormState {
        let live = Memo::new(move |_| {
            raw.with(|raw| validate(form, &coerce(&form.fields, raw), today).answers)
        });
        FormState {
            form,
            raw,
            problems,
            live,
            lang,
            today,
            reviewer_note: StoredValue::new(None),
            approved: None,
        }
    }

    /// The same form, with the villages' last approved reports to carry
    /// figures from and the signal holding the report's village.
    pub fn with_approved(
        mut self,
        approved: RwSignal<Vec<ApprovedReport>>,
        village: RwSignal<String>,
    ) -> FormState {
        self.approved = Some((approved, village));
        self
    }

    /// Runs `f` with the village's last approved report of this form, if
    /// the phone knows one (tracked).
    fn with_previous<R>(self, f: impl FnOnce(Option<&ApprovedReport>) -> R) -> R {
        let Some((approved, village)) = self.approved else {
            return f(None);
        };
        let form_id = &self.form.id;
        village.with(|village| {
            approved.with(|list| {
                f(list
                    .iter()
                    .find(|a| a.form_id == *form_id && a.village.as_str() == village))
            })
        })
    }

    /// Prefills the carried figures once the report names its period and
    /// the approved report of the month before is known; only fields still
    /// empty, so nothing typed is overwritten. Called when the year or the
    /// month is answered (a new month is a new start), not from an effect.
    fn prefill_carried(self) {
        let Some(period) = self
            .live
            .with_untracked(|answers| self.form.period_of(answers))
        else {
            return;
        };
        let carried = untrack(|| {
            self.with_previous(|previous| {
                previous
                    .map(|p| carry_over(self.form, period, p.period, &p.answers))
                    .unwrap_or_default()
            })
        });
        if !carried.is_empty() {
            self.raw.update(|raw| {
                for (code, value) in carried {
                    raw.entry(code).or_insert(value);
                }
            });
        }
    }

    /// The warning next to a carried figure that no longer matches the
    /// approved month-end it started from (tracked), in the user's language.
    pub fn carry_warning(self, code: &str) -> Option<String> {
        let lang = self.lang.get().shared();
        self.with_previous(|previous| {
            let previous = previous?;
            self.live.with(|answers| {
                carry_mismatches(self.form, answers, previous.period, &previous.answers)
                    .into_iter()
                    .find(|mismatch| mismatch.code == code)
                    .map(|mismatch| mismatch.message(lang))
            })
        })
    }

    /// The same form, with the fields the reviewer's note names marked.
    pub fn with_reviewer_note(self, note: &str) -> FormState {
        self.reviewer_note.set_value(Some(lowercase(note)));
        self
    }

    /// Whether the reviewer's note names this field: its label in either
    /// language, or its code, appears in the note.
    pub fn named_by_reviewer(self, field: &Field) -> bool {
        self.reviewer_note.with_value(|note| {
            let Some(note) = note else {
                return false;
            };
            let label_named = [&field.label.id, &field.label.en]
                .into_iter()
                .map(|label| lowercase(label.trim()))
                .any(|label| label.chars().count() >= 4 && note.contains(&label));
            label_named || note.contains(&lowercase(&field.code))
        })
    }

    /// A field's answer as typed (tracked).
    pub fn value(self, slot: Slot, code: &str) -> Option<Json> {
        self.raw
            .with(|answers| lookup(answers, slot, code).cloned())
    }

    /// A field's answer as it would be stored (tracked): for calculated
    /// fields, the calculation's result.
    pub fn live_value(self, slot: Slot, code: &str) -> Option<Json> {
        self.live
            .with(|answers| lookup(answers, slot, code).cloned())
    }

    /// Sets or, with `None`, clears a field's answer; answering the period
    /// of a periodic form prefills what it carries from the month before.
    pub fn set(self, slot: Slot, code: &str, value: Option<Json>) {
        let names_period = slot == Slot::Top
            && self.approved.is_some()
            && self
                .form
                .period
                .as_ref()
                .is_some_and(|rule| code == rule.year_field || code == rule.month_field);
        self.raw.update(|answers| match slot {
            Slot::Top => {
                match value {
                    Some(value) => answers.insert(code.to_owned(), value),
                    None => answers.remove(code),
                };
            }
            Slot::Row { repeat, index } => {
                let row = answers
                    .get_mut(repeat)
                    .and_then(Json::as_array_mut)
                    .and_then(|rows| rows.get_mut(index))
                    .and_then(Json::as_object_mut);
                if let Some(row) = row {
                    match value {
                        Some(value) => row.insert(code.to_owned(), value),
                        None => row.remove(code),
                    };
                }
            }
        });
        if names_period {
            self.prefill_carried();
        }
    }

    /// Whether a field is asked, by its own `relevant` against the live
    /// answers (tracked). Its section's relevance is applied by the section,
    /// which hides everything inside it.
    pub fn is_relevant(self, field: &Field, slot: Slot) -> bool {
        let Some(expr) = &field.relevant else {
            return true;
        };
        self.live.with(|answers| match slot {
            Slot::Top => expr
                .evaluate(&Context::new(answers, self.today))
                .is_truthy(),
            Slot::Row { repeat, index } => {
                let row: Answers = answers
                    .get(repeat)
                    .and_then(Json::as_array)
                    .and_then(|rows| rows.get(index))
                    .and_then(Json::as_object)
                    .map(|row| answers_from_object(row.clone()))
                    .unwrap_or_default();
                let context = Context {
                    answers,
                    row: Some(&row),
                    current: None,
                    today: self.today,
                };
                expr.evaluate(&context).is_truthy()
            }
        })
    }

    /// The messages of the last save attempt for one path, in the user's
    /// language (tracked).
    pub fn messages_at(self, path: &str) -> Vec<String> {
        let lang = self.lang.get().shared();
        self.problems.with(|problems| {
            problems
                .iter()
                .filter(|problem| problem.path == path)
                .map(|problem| problem.message(lang))
                .collect()
        })
    }

    /// Whether the last save attempt found a problem at this path (tracked).
    pub fn has_problem(self, path: &str) -> bool {
        self.problems
            .with(|problems| problems.iter().any(|problem| problem.path == path))
    }
}

fn lookup<'a>(answers: &'a Answers, slot: Slot, code: &str) -> Option<&'a Json> {
    match slot {
        Slot::Top => answers.get(code),
        Slot::Row { repeat, index } => answers
            .get(repeat)?
            .as_array()?
            .get(index)?
            .as_object()?
            .get(code),
    }
}

/// A new repeat row: each column's default, like a new form's defaults.
pub fn new_row(fields: &[Field]) -> Json {
    let mut row = serde_json::Map::new();
    fn collect(fields: &[Field], row: &mut serde_json::Map<String, Json>) {
        for field in fields {
            match &field.kind {
                FieldKind::Section { fields } => collect(fields, row),
                _ => {
                    if let Some(default) = &field.default {
                        row.insert(field.code.clone(), default.clone());
                    }
                }
            }
        }
    }
    collect(fields, &mut row);
    Json::Object(row)
}

/// The answers as the form model expects them: numbers typed into number
/// fields become JSON numbers (a decimal comma is accepted, as Indonesians
/// write `1,5`), texts are trimmed, spaces in a NIK are dropped, and blank
/// answers are left out. A number that does not parse stays text, so the
/// validator says "must be a whole number" next to it.
pub fn coerce(fields: &[Field], raw: &Answers) -> Answers {
    let mut out = Answers::new();
    coerce_into(fields, raw, &mut out);
    out
}

fn coerce_into(fields: &[Field], raw: &Answers, out: &mut Answers) {
    for field in fields {
        match &field.kind {
            FieldKind::Section { fields } => coerce_into(fields, raw, out),
            FieldKind::Note => {}
            kind => {
                if let Some(value) = raw.get(&field.code).and_then(|v| coerce_value(kind, v)) {
                    out.insert(field.code.clone(), value);
                }
            }
        }
    }
}

fn coerce_value(kind: &FieldKind, value: &Json) -> Option<Json> {
    match (kind, value) {
        (_, Json::Null) => None,
        (FieldKind::Integer { .. }, Json::String(text)) => {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            Some(
                text.parse::<i64>()
                    .map(Json::from)
                    .unwrap_or_else(|_| Json::String(text.to_owned())),
            )
        }
        (FieldKind::Decimal { .. }, Json::String(text)) => {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let number =
                parse_decimal(&text.replace(',', ".")).and_then(serde_json::Number::from_f64);
            Some(number.map_or_else(|| Json::String(text.to_owned()), Json::Number))
        }
        (FieldKind::Nik, Json::String(text)) => {
            let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            (!digits.is_empty()).then_some(Json::String(digits))
        }
        (FieldKind::Repeat { fields, .. }, Json::Array(rows)) => {
            if rows.is_empty() {
                return None;
            }
            let rows = rows
                .iter()
                .map(|row| match row.as_object() {
                    Some(object) => {
                        let raw = answers_from_object(object.clone());
                        Json::Object(object_from_answers(coerce(fields, &raw)))
                    }
                    None => row.clone(),
                })
                .collect();
            Some(Json::Array(rows))
        }
        (_, Json::String(text)) => {
            let text = text.trim();
            (!text.is_empty()).then(|| Json::String(text.to_owned()))
        }
        (_, Json::Array(items)) if items.is_empty() => None,
        (_, other) => Some(other.clone()),
    }
}

/// The text an input shows for an answer as typed.
pub fn display_text(value: Option<&Json>) -> String {
    match value {
        Some(Json::String(text)) => text.clone(),
        Some(Json::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(json: Json) -> Vec<Field> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn typed_answers_become_the_json_the_form_expects() {
        let fields = fields(json!([
            {"code": "jumlah", "label": {"id": "", "en": ""}, "type": "integer"},
            {"code": "luas", "label": {"id": "", "en": ""}, "type": "decimal"},
            {"code": "nama", "label": {"id": "", "en": ""}, "type": "short_text"},
            {"code": "nik", "label": {"id": "", "en": ""}, "type": "nik"},
            {"code": "bagian", "label": {"id": "", "en": ""}, "type": "section", "fields": [
                {"code": "setuju", "label": {"id": "", "en": ""}, "type": "yes_no"}
            ]},
            {"code": "baris", "label": {"id": "", "en": ""}, "type": "repeat", "fields": [
                {"code": "nilai", "label": {"id": "", "en": ""}, "type": "integer"}
            ]},
            {"code": "foto", "label": {"id": "", "en": ""}, "type": "photo", "max_count": 2}
        ]));
        let raw: Answers = serde_json::from_value(json!({
            "jumlah": " 12 ",
            "luas": "1,5",
            "nama": "  Budi  ",
            "nik": "7174 0212 3456 0001",
            "setuju": true,
            "baris": [{"nilai": "3"}, {"nilai": "tiga"}],
            "foto": [],
            "lain": "not in the form"
        }))
        .unwrap();
        assert_eq!(
            serde_json::to_value(coerce(&fields, &raw)).unwrap(),
            json!({
                "jumlah": 12,
                "luas": 1.5,
                "nama": "Budi",
                "nik": "7174021234560001",
                "setuju": true,
                "baris": [{"nilai": 3}, {"nilai": "tiga"}]
            })
        );
        let blank: Answers =
            serde_json::from_value(json!({"jumlah": "  ", "nama": "", "luas": "x"})).unwrap();
        assert_eq!(
            serde_json::to_value(coerce(&fields, &blank)).unwrap(),
            json!({"luas": "x"})
        );
    }

    #[test]
    fn paths_and_element_ids_follow_the_validator() {
        let row = Slot::Row {
            repeat: "anggota",
            index: 2,
        };
        assert_eq!(row.path("nama"), "anggota[2].nama");
        assert_eq!(row.dom_id("nama"), "anggota-2-nama");
        assert_eq!(Slot::Top.dom_id("title"), "title");
        assert_eq!(dom_id_of_path("anggota[0]"), "anggota-0");
    }
}
