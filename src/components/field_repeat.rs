//! A repeat group: a table the user fills row by row, adding and removing
//! rows within the form's minimum and maximum. Rows are kept by position in
//! the answers, so removing a row shifts the ones below it up, as the
//! validator's `repeat[row].column` paths do.

use super::form_state::{FormState, Slot, new_row};
use super::form_view::{fields_view, problems_view};
use crate::i18n;
use kabar_shared::form::{Field, FieldKind};
use leptos::prelude::*;
use serde_json::Value as Json;

#[component]
pub fn RepeatGroup(state: FormState, field: &'static Field) -> impl IntoView {
    let FieldKind::Repeat {
        fields,
        min_rows,
        max_rows,
    } = &field.kind
    else {
        return ().into_any();
    };
    let (min_rows, max_rows) = (min_rows.unwrap_or(0) as usize, *max_rows);
    let lang = state.lang;
    let code = field.code.as_str();
    let rows = Memo::new(move |_| {
        state.raw.with(|answers| {
            answers
                .get(code)
                .and_then(Json::as_array)
                .map_or(0, Vec::len)
        })
    });
    let can_add = move || max_rows.is_none_or(|max| rows.get() < max as usize);
    let hint = field.hint.as_ref().map(
        |hint| view! { <p class="hint">{move || hint.get(lang.get().shared()).to_owned()}</p> },
    );
    view! {
        <fieldset class="repeat" id=code tabindex="-1" data-field=code>
            <legend>{move || field.label.get(lang.get().shared()).to_owned()}</legend>
            {hint}
            <For
                each=move || 0..rows.get()
                key=|index| *index
                children=move |index| view! { <RepeatRow state code fields=fields.as_slice() index rows min_rows /> }
            />
            <button type="button" class="secondary" disabled=move || !can_add() on:click=move |_| add_row(state, code, fields)>
                {move || i18n::ADD_ROW.get(lang.get())}
            </button>
            {problems_view(state, code.to_owned())}
        </fieldset>
    }
    .into_any()
}

/// One row of the group: its fields, their problems and a remove button
/// that keeps the group at its minimum.
#[component]
fn RepeatRow(
    state: FormState,
    code: &'static str,
    fields: &'static [Field],
    index: usize,
    rows: Memo<usize>,
    min_rows: usize,
) -> impl IntoView {
    let lang = state.lang;
    let slot = Slot::Row {
        repeat: code,
        index,
    };
    view! {
        <div class="repeat-row" id=format!("{code}-{index}")>
            <p class="repeat-row-title">
                {move || format!("{} {}", i18n::ROW.get(lang.get()), index + 1)}
            </p>
            {fields_view(state, fields, slot)}
            {problems_view(state, format!("{code}[{index}]"))}
            <button
                type="button"
                class="secondary small"
                disabled=move || rows.get() <= min_rows
                on:click=move |_| remove_row(state, code, index)
            >
                {move || i18n::REMOVE_ROW.get(lang.get())}
            </button>
        </div>
    }
}

/// Appends an empty row (a malformed answer becomes an empty list first).
fn add_row(state: FormState, code: &str, fields: &[Field]) {
    state.raw.update(|answers| {
        let list = answers
            .entry(code.to_owned())
            .or_insert_with(|| Json::Array(Vec::new()));
        if !list.is_array() {
            *list = Json::Array(Vec::new());
        }
        if let Some(list) = list.as_array_mut() {
            list.push(new_row(fields));
        }
    });
}

/// Removes row `index`; the rows below it move up.
fn remove_row(state: FormState, code: &str, index: usize) {
    state.raw.update(|answers| {
        if let Some(list) = answers.get_mut(code).and_then(Json::as_array_mut)
            && index < list.len()
        {
            list.remove(index);
        }
    });
}
