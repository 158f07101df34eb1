//! The completeness grid: for one periodic form, each village of each
//! kecamatan against each month: on time, late, missing, needs revision.
//! Each filed cell opens its report.

use super::state::{Pusat, Screen};
use crate::api::{self, Failure, Grid, GridVillage};
use crate::i18n::{self, Lang};
use kabar_shared::account::Scope;
use kabar_shared::period::{Filing, due_day};
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn GridScreen() -> impl IntoView {
    let pusat = expect_context::<Pusat>();
    let lang = pusat.lang;
    let form = RwSignal::new(String::from("laporan-bulanan-kependudukan"));
    let district = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let grid = RwSignal::new(None::<Result<Grid, Failure>>);
    Effect::new(move |_| {
        let query = [
            ("form", form.get()),
            ("district", district.get()),
            ("from", from.get()),
            ("to", to.get()),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", js_sys::encode_uri_component(&value)))
        .collect::<Vec<_>>()
        .join("&");
        spawn_local(async move { grid.set(Some(api::completeness(&query).await)) });
    });
    let periodic = move || {
        pusat
            .latest_forms()
            .into_iter()
            .filter(|form| due_day(form).is_some())
            .map(|form| (form.id.clone(), form.title.get(lang.get()).to_owned()))
            .collect::<Vec<_>>()
    };
    let scope = move || {
        pusat
            .me
            .get()
            .map(|me| me.access.scope().clone())
            .unwrap_or(Scope::All)
    };
    let districts = move || {
        Gazetteer::kotamobagu()
            .districts
            .iter()
            .filter(|d| d.villages.iter().any(|v| scope().contains(&v.code)))
            .map(|d| (d.code.clone(), d.name.clone()))
            .collect::<Vec<_>>()
    };
    view! {
        <h1>{move || i18n::GRID_TITLE.get(lang.get())}</h1>
        <form class="filters grid-filters" on:submit=|ev| ev.prevent_default()>
            <label for="grid-form">{move || i18n::FILTER_FORM.get(lang.get())}</label>
            <select id="grid-form" on:change=move |ev| form.set(event_target_value(&ev))>
                {move || periodic().into_iter().map(|(code, name)| { let selected = form.get_untracked() == code; view! { <option value=code selected=selected>{name}</option> } }).collect_view()}
            </select>
            <label for="grid-district">{move || i18n::FILTER_DISTRICT.get(lang.get())}</label>
            <select id="grid-district" on:change=move |ev| district.set(event_target_value(&ev))>
                <option value="">{move || i18n::FILTER_ALL.get(lang.get())}</option>
                {move || districts().into_iter().map(|(code, name)| view! { <option value=code>{name}</option> }).collect_view()}
            </select>
            <label for="grid-from">{move || i18n::GRID_FROM.get(lang.get())}</label>
            <input id="grid-from" type="month" on:change=move |ev| from.set(event_target_value(&ev)) />
            <label for="grid-to">{move || i18n::GRID_TO.get(lang.get())}</label>
            <input id="grid-to" type="month" on:change=move |ev| to.set(event_target_value(&ev)) />
        </form>
        {move || match grid.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(grid)) => grid_view(grid, lang.get()),
        }}
    }
}

fn counts_view(
    counts: &std::collections::BTreeMap<String, i64>,
    lang: Lang,
) -> impl IntoView + use<> {
    Filing::ALL.iter().map(|state| {
        let count = counts.get(state.as_str()).copied().unwrap_or(0);
        view! { <span class=format!("legend filing-{}", state.as_str())>{format!("{} {count}", state.label(lang))}</span> }
    }).collect_view()
}

fn grid_view(grid: Grid, lang: Lang) -> AnyView {
    let due = i18n::GRID_DUE
        .get(lang)
        .replace("{day}", &grid.due_day.to_string());
    let months = grid
        .months
        .iter()
        .map(|month| view! { <th scope="col">{month.label(lang)}</th> })
        .collect_view();
    let columns = grid.months.len() + 1;
    let body = grid.districts.iter().map(|district| view! {
        <tr class="district"><th scope="rowgroup" colspan=columns>{district.name.clone()}" · "{counts_view(&district.counts, lang)}</th></tr>
        {district.villages.iter().map(|village| village_row(village, lang)).collect_view()}
    }).collect_view();
    view! {
        <p class="hint">{grid.title.get(lang).to_owned()}". "{due}</p>
        <p class="legend-row">{counts_view(&grid.counts, lang)}</p>
        <table class="grid">
            <thead><tr><th scope="col">{i18n::COL_VILLAGE.get(lang)}</th>{months}</tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
    .into_any()
}

fn village_row(village: &GridVillage, lang: Lang) -> impl IntoView + use<> {
    let cells = village.cells.iter().map(|cell| {
        let label = cell.state.label(lang);
        let class = format!("cell filing-{}", cell.state.as_str());
        match &cell.report_id {
            Some(id) => view! { <td class=class><a href=Screen::Report(id.clone()).hash()>{label}</a></td> }.into_any(),
            None => view! { <td class=class>{label}</td> }.into_any(),
        }
    }).collect_view();
    view! { <tr><th scope="row">{village.name.clone()}</th>{cells}</tr> }
}
