//! One form version's questions, as the forms screen shows them: code,
//! label in the chosen language, type and whether it is required; the
//! questions of a section or repeat group indented under it.

use super::state::Pusat;
use crate::api::{self, Failure};
use crate::i18n;
use kabar_shared::form::{Field, FieldKind, FormDefinition};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The type's name as definitions write it.
fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::ShortText { .. } => "short_text",
        FieldKind::LongText { .. } => "long_text",
        FieldKind::Integer { .. } => "integer",
        FieldKind::Decimal { .. } => "decimal",
        FieldKind::Date { .. } => "date",
        FieldKind::Time => "time",
        FieldKind::DateTime { .. } => "date_time",
        FieldKind::YesNo => "yes_no",
        FieldKind::SelectOne { .. } => "select_one",
        FieldKind::SelectMany { .. } => "select_many",
        FieldKind::Photo { .. } => "photo",
        FieldKind::Gps { .. } => "gps",
        FieldKind::Nik => "nik",
        FieldKind::Phone => "phone",
        FieldKind::Url { .. } => "url",
        FieldKind::Note => "note",
        FieldKind::Section { .. } => "section",
        FieldKind::Repeat { .. } => "repeat",
    }
}

/// Every field with its depth, in the order the form asks them.
fn flatten(fields: &[Field], depth: usize, out: &mut Vec<(usize, Field)>) {
    for field in fields {
        out.push((depth, field.clone()));
        if let FieldKind::Section { fields } | FieldKind::Repeat { fields, .. } = &field.kind {
            flatten(fields, depth + 1, out);
        }
    }
}

#[component]
pub fn FormFields(id: String, version: u32) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let definition = RwSignal::new(None::<Result<FormDefinition, Failure>>);
    let heading = format!("{id} v{version}");
    spawn_local(async move { definition.set(Some(api::admin_form(&id, version).await)) });
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <section class="form-fields" aria-labelledby="form-fields-title">
            <h2 id="form-fields-title">{heading}</h2>
            {move || match definition.get() {
                None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
                Some(Ok(form)) => {
                    let mut rows = Vec::new();
                    flatten(&form.fields, 0, &mut rows);
                    view! {
                        <p>{form.title.get(lang.get()).to_owned()}</p>
                        <table>
                            <thead><tr>
                                <th scope="col">{t(i18n::FORMS_FIELD_CODE)}</th><th scope="col">{t(i18n::FORMS_NAME)}</th>
                                <th scope="col">{t(i18n::FORMS_FIELD_TYPE)}</th><th scope="col">{t(i18n::FORMS_REQUIRED)}</th>
                            </tr></thead>
                            <tbody>{rows.into_iter().map(|(depth, field)| view! {
                                <tr>
                                    <td style=format!("padding-left: {}rem", 0.5 + depth as f32 * 1.5)><code>{field.code.clone()}</code></td>
                                    <td>{field.label.get(lang.get()).to_owned()}</td>
                                    <td>{kind_name(&field.kind)}</td>
                                    <td>{if field.required { i18n::YES.get(lang.get()) } else { "" }}</td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
