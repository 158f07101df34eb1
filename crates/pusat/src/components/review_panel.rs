//! The review actions of one report, by button or keyboard shortcut. A
//! comment is required where the action says so.

use super::state::Pusat;
use crate::api::Failure;
use crate::i18n;
use crate::review::{self, ReviewAction};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

#[component]
pub fn ReviewPanel(id: String, on_done: Callback<()>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let comment = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<(), Failure>>);
    let missing_comment = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let act = move |action: ReviewAction| {
        if busy.get_untracked() || action.status().is_none() {
            return;
        }
        let text = comment.get_untracked();
        if action.needs_comment() && text.trim().is_empty() {
            missing_comment.set(true);
            return;
        }
        missing_comment.set(false);
        busy.set(true);
        let id = id.clone();
        spawn_local(async move {
            let result = review::apply(&id, action, Some(text)).await;
            busy.set(false);
            if result.is_ok() {
                comment.set(String::new());
                on_done.run(());
            }
            message.set(Some(result));
        });
    };
    let act = StoredValue::new(act);
    let keys = window_event_listener(leptos::ev::keydown, move |event| {
        let typing = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| {
                matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            });
        if typing || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        if let Some(action) = ReviewAction::from_key(&event.key()) {
            event.prevent_default();
            act.with_value(|act| act(action));
        }
    });
    on_cleanup(move || keys.remove());
    let buttons = ReviewAction::ALL.map(|action| view! {
        <button class=format!("review-action {}", action.css_class()) aria-keyshortcuts=action.key().to_uppercase()
            disabled=move || busy.get() || action.status().is_none()
            on:click=move |_| act.with_value(|act| act(action))>
            {move || action.label(lang.get())}<kbd>{action.key().to_uppercase()}</kbd>
        </button>
    });
    view! {
        <section class="review card">
            <h2>{move || i18n::REVIEW.get(lang.get())}</h2>
            <label for="review-comment">{move || i18n::COMMENT.get(lang.get())}</label>
            <textarea id="review-comment" rows="3" maxlength="2000" prop:value=move || comment.get()
                on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            <Show when=move || missing_comment.get()><p class="error" role="alert">{move || i18n::COMMENT_REQUIRED.get(lang.get())}</p></Show>
            <div class="review-actions">{Vec::from(buttons)}</div>
            <p class="hint">{move || i18n::SHORTCUTS.get(lang.get())}</p>
            {move || message.get().map(|result| match result {
                Ok(()) => view! { <p class="ok" role="status">{i18n::SAVED.get(lang.get())}</p> }.into_any(),
                Err(failure) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            })}
        </section>
    }
}
