//! The one module that knows Leaflet (from npm, bundled by Trunk into
//! `dist-pusat/` and loaded as the global `L` before the app starts). The
//! screens hand it a page element, a tile address and points; they never
//! see a Leaflet type.
//!
//! Points are circle markers, drawn as SVG: they need no image files, and
//! they show when no tile can be fetched (a Command Center without
//! internet, or the tests). Every call that could throw is caught, so a
//! page where Leaflet failed to load shows no map instead of stopping.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

#[wasm_bindgen]
extern "C" {
    type LeafletMap;
    type Layer;

    #[wasm_bindgen(catch, js_namespace = L, js_name = map)]
    fn new_map(element: &HtmlElement, options: &JsValue) -> Result<LeafletMap, JsValue>;
    #[wasm_bindgen(catch, method, js_name = setView)]
    fn set_view(this: &LeafletMap, center: &Array, zoom: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, method, js_name = fitBounds)]
    fn fit_bounds(this: &LeafletMap, bounds: &Array, options: &JsValue)
    -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn remove(this: &LeafletMap) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = L, js_name = tileLayer)]
    fn tile_layer(url: &str, options: &JsValue) -> Result<Layer, JsValue>;
    #[wasm_bindgen(catch, js_namespace = L, js_name = circleMarker)]
    fn circle_marker(center: &Array, options: &JsValue) -> Result<Layer, JsValue>;
    #[wasm_bindgen(catch, method, js_name = addTo)]
    fn add_to(this: &Layer, map: &LeafletMap) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, method, js_name = bindPopup)]
    fn bind_popup(this: &Layer, content: &web_sys::Element) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, method, js_name = bindTooltip)]
    fn bind_tooltip(this: &Layer, content: &str) -> Result<JsValue, JsValue>;
}

/// One point to draw.
pub struct Spot {
    pub lat: f64,
    pub lon: f64,
    /// The marker's colour, a CSS colour.
    pub color: &'static str,
    /// Shown when the pointer rests on the point.
    pub label: String,
    /// Shown when the point is clicked (a link to the report, for example).
    pub popup: Option<web_sys::Element>,
}

/// Kotamobagu's centre, for a map with no points.
const CITY: (f64, f64) = (0.7333, 124.3167);

/// A map drawn on a page element; drop it with [`PointMap::remove`] before
/// the element goes.
pub struct PointMap {
    map: LeafletMap,
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

fn lat_lon(lat: f64, lon: f64) -> Array {
    Array::of2(&JsValue::from_f64(lat), &JsValue::from_f64(lon))
}

impl PointMap {
    /// Draws `spots` over the tiles of `tile_url` on `element`, zoomed to
    /// hold them all (or at `zoom` around the only one). `None` when
    /// Leaflet is not there.
    pub fn show(
        element: &HtmlElement,
        tile_url: &str,
        spots: &[Spot],
        zoom: f64,
    ) -> Option<PointMap> {
        let map = new_map(element, &options(&[("scrollWheelZoom", JsValue::FALSE)])).ok()?;
        let attribution = if tile_url.contains("openstreetmap.org") {
            "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"
        } else {
            ""
        };
        let tiles = options(&[
            ("maxZoom", JsValue::from_f64(19.0)),
            ("attribution", JsValue::from_str(attribution)),
        ]);
        // No address (the settings could not be read): points on a blank map.
        if let Some(layer) = (!tile_url.is_empty())
            .then(|| tile_layer(tile_url, &tiles).ok())
            .flatten()
        {
            let _ = layer.add_to(&map);
        }
        let bounds = Array::new();
        for spot in spots {
            let style = options(&[
                ("radius", JsValue::from_f64(8.0)),
                ("color", JsValue::from_str("#111827")),
                ("weight", JsValue::from_f64(1.5)),
                ("fillColor", JsValue::from_str(spot.color)),
                ("fillOpacity", JsValue::from_f64(0.85)),
            ]);
            let center = lat_lon(spot.lat, spot.lon);
            let Ok(marker) = circle_marker(&center, &style) else {
                continue;
            };
            let _ = marker.bind_tooltip(&spot.label);
            if let Some(popup) = &spot.popup {
                let _ = marker.bind_popup(popup);
            }
            let _ = marker.add_to(&map);
            bounds.push(&center);
        }
        let drawn = PointMap { map };
        match spots {
            [] => drawn.centre(lat_lon(CITY.0, CITY.1), 12.0),
            [only] => drawn.centre(lat_lon(only.lat, only.lon), zoom),
            _ => {
                let padding = options(&[
                    ("padding", lat_lon(24.0, 24.0).into()),
                    ("maxZoom", JsValue::from_f64(16.0)),
                ]);
                let _ = drawn.map.fit_bounds(&bounds, &padding);
            }
        }
        Some(drawn)
    }

    fn centre(&self, center: Array, zoom: f64) {
        let _ = self.map.set_view(&center, zoom);
    }

    /// Takes the map off its element and frees what Leaflet holds.
    pub fn remove(self) {
        let _ = self.map.remove();
    }
}
