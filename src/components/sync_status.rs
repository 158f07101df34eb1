//! Explains, in the user's language, why reports are still waiting and what
//! happens next, and offers to send now.

use super::state::{Connection, PhoneState};
use crate::api::RequestError;
use crate::i18n::{self, Lang};
use crate::sync_engine::SyncError;
use leptos::prelude::*;

/// Below this much room a few photos may no longer fit.
const LOW_STORAGE_BYTES: f64 = 20_000_000.0;

#[component]
pub fn SyncStatus() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let waiting = move || state.waiting.get();
    // A failure is shown as one; no signal with reports safely waiting is
    // reassurance, not an error, and is shown as such.
    let explanation = move || {
        let lang = lang.get();
        if let Some(error) = state.storage_error.get() {
            return Some((storage_failure(&error, lang), "notice bad"));
        }
        if let Some(error) = state.sync_error.get() {
            return Some((describe(&error, lang), "notice bad"));
        }
        (waiting() > 0 && state.connection.get() == Connection::Offline)
            .then(|| (i18n::ERROR_OFFLINE.get(lang).to_owned(), "notice wait"))
    };
    // Storage the browser may wipe only matters while something is not on
    // the server yet; running out of room matters always.
    let storage_warnings = move || {
        let lang = lang.get();
        let Some(health) = state.storage_health.get() else {
            return Vec::new();
        };
        let mut warnings = Vec::new();
        if let Some(free) = health.free_bytes
            && free < LOW_STORAGE_BYTES
        {
            // Whole megabytes as an integer: formatting an `f64` pulls the
            // standard library's float printing (about 11 kB) into the wasm.
            let megabytes = (free.max(0.0) / 1_000_000.0) as u64;
            warnings.push(format!(
                "{} {megabytes} MB. {}",
                i18n::STORAGE_LOW.get(lang),
                i18n::STORAGE_LOW_ADVICE.get(lang)
            ));
        }
        if !health.persistent && waiting() > 0 {
            warnings.push(i18n::STORAGE_NOT_PERSISTENT.get(lang).to_owned());
        }
        warnings
    };
    let persistent = move || {
        state
            .storage_health
            .get()
            .map(|health| health.persistent.to_string())
    };
    view! {
        <Show when=move || {
            waiting() > 0 || explanation().is_some() || !storage_warnings().is_empty()
        }>
            <section class="card" aria-live="polite" data-storage-persistent=persistent>
                <p class="notice wait" data-waiting=waiting>
                    {move || format!("{} {}", waiting(), i18n::WAITING_COUNT.get(lang.get()))}
                </p>
                {move || explanation().map(|(text, class)| view! { <p class=class>{text}</p> })}
                {move || {
                    storage_warnings()
                        .into_iter()
                        .map(|text| view! { <p class="notice bad storage">{text}</p> })
                        .collect_view()
                }}
                <button
                    class="secondary"
                    disabled=move || state.connection.get() == Connection::Sending
                    on:click=move |_| crate::sync_engine::request_sync(state)
                >
                    {move || i18n::SEND_NOW.get(lang.get())}
                </button>
            </section>
        </Show>
    }
}

fn describe(error: &SyncError, lang: Lang) -> String {
    match error {
        SyncError::Request(RequestError::Unreachable) => i18n::ERROR_OFFLINE.get(lang).to_owned(),
        SyncError::Request(RequestError::TimedOut) => i18n::ERROR_TIMEOUT.get(lang).to_owned(),
        SyncError::Request(RequestError::NotOurServer) => {
            i18n::ERROR_NOT_OUR_SERVER.get(lang).to_owned()
        }
        SyncError::Request(RequestError::Refused {
            status,
            message_id,
            message_en,
        }) => {
            let message = if lang == Lang::Id {
                message_id
            } else {
                message_en
            };
            // The status code is for the server's log, not for the user.
            let _ = status;
            format!(
                "{}: {message} {}",
                i18n::ERROR_SERVER.get(lang),
                i18n::RETRY_HINT.get(lang)
            )
        }
        SyncError::Request(RequestError::Unreadable(detail)) => {
            // The library's English words are for the console only.
            leptos::logging::warn!("unreadable answer: {detail}");
            i18n::ERROR_PROTOCOL.get(lang).to_owned()
        }
        SyncError::Protocol => i18n::ERROR_PROTOCOL.get(lang).to_owned(),
        SyncError::Storage(error) => storage_failure(error, lang),
    }
}

/// The browser's own words for a storage failure are English and technical:
/// they go to the console, and the user reads what happened and what to do.
fn storage_failure(error: &crate::storage::StorageError, lang: Lang) -> String {
    leptos::logging::warn!("storage: {error}");
    format!(
        "{}. {}",
        i18n::ERROR_STORAGE.get(lang),
        i18n::STORAGE_ADVICE.get(lang)
    )
}
