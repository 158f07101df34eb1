//! The login screen. Logging in needs the server once; afterwards the phone
//! works offline as this user until the session ends (30 days, renewed by
//! every sync).

use super::state::PhoneState;
use crate::api::{self, RequestError};
use crate::device::device_id;
use crate::i18n::{self, Lang};
use kabar_shared::account::LoginRequest;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// What the user did on the page's own login form (`#shell` in
/// `index.html`) while the app was still downloading: the app takes it over
/// when it starts, so nothing typed is lost and a tap on "Masuk" is not
/// needed twice.
#[derive(Clone, Debug, Default)]
pub(crate) struct ShellLogin {
    username: String,
    password: String,
    /// "Masuk" was tapped before the app could send it.
    submitted: bool,
    /// The field the user was typing in, to keep the keyboard where it was.
    focused: Option<String>,
}

impl ShellLogin {
    /// Reads the page's login form and removes it; `None` when the page has
    /// none (an installed phone, a remembered user).
    pub fn take_from_page() -> Option<ShellLogin> {
        let document = web_sys::window()?.document()?;
        let shell = document.get_element_by_id("shell")?;
        let value = |id: &str| {
            document
                .get_element_by_id(id)
                .and_then(|element| element.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value())
                .unwrap_or_default()
        };
        let taken = ShellLogin {
            username: value("username"),
            password: value("password"),
            submitted: document
                .get_element_by_id("shell-login")
                .is_some_and(|form| form.get_attribute("data-waiting").is_some()),
            focused: document
                .active_element()
                .map(|element| element.id())
                .filter(|id| id == "username" || id == "password"),
        };
        shell.remove();
        Some(taken)
    }

    /// Puts the keyboard back into the field the user was typing in, now
    /// that the app's own form is on the page.
    pub fn restore_focus(&self) {
        if let Some(id) = &self.focused {
            super::report_form::focus(id);
        }
    }
}

#[component]
pub fn LoginView() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    // The page's own form is taken over once, by the first login screen.
    let shell = use_context::<StoredValue<Option<ShellLogin>>>()
        .and_then(|slot| slot.try_update_value(Option::take).flatten())
        .unwrap_or_default();
    let username = RwSignal::new(shell.username);
    let password = RwSignal::new(shell.password);
    let error = RwSignal::new(None::<RequestError>);
    let log_in = log_in_action(state, username, password, error);
    let busy = log_in.pending();
    if shell.submitted {
        log_in.dispatch_local(());
    }
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        // A second tap while the login is on its way does nothing.
        if !busy.get_untracked() {
            log_in.dispatch_local(());
        }
    };

    view! {
        <main>
            <section class="card">
                <h2>{move || i18n::LOGIN_TITLE.get(lang.get())}</h2>
                <p class="report-meta">{move || i18n::LOGIN_HINT.get(lang.get())}</p>
                <form on:submit=submit>
                    <label for="username">{move || i18n::USERNAME.get(lang.get())}</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                    <label for="password">{move || i18n::PASSWORD.get(lang.get())}</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                    <button class="primary" type="submit" disabled=move || busy.get()>
                        {move || i18n::LOGIN.get(lang.get())}
                    </button>
                    {move || {
                        error
                            .get()
                            .map(|failure| {
                                view! {
                                    <p class="notice bad" role="alert">
                                        {describe_request_error(&failure, lang.get())}
                                    </p>
                                }
                            })
                    }}
                </form>
            </section>
        </main>
    }
}

/// A failed request to the server in the user's words: no signal, or the
/// server's own explanation in the user's language.
pub(super) fn describe_request_error(failure: &RequestError, lang: Lang) -> String {
    match failure {
        RequestError::Unreachable | RequestError::TimedOut => {
            i18n::LOGIN_NEEDS_SIGNAL.get(lang).to_owned()
        }
        RequestError::Refused {
            message_id,
            message_en,
            ..
        } => {
            if lang == Lang::Id {
                message_id.clone()
            } else {
                message_en.clone()
            }
        }
        RequestError::Unreadable(detail) => {
            // The library's English words are for the console only.
            leptos::logging::warn!("unreadable answer: {detail}");
            i18n::ERROR_PROTOCOL.get(lang).to_owned()
        }
        RequestError::NotOurServer => i18n::ERROR_NOT_OUR_SERVER.get(lang).to_owned(),
    }
}

/// A label for the admin's session list, e.g. the phone's browser.
fn device_name() -> String {
    web_sys::window()
        .and_then(|window| window.navigator().user_agent().ok())
        .map(|agent| agent.chars().take(120).collect())
        .unwrap_or_default()
}

/// Sends the login as typed and, when the server knows the user, signs
/// the phone in; a refusal is kept in `error` for the screen.
fn log_in_action(
    state: PhoneState,
    username: RwSignal<String>,
    password: RwSignal<String>,
    error: RwSignal<Option<RequestError>>,
) -> Action<(), ()> {
    Action::new_local(move |_: &()| {
        error.set(None);
        let request = LoginRequest {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            device_id: device_id(),
            device_name: device_name(),
        };
        async move {
            match api::login(&request).await {
                Ok(me) => {
                    password.set(String::new());
                    state.signed_in(me);
                }
                Err(failure) => error.set(Some(failure)),
            }
        }
    })
}
