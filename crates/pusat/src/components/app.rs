//! The root: finds out who is signed in, then shows the sign-in screen or
//! the open screen under the top bar.

use super::detail::DetailScreen;
use super::forms_admin::FormsScreen;
use super::grid::GridScreen;
use super::inbox::InboxScreen;
use super::login::LoginView;
use super::mail::MailScreen;
use super::state::{Pusat, Screen};
use super::top_bar::TopBar;
use super::{
    accounts::AccountsScreen, audit::AuditScreen, map::MapScreen, sessions::SessionsScreen,
};
use crate::api;
use crate::i18n;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn App() -> impl IntoView {
    let pusat = Pusat::new();
    provide_context(pusat);
    let checked = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(me) = api::me().await {
            pusat.signed_in(me);
        }
        checked.set(true);
    });
    let listener = window_event_listener(leptos::ev::hashchange, move |_| {
        pusat.screen.set(Screen::current());
    });
    on_cleanup(move || listener.remove());
    Effect::new(move |_| {
        let code = match pusat.lang.get() {
            i18n::Lang::Id => "id",
            i18n::Lang::En => "en",
        };
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", code);
        }
        document().set_title(i18n::APP_TITLE.get(pusat.lang.get()));
    });

    view! {
        <Show
            when=move || checked.get()
            fallback=move || view! { <p class="loading">{i18n::LOADING.get(pusat.lang.get())}</p> }
        >
            <Show when=move || pusat.me.get().is_some() fallback=LoginView>
                <TopBar />
                <main id="main">{move || screen_view(pusat.screen.get())}</main>
            </Show>
        </Show>
    }
}

fn screen_view(screen: Screen) -> AnyView {
    match screen {
        Screen::Inbox => view! { <InboxScreen /> }.into_any(),
        Screen::Report(id) => view! { <DetailScreen id=id /> }.into_any(),
        Screen::Grid => view! { <GridScreen /> }.into_any(),
        Screen::Mail => view! { <MailScreen /> }.into_any(),
        Screen::Forms => view! { <FormsScreen /> }.into_any(),
        Screen::Map => view! { <MapScreen /> }.into_any(),
        Screen::Accounts => view! { <AccountsScreen /> }.into_any(),
        Screen::Sessions => view! { <SessionsScreen /> }.into_any(),
        Screen::Audit => view! { <AuditScreen /> }.into_any(),
    }
}
