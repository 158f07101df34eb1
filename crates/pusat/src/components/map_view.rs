//! A map of report points, drawn by [`crate::leaflet`] on a page element
//! once it is on the page, and drawn again when the points or the language
//! change. The tile address comes from the server's settings.

use super::state::{Pusat, Screen};
use crate::api::{self, MapPoint};
use crate::i18n::{self, Lang};
use crate::leaflet::{PointMap, Spot};
use crate::time::format_wita;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The marker colour of a form's points, told apart without the tiles.
pub fn form_color(form: &str) -> &'static str {
    match form {
        "laporan-kejadian" => "#dc2626",
        "catatan-kegiatan-kim" => "#2563eb",
        "laporan-kemajuan-pembangunan" => "#16a34a",
        _ => "#9333ea",
    }
}

/// The point's popup: what it is, where, when, and a link to the report.
fn popup(point: &MapPoint, lang: Lang) -> Option<web_sys::Element> {
    let document = document();
    let body = document.create_element("div").ok()?;
    let title = point
        .title
        .as_ref()
        .map(|title| title.get(lang).to_owned())
        .unwrap_or_else(|| point.form.clone());
    let text = document.create_element("p").ok()?;
    text.set_text_content(Some(&format!(
        "{title} — {} ({})",
        point.village_name,
        format_wita(point.created_at_ms, lang)
    )));
    let link = document.create_element("a").ok()?;
    link.set_attribute("href", &Screen::Report(point.id.clone()).hash())
        .ok()?;
    link.set_text_content(Some(i18n::OPEN_REPORT.get(lang)));
    body.append_child(&text).ok()?;
    body.append_child(&link).ok()?;
    Some(body)
}

fn spot(point: &MapPoint, lang: Lang) -> Spot {
    Spot {
        lat: point.lat,
        lon: point.lon,
        color: form_color(&point.form),
        label: point.village_name.clone(),
        popup: popup(point, lang),
    }
}

fn take(drawn: StoredValue<Option<PointMap>, LocalStorage>) {
    if let Some(old) = drawn.try_update_value(Option::take).flatten() {
        old.remove();
    }
}

#[component]
pub fn PointsMap(
    #[prop(into)] points: Signal<Vec<MapPoint>>,
    /// The map's name for screen readers.
    label: i18n::Text,
    /// How close to zoom in on a single point.
    #[prop(default = 13.0)]
    zoom: f64,
) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let element = NodeRef::<leptos::html::Div>::new();
    let tile_url = RwSignal::new(None::<String>);
    spawn_local(async move {
        let url = api::map_config().await.map(|config| config.tile_url);
        // The screen may be gone by the time the answer comes.
        tile_url.try_set(Some(url.unwrap_or_default()));
    });
    let drawn = StoredValue::new_local(None::<PointMap>);
    // `try_get`: the effect may run once more while its screen is being
    // taken down (a popup's link was followed); then it draws nothing.
    Effect::new(move |_| {
        let (Some(div), Some(Some(url)), Some(lang), Some(points)) = (
            element.try_get().flatten(),
            tile_url.try_get(),
            lang.try_get(),
            points.try_get(),
        ) else {
            return;
        };
        let spots: Vec<Spot> = points.iter().map(|point| spot(point, lang)).collect();
        take(drawn);
        drawn.try_set_value(PointMap::show(&div, &url, &spots, zoom));
    });
    on_cleanup(move || take(drawn));
    view! {
        <div class="map" node_ref=element role="region" aria-label=move || label.get(lang.get())></div>
    }
}

/// The report's place as a map point: the answer to the first GPS question
/// of its form version (sections included) that holds a point.
pub fn report_point(detail: &api::Detail) -> Option<MapPoint> {
    fn gps_codes(fields: &[kabar_shared::form::Field]) -> Vec<&str> {
        use kabar_shared::form::FieldKind;
        fields
            .iter()
            .flat_map(|field| match &field.kind {
                FieldKind::Gps { .. } => vec![field.code.as_str()],
                FieldKind::Section { fields } => gps_codes(fields),
                _ => Vec::new(),
            })
            .collect()
    }
    let form = detail.form.as_ref()?;
    let (lat, lon) = gps_codes(&form.fields).into_iter().find_map(|code| {
        let value = detail.report.answers.get(code)?;
        Some((value.get("lat")?.as_f64()?, value.get("lon")?.as_f64()?))
    })?;
    Some(MapPoint {
        id: detail.report.id.to_string(),
        form: detail.report.form.id.clone(),
        title: Some(form.title.clone()),
        village_name: detail.village_name.clone(),
        status: detail.status,
        lat,
        lon,
        created_at_ms: detail.report.created_at_ms,
    })
}

/// A small map of the report's GPS point, when it has one.
#[component]
pub fn LocationMap(detail: api::Detail) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    report_point(&detail).map(|point| {
        let points = Signal::derive(move || vec![point.clone()]);
        view! {
            <section class="location">
                <h2>{move || i18n::LOCATION_MAP.get(lang.get())}</h2>
                <PointsMap points=points label=i18n::LOCATION_MAP zoom=15.0 />
            </section>
        }
    })
}
