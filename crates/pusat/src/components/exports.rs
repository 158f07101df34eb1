//! Download links for the inbox's current filters: the server builds the
//! file, scoped by the reader, and writes the export to the audit log.
//! CSV holds one row per report; when the filter names a form with repeat
//! groups (the births of the monthly report), each group gets its own CSV
//! link, because a group's rows do not fit in one report's row.

use super::filters::InboxFilters;
use super::state::Pusat;
use crate::i18n;
use kabar_shared::form::{Field, FieldKind, Lang};
use leptos::prelude::*;

/// The repeat groups of a form version, by code and label, sections
/// opened up.
fn repeat_groups(fields: &[Field], lang: Lang, out: &mut Vec<(String, String)>) {
    for field in fields {
        match &field.kind {
            FieldKind::Repeat { .. } => {
                out.push((field.code.clone(), field.label.get(lang).to_owned()))
            }
            FieldKind::Section { fields } => repeat_groups(fields, lang, out),
            _ => {}
        }
    }
}

#[component]
pub fn Exports(filters: InboxFilters) -> impl IntoView {
    let pusat = expect_context::<Pusat>();
    let lang = pusat.lang;
    let href = move |format: &str| {
        let query = filters.query();
        if query.is_empty() {
            format!("/api/v1/pusat/export?format={format}")
        } else {
            format!("/api/v1/pusat/export?format={format}&{query}")
        }
    };
    let groups = move || {
        let form = filters.form.get();
        let mut groups = Vec::new();
        if let Some(latest) = pusat.latest_forms().into_iter().find(|f| f.id == form) {
            repeat_groups(&latest.fields, lang.get(), &mut groups);
        }
        groups
    };
    view! {
        <p class="exports">
            {move || i18n::EXPORT.get(lang.get())}" "
            <a href=move || href("csv") download="kabar-desa.csv">"CSV"</a>" · "
            <a href=move || href("xlsx") download="kabar-desa.xlsx">"XLSX"</a>" · "
            <a href=move || href("geojson") download="kabar-desa.geojson">"GeoJSON"</a>
            <For each=groups key=|group| group.clone() children=move |(code, label)| {
                let link = code.clone();
                view! {
                    " · "
                    <a
                        href=move || format!("{}&group={link}", href("csv"))
                        download=format!("kabar-desa-{code}.csv")
                        data-group=code.clone()
                    >
                        {move || format!("CSV {}: {label}", i18n::EXPORT_GROUP.get(lang.get()))}
                    </a>
                }
            } />
        </p>
    }
}
