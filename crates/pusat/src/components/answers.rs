//! A report's answers with the labels of the form version it was filed
//! against: sections as groups, repeat groups as tables, choices by their
//! labels, calculated totals marked as such.

use super::state::Pusat;
use crate::api::Detail;
use crate::i18n::{self, Lang};
use kabar_shared::form::{CarryMismatch, Field, FieldKind};
use leptos::prelude::*;
use serde_json::Value;

#[component]
pub fn AnswersView(detail: Detail) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let answers = Value::Object(detail.report.answers.clone().into_iter().collect());
    let fields = detail.form.map(|form| form.fields).unwrap_or_default();
    let flags = detail.carry_mismatches;
    // The village changed a figure the phone prefilled from last month's
    // approved report: said once on top, and next to each figure.
    let summary = (!flags.is_empty()).then(|| {
        view! { <p class="notice carry-flags" role="note">{move || i18n::CARRY_FLAGS.get(lang.get())}</p> }
    });
    view! {
        <section class="answers">
            <h2>{move || i18n::ANSWERS.get(lang.get())}</h2>
            {summary}
            {move || fields_view(&fields, &answers, &flags, lang.get())}
        </section>
    }
}

fn fields_view(fields: &[Field], answers: &Value, flags: &[CarryMismatch], lang: Lang) -> AnyView {
    let items = fields.iter().filter_map(|field| match &field.kind {
        FieldKind::Note => None,
        FieldKind::Section { fields } => Some(view! {
            <fieldset><legend>{field.label.get(lang).to_owned()}</legend>{fields_view(fields, answers, flags, lang)}</fieldset>
        }.into_any()),
        FieldKind::Repeat { fields, .. } => Some(repeat_view(field, fields, answers.get(&field.code), lang)),
        kind => answers.get(&field.code).map(|value| {
            let calculated = field.calculate.is_some().then_some(if lang == Lang::Id { " (dihitung)" } else { " (calculated)" });
            let flag = flags.iter().find(|flag| flag.code == field.code).map(|flag| {
                view! { <span class="carry-flag">{flag.message(lang)}</span> }
            });
            let flagged = flag.is_some();
            view! {
                <div class="answer" class:flagged=flagged><dt>{field.label.get(lang).to_owned()}{calculated}</dt><dd>{value_text(kind, value, lang)}{flag}</dd></div>
            }.into_any()
        }),
    }).collect_view();
    view! { <dl class="answer-list">{items}</dl> }.into_any()
}

fn repeat_view(field: &Field, columns: &[Field], rows: Option<&Value>, lang: Lang) -> AnyView {
    let rows = rows.and_then(Value::as_array).cloned().unwrap_or_default();
    let columns: Vec<Field> = columns
        .iter()
        .filter(|column| column.kind.takes_answer())
        .cloned()
        .collect();
    let head = columns
        .iter()
        .map(|column| view! { <th scope="col">{column.label.get(lang).to_owned()}</th> })
        .collect_view();
    let body = rows
        .iter()
        .map(|row| {
            let cells = columns
                .iter()
                .map(|column| {
                    let text = row
                        .get(&column.code)
                        .map(|value| value_text(&column.kind, value, lang))
                        .unwrap_or_default();
                    view! { <td>{text}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view();
    view! {
        <figure class="repeat">
            <figcaption>{field.label.get(lang).to_owned()}</figcaption>
            <table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
        </figure>
    }
    .into_any()
}

/// An answer as the reader reads it.
pub fn value_text(kind: &FieldKind, value: &Value, lang: Lang) -> String {
    let choice = |code: &str| {
        kind.choices()
            .iter()
            .find(|choice| choice.code == code)
            .map(|choice| choice.label.get(lang).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    match (kind, value) {
        (FieldKind::SelectOne { .. }, Value::String(code)) => choice(code),
        (FieldKind::SelectMany { .. }, Value::Array(codes)) => codes
            .iter()
            .filter_map(Value::as_str)
            .map(choice)
            .collect::<Vec<_>>()
            .join(", "),
        (FieldKind::YesNo, Value::Bool(yes)) => if *yes {
            i18n::YES.get(lang)
        } else {
            i18n::NO.get(lang)
        }
        .to_owned(),
        (FieldKind::Photo { .. }, Value::Array(photos)) => {
            format!("{} {}", photos.len(), i18n::PHOTOS.get(lang).to_lowercase())
        }
        (FieldKind::Gps { .. }, Value::Object(point)) => {
            let number = |key: &str| point.get(key).and_then(Value::as_f64).unwrap_or_default();
            format!(
                "{:.6}, {:.6} (±{:.0} m)",
                number("lat"),
                number("lon"),
                number("accuracy_m")
            )
        }
        (_, Value::String(text)) => text.clone(),
        (_, Value::Null) => "—".into(),
        (_, other) => other.to_string(),
    }
}
