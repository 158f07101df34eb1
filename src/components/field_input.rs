//! The widget of one simple field: texts, numbers, dates and times, yes/no,
//! choices, NIK, phone and links. Each writes the answer as typed into the form
//! state; nothing here judges the answer, the validator does on save.

use super::form_state::{FormState, Slot, display_text};
use crate::i18n;
use kabar_shared::form::{
    Choice, DateBound, Field, FieldKind,
    model::{DEFAULT_LONG_TEXT_MAX, DEFAULT_SHORT_TEXT_MAX, DEFAULT_URL_MAX},
};
use leptos::prelude::*;
use serde_json::Value as Json;

/// Up to this many choices show as radio buttons, all visible at once and
/// easy to hit; longer lists use a drop-down to save screen height.
const MAX_RADIO_CHOICES: usize = 5;

pub fn uses_radios(choices: &[Choice]) -> bool {
    choices.len() <= MAX_RADIO_CHOICES
}

#[component]
pub(crate) fn FieldInput(state: FormState, field: &'static Field, at: Slot) -> impl IntoView {
    // `slot` is a reserved attribute name in `view!`, hence `at`.
    let slot = at;
    let code = field.code.as_str();
    let value = Memo::new(move |_| state.value(slot, code));
    match &field.kind {
        FieldKind::YesNo => yes_no(state, slot, code, value),
        FieldKind::SelectOne { choices } if uses_radios(choices) => {
            radios(state, slot, code, value, choices)
        }
        FieldKind::SelectOne { choices } => drop_down(state, slot, code, value, choices),
        FieldKind::SelectMany { choices, .. } => checkboxes(state, slot, code, value, choices),
        kind => match TextAttributes::of(kind, state) {
            Some(attributes) => {
                view! { <TextInput state at=slot code value attributes /> }.into_any()
            }
            // Photos, GPS, notes, sections and repeats have their own widgets.
            None => ().into_any(),
        },
    }
}

/// How a field typed as text shows: the input's type and the keyboard,
/// autocompletion and limits the phone offers for it.
struct TextAttributes {
    /// `textarea` for long text, else the input's `type`.
    kind: &'static str,
    inputmode: Option<&'static str>,
    autocomplete: Option<&'static str>,
    maxlength: Option<String>,
    min: Option<String>,
    max: Option<String>,
}

impl TextAttributes {
    fn of(kind: &FieldKind, state: FormState) -> Option<TextAttributes> {
        let plain = |kind, inputmode| TextAttributes {
            kind,
            inputmode,
            autocomplete: Some("off"),
            maxlength: None,
            min: None,
            max: None,
        };
        let date_bound = |bound: &Option<DateBound>, time: Option<&str>| {
            let date = bound.and_then(|bound| bound.resolve(state.today))?;
            Some(match time {
                Some(time) => format!("{date}T{time}"),
                None => date.to_string(),
            })
        };
        Some(match kind {
            FieldKind::ShortText { max_length, .. } => TextAttributes {
                maxlength: Some(max_length.unwrap_or(DEFAULT_SHORT_TEXT_MAX).to_string()),
                ..plain("text", None)
            },
            FieldKind::LongText { max_length, .. } => TextAttributes {
                maxlength: Some(max_length.unwrap_or(DEFAULT_LONG_TEXT_MAX).to_string()),
                ..plain("textarea", None)
            },
            // The numeric keypad has no minus sign on many phones, so it is
            // offered only when negative numbers are not allowed anyway.
            FieldKind::Integer { min, .. } if min.is_some_and(|min| min >= 0) => {
                plain("text", Some("numeric"))
            }
            FieldKind::Integer { .. } => plain("text", Some("text")),
            FieldKind::Decimal { .. } => plain("text", Some("decimal")),
            FieldKind::Date { min, max } => TextAttributes {
                min: date_bound(min, None),
                max: date_bound(max, None),
                autocomplete: None,
                ..plain("date", None)
            },
            FieldKind::Time => TextAttributes {
                autocomplete: None,
                ..plain("time", None)
            },
            FieldKind::DateTime { min, max } => TextAttributes {
                min: date_bound(min, Some("00:00")),
                max: date_bound(max, Some("23:59")),
                autocomplete: None,
                ..plain("datetime-local", None)
            },
            FieldKind::Nik => TextAttributes {
                maxlength: Some("19".into()),
                ..plain("text", Some("numeric"))
            },
            FieldKind::Phone => TextAttributes {
                autocomplete: Some("tel"),
                ..plain("tel", Some("tel"))
            },
            // The URL keyboard has "/" and ".com" at hand; the browser's own
            // URL check only marks the field, the validator decides.
            FieldKind::Url { max_length } => TextAttributes {
                maxlength: Some(max_length.unwrap_or(DEFAULT_URL_MAX).to_string()),
                autocomplete: Some("url"),
                ..plain("url", Some("url"))
            },
            _ => return None,
        })
    }
}

/// A field answered by typing: the answer is the text as typed, and an
/// emptied input clears the answer, so "left blank" is one state.
#[component]
fn TextInput(
    state: FormState,
    at: Slot,
    code: &'static str,
    value: Memo<Option<Json>>,
    attributes: TextAttributes,
) -> impl IntoView {
    let slot = at;
    let id = slot.dom_id(code);
    let text = move || display_text(value.get().as_ref());
    let on_text = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        state.set(slot, code, (!text.is_empty()).then_some(Json::String(text)));
    };
    let invalid = move || state.has_problem(&slot.path(code)).to_string();
    let TextAttributes {
        kind,
        inputmode,
        autocomplete,
        maxlength,
        min,
        max,
    } = attributes;
    if kind == "textarea" {
        return view! {
            <textarea
                id=id
                name=code
                rows="4"
                maxlength=maxlength
                aria-invalid=invalid
                prop:value=text
                on:input=on_text
            ></textarea>
        }
        .into_any();
    }
    view! {
        <input
            id=id
            name=code
            type=kind
            inputmode=inputmode
            autocomplete=autocomplete
            maxlength=maxlength
            min=min
            max=max
            aria-invalid=invalid
            prop:value=text
            on:input=on_text
        />
    }
    .into_any()
}

