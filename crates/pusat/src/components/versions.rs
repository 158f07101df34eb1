//! A resubmitted report's versions: who sent each and when (WITA), and a
//! side-by-side table of the answers that changed between two of them. A
//! report with one version shows nothing here.

use super::state::Pusat;
use super::version_diff::changed_answers;
use crate::api::{self, ReportVersion};
use crate::i18n::{self, Lang};
use crate::time::format_wita;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn VersionsView(id: String) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let versions = RwSignal::new(Vec::<ReportVersion>::new());
    let failure = RwSignal::new(None::<api::Failure>);
    spawn_local(async move {
        match api::versions(&id).await {
            Ok(list) => versions.set(list),
            Err(error) => failure.set(Some(error)),
        }
    });
    let older = RwSignal::new(0usize);
    let newer = RwSignal::new(0usize);
    Effect::new(move |_| {
        let count = versions.with(Vec::len);
        if count > 1 {
            older.set(count - 2);
            newer.set(count - 1);
        }
    });
    view! {
        {move || failure.get().map(|failure| view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> })}
        <Show when=move || versions.with(|list| list.len() > 1)>
            <section class="versions">
                <h2>{move || i18n::VERSIONS.get(lang.get())}</h2>
                <ol class="version-list">
                    {move || versions.get().into_iter().map(|version| view! {
                        <li>{version_line(&version, lang.get())}</li>
                    }).collect_view()}
                </ol>
                <div class="version-pick">
                    <VersionSelect id="version-older" label=i18n::VERSION_OLDER chosen=older versions=versions />
                    <VersionSelect id="version-newer" label=i18n::VERSION_NEWER chosen=newer versions=versions />
                </div>
                <DiffTable older=older newer=newer versions=versions />
            </section>
        </Show>
    }
}

fn version_line(version: &ReportVersion, lang: Lang) -> String {
    let who = version.submitted_by.clone().unwrap_or_else(|| "—".into());
    i18n::VERSION_LINE
        .get(lang)
        .replace("{n}", &version.version.to_string())
        .replace("{who}", &who)
        .replace("{at}", &format_wita(version.received_at_ms, lang))
}

#[component]
fn VersionSelect(
    id: &'static str,
    label: i18n::Text,
    chosen: RwSignal<usize>,
    versions: RwSignal<Vec<ReportVersion>>,
) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    view! {
        <label for=id>{move || label.get(lang.get())}</label>
        <select id=id on:change=move |ev| {
            if let Ok(index) = event_target_value(&ev).parse() { chosen.set(index) }
        }>
            {move || versions.get().iter().enumerate().map(|(index, version)| view! {
                <option value=index.to_string() selected=move || chosen.get() == index>
                    {format!("v{}", version.version)}
                </option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn DiffTable(
    older: RwSignal<usize>,
    newer: RwSignal<usize>,
    versions: RwSignal<Vec<ReportVersion>>,
) -> impl IntoView {
    let pusat = expect_context::<Pusat>();
    let lang = pusat.lang;
    let table = move || {
        let list = versions.get();
        let (Some(a), Some(b)) = (list.get(older.get()), list.get(newer.get())) else {
            return ().into_any();
        };
        let form = pusat
            .forms
            .get()
            .into_iter()
            .find(|form| form.form_ref() == b.report.form);
        let fields = form.map(|form| form.fields).unwrap_or_default();
        let changes = changed_answers(&fields, &a.report.answers, &b.report.answers, lang.get());
        if changes.is_empty() {
            return view! { <p class="hint">{i18n::NO_CHANGES.get(lang.get())}</p> }.into_any();
        }
        let rows = changes.into_iter().map(|change| view! {
            <tr><th scope="row">{change.label}</th><td class="before">{change.before}</td><td class="after">{change.after}</td></tr>
        }).collect_view();
        view! {
            <table class="diff">
                <caption>{i18n::CHANGED_ANSWERS.get(lang.get())}</caption>
                <thead><tr>
                    <th scope="col">{i18n::QUESTION.get(lang.get())}</th>
                    <th scope="col">{format!("v{}", a.version)}</th>
                    <th scope="col">{format!("v{}", b.version)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! { {table} }
}
