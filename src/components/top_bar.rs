//! The title bar: app name, connection state and the language switch; and
//! under it, on every screen, who is signed in and for which village, since
//! phones are shared, with changing the password and signing out.

use super::later::LaterState;
use super::state::{Connection, PhoneState, Session};
use crate::api;
use crate::i18n;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn TopBar() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let connection_text = move || {
        let text = match state.connection.get() {
            Connection::Checking => i18n::CHECKING,
            Connection::Online => i18n::ONLINE,
            Connection::Offline => i18n::OFFLINE,
            Connection::Sending => i18n::SENDING,
        };
        text.get(lang.get())
    };
    let connection_name = move || match state.connection.get() {
        Connection::Checking => "checking",
        Connection::Online => "online",
        Connection::Offline => "offline",
        Connection::Sending => "sending",
    };
    // The bar holds only the name, the connection and the language, so
    // "Kabar Desa" fits whole on a 360 px phone; signing out sits with the
    // signed-in name below.
    view! {
        <header class="topbar">
            <h1>{move || i18n::APP_TITLE.get(lang.get())}</h1>
            <span class="pill" role="status" data-connection=connection_name>{connection_text}</span>
            <button
                class="lang"
                aria-label=move || i18n::SWITCH_LANGUAGE_LABEL.get(lang.get())
                on:click=move |_| state.set_language(lang.get_untracked().other())
            >
                {move || i18n::SWITCH_LANGUAGE.get(lang.get())}
            </button>
        </header>
        <SignedInAs />
    }
}

/// "Signed in as Sangadi Biga · Desa Biga", or the kecamatan or the city
/// for staff.
#[component]
fn SignedInAs() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    move || {
        let Session::SignedIn(me) = state.session.get() else {
            return None;
        };
        let lang = lang.get();
        // The place's name comes from the gazetteer, which is read by the
        // second module (`later`): it joins the line once that is here.
        let place = match state.later.get() {
            LaterState::Ready(later) => {
                format!(" · {}", (later.place_name)(me.access.scope(), lang))
            }
            _ => String::new(),
        };
        let text = format!(
            "{} {}{place}",
            i18n::SIGNED_IN_AS.get(lang),
            me.display_name
        );
        let logout = move |_| {
            spawn_local(async move {
                // Forget the identity even when the server cannot be told:
                // on a shared phone the next person must not act as this
                // user.
                let _ = api::logout().await;
                state.signed_out();
            });
        };
        Some(view! {
            <div class="who" data-who=me.username.as_str().to_owned()>
                <p>{text}</p>
                <span class="who-actions">
                    <button type="button" class="link" on:click=move |_| state.changing_password.set(true)>
                        {i18n::CHANGE_PASSWORD.get(lang)}
                    </button>
                    <button type="button" class="link" on:click=logout>
                        {i18n::LOGOUT.get(lang)}
                    </button>
                </span>
            </div>
        })
    }
}
