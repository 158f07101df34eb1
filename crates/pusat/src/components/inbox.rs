//! The inbox: every report in the reader's scope, latest arrivals first,
//! filtered and paged, with counts per status. It asks again every 15
//! seconds, so new arrivals appear without a reload.

use super::exports::Exports;
use super::filters::{Filters, InboxFilters};
use super::inbox_table::InboxTable;
use super::state::Pusat;
use crate::api::{self, Failure, InboxPage};
use crate::i18n::{self, status_label};
use crate::review;
use kabar_shared::report::ReviewStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

const POLL: Duration = Duration::from_secs(15);

#[component]
pub fn InboxScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let filters = InboxFilters::new();
    let before = RwSignal::new(None::<String>);
    let page = RwSignal::new(None::<Result<InboxPage, Failure>>);
    let selected = RwSignal::new(Vec::<String>::new());
    let tick = RwSignal::new(0u32);
    let asked = StoredValue::new(0u32);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|n| *n += 1), POLL) {
        on_cleanup(move || handle.clear());
    }
    // A new filter starts again at the first page.
    Effect::new(move |_| {
        filters.query();
        before.set(None);
    });
    Effect::new(move |_| {
        tick.track();
        let mut query = filters.query();
        if let Some(mark) = before.get() {
            query = format!("{query}&before={mark}");
        }
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        spawn_local(async move {
            let result = api::inbox(&query).await;
            // The inbox may be gone by the time the answer comes (the user
            // went on to the map): then nothing is left to show it in.
            if asked.try_get_value() == Some(this) {
                page.set(Some(result));
            }
        });
    });
    let approve_failures = RwSignal::new(Vec::<(String, Failure)>::new());
    let approve = move |_| {
        let ids = selected.get_untracked();
        spawn_local(async move {
            let failures = review::approve_all(ids).await;
            selected.set(failures.iter().map(|(id, _)| id.clone()).collect());
            approve_failures.set(failures);
            tick.update(|n| *n += 1);
        });
    };
    let approve_error = move || {
        let failures = approve_failures.get();
        failures.first().map(|(_, failure)| {
            let text = i18n::APPROVE_FAILED.get(lang.get()).replace("{n}", &failures.len().to_string());
            view! { <p class="error" role="alert">{text}" "{failure.text(lang.get()).to_owned()}</p> }
        })
    };
    view! {
        <Filters filters=filters />
        <p class="hint">{move || i18n::NEW_ARRIVALS.get(lang.get())}</p>
        <Exports filters=filters />
        {move || match page.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(page)) => view! {
                <StatusCounts counts=page.counts.clone() filter=filters.status />
                <div class="bulk">
                    <button class="primary" disabled=move || selected.get().is_empty() on:click=approve>
                        {move || format!("{} ({})", i18n::APPROVE_SELECTED.get(lang.get()), selected.get().len())}
                    </button>
                    {approve_error}
                </div>
                <InboxTable items=page.items.clone() selected=selected />
                <Pager next=page.next_before.clone() before=before />
            }.into_any(),
        }}
    }
}

/// Counts per status; each is a button that filters to it.
#[component]
fn StatusCounts(
    counts: std::collections::BTreeMap<String, i64>,
    filter: RwSignal<String>,
) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let buttons = ReviewStatus::ALL.map(|status| {
        let count = counts.get(status.as_str()).copied().unwrap_or(0);
        let code = status.as_str();
        view! {
            <button class=format!("count status-{code}") aria-pressed=move || (filter.get() == code).to_string()
                on:click=move |_| filter.set(if filter.get_untracked() == code { String::new() } else { code.to_owned() })>
                <span class="number">{count}</span>" "{move || status_label(status, lang.get())}
            </button>
        }
    });
    view! { <div class="counts" role="group">{Vec::from(buttons)}</div> }
}

#[component]
fn Pager(next: Option<String>, before: RwSignal<Option<String>>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let has_next = next.is_some();
    view! {
        <nav class="pager">
            <Show when=move || before.get().is_some()>
                <button on:click=move |_| before.set(None)>{move || i18n::FIRST_PAGE.get(lang.get())}</button>
            </Show>
            <Show when=move || has_next>
                <button on:click={ let next = next.clone(); move |_| before.set(next.clone()) }>{move || i18n::NEXT_PAGE.get(lang.get())}</button>
            </Show>
        </nav>
    }
}
