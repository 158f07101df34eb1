//! Publishing a new form version: the definition pasted or read from a
//! .json file, sent as it is; the server checks it with the shared
//! definition checks, and its refusal is shown with every problem found.

use super::state::Pusat;
use crate::api::{self, PublishRefusal, Published};
use crate::i18n;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The text of the file chosen in a file input, if it can be read.
async fn chosen_file_text(input: web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    JsFuture::from(file.text()).await.ok()?.as_string()
}

#[component]
pub fn PublishForm(on_published: Callback<()>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let text = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<Published, PublishRefusal>>);
    let file_failed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let on_file = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        spawn_local(async move {
            let read = chosen_file_text(input).await;
            file_failed.set(read.is_none());
            if let Some(read) = read {
                text.set(read);
            }
        });
    };
    let publish = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let definition = text.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let answer = api::publish_form(&definition).await;
            if answer.is_ok() {
                on_published.run(());
            }
            outcome.set(Some(answer));
            busy.set(false);
        });
    };
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <section class="publish-form" aria-labelledby="publish-title">
            <h2 id="publish-title">{t(i18n::FORMS_PUBLISH_TITLE)}</h2>
            <p class="hint">{t(i18n::FORMS_PUBLISH_HINT)}</p>
            <form on:submit=publish>
                <label for="form-definition">{t(i18n::FORMS_DEFINITION)}</label>
                <textarea id="form-definition" rows="14" spellcheck="false"
                    prop:value=move || text.get() on:input=move |event| text.set(event_target_value(&event))></textarea>
                <label for="form-file">{t(i18n::FORMS_FILE)}</label>
                <input id="form-file" type="file" accept=".json,application/json" on:change=on_file />
                <Show when=move || file_failed.get()>
                    <p class="error" role="alert">{t(i18n::FORMS_FILE_UNREADABLE)}</p>
                </Show>
                <button type="submit" disabled=move || busy.get() || text.get().trim().is_empty()>
                    {t(i18n::FORMS_PUBLISH)}
                </button>
            </form>
            <Outcome outcome=outcome />
        </section>
    }
}

#[component]
fn Outcome(outcome: RwSignal<Option<Result<Published, PublishRefusal>>>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    move || match outcome.get() {
        None => ().into_any(),
        Some(Ok(published)) => {
            let message = i18n::FORMS_PUBLISHED_OK
                .get(lang.get())
                .replace("{form}", &published.form)
                .replace("{version}", &published.version.to_string());
            view! { <p class="saved" role="status">{message}</p> }.into_any()
        }
        Some(Err(refusal)) => view! {
            <div class="error publish-refused" role="alert">
                <p>{refusal.failure.text_with_detail(lang.get())}</p>
                <Show when={
                    let empty = refusal.problems.is_empty();
                    move || !empty
                }>
                    <p>{i18n::FORMS_PROBLEMS.get(lang.get())}</p>
                </Show>
                <ul>{refusal.problems.iter().map(|problem| view! {
                    <li><code>{problem.path.clone()}</code>": "{problem.message.clone()}</li>
                }).collect_view()}</ul>
            </div>
        }
        .into_any(),
    }
}
