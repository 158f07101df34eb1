//! What of a report the public may see (keterbukaan informasi publik).

use super::model::{Field, FieldKind, FormDefinition};
use crate::report::Answers;
use serde_json::Value as Json;

/// The answers of a report as the public may see them: every answer of a
/// personal field dropped, inside repeat rows too, and everything the form
/// does not define dropped as well (an unknown answer could be anything).
/// The one rule for every public output (page, feeds), so none of them can
/// forget a field.
pub fn public_answers(form: &FormDefinition, answers: &Answers) -> Answers {
    fn keep(fields: &[Field], answers: &Answers, out: &mut Answers) {
        for field in fields {
            if field.personal {
                continue;
            }
            match &field.kind {
                FieldKind::Section { fields } => keep(fields, answers, out),
                FieldKind::Repeat { fields, .. } => {
                    let Some(Json::Array(rows)) = answers.get(&field.code) else {
                        continue;
                    };
                    let rows = rows
                        .iter()
                        .filter_map(|row| {
                            let row: Answers = serde_json::from_value(row.clone()).ok()?;
                            let mut kept = Answers::new();
                            keep(fields, &row, &mut kept);
                            Some(Json::Object(kept.into_iter().collect()))
                        })
                        .collect();
                    out.insert(field.code.clone(), Json::Array(rows));
                }
                kind if kind.takes_answer() => {
                    if let Some(value) = answers.get(&field.code) {
                        out.insert(field.code.clone(), value.clone());
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Answers::new();
    keep(&form.fields, answers, &mut out);
    out
}
