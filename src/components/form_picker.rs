//! Which form a new report is filled in: the latest version of each form
//! the app knows, by its title in the user's language.

use super::form_catalog::offered_forms;
use crate::i18n;
use leptos::prelude::*;

#[component]
pub fn FormPicker(
    /// The chosen form's id.
    #[prop(into)]
    selected: Signal<String>,
    /// Called with the id of the form the user picks.
    on_pick: Callback<String>,
    /// While a report is being saved the form must not change under it.
    #[prop(into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let lang = expect_context::<super::state::AppState>().lang;
    let options = offered_forms()
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
