//! Installing the app and taking a new version. Where the browser offers
//! installation, a "Pasang aplikasi" button appears (and on an iPhone, which
//! never offers it, a one-line hint). When the service worker has fetched a
//! new version, a banner offers to reload: the app never reloads itself, so
//! a form being filled is never interrupted.

use crate::i18n;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// What the page's script dispatches on `window` once a new version of the
/// app is cached (see `index.html` and `public/sw.js`).
const UPDATED_EVENT: &str = "kabar-desa-updated";

#[component]
pub(crate) fn InstallAndUpdate() -> impl IntoView {
    let lang = expect_context::<super::state::PhoneState>().lang;
    let install_prompt = StoredValue::new_local(None::<JsValue>);
    let installable = RwSignal::new(false);
    let updated = RwSignal::new(false);
    let prompt_listener = window_event_listener_untyped("beforeinstallprompt", move |event| {
        // Keep the browser's own prompt for the button.
        event.prevent_default();
        install_prompt.set_value(Some(event.into()));
        installable.set(true);
    });
    let installed = window_event_listener_untyped("appinstalled", move |_| installable.set(false));
    listen_for_new_version(updated);
    on_cleanup(move || {
        prompt_listener.remove();
        installed.remove();
    });
    let install = move |_| {
        if let Some(prompt) = install_prompt.with_value(Clone::clone) {
            call_method(&prompt, "prompt");
        }
        installable.set(false);
    };
    let reload = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        {move || updated.get().then(|| view! {
            <div class="notice update" role="status">
                <span>{i18n::NEW_VERSION.get(lang.get())}</span>
                <button type="button" class="secondary small" on:click=reload>
                    {i18n::RELOAD.get(lang.get())}
                </button>
            </div>
        })}
        {move || installable.get().then(|| view! {
            <button type="button" class="secondary install" on:click=install>
                {i18n::INSTALL_APP.get(lang.get())}
            </button>
        })}
        {ios_hint().then(|| view! { <p class="hint install-hint">{move || i18n::INSTALL_IOS_HINT.get(lang.get())}</p> })}
    }
}

/// Sets `updated` when the page's own script found that the service worker
/// cached a new version since this page started: before the app started
/// (the flag) or later (the event).
fn listen_for_new_version(updated: RwSignal<bool>) {
    let announced_early = web_sys::window()
        .and_then(|window| js_sys::Reflect::get(&window, &"kabarDesaUpdated".into()).ok())
        .and_then(|flag| flag.as_bool())
        .unwrap_or(false);
    if announced_early {
        updated.set(true);
    }
    let listener = window_event_listener_untyped(UPDATED_EVENT, move |_| {
        updated.try_set(true);
    });
    on_cleanup(move || listener.remove());
}

fn call_method(target: &JsValue, name: &str) {
    if let Ok(method) = js_sys::Reflect::get(target, &name.into())
        && let Some(method) = method.dyn_ref::<js_sys::Function>()
    {
        let _ = method.call0(target);
    }
}

/// An iPhone or iPad browser, not yet installed: Safari never offers the
/// prompt, so the way is told.
fn ios_hint() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let agent = navigator.user_agent().unwrap_or_default();
    let standalone = js_sys::Reflect::get(&navigator, &"standalone".into())
        .ok()
        .and_then(|value| value.as_bool())
        .unwrap_or(false);
    (agent.contains("iPhone") || agent.contains("iPad")) && !standalone
}
