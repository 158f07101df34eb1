//! The forms screen (admins only): every form version, built in or
//! published (by whom, when, in WITA), a version's questions on request,
//! and publishing a new version below.

use super::forms_fields::FormFields;
use super::forms_publish::PublishForm;
use super::state::Pusat;
use crate::api::{self, Failure, FormVersion};
use crate::i18n;
use crate::time::format_wita;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn FormsScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let versions = RwSignal::new(None::<Result<Vec<FormVersion>, Failure>>);
    let opened = RwSignal::new(None::<(String, u32)>);
    let tick = RwSignal::new(0u32);
    Effect::new(move |_| {
        tick.track();
        spawn_local(async move { versions.set(Some(api::admin_forms().await)) });
    });
    let reload = Callback::new(move |()| tick.update(|n| *n += 1));
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <h1>{t(i18n::FORMS_TITLE)}</h1>
        <p class="hint">{t(i18n::FORMS_HINT)}</p>
        {move || match versions.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <table class="form-versions">
                    <thead><tr>
                        <th scope="col">{t(i18n::FORMS_ID)}</th><th scope="col">{t(i18n::FORMS_VERSION)}</th>
                        <th scope="col">{t(i18n::FORMS_NAME)}</th><th scope="col">{t(i18n::FORMS_SOURCE)}</th>
                        <th scope="col">{t(i18n::FORMS_FIELDS)}</th><th scope="col"><span class="visually-hidden">{t(i18n::FORMS_VIEW)}</span></th>
                    </tr></thead>
                    <tbody>{list.into_iter().map(|version| view! { <VersionRow version=version opened=opened /> }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
        {move || opened.get().map(|(id, version)| view! { <FormFields id=id version=version /> })}
        <PublishForm on_published=reload />
    }
}

#[component]
fn VersionRow(version: FormVersion, opened: RwSignal<Option<(String, u32)>>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let key = (version.id.clone(), version.version);
    let source = move || match (&version.published_by, version.published_at_ms) {
        (Some(who), Some(when)) => i18n::FORMS_PUBLISHED
            .get(lang.get())
            .replace("{who}", who)
            .replace("{when}", &format_wita(when, lang.get())),
        _ => i18n::FORMS_BUILTIN.get(lang.get()).to_owned(),
    };
    let title = version.title.clone();
    let is_open = {
        let key = key.clone();
        move || opened.get().as_ref() == Some(&key)
    };
    view! {
        <tr data-form=version.id.clone() data-version=version.version.to_string()>
            <td><code>{version.id.clone()}</code></td>
            <td>{version.version}</td>
            <td>{move || title.get(lang.get()).to_owned()}</td>
            <td>{source}</td>
            <td>{version.fields}</td>
            <td>
                <button class="link" aria-pressed=move || is_open().to_string()
                    on:click=move |_| opened.set(Some(key.clone()))>
                    {move || i18n::FORMS_VIEW.get(lang.get())}
                </button>
            </td>
        </tr>
    }
}
