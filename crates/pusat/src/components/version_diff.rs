//! Which answers changed between two versions of a report, with the labels
//! of the form, in the form's order. Pure, so it is tested natively.

use super::answers::value_text;
use crate::i18n::Lang;
use kabar_shared::form::{Field, FieldKind};
use kabar_shared::report::Answers;
use serde_json::Value;

/// One changed answer: its label, the older text and the newer text.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// The questions that take an answer, sections opened, in form order.
fn answer_fields(fields: &[Field]) -> Vec<&Field> {
    fields
        .iter()
        .flat_map(|field| match &field.kind {
            FieldKind::Section { fields } => answer_fields(fields),
            FieldKind::Note => Vec::new(),
            _ => vec![field],
        })
        .collect()
}

/// A repeat group's rows, one line each: `1. Label: value; Label: value`.
fn repeat_text(columns: &[Field], rows: &Value, lang: Lang) -> String {
    let Some(rows) = rows.as_array() else {
        return value_text(&FieldKind::Note, rows, lang);
    };
    rows.iter()
        .enumerate()
        .map(|(index, row)| {
            let cells: Vec<String> = columns
                .iter()
                .filter_map(|column| {
                    let value = row.get(&column.code)?;
                    Some(format!(
                        "{}: {}",
                        column.label.get(lang),
                        value_text(&column.kind, value, lang)
                    ))
                })
                .collect();
            format!("{}. {}", index + 1, cells.join("; "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(field: Option<&Field>, value: Option<&Value>, lang: Lang) -> String {
    match (field, value) {
        (_, None) => "—".into(),
        (Some(field), Some(value)) => match &field.kind {
            FieldKind::Repeat { fields, .. } => repeat_text(fields, value, lang),
            kind => value_text(kind, value, lang),
        },
        (None, Some(value)) => value_text(&FieldKind::Note, value, lang),
    }
}

/// Whether two answers are the same, a number the same whether it was
/// written `12` or `12.0` (phones and tools write either).
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => a.as_f64() == b.as_f64(),
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(Some(a), Some(b)))
        }
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            a.len() == b.len() && a.iter().all(|(key, value)| same(Some(value), b.get(key)))
        }
        (a, b) => a == b,
    }
}

/// The answers that differ between `before` and `after`, labelled by
/// `fields` (the newer version's form); answers the form does not name
/// come last, by their code.
pub fn changed_answers(
    fields: &[Field],
    before: &Answers,
    after: &Answers,
    lang: Lang,
) -> Vec<Change> {
    let known = answer_fields(fields);
    let mut codes: Vec<&str> = known.iter().map(|field| field.code.as_str()).collect();
    for code in before.keys().chain(after.keys()) {
        if !codes.contains(&code.as_str()) {
            codes.push(code);
        }
    }
    codes
        .into_iter()
        .filter(|code| !same(before.get(*code), after.get(*code)))
        .map(|code| {
            let field = known.iter().copied().find(|field| field.code == code);
            Change {
                label: field
                    .map_or_else(|| code.to_owned(), |field| field.label.get(lang).to_owned()),
                before: text(field, before.get(code), lang),
                after: text(field, after.get(code), lang),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kabar_shared::form::FormCatalog;
    use kabar_shared::report::FormRef;
    use serde_json::json;

    #[test]
    fn only_changed_answers_are_listed_with_their_labels_in_form_order() {
        let catalog = FormCatalog::builtin();
        let form = catalog
            .get(&FormRef {
                id: "laporan-kejadian".into(),
                version: 1,
            })
            .unwrap();
        let before: Answers = serde_json::from_value(json!({
            "jenis_kejadian": "banjir",
            "lokasi": "Lingkungan III",
            "ada_korban": false,
            "uraian": "Air naik.",
        }))
        .unwrap();
        let mut after = before.clone();
        after.insert("uraian".into(), json!("Air naik setinggi lutut."));
        after.insert("ada_korban".into(), json!(true));
        after.insert("catatan_lain".into(), json!("baru"));
        // The same point written with other number spellings is no change.
        let mut before = before;
        before.insert(
            "titik_lokasi".into(),
            json!({"lat": 0.5, "lon": 124.0, "accuracy_m": 12.0}),
        );
        after.insert(
            "titik_lokasi".into(),
            json!({"lat": 0.5, "lon": 124, "accuracy_m": 12}),
        );
        let changes = changed_answers(&form.fields, &before, &after, Lang::Id);
        let labels: Vec<&str> = changes.iter().map(|change| change.label.as_str()).collect();
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert_eq!(labels[2], "catatan_lain");
        let korban = changes
            .iter()
            .position(|change| change.after == "Ya")
            .unwrap();
        let uraian = changes
            .iter()
            .position(|change| change.after == "Air naik setinggi lutut.")
            .unwrap();
        assert!(korban < uraian, "form order: {labels:?}");
        assert_eq!(changes[korban].before, "Tidak");
        assert_eq!(changes[2].before, "—");
    }
}
