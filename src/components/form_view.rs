//! A plain renderer for any form definition: every field with its label,
//! hint, widget and the problems of the last save attempt. Fields that are
//! not relevant are hidden as the answers change; a hidden field keeps what
//! was typed (so toggling a choice back restores it), but the validator
//! leaves it out of what is saved.

use super::field_gps::GpsInput;
use super::field_input::FieldInput;
use super::field_photo::PhotoInput;
use super::field_repeat::RepeatGroup;
use super::form_state::{FormState, Slot, display_text};
use crate::i18n;
use kabar_shared::form::{Field, FieldKind};
use leptos::prelude::*;

#[component]
pub fn FormView(state: FormState) -> impl IntoView {
    let lang = state.lang;
    let form = state.form;
    view! {
        <div class="form-view" data-form=form.id.clone()>
            {form
                .description
                .as_ref()
                .map(|description| {
                    view! { <p class="form-description">{move || description.get(lang.get().shared()).to_owned()}</p> }
                })}
            {has_required(&form.fields).then(|| view! {
                <p class="form-legend">
                    <span class="required" aria-hidden="true">"* "</span>
                    {move || i18n::REQUIRED_LEGEND.get(lang.get())}
                </p>
            })}
            {fields_view(state, &form.fields, Slot::Top)}
        </div>
    }
}

/// Whether any field, in sections and repeats too, must be answered: only
/// then does the form explain the mark.
fn has_required(fields: &[Field]) -> bool {
    fields.iter().any(|field| {
        field.required
            || matches!(&field.kind, FieldKind::Section { fields } | FieldKind::Repeat { fields, .. } if has_required(fields))
    })
}

/// The fields of a form, a section or a repeat row, in form order.
pub fn fields_view(state: FormState, fields: &'static [Field], slot: Slot) -> AnyView {
    fields
        .iter()
        .map(|field| view! { <FieldBlock state=state field=field at=slot /> })
        .collect_view()
        .into_any()
}

/// One field, shown only while it is relevant.
#[component]
fn FieldBlock(state: FormState, field: &'static Field, at: Slot) -> impl IntoView {
    // `slot` is a reserved attribute name in `view!`, hence `at`.
    let slot = at;
    let visible = Memo::new(move |_| state.is_relevant(field, slot));
    view! { <Show when=move || visible.get()>{move || field_body(state, field, slot)}</Show> }
}

fn field_body(state: FormState, field: &'static Field, slot: Slot) -> AnyView {
    let lang = state.lang;
    let id = slot.dom_id(&field.code);
    let label = move || field.label.get(lang.get().shared()).to_owned();
    match &field.kind {
        FieldKind::Section { fields } => view! {
            <fieldset class="section" id=id>
                <legend>{label}</legend>
                {hint_view(state, field)}
                {fields_view(state, fields, slot)}
            </fieldset>
        }
        .into_any(),
        FieldKind::Note => view! {
            <div class="note" id=id>
                <p class="note-text">{label}</p>
                {hint_view(state, field)}
            </div>
        }
        .into_any(),
        // Repeats inside repeat rows are valid in the model but no form uses
        // them; this plain renderer shows top-level repeats only.
        FieldKind::Repeat { .. } if slot == Slot::Top => {
            view! { <RepeatGroup state=state field=field /> }.into_any()
        }
        FieldKind::Repeat { .. } => ().into_any(),
        _ => answer_field(state, field, slot),
    }
}

