//! A GPS point: one button asks the browser for the phone's position and
//! stores `{"lat", "lon", "accuracy_m"}`. The accuracy is shown so the user
//! can judge whether to try again in the open; the form's own limit is
//! checked by the validator on save.

use super::form_state::{FormState, Slot};
use crate::i18n::{self, Lang, Text};
use kabar_shared::form::Field;
use leptos::prelude::*;
use serde_json::{Value as Json, json};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// How long the phone may search before giving up. A cold GPS fix outdoors
/// takes tens of seconds on cheap phones.
const GPS_TIMEOUT_MS: u32 = 60_000;

/// Why no position came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GpsFailure {
    Denied,
    Unavailable,
    TimedOut,
    Unsupported,
}

impl GpsFailure {
    fn text(self) -> Text {
        match self {
            GpsFailure::Denied => i18n::GPS_DENIED,
            GpsFailure::Unavailable => i18n::GPS_UNAVAILABLE,
            GpsFailure::TimedOut => i18n::GPS_TIMEOUT,
            GpsFailure::Unsupported => i18n::GPS_UNSUPPORTED,
        }
    }
}

#[component]
pub fn GpsInput(state: FormState, field: &'static Field, at: Slot) -> impl IntoView {
    // `slot` is a reserved attribute name in `view!`, hence `at`.
    let slot = at;
    let lang = state.lang;
    let code = field.code.as_str();
    let id = slot.dom_id(code);
    let value = Memo::new(move |_| state.value(slot, code));
    let failure = RwSignal::new(None::<GpsFailure>);
    let locate = Action::new_local(move |_: &()| {
        failure.set(None);
        async move {
            match current_position().await {
                Ok(point) => state.set(slot, code, Some(point)),
                Err(error) => {
                    failure.try_set(Some(error));
                }
            }
        }
    });
    let searching = locate.pending();
    let capture = move |_| {
        if !searching.get_untracked() {
            locate.dispatch_local(());
        }
    };
    view! {
        <div class="gps" id=id tabindex="-1">
            {move || value.get().and_then(|point| describe(&point, lang.get())).map(|text| view! { <p class="gps-point">{text}</p> })}
            <div class="button-row">
                <button type="button" class="secondary" disabled=searching on:click=capture>
                    {move || {
                        if value.with(Option::is_some) { i18n::GPS_RECAPTURE } else { i18n::GPS_CAPTURE }.get(lang.get())
                    }}
                </button>
                {move || {
                    value.with(Option::is_some).then(|| view! {
                        <button type="button" class="secondary" on:click=move |_| state.set(slot, code, None)>
                            {move || i18n::REMOVE.get(lang.get())}
                        </button>
                    })
                }}
            </div>
            {move || match (searching.get(), failure.get()) {
                (true, _) => Some(view! { <p class="notice wait" role="status">{i18n::GPS_SEARCHING.get(lang.get())}</p> }.into_any()),
                (false, Some(failure)) => Some(view! { <p class="notice bad" role="alert">{failure.text().get(lang.get())}</p> }.into_any()),
                (false, None) => None,
            }}
        </div>
    }
}

/// `0.73610, 124.31700 (akurasi ±12 m)`.
fn describe(point: &Json, lang: Lang) -> Option<String> {
    let number = |key: &str| point.get(key).and_then(Json::as_f64);
    let (lat, lon, accuracy) = (number("lat")?, number("lon")?, number("accuracy_m")?);
    Some(format!(
        "{}, {} ({}{} m)",
        fixed(lat, 5),
        fixed(lon, 5),
        i18n::GPS_ACCURACY.get(lang),
        fixed(accuracy, 0)
    ))
}

/// A number with `decimals` digits after the point. Done with integers
/// because `{:.5}` pulls the standard library's exact float formatting into
/// the wasm, kilobytes for one line of text.
fn fixed(value: f64, decimals: u32) -> String {
    let scale = 10_i64.pow(decimals);
    let scaled = (value * scale as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, fraction) = (scaled.abs() / scale, scaled.abs() % scale);
    if decimals == 0 {
        format!("{sign}{whole}")
    } else {
        format!(
            "{sign}{whole}.{fraction:0width$}",
            width = decimals as usize
        )
    }
}

/// Asks the browser for one position. The callback API is wrapped in a
/// promise so the closures live exactly as long as the request.
async fn current_position() -> Result<Json, GpsFailure> {
    let geolocation = web_sys::window()
        .and_then(|window| window.navigator().geolocation().ok())
        .ok_or(GpsFailure::Unsupported)?;
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(GPS_TIMEOUT_MS);
    options.set_maximum_age(0);
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let started = geolocation.get_current_position_with_error_callback_and_options(
            &resolve,
            Some(&reject),
            &options,
        );
        if started.is_err() {
            let _ = reject.call0(&JsValue::NULL);
        }
    });
    let position = JsFuture::from(promise).await.map_err(|error| {
        // GeolocationPositionError.code: 1 denied, 2 unavailable, 3 timeout.
        match get(&error, "code").and_then(|code| code.as_f64()) {
            Some(1.0) => GpsFailure::Denied,
            Some(3.0) => GpsFailure::TimedOut,
            Some(_) => GpsFailure::Unavailable,
            None => GpsFailure::Unsupported,
        }
    })?;
    let coords = get(&position, "coords").ok_or(GpsFailure::Unavailable)?;
    let number = |key: &str| {
        get(&coords, key)
            .and_then(|value| value.as_f64())
            .filter(|n| n.is_finite())
            .ok_or(GpsFailure::Unavailable)
    };
    Ok(json!({
        "lat": number("latitude")?,
        "lon": number("longitude")?,
        // A tenth of a metre is far below what a phone can tell apart.
        "accuracy_m": (number("accuracy")? * 10.0).round() / 10.0,
    }))
}

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    if !object.is_object() {
        return None;
    }
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_read_with_five_decimals_and_whole_metres() {
        let point = json!({"lat": 0.736_104, "lon": 124.316_995, "accuracy_m": 12.4});
        assert_eq!(
            describe(&point, Lang::Id).as_deref(),
            Some("0.73610, 124.31700 (akurasi ±12 m)")
        );
        assert_eq!(fixed(-0.000_04, 5), "-0.00004");
        assert_eq!(fixed(-1.5, 0), "-2");
    }
}
