//! The root component: provides the shared state and starts the background
//! work (loading the outbox, syncing on start, on `online`, when the app comes
//! back to the foreground, and on a timer).

use super::form_picker::NewReport;
use super::later::{Missing, later_view};
use super::login_view::LoginView;
use super::state::{Connection, PhoneState, Session};
use super::top_bar::TopBar;
use crate::i18n;
use crate::storage;
use crate::sync_engine::request_sync;
use gloo_timers::future::TimeoutFuture;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How often the app syncs. With nothing waiting a sync is one pull of a
/// few hundred bytes, cheap enough for a prepaid data plan, and it is also
/// how the app learns whether the server is reachable.
const SYNC_INTERVAL_MS: u32 = 30_000;

#[component]
pub fn App() -> impl IntoView {
    let state = PhoneState::new();
    provide_context(state);

    start_background_work(state);

    // The report opened from the list, while it is still on the phone.
    let opened_entry = move || {
        let id = state.opened.get()?;
        state
            .entries
            .with_untracked(|entries| entries.iter().find(|entry| entry.report.id == id).cloned())
    };
    // Staff accounts file nothing: they are pointed to the Command Center.
    let files_reports = move || {
        state.session.with(|session| match session {
            Session::SignedIn(me) => me.access.role().is_village_bound(),
            Session::SignedOut => false,
        })
    };
    let signed_in = move || {
        state
            .session
            .with(|session| matches!(session, Session::SignedIn(_)))
    };
    // A signed-in user sees nothing but the top bar until what the phone
    // remembers is read, so the login never flashes; a signed-out one gets
    // the login at once, without waiting for IndexedDB to open. A memo, so
    // the read finishing does not build the login anew under the user's
    // typing.
    let login_shown = Memo::new(move |_| state.remembered.get() || !signed_in());
    // The second module is fetched as soon as someone is signed in, so the
    // form's fields are there by the time a form is picked.
    Effect::new(move |_| {
        if signed_in() {
            super::later::load(state, |_| ());
        }
    });
    view! {
        <TopBar />
        <Show
            when=move || state.remembered.get() && signed_in()
            fallback=move || login_shown.get().then(|| view! { <LoginView /> })
        >
            <main>
                {later_view(state, |later| (later.install_and_update)())}
                {later_view(state, |later| (later.sync_status)())}
                <Missing />
                {move || match (state.changing_password.get(), files_reports(), opened_entry()) {
                    (true, _, _) => later_view(state, |later| (later.password_change)()).into_any(),
                    (false, false, _) => view! { <StaffNotice /> }.into_any(),
                    (false, true, Some(entry)) => {
                        later_view(state, move |later| (later.report_view)(entry.clone())).into_any()
                    }
                    (false, true, None) if state.forms_ready.get() => {
                        view! {
                            {later_view(state, |later| (later.duties)())}
                            <NewReport />
                            {later_view(state, |later| (later.report_list)())}
                        }
                        .into_any()
                    }
                    (false, true, None) => {
                        view! { <FormsComing /> {later_view(state, |later| (later.report_list)())} }
                            .into_any()
                    }
                }}
            </main>
        </Show>
    }
}

/// Reads what the phone remembers, then syncs: at start, every
/// [`SYNC_INTERVAL_MS`], when the phone comes online and when the app comes
/// back to the foreground.
fn start_background_work(state: PhoneState) {
    Effect::new(move |_| {
        state.set_language(state.lang.get_untracked());
        spawn_local(async move {
            // The forms pulled earlier are in IndexedDB; the first screen
            // waits for them (a few ms), so a form never changes under a
            // user who is filling it.
            match storage::remembered_form_summaries().await {
                Ok(summaries) => {
                    super::form_catalog::adopt_summaries(summaries);
                    state.forms_ready.set(super::form_catalog::any_known());
                }
                Err(error) => state.storage_error.set(Some(error)),
            }
            state.remembered.set(true);
            refresh(state);
            loop {
                TimeoutFuture::new(SYNC_INTERVAL_MS).await;
                request_sync(state);
            }
        });
    });
    // The listeners live as long as the page, like the app itself.
    let online = window_event_listener(ev::online, move |_| request_sync(state));
    let offline = window_event_listener(ev::offline, move |_| {
        state.connection.set(Connection::Offline)
    });
    let visible = window_event_listener(ev::visibilitychange, move |_| {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.hidden());
        if !hidden {
            request_sync(state);
        }
    });
    on_cleanup(move || {
        online.remove();
        offline.remove();
        visible.remove();
    });
}

/// Rereads the signed-in user's reports and syncs: the list and the
/// outbox's count are the second module's (`later`), so the first screen
/// never waits for reading them. Signed out, only the server is asked
/// whether it answers.
pub(super) fn refresh(state: PhoneState) {
    if state.username_untracked().is_some() {
        super::later::load(state, move |later| (later.reload_and_sync)(state));
    } else {
        request_sync(state);
    }
}

/// What a reviewer or admin who signs in on a phone sees: one sentence and
/// the way to the Command Center.
#[component]
fn StaffNotice() -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    view! {
        <section class="card staff-notice">
            <p>{move || i18n::STAFF_ACCOUNT.get(lang.get())}</p>
            <a class="button primary" href="/pusat/">{move || i18n::OPEN_COMMAND_CENTER.get(lang.get())}</a>
        </section>
    }
}

/// Before the first pull of a new phone has brought the forms (they are not
/// compiled into the app): what is happening, and that saved reports are
/// safe.
#[component]
fn FormsComing() -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    view! {
        <section class="card forms-coming" role="status">
            <p>{move || i18n::FORMS_COMING.get(lang.get())}</p>
        </section>
    }
}
