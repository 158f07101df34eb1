//! Changing one's own password, from the phone, when it reaches the server.
//! The new password is typed twice; the server checks the current one as it
//! checks a login, and ends the user's sessions on other devices.

use super::login_view::describe_request_error;
use super::state::PhoneState;
use crate::api;
use crate::i18n;
use kabar_shared::account::{ChangePasswordRequest, NewPassword};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

#[component]
pub(crate) fn PasswordChange() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeated = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let send = Action::new_local(move |_: &()| {
        let request = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        async move {
            let result = api::change_password(&request).await;
            match result {
                Ok(()) => {
                    for field in [current, new, repeated] {
                        field.set(String::new());
                    }
                    outcome.set(Some(Ok(())));
                }
                Err(error) => outcome.set(Some(Err(describe_request_error(
                    &error,
                    lang.get_untracked(),
                )))),
            }
        }
    });
    let busy = send.pending();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let lang_now = lang.get_untracked();
        if new.get_untracked() != repeated.get_untracked() {
            outcome.set(Some(Err(i18n::PASSWORDS_DIFFER.get(lang_now).to_owned())));
            return;
        }
        if NewPassword::parse(&new.get_untracked()).is_err() {
            outcome.set(Some(Err(i18n::PASSWORD_TOO_SHORT.get(lang_now).to_owned())));
            return;
        }
        outcome.set(None);
        send.dispatch_local(());
    };
    view! {
        <section class="card">
            <button type="button" class="secondary small" on:click=move |_| state.changing_password.set(false)>
                {move || i18n::BACK_TO_LIST.get(lang.get())}
            </button>
            <h2>{move || i18n::CHANGE_PASSWORD.get(lang.get())}</h2>
            <p class="hint">{move || i18n::CHANGE_PASSWORD_HINT.get(lang.get())}</p>
            <form on:submit=submit>
                <PasswordField id="current-password" label=i18n::CURRENT_PASSWORD value=current autocomplete="current-password" />
                <PasswordField id="new-password" label=i18n::NEW_PASSWORD value=new autocomplete="new-password" />
                <PasswordField id="repeat-password" label=i18n::REPEAT_PASSWORD value=repeated autocomplete="new-password" />
                <button class="primary" type="submit" disabled=move || busy.get()>
                    {move || i18n::CHANGE_PASSWORD.get(lang.get())}
                </button>
                {move || outcome.get().map(|outcome| match outcome {
                    Ok(()) => view! { <p class="notice ok" role="status">{i18n::PASSWORD_CHANGED.get(lang.get())}</p> }.into_any(),
                    Err(message) => view! { <p class="notice bad" role="alert">{message}</p> }.into_any(),
                })}
            </form>
        </section>
    }
}

#[component]
fn PasswordField(
    id: &'static str,
    label: i18n::Text,
    value: RwSignal<String>,
    autocomplete: &'static str,
) -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    view! {
        <label for=id>{move || label.get(lang.get())}</label>
        <input
            id=id
            type="password"
            autocomplete=autocomplete
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}
