//! Sign-in with the same accounts as the field app. Village heads and KIM
//! volunteers are sent to the field app with one sentence that says why.

use super::state::{Pusat, device_id};
use crate::api::{self, Failure};
use crate::i18n;
use kabar_shared::account::LoginRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn LoginView() -> impl IntoView {
    let pusat = expect_context::<Pusat>();
    let lang = pusat.lang;
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let request = LoginRequest {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            device_id: device_id(),
            device_name: "Pusat Komando (browser)".into(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::login(&request).await;
            busy.set(false);
            password.set(String::new());
            match result {
                Ok(me) => pusat.signed_in(me),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    view! {
        <main id="main" class="login">
            <h1>{move || i18n::APP_TITLE.get(lang.get())}</h1>
            <button class="link lang" on:click=move |_| pusat.toggle_lang()>
                {move || i18n::OTHER_LANGUAGE.get(lang.get())}
            </button>
            <form class="card" on:submit=submit>
                <h2>{move || i18n::LOGIN_TITLE.get(lang.get())}</h2>
                <p class="hint">{move || i18n::LOGIN_HINT.get(lang.get())}</p>
                <label for="username">{move || i18n::USERNAME.get(lang.get())}</label>
                <input id="username" type="text" autocomplete="username" autocapitalize="none"
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev)) />
                <label for="password">{move || i18n::PASSWORD.get(lang.get())}</label>
                <input id="password" type="password" autocomplete="current-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev)) />
                <button class="primary" type="submit" disabled=move || busy.get()>
                    {move || i18n::LOGIN.get(lang.get())}
                </button>
                <Show when=move || pusat.field_user_refused.get()>
                    <p class="notice" role="alert">
                        {move || i18n::FIELD_APP_ONLY.get(lang.get())}
                        <a href="/">"/"</a>"."
                    </p>
                </Show>
                {move || error.get().map(|failure| view! {
                    <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p>
                })}
            </form>
        </main>
    }
}
