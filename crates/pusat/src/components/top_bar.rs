//! The bar above every screen: where you are, who you are, the language.

use super::state::{Pusat, Screen, go};
use crate::api;
use crate::i18n;
use kabar_shared::account::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn TopBar() -> impl IntoView {
    let pusat = expect_context::<Pusat>();
    let lang = pusat.lang;
    let is_grid = move || pusat.screen.get() == Screen::Grid;
    let is_mail = move || pusat.screen.get() == Screen::Mail;
    let on = move |screen: Screen| move || pusat.screen.get() == screen;
    // The mail screen is for Diskominfo's admins only; the server refuses
    // its calls to anyone else as well.
    let is_admin = move || {
        pusat
            .me
            .get()
            .is_some_and(|me| me.access.role() == Role::Admin)
    };
    let logout = move |_| {
        spawn_local(async move {
            api::logout().await;
            pusat.me.set(None);
        });
    };
    let who = move || {
        pusat
            .me
            .get()
            .map(|me| format!("{} ({})", me.display_name, me.username))
            .unwrap_or_default()
    };
    view! {
        <header class="top-bar">
            <strong class="brand">{move || i18n::APP_TITLE.get(lang.get())}</strong>
            <nav aria-label="Pusat Komando">
                <a href="#/" class:active=move || matches!(pusat.screen.get(), Screen::Inbox | Screen::Report(_)) on:click=move |_| go(&Screen::Inbox)>
                    {move || i18n::NAV_INBOX.get(lang.get())}
                </a>
                <a href="#/kelengkapan" class:active=is_grid>
                    {move || i18n::NAV_GRID.get(lang.get())}
                </a>
                <Show when=is_admin>
                    <a href="#/surat" class:active=is_mail>
                        {move || i18n::NAV_MAIL.get(lang.get())}
                    </a>
                </Show>
                // The map, and the admin's forms, accounts, sessions and audit log.
                <a href=Screen::Map.hash() class:active=on(Screen::Map)>{move || i18n::NAV_MAP.get(lang.get())}</a>
                <Show when=is_admin>
                    <a href=Screen::Forms.hash() class:active=on(Screen::Forms)>{move || i18n::NAV_FORMS.get(lang.get())}</a>
                    <a href=Screen::Accounts.hash() class:active=on(Screen::Accounts)>{move || i18n::NAV_ACCOUNTS.get(lang.get())}</a>
                    <a href=Screen::Sessions.hash() class:active=on(Screen::Sessions)>{move || i18n::NAV_SESSIONS.get(lang.get())}</a>
                    <a href=Screen::Audit.hash() class:active=on(Screen::Audit)>{move || i18n::NAV_AUDIT.get(lang.get())}</a>
                </Show>
            </nav>
            <span class="who">{who}</span>
            <button class="link" on:click=move |_| pusat.toggle_lang()>
                {move || i18n::OTHER_LANGUAGE.get(lang.get())}
            </button>
            <button class="link" on:click=logout>{move || i18n::LOGOUT.get(lang.get())}</button>
        </header>
    }
}