/// A field that takes an answer: label, hint, widget, problems.
fn answer_field(state: FormState, field: &'static Field, slot: Slot) -> AnyView {
    let lang = state.lang;
    let id = slot.dom_id(&field.code);
    let path = slot.path(&field.code);
    let label_text = move || field.label.get(lang.get().shared()).to_owned();
    // The star is for the eye; a screen reader hears "wajib diisi" as part
    // of the label instead (an image's name counts in its label's).
    let required = field.required.then(|| {
        view! {
            <span class="required" role="img" aria-label=move || i18n::REQUIRED_LEGEND.get(lang.get())>
                " *"
            </span>
        }
    });
    // A label points at one control; a group of radios, checkboxes or
    // buttons is named by a caption the group refers to instead.
    let label = if labels_one_control(field) {
        view! { <label for=id.clone()>{label_text}{required}</label> }.into_any()
    } else {
        view! { <p class="label" id=format!("{id}-label")>{label_text}{required}</p> }.into_any()
    };
    let widget = if field.calculate.is_some() {
        calculated_view(state, field, slot, id.clone())
    } else {
        match &field.kind {
            FieldKind::Gps { .. } => {
                view! { <GpsInput state=state field=field at=slot /> }.into_any()
            }
            FieldKind::Photo { .. } => {
                view! { <PhotoInput state=state field=field at=slot /> }.into_any()
            }
            _ => view! { <FieldInput state=state field=field at=slot /> }.into_any(),
        }
    };
    let problem_path = path.clone();
    let invalid = move || state.has_problem(&problem_path);
    let data_field = path.clone();
    let remarked = state.named_by_reviewer(field);
    let remark = remarked.then(|| {
        view! { <p class="field-remark">{move || i18n::NAMED_BY_REVIEWER.get(lang.get())}</p> }
    });
    view! {
        <div class="field" class:invalid=invalid class:remarked=remarked data-field=data_field>
            {label}
            {remark}
            {hint_view(state, field)}
            {widget}
            {carry_warning_view(state, field)}
            {problems_view(state, path)}
        </div>
    }
    .into_any()
}

/// Whether the field's widget is a single control a `<label for>` can name.
fn labels_one_control(field: &Field) -> bool {
    if field.calculate.is_some() {
        return true;
    }
    match &field.kind {
        FieldKind::YesNo
        | FieldKind::SelectMany { .. }
        | FieldKind::Gps { .. }
        | FieldKind::Photo { .. } => false,
        FieldKind::SelectOne { choices } => !super::field_input::uses_radios(choices),
        _ => true,
    }
}

fn hint_view(state: FormState, field: &'static Field) -> Option<impl IntoView + use<>> {
    let lang = state.lang;
    field.hint.as_ref().map(|hint| {
        view! { <p class="hint">{move || hint.get(lang.get().shared()).to_owned()}</p> }
    })
}

/// A carried figure that differs from last month's approved end: a warning,
/// not a problem, since the village may have a reason; the Command Center
/// sees it too.
fn carry_warning_view(state: FormState, field: &'static Field) -> impl IntoView {
    field.carry_from.as_ref().map(|_| {
        let code = field.code.as_str();
        move || {
            state
                .carry_warning(code)
                .map(|text| view! { <p class="field-warning" role="status">{text}</p> })
        }
    })
}

/// The messages of the last save attempt for one validator path.
pub fn problems_view(state: FormState, path: String) -> impl IntoView {
    move || {
        state
            .messages_at(&path)
            .into_iter()
            .map(|message| view! { <p class="field-error" role="alert">{message}</p> })
            .collect_view()
    }
}

/// A calculated field: shown read-only, as the validator computes it.
fn calculated_view(state: FormState, field: &'static Field, slot: Slot, id: String) -> AnyView {
    let lang = state.lang;
    let code = field.code.as_str();
    let text = move || match state.live_value(slot, code) {
        Some(serde_json::Value::Bool(yes)) => if yes {
            i18n::YES.get(lang.get())
        } else {
            i18n::NO.get(lang.get())
        }
        .to_owned(),
        Some(value) => display_text(Some(&value)),
        None => i18n::NOT_CALCULATED_YET.get(lang.get()).to_owned(),
    };
    view! {
        <output id=id class="calculated" tabindex="-1">
            {text}
        </output>
        <p class="hint">{move || i18n::CALCULATED.get(lang.get())}</p>
    }
    .into_any()
}
