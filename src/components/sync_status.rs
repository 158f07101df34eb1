//! Explains, in the user's language, why reports are still waiting and what
//! happens next, and offers to send now.

use super::state::{AppState, Connection};
use crate::api::ApiError;
use crate::i18n::{self, Lang};
use crate::sync_engine::SyncError;
use leptos::prelude::*;

#[component]
pub fn SyncStatus() -> impl IntoView {
    let state = expect_context::<AppState>();
    let lang = state.lang;
    let waiting = move || {
        state
            .entries
            .with(|entries| entries.iter().filter(|e| e.delivery.is_waiting()).count())
    };
    let explanation = move || {
        let lang = lang.get();
        if let Some(error) = state.storage_error.get() {
            return Some(format!("{}: {error}", i18n::ERROR_STORAGE.get(lang)));
        }
        if let Some(error) = state.sync_error.get() {
            return Some(describe(&error, lang));
        }
        (waiting() > 0 && state.connection.get() == Connection::Offline)
            .then(|| i18n::ERROR_OFFLINE.get(lang).to_owned())
    };
    view! {
        <Show when=move || { waiting() > 0 || explanation().is_some() }>
            <section class="card" aria-live="polite">
                <p class="notice wait" data-waiting=waiting>
                    {move || format!("⏳ {} {}", waiting(), i18n::WAITING_COUNT.get(lang.get()))}
                </p>
                {move || explanation().map(|text| view! { <p class="notice bad">{text}</p> })}
                <button
                    class="secondary"
                    disabled=move || state.connection.get() == Connection::Sending
                    on:click=move |_| state.request_sync()
                >
                    {move || i18n::SEND_NOW.get(lang.get())}
                </button>
            </section>
        </Show>
    }
}

fn describe(error: &SyncError, lang: Lang) -> String {
    match error {
        SyncError::Api(ApiError::Unreachable) => i18n::ERROR_OFFLINE.get(lang).to_owned(),
        SyncError::Api(ApiError::TimedOut) => i18n::ERROR_TIMEOUT.get(lang).to_owned(),
        SyncError::Api(ApiError::Refused {
            status,
            message_id,
            message_en,
        }) => {
            let message = if lang == Lang::Id {
                message_id
            } else {
                message_en
            };
            format!(
                "{} ({status}): {message} {}",
                i18n::ERROR_SERVER.get(lang),
                i18n::RETRY_HINT.get(lang)
            )
        }
        SyncError::Api(ApiError::Unreadable(detail)) => {
            format!("{} {detail}", i18n::ERROR_PROTOCOL.get(lang))
        }
        SyncError::Protocol(_) => i18n::ERROR_PROTOCOL.get(lang).to_owned(),
        SyncError::Storage(error) => format!("{}: {error}", i18n::ERROR_STORAGE.get(lang)),
    }
}
