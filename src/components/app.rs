//! The root component: provides the shared state and starts the background
//! work (loading the outbox, syncing on start, on `online`, when the app comes
//! back to the foreground, and on a timer).

use super::login_view::LoginView;
use super::report_form::ReportForm;
use super::report_list::ReportList;
use super::state::{AppState, Connection, Session};
use super::sync_status::SyncStatus;
use super::top_bar::TopBar;
use gloo_timers::future::TimeoutFuture;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How often the app checks whether the server is reachable. The probe is a
/// few hundred bytes, cheap enough for a prepaid data plan.
const SYNC_INTERVAL_MS: u32 = 30_000;

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);

    Effect::new(move |_| {
        state.set_language(state.lang.get_untracked());
        spawn_local(async move {
            state.reload_entries().await;
            state.request_sync();
            loop {
                TimeoutFuture::new(SYNC_INTERVAL_MS).await;
                state.request_sync();
            }
        });
    });
    // The listeners live as long as the page, like the app itself.
    let online = window_event_listener(ev::online, move |_| state.request_sync());
    let offline = window_event_listener(ev::offline, move |_| {
        state.connection.set(Connection::Offline)
    });
    let visible = window_event_listener(ev::visibilitychange, move |_| {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.hidden());
        if !hidden {
            state.request_sync();
        }
    });
    on_cleanup(move || {
        online.remove();
        offline.remove();
        visible.remove();
    });

    let signed_in = move || {
        state
            .session
            .with(|session| matches!(session, Session::SignedIn(_)))
    };
    view! {
        <TopBar />
        <Show when=signed_in fallback=|| view! { <LoginView /> }>
            <main>
                <SyncStatus />
                <ReportForm />
                <ReportList />
            </main>
        </Show>
    }
}
