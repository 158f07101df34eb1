//! The audit log (admins only), newest first, filtered by actor, action
//! and a range of days (WITA), 100 to a page. A filter the server refuses
//! is named in both languages and the last good page stays.

use super::state::Pusat;
use crate::api::{self, AuditEntry, AuditPage, Failure};
use crate::i18n;
use crate::time::format_wita;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn AuditScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let fields = [
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    ];
    let [actor, action, from, to] = fields;
    let before = RwSignal::new(None::<i64>);
    let page = RwSignal::new(None::<AuditPage>);
    let failure = RwSignal::new(None::<Failure>);
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let mut query: Vec<String> = [
            ("actor", actor.get()),
            ("action", action.get()),
            ("from", from.get()),
            ("to", to.get()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", js_sys::encode_uri_component(value.trim())))
        .collect();
        query.push("limit=100".into());
        if let Some(id) = before.get() {
            query.push(format!("before={id}"));
        }
        // Only the answer to the latest filters counts: an earlier request
        // that answers late must not replace it.
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        spawn_local(async move {
            let answer = api::audit(&query.join("&")).await;
            if asked.try_get_value() != Some(mine) {
                return;
            }
            match answer {
                Ok(answer) => {
                    failure.set(None);
                    page.set(Some(answer))
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    });
    let filter = move |id: &'static str,
                       label: i18n::Text,
                       kind: &'static str,
                       value: RwSignal<String>| {
        view! {
            <label for=id>{move || label.get(lang.get())}</label>
            <input id=id type=kind prop:value=move || value.get() on:change=move |ev| { before.set(None); value.set(event_target_value(&ev)) } />
        }
    };
    view! {
        <h1>{move || i18n::AUDIT_TITLE.get(lang.get())}</h1>
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            {filter("audit-actor", i18n::AUDIT_ACTOR, "text", actor)}
            {filter("audit-action", i18n::AUDIT_ACTION, "text", action)}
            {filter("audit-from", i18n::AUDIT_FROM, "date", from)}
            {filter("audit-to", i18n::AUDIT_TO, "date", to)}
        </form>
        {move || failure.get().map(|failure| view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> })}
        {move || page.get().map(|page| view! { <AuditTable entries=page.entries /> })}
        <p class="pager">
            <Show when=move || before.get().is_some()><button on:click=move |_| before.set(None)>{move || i18n::FIRST_PAGE.get(lang.get())}</button></Show>
            {move || page.get().and_then(|page| page.next_before).map(|id| view! {
                <button on:click=move |_| before.set(Some(id))>{move || i18n::NEXT_PAGE.get(lang.get())}</button>
            })}
        </p>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let t = move |text: i18n::Text| move || text.get(lang.get());
    if entries.is_empty() {
        return view! { <p class="empty">{t(i18n::AUDIT_EMPTY)}</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| {
            let at = entry.at_ms;
            let repeats = (entry.repeats > 1).then(|| format!(" ×{}", entry.repeats));
            let detail = match &entry.detail {
                serde_json::Value::Object(map) if map.is_empty() => String::new(),
                other => other.to_string(),
            };
            view! {
                <tr>
                    <td>{move || format_wita(at, lang.get())}</td>
                    <td>{entry.actor.unwrap_or_default()}</td>
                    <td>{entry.action}{repeats}</td>
                    <td>{entry.target.unwrap_or_default()}</td>
                    <td>{entry.client.unwrap_or_default()}</td>
                    <td class="detail-json">{detail}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="audit">
            <thead><tr>
                <th scope="col">{t(i18n::AUDIT_WHEN)}</th><th scope="col">{t(i18n::AUDIT_ACTOR)}</th>
                <th scope="col">{t(i18n::AUDIT_ACTION)}</th><th scope="col">{t(i18n::AUDIT_TARGET)}</th>
                <th scope="col">{t(i18n::CLIENT)}</th><th scope="col">{t(i18n::AUDIT_DETAIL)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }.into_any()
}
