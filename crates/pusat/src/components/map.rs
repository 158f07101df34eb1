//! The map screen: incidents, KIM events and development projects with a
//! GPS point, filtered by form and month, each point opening its report.
//! A list under the map names the same points, for the keyboard and for
//! screen readers.

use super::map_view::{PointsMap, form_color};
use super::state::{Pusat, Screen};
use crate::api::{self, Failure, MapPoints};
use crate::i18n::{self, status_label};
use crate::time::format_wita;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MapScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let form = RwSignal::new(String::new());
    let period = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<Result<MapPoints, Failure>>);
    let asked = StoredValue::new(0u32);
    Effect::new(move |_| {
        let query = [("form", form.get()), ("period", period.get())]
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", js_sys::encode_uri_component(&value)))
            .collect::<Vec<_>>()
            .join("&");
        // Only the answer to the latest filters counts.
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        spawn_local(async move {
            let points = api::map_points(&query).await;
            if asked.try_get_value() == Some(mine) {
                answer.set(Some(points));
            }
        });
    });
    let points = Signal::derive(move || match answer.try_get().flatten() {
        Some(Ok(answer)) => answer.points,
        _ => Vec::new(),
    });
    let forms = move || match answer.get() {
        Some(Ok(answer)) => answer.forms,
        _ => Vec::new(),
    };
    view! {
        <h1>{move || i18n::MAP_TITLE.get(lang.get())}</h1>
        <div class="filters map-filters">
            <label for="map-form">{move || i18n::FILTER_FORM.get(lang.get())}</label>
            <select id="map-form" on:change=move |ev| form.set(event_target_value(&ev))>
                <option value="" selected=move || form.get().is_empty()>{move || i18n::FILTER_ALL.get(lang.get())}</option>
                {move || forms().into_iter().map(|option| {
                    let id = option.id.clone();
                    let selected = move || form.get() == id;
                    view! { <option value=option.id.clone() selected=selected>{option.title.get(lang.get()).to_owned()}</option> }
                }).collect_view()}
            </select>
            <label for="map-period">{move || i18n::FILTER_PERIOD.get(lang.get())}</label>
            <input id="map-period" type="month" prop:value=move || period.get() on:change=move |ev| period.set(event_target_value(&ev)) />
        </div>
        {move || match answer.get() {
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(answer)) if answer.truncated => view! { <p class="notice">{i18n::MAP_TRUNCATED.get(lang.get())}</p> }.into_any(),
            _ => ().into_any(),
        }}
        <p class="hint">{move || i18n::MAP_HINT.get(lang.get())}</p>
        <PointsMap points=points label=i18n::MAP_TITLE />
        <PointList points=points />
    }
}

#[component]
fn PointList(points: Signal<Vec<api::MapPoint>>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    view! {
        <p class="map-count">{move || i18n::MAP_COUNT.get(lang.get()).replace("{n}", &points.get().len().to_string())}</p>
        <ul class="point-list">
            {move || points.get().into_iter().map(|point| {
                let title = point.title.as_ref().map(|title| title.get(lang.get()).to_owned()).unwrap_or_else(|| point.form.clone());
                let swatch = format!("background:{}", form_color(&point.form));
                view! {
                    <li>
                        <span class="swatch" style=swatch aria-hidden="true"></span>
                        <a href=Screen::Report(point.id.clone()).hash()>{format!("{title} — {}", point.village_name)}</a>
                        " · "{format_wita(point.created_at_ms, lang.get())}" · "{status_label(point.status, lang.get())}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
