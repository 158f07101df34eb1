//! The inbox filters: each one a signal, and the query string they make.

use super::state::Pusat;
use crate::i18n::{self, status_label};
use kabar_shared::account::Scope;
use kabar_shared::report::{ReviewStatus, URGENCY_FIELD};
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;

/// The urgency question of incident reports.

#[derive(Clone, Copy)]
pub struct InboxFilters {
    pub status: RwSignal<String>,
    pub district: RwSignal<String>,
    pub village: RwSignal<String>,
    pub form: RwSignal<String>,
    pub period: RwSignal<String>,
    pub urgency: RwSignal<String>,
    pub text: RwSignal<String>,
}

impl InboxFilters {
    pub fn new() -> InboxFilters {
        InboxFilters {
            status: RwSignal::new(String::new()),
            district: RwSignal::new(String::new()),
            village: RwSignal::new(String::new()),
            form: RwSignal::new(String::new()),
            period: RwSignal::new(String::new()),
            urgency: RwSignal::new(String::new()),
            text: RwSignal::new(String::new()),
        }
    }

    /// `status=…&district=…`, the empty filters left out.
    pub fn query(self) -> String {
        [
            ("status", self.status),
            ("district", self.district),
            ("village", self.village),
            ("form", self.form),
            ("period", self.period),
            ("urgency", self.urgency),
            ("q", self.text),
        ]
        .into_iter()
        .map(|(name, signal)| (name, signal.get()))
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", js_sys::encode_uri_component(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }

    pub fn clear(self) {
        for signal in [
            self.status,
            self.district,
            self.village,
            self.form,
            self.period,
            self.urgency,
            self.text,
        ] {
            signal.set(String::new());
        }
    }
}

impl Default for InboxFilters {
    fn default() -> InboxFilters {
        InboxFilters::new()
    }
}

/// A labelled `<select>` bound to `value`, with "all" first.
fn select(
    id: &'static str,
    label: i18n::Text,
    value: RwSignal<String>,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    view! {
        <label for=id>{move || label.get(lang.get())}</label>
        <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
            <option value="">{move || i18n::FILTER_ALL.get(lang.get())}</option>
            {move || options.get().into_iter().map(|(code, name)| {
                let selected = value.get_untracked() == code;
                view! { <option value=code selected=selected>{name}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn Filters(filters: InboxFilters) -> impl IntoView {
    let pusat = expect_context::<Pusat>();
    let lang = pusat.lang;
    let scope = move || {
        pusat
            .me
            .get()
            .map(|me| me.access.scope().clone())
            .unwrap_or(Scope::All)
    };
    let statuses = Signal::derive(move || {
        ReviewStatus::ALL
            .iter()
            .map(|status| {
                (
                    status.as_str().to_owned(),
                    status_label(*status, lang.get()).to_owned(),
                )
            })
            .collect()
    });
    let districts = Signal::derive(move || {
        Gazetteer::kotamobagu()
            .districts
            .iter()
            .filter(|district| {
                district
                    .villages
                    .iter()
                    .any(|village| scope().contains(&village.code))
            })
            .map(|district| (district.code.clone(), district.name.clone()))
            .collect()
    });
    let villages = Signal::derive(move || {
        let district = filters.district.get();
        Gazetteer::kotamobagu()
            .villages()
            .filter(|village| {
                scope().contains(&village.code)
                    && (district.is_empty() || village.code.district_code() == district)
            })
            .map(|village| (village.code.to_string(), village.name.clone()))
            .collect()
    });
    let forms = Signal::derive(move || {
        pusat
            .latest_forms()
            .into_iter()
            .map(|form| (form.id.clone(), form.title.get(lang.get()).to_owned()))
            .collect()
    });
    let urgencies = Signal::derive(move || {
        pusat
            .latest_forms()
            .iter()
            .filter_map(|form| form.field(URGENCY_FIELD))
            .flat_map(|field| field.kind.choices().to_vec())
            .map(|choice| (choice.code.clone(), choice.label.get(lang.get()).to_owned()))
            .collect()
    });
    view! {
        <form class="filters" on:submit=|ev| ev.prevent_default()>
            {select("filter-status", i18n::FILTER_STATUS, filters.status, statuses)}
            {select("filter-district", i18n::FILTER_DISTRICT, filters.district, districts)}
            {select("filter-village", i18n::FILTER_VILLAGE, filters.village, villages)}
            {select("filter-form", i18n::FILTER_FORM, filters.form, forms)}
            {select("filter-urgency", i18n::FILTER_URGENCY, filters.urgency, urgencies)}
            <label for="filter-period">{move || i18n::FILTER_PERIOD.get(lang.get())}</label>
            <input id="filter-period" type="month" prop:value=move || filters.period.get() on:change=move |ev| filters.period.set(event_target_value(&ev)) />
            <label for="filter-q">{move || i18n::FILTER_SEARCH.get(lang.get())}</label>
            <input id="filter-q" type="search" maxlength="100" prop:value=move || filters.text.get() on:change=move |ev| filters.text.set(event_target_value(&ev)) />
            <button type="button" class="link" on:click=move |_| filters.clear()>{move || i18n::FILTER_CLEAR.get(lang.get())}</button>
        </form>
    }
}
