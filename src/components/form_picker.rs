//! Which form a new report is filled in: the latest version of each form
//! the user may file, by its title in the user's language. The card with the
//! picker is on the first screen; the report under it (`report_form`) comes
//! with the second wasm module (`later`).

use super::form_catalog::{default_form_for, summaries_for};
use super::later::later_view;
use super::state::{PhoneState, Session};
use crate::i18n;
use kabar_shared::form::FormSummary;
use leptos::prelude::*;

/// What the picker and the report under it share.
#[derive(Clone, Copy)]
pub(crate) struct PickedForm {
    /// The open form's id, which the picker shows.
    pub form_id: RwSignal<String>,
    /// The user's latest pick, which the report switches to (keeping the
    /// draft of the form it leaves).
    pub requested: RwSignal<Option<String>>,
    /// While a report is being saved the form must not change under it.
    pub saving: RwSignal<bool>,
}

/// The "new report" card: its title, the picker, and the report.
#[component]
pub(crate) fn NewReport() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let access = state.session.with_untracked(|session| match session {
        Session::SignedIn(me) => Some(me.access.clone()),
        Session::SignedOut => None,
    });
    let Some(first_form) = default_form_for(access.as_ref()) else {
        // A role that may file no form is told where to go instead.
        return ().into_any();
    };
    let picked = PickedForm {
        form_id: RwSignal::new(first_form.id.clone()),
        requested: RwSignal::new(None),
        saving: RwSignal::new(false),
    };
    view! {
        <section class="card">
            <h2>{move || i18n::NEW_REPORT.get(lang.get())}</h2>
            <FormPicker
                forms=summaries_for(access.as_ref())
                selected=picked.form_id
                on_pick=Callback::new(move |id| picked.requested.set(Some(id)))
                disabled=picked.saving
            />
            {later_view(state, move |later| (later.report_form)(picked))}
        </section>
    }
    .into_any()
}

#[component]
pub(crate) fn FormPicker(
    /// The forms offered, in order (see `form_catalog::summaries_for`).
    forms: Vec<FormSummary>,
    /// The chosen form's id.
    #[prop(into)]
    selected: Signal<String>,
    /// Called with the id of the form the user picks.
    on_pick: Callback<String>,
    /// While a report is being saved the form must not change under it.
    #[prop(into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let lang = expect_context::<super::state::PhoneState>().lang;
    let options = forms
        .into_iter()
        .map(|form| {
            let FormSummary { id, title, .. } = form;
            let value = id.clone();
            view! {
                <option value=value prop:selected=move || selected.with(|chosen| *chosen == id)>
                    {move || title.get(lang.get().shared()).to_owned()}
                </option>
            }
        })
        .collect_view();
    view! {
        <label for="form-picker">{move || i18n::FORM_PICKER.get(lang.get())}</label>
        <select
            id="form-picker"
            name="form"
            disabled=move || disabled.get()
            on:change=move |ev| on_pick.run(event_target_value(&ev))
        >
            {options}
        </select>
    }
}