/// Two radio buttons storing `true` or `false`.
fn yes_no(state: FormState, slot: Slot, code: &'static str, value: Memo<Option<Json>>) -> AnyView {
    let lang = state.lang;
    let id = slot.dom_id(code);
    let option = |answer: bool| {
        let option_id = format!("{id}-{}", if answer { "ya" } else { "tidak" });
        view! {
            <label class="choice">
                <input
                    id=option_id
                    type="radio"
                    name=id.clone()
                    value=answer.to_string()
                    prop:checked=move || value.get() == Some(Json::Bool(answer))
                    on:change=move |_| state.set(slot, code, Some(Json::Bool(answer)))
                />
                <span>{move || if answer { i18n::YES.get(lang.get()) } else { i18n::NO.get(lang.get()) }}</span>
            </label>
        }
    };
    let (yes, no) = (option(true), option(false));
    view! {
        <div class="choices inline" id=id.clone() role="radiogroup" aria-labelledby=format!("{id}-label") tabindex="-1">
            {yes}
            {no}
        </div>
    }
    .into_any()
}

/// One radio button per choice, storing the choice's code.
fn radios(
    state: FormState,
    slot: Slot,
    code: &'static str,
    value: Memo<Option<Json>>,
    choices: &'static [Choice],
) -> AnyView {
    let lang = state.lang;
    let id = slot.dom_id(code);
    let options = choices
        .iter()
        .map(|choice| {
            let choice_code = choice.code.as_str();
            view! {
                <label class="choice">
                    <input
                        id=format!("{id}-{choice_code}")
                        type="radio"
                        name=id.clone()
                        value=choice_code
                        prop:checked=move || value.with(|v| v.as_ref().and_then(Json::as_str) == Some(choice_code))
                        on:change=move |_| state.set(slot, code, Some(Json::from(choice_code)))
                    />
                    <span>{move || choice.label.get(lang.get().shared()).to_owned()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="choices" id=id.clone() role="radiogroup" aria-labelledby=format!("{id}-label") tabindex="-1">
            {options}
        </div>
    }
    .into_any()
}

/// A drop-down for long choice lists, starting at "choose".
fn drop_down(
    state: FormState,
    slot: Slot,
    code: &'static str,
    value: Memo<Option<Json>>,
    choices: &'static [Choice],
) -> AnyView {
    let lang = state.lang;
    let id = slot.dom_id(code);
    let is_chosen = move |choice_code: &str| {
        value.with(|v| v.as_ref().and_then(Json::as_str) == Some(choice_code))
    };
    let options = choices
        .iter()
        .map(|choice| {
            let choice_code = choice.code.as_str();
            view! {
                <option value=choice_code prop:selected=move || is_chosen(choice_code)>
                    {move || choice.label.get(lang.get().shared()).to_owned()}
                </option>
            }
        })
        .collect_view();
    view! {
        <select
            id=id
            name=code
            aria-invalid=move || state.has_problem(&slot.path(code)).to_string()
            on:change=move |ev| {
                let chosen = event_target_value(&ev);
                state.set(slot, code, (!chosen.is_empty()).then_some(Json::String(chosen)));
            }
        >
            <option value="" prop:selected=move || value.with(Option::is_none)>
                {move || i18n::CHOOSE_ONE.get(lang.get())}
            </option>
            {options}
        </select>
    }
    .into_any()
}

/// One checkbox per choice, storing the checked codes in the form's order.
fn checkboxes(
    state: FormState,
    slot: Slot,
    code: &'static str,
    value: Memo<Option<Json>>,
    choices: &'static [Choice],
) -> AnyView {
    let lang = state.lang;
    let id = slot.dom_id(code);
    let is_checked = move |choice_code: &str| {
        value.with(|v| {
            v.as_ref()
                .and_then(Json::as_array)
                .is_some_and(|codes| codes.iter().any(|c| c.as_str() == Some(choice_code)))
        })
    };
    let toggle = move |choice_code: &str, checked: bool| {
        // Rebuilt from the form's choices, so the answer lists codes in the
        // order the form does, whatever order they were ticked in.
        let codes: Vec<Json> = choices
            .iter()
            .map(|choice| choice.code.as_str())
            .filter(|c| {
                if *c == choice_code {
                    checked
                } else {
                    is_checked(c)
                }
            })
            .map(Json::from)
            .collect();
        state.set(
            slot,
            code,
            (!codes.is_empty()).then_some(Json::Array(codes)),
        );
    };
    let options = choices
        .iter()
        .map(|choice| {
            let choice_code = choice.code.as_str();
            view! {
                <label class="choice">
                    <input
                        id=format!("{id}-{choice_code}")
                        type="checkbox"
                        name=id.clone()
                        value=choice_code
                        prop:checked=move || is_checked(choice_code)
                        on:change=move |ev| toggle(choice_code, event_target_checked(&ev))
                    />
                    <span>{move || choice.label.get(lang.get().shared()).to_owned()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="choices" id=id.clone() role="group" aria-labelledby=format!("{id}-label") tabindex="-1">
            {options}
        </div>
    }
    .into_any()
}
