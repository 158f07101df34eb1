//! Which form a new report is filled in: the latest version of each form
//! the user may file, by its title in the user's language.

use crate::i18n;
use kabar_shared::form::FormDefinition;
use leptos::prelude::*;

#[component]
pub(crate) fn FormPicker(
    /// The forms offered, in order (see `form_catalog::forms_for`).
    forms: Vec<&'static FormDefinition>,
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
            let id = form.id.as_str();
            view! {
                <option value=id prop:selected=move || selected.with(|chosen| chosen == id)>
                    {move || form.title.get(lang.get().shared()).to_owned()}
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
