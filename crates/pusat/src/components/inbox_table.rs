//! The inbox's rows: a checkbox to select, and a link that opens the report.

use super::state::{Pusat, Screen};
use crate::api::InboxItem;
use crate::i18n::{self, status_label};
use crate::time::format_wita;
use leptos::prelude::*;

#[component]
pub fn InboxTable(items: Vec<InboxItem>, selected: RwSignal<Vec<String>>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    if items.is_empty() {
        return view! { <p class="empty">{move || i18n::NO_REPORTS.get(lang.get())}</p> }
            .into_any();
    }
    let ids: Vec<String> = items.iter().map(|item| item.id.clone()).collect();
    let all_selected = {
        let ids = ids.clone();
        move || ids.iter().all(|id| selected.get().contains(id))
    };
    let toggle_all = move |_| {
        let everything = ids.iter().all(|id| selected.get_untracked().contains(id));
        selected.set(if everything { Vec::new() } else { ids.clone() });
    };
    view! {
        <table class="inbox">
            <thead><tr>
                <th><input type="checkbox" aria-label=move || i18n::SELECT_ALL.get(lang.get()) prop:checked=all_selected on:change=toggle_all /></th>
                <th>{move || i18n::COL_ARRIVED.get(lang.get())}</th>
                <th>{move || i18n::COL_VILLAGE.get(lang.get())}</th>
                <th>{move || i18n::COL_FORM.get(lang.get())}</th>
                <th>{move || i18n::COL_SUMMARY.get(lang.get())}</th>
                <th>{move || i18n::COL_STATUS.get(lang.get())}</th>
                <th>{move || i18n::COL_BY.get(lang.get())}</th>
            </tr></thead>
            <tbody>{items.into_iter().map(|item| view! { <Row item=item selected=selected /> }).collect_view()}</tbody>
        </table>
    }.into_any()
}

#[component]
fn Row(item: InboxItem, selected: RwSignal<Vec<String>>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let id = item.id.clone();
    let checked = {
        let id = id.clone();
        Memo::new(move |_| selected.get().contains(&id))
    };
    let toggle = {
        let id = id.clone();
        move |_| {
            selected.update(|ids| {
                if let Some(at) = ids.iter().position(|known| *known == id) {
                    ids.remove(at);
                } else {
                    ids.push(id.clone());
                }
            })
        }
    };
    let href = Screen::Report(id).hash();
    let form_title = item.form_title.clone();
    let forms = expect_context::<Pusat>().forms;
    let (form_ref, period) = (item.form.clone(), item.period);
    // A periodic report's title carries its month, as on the phone.
    let form = move || {
        let lang = lang.get();
        let titled = forms.with(|forms| {
            forms
                .iter()
                .find(|form| form.id == form_ref.id && form.version == form_ref.version)
                .map(|form| form.title_for_period(period, lang))
        });
        titled
            .or_else(|| form_title.as_ref().map(|title| title.get(lang).to_owned()))
            .unwrap_or_else(|| form_ref.id.clone())
    };
    let summary = if item.summary.is_empty() {
        "—".to_owned()
    } else {
        item.summary.clone()
    };
    let status = item.status;
    view! {
        <tr class=move || if checked.get() { "selected" } else { "" }>
            <td><input type="checkbox" aria-label=move || i18n::SELECT_REPORT.get(lang.get()) prop:checked=checked on:change=toggle /></td>
            <td class="time">{move || format_wita(item.received_at_ms, lang.get())}</td>
            <td>{item.village_name.clone()}</td>
            <td>{form}{item.urgency.clone().map(|urgency| view! { <span class=format!("urgency urgency-{urgency}")>{urgency.clone()}</span> })}</td>
            <td><a href=href>{summary}</a></td>
            <td><span class=format!("badge status-{}", status.as_str())>{move || status_label(status, lang.get())}</span></td>
            <td>{item.submitted_by.clone().unwrap_or_default()}</td>
        </tr>
    }
}
