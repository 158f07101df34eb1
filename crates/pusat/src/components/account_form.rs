//! The form that creates an account: a username, a name, a role, and the
//! village (village heads and KIM volunteers) or kecamatan (reviewers, or
//! the whole city) it works in, and a first password.

use super::state::Pusat;
use crate::api::{self, Failure, NewAccount};
use crate::i18n::{self, role_label};
use kabar_shared::account::Role;
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn AccountForm(on_created: Callback<()>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::VillageHead.as_str().to_owned());
    let area = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<String, Failure>>);
    let village_bound = move || Role::parse(&role.get()).is_ok_and(Role::is_village_bound);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let area = area.get_untracked();
        let bound = village_bound();
        let is_reviewer = role.get_untracked() == Role::Reviewer.as_str();
        let account = NewAccount {
            username: username.get_untracked().trim().to_owned(),
            display_name: Some(name.get_untracked()).filter(|name| !name.trim().is_empty()),
            role: role.get_untracked(),
            village: (bound && !area.is_empty()).then(|| area.clone()),
            district: (is_reviewer && !area.is_empty()).then_some(area),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            let result = api::create_account(&account)
                .await
                .map(|_| account.username.clone());
            if result.is_ok() {
                username.set(String::new());
                name.set(String::new());
                password.set(String::new());
                on_created.run(());
            }
            outcome.set(Some(result));
        });
    };
    let areas = move || {
        let gazetteer = Gazetteer::kotamobagu();
        if village_bound() {
            gazetteer
                .villages()
                .map(|v| (v.code.to_string(), v.name.clone()))
                .collect::<Vec<_>>()
        } else {
            gazetteer
                .districts
                .iter()
                .map(|d| (d.code.clone(), d.name.clone()))
                .collect()
        }
    };
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <form class="card account-form" on:submit=submit>
            <h2>{t(i18n::NEW_ACCOUNT)}</h2>
            <label for="new-username">{t(i18n::USERNAME)}</label>
            <input id="new-username" required autocomplete="off" prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev)) />
            <label for="new-name">{t(i18n::DISPLAY_NAME)}</label>
            <input id="new-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <label for="new-role">{t(i18n::ROLE)}</label>
            <select id="new-role" on:change=move |ev| { role.set(event_target_value(&ev)); area.set(String::new()); }>
                {Role::ALL.into_iter().map(|option| view! {
                    <option value=option.as_str() selected=move || role.get() == option.as_str()>{move || role_label(option).get(lang.get())}</option>
                }).collect_view()}
            </select>
            <Show when=move || role.get() != Role::Admin.as_str()>
                <label for="new-area">{move || if village_bound() { i18n::FILTER_VILLAGE.get(lang.get()) } else { i18n::FILTER_DISTRICT.get(lang.get()) }}</label>
                <select id="new-area" on:change=move |ev| area.set(event_target_value(&ev))>
                    <option value="" selected=move || area.get().is_empty()>{move || if village_bound() { i18n::CHOOSE.get(lang.get()) } else { i18n::WHOLE_CITY.get(lang.get()) }}</option>
                    {move || areas().into_iter().map(|(code, label)| view! { <option value=code>{label}</option> }).collect_view()}
                </select>
            </Show>
            <label for="new-password">{t(i18n::PASSWORD)}</label>
            <input id="new-password" type="password" required autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            <button type="submit" class="primary">{t(i18n::CREATE_ACCOUNT)}</button>
            {move || outcome.get().map(|result| match result {
                Ok(created) => view! { <p class="ok" role="status">{i18n::ACCOUNT_CREATED.get(lang.get()).replace("{name}", &created)}</p> }.into_any(),
                Err(failure) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            })}
        </form>
    }
}
