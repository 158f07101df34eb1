//! One account in the admin's list, with its password reset and its
//! disable/enable button; the outcome or the refusal shows on the row.

use super::state::Pusat;
use crate::api::{self, Account, Failure};
use crate::i18n::{self, Lang, area_label, role_label};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn AccountRow(account: Account, on_change: Callback<()>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    // A password reset's outcome: how many sessions it ended, or the refusal.
    let outcome = RwSignal::new(None::<Result<u64, Failure>>);
    let password = RwSignal::new(String::new());
    let username = account.username.clone();
    let disabled = account.state == "disabled";
    let reset = {
        let username = username.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let username = username.clone();
            spawn_local(async move {
                let result = api::reset_password(&username, &password.get_untracked()).await;
                if result.is_ok() {
                    password.set(String::new());
                }
                outcome.set(Some(result.map(|changed| changed.sessions_ended)));
            });
        }
    };
    let toggle = move |_| {
        let username = username.clone();
        spawn_local(async move {
            match api::set_account_enabled(&username, disabled).await {
                Ok(_) => on_change.run(()),
                Err(failure) => outcome.set(Some(Err(failure))),
            }
        });
    };
    let role = account.access.role();
    let scope = account.access.scope().clone();
    let state = account.state.clone();
    let state_class = format!("badge account-{state}");
    let input_id = format!("reset-{}", account.username);
    view! {
        <tr data-username=account.username.clone()>
            <td>{account.username.clone()}</td>
            <td>{account.display_name.clone()}</td>
            <td>{move || role_label(role).get(lang.get())}</td>
            <td>{move || area_label(&scope, lang.get())}</td>
            <td><span class=state_class>{move || i18n::account_state_label(&state).get(lang.get())}</span></td>
            <td><div class="row-actions">
                <form class="inline" on:submit=reset>
                    <label class="visually-hidden" for=input_id.clone()>{move || i18n::NEW_PASSWORD.get(lang.get())}</label>
                    <input id=input_id type="password" autocomplete="new-password" placeholder=move || i18n::NEW_PASSWORD.get(lang.get())
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                    <button type="submit">{move || i18n::RESET_PASSWORD.get(lang.get())}</button>
                </form>
                <button on:click=toggle>{move || if disabled { i18n::ENABLE.get(lang.get()) } else { i18n::DISABLE.get(lang.get()) }}</button>
                {move || outcome.get().map(|result| outcome_view(result, lang.get()))}
            </div></td>
        </tr>
    }
}

fn outcome_view(result: Result<u64, Failure>, lang: Lang) -> AnyView {
    match result {
        Ok(sessions) => {
            let text = i18n::PASSWORD_RESET
                .get(lang)
                .replace("{n}", &sessions.to_string());
            view! { <p class="ok" role="status">{text}</p> }.into_any()
        }
        Err(failure) => {
            view! { <p class="error" role="alert">{failure.text(lang).to_owned()}</p> }.into_any()
        }
    }
}
