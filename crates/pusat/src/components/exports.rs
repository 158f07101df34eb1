//! Download links for the inbox's current filters: the server builds the
//! file, scoped by the reader, and writes the export to the audit log.

use super::filters::InboxFilters;
use super::state::Pusat;
use crate::i18n;
use leptos::prelude::*;

#[component]
pub fn Exports(filters: InboxFilters) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let href = move |format: &str| {
        let query = filters.query();
        if query.is_empty() {
            format!("/api/v1/pusat/export?format={format}")
        } else {
            format!("/api/v1/pusat/export?format={format}&{query}")
        }
    };
    view! {
        <p class="exports">
            {move || i18n::EXPORT.get(lang.get())}" "
            <a href=move || href("csv") download="kabar-desa.csv">"CSV"</a>" · "
            <a href=move || href("geojson") download="kabar-desa.geojson">"GeoJSON"</a>
        </p>
    }
}
