//! The part of the app a signed-in user needs after the first screen: the
//! form's fields, the list and the opened report, this month's duties, the
//! password change and the sync cycle. Its code is a second wasm module,
//! split off at build time (`build/wasm-split.mjs`), so the first visit on
//! a slow link downloads only the login, the top bar and the form picker.
//!
//! The module is fetched once the user is signed in (the service worker
//! keeps it for offline days, like the rest of the app). Everything here is
//! reached through [`Later`]'s function pointers: a direct call from the
//! first screen's code to one of these views would pull it back into the
//! first module.

#![allow(unsafe_code)]

use super::form_picker::PickedForm;
use super::state::PhoneState;
use crate::i18n::{self, Lang};
use crate::storage::OutboxEntry;
use kabar_shared::account::Scope;
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::SplitLoaderError;
#[cfg(feature = "split")]
use leptos::wasm_split::wasm_split;
use std::cell::RefCell;
use std::pin::Pin;

/// The entry points into the second module.
#[derive(Clone, Copy)]
pub(crate) struct Later {
    /// Reads what this module's views need from IndexedDB (the whole form
    /// definitions, the reviewers' news, the last approved reports); runs
    /// once, before any of them is shown.
    pub prepare: fn(PhoneState) -> Pin<Box<dyn Future<Output = ()>>>,
    pub report_form: fn(PickedForm) -> AnyView,
    pub report_list: fn() -> AnyView,
    pub report_view: fn(OutboxEntry) -> AnyView,
    pub duties: fn() -> AnyView,
    pub password_change: fn() -> AnyView,
    pub sync_status: fn() -> AnyView,
    pub install_and_update: fn() -> AnyView,
    /// The name of a user's village, district or the city, for the top bar.
    pub place_name: fn(&Scope, Lang) -> String,
    pub sync_cycle: fn(PhoneState),
    /// Rereads the user's reports into the state, then syncs.
    pub reload_and_sync: fn(PhoneState),
    /// Tells the sync machine the user signed out (the machine only ever ran
    /// if this module was here).
    pub sync_signed_out: fn(PhoneState),
}

/// Where the second module stands.
#[derive(Clone, Copy)]
pub(crate) enum LaterState {
    NotLoaded,
    Loading,
    Ready(Later),
    /// Neither the phone nor the network had it (a first visit that lost
    /// its signal before the app was kept): the user is told, and may try
    /// again.
    Missing,
}

/// The split point: with the `split` feature (the app's Trunk build), a
/// call fetches the second module first. Without it (the browser tests,
/// whose wasm is not cut) everything is one module: the macro's unmangled
/// export would keep the whole app in every test's wasm, importing a loader
/// that is not there.
#[cfg(feature = "split")]
#[wasm_split(signed_in, wasm_split_path = ::leptos::wasm_split, fallible)]
fn entry_points() -> Result<Later, SplitLoaderError> {
    Ok(entry_table())
}

#[cfg(not(feature = "split"))]
async fn entry_points() -> Result<Later, SplitLoaderError> {
    Ok(entry_table())
}

fn entry_table() -> Later {
    use super::{
        duties, install_update, password_change, report_form, report_list, report_view, sync_status,
    };
    Later {
        prepare: |state| Box::pin(prepare(state)),
        report_form: |picked| view! { <report_form::ReportForm picked /> }.into_any(),
        report_list: || view! { <report_list::ReportList /> }.into_any(),
        report_view: |entry| view! { <report_view::ReportView entry /> }.into_any(),
        duties: || view! { <duties::Duties /> }.into_any(),
        password_change: || view! { <password_change::PasswordChange /> }.into_any(),
        sync_status: || view! { <sync_status::SyncStatus /> }.into_any(),
        install_and_update: || view! { <install_update::InstallAndUpdate /> }.into_any(),
        place_name,
        sync_cycle: crate::sync_engine::sync_cycle,
        reload_and_sync: |state| {
            spawn_local(async move {
                state.reload_entries().await;
                crate::sync_engine::request_sync(state);
            })
        },
        sync_signed_out: crate::sync_engine::signed_out,
    }
}

/// Something to do once the second module is here.
type WhenLoaded = Box<dyn FnOnce(Later)>;

thread_local! {
    /// What asked for the second module while it was on its way.
    static WAITING: RefCell<Vec<WhenLoaded>> = const { RefCell::new(Vec::new()) };
}

fn place_name(scope: &Scope, lang: Lang) -> String {
    match scope {
        Scope::Village(code) => Gazetteer::kotamobagu()
            .village(code)
            .map_or_else(|| code.to_string(), |village| village.name.clone()),
        Scope::District(code) => Gazetteer::kotamobagu()
            .districts
            .iter()
            .find(|district| district.code == code.as_str())
            .map_or_else(
                || code.to_string(),
                |district| format!("Kec. {}", district.name),
            ),
        Scope::All => i18n::WHOLE_CITY.get(lang).to_owned(),
    }
}

async fn prepare(state: PhoneState) {
    match crate::storage::remembered().await {
        Ok(remembered) => {
            super::form_catalog::adopt(remembered.forms);
            state.reviews.set(remembered.reviews);
            state.approved.set(remembered.approved);
        }
        Err(error) => state.storage_error.set(Some(error)),
    }
}

/// Fetches the second module unless it is here or on its way; `then` runs
/// once it is here (and not at all when it cannot be had).
pub(crate) fn load(state: PhoneState, then: impl FnOnce(Later) + 'static) {
    let loading = match state.later.get_untracked() {
        LaterState::Ready(later) => return then(later),
        LaterState::Loading => true,
        LaterState::NotLoaded | LaterState::Missing => false,
    };
    WAITING.with_borrow_mut(|waiting| waiting.push(Box::new(then)));
    if loading {
        return;
    }
    state.later.set(LaterState::Loading);
    spawn_local(async move {
        match entry_points().await {
            Ok(later) => {
                (later.prepare)(state).await;
                state.later.set(LaterState::Ready(later));
                // Taken only now: whatever asked while `prepare` read
                // IndexedDB waits here too.
                WAITING.take().into_iter().for_each(|then| then(later));
            }
            Err(error) => {
                leptos::logging::warn!("second module: {error}");
                // A retry (`Missing`'s button) asks anew.
                WAITING.take();
                state.later.set(LaterState::Missing);
            }
        }
    });
}

/// A view from the second module, or nothing while it loads (a few hundred
/// milliseconds from the phone's own copy) or cannot be had ([`Missing`]
/// says so, once for the screen).
pub(crate) fn later_view(
    state: PhoneState,
    show: impl Fn(Later) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    move || match state.later.get() {
        LaterState::Ready(later) => show(later),
        LaterState::NotLoaded | LaterState::Loading | LaterState::Missing => ().into_any(),
    }
}

/// What to do when the second module cannot be had.
#[component]
pub(crate) fn Missing() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    view! {
        <Show when=move || matches!(state.later.get(), LaterState::Missing)>
            <section class="card" role="alert">
                <p class="notice bad">{move || i18n::PART_MISSING.get(lang.get())}</p>
                <button class="secondary" type="button" on:click=move |_| super::app::refresh(state)>
                    {move || i18n::TRY_AGAIN.get(lang.get())}
                </button>
            </section>
        </Show>
    }
}
