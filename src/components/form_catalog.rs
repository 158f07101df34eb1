//! The forms the app offers, parsed once per page load. Building the catalog
//! parses every form file, so components share this one copy instead of
//! calling `FormCatalog::builtin()` themselves.

use kabar_shared::form::{FieldKind, FormCatalog, FormDefinition};
use kabar_shared::report::{FormRef, Report, SHORT_REPORT_FORM};
use std::sync::OnceLock;

static CATALOG: OnceLock<FormCatalog> = OnceLock::new();

/// The built-in catalog. The app is offline-first: it ships every form it
/// can file, and a later issue adds forms downloaded from the server.
pub fn catalog() -> &'static FormCatalog {
    CATALOG.get_or_init(FormCatalog::builtin)
}

/// What the form picker offers: the latest version of each form, the short
/// report first because it is what most reports are, then the others in
/// catalog order.
pub fn offered_forms() -> Vec<&'static FormDefinition> {
    let mut forms = catalog().latest_forms();
    forms.sort_by_key(|form| form.id != SHORT_REPORT_FORM);
    forms
}

/// The form a new report starts with.
pub fn default_form() -> &'static FormDefinition {
    catalog()
        .latest(SHORT_REPORT_FORM)
        .unwrap_or_else(|| offered_forms()[0])
}

/// A one-line title for a saved report in the list: the short report's own
/// title, or the form's title with the first short text answered (such as
/// the place of an incident), so two reports of the same form can be told
/// apart.
pub fn report_title(report: &Report, lang: kabar_shared::form::Lang) -> String {
    if report.form.id == SHORT_REPORT_FORM {
        return report.title().to_owned();
    }
    let Some(form) = catalog().get(&report.form) else {
        // A form this app version does not know; its id is still telling.
        return describe_unknown(&report.form);
    };
    let title = form.title.get(lang);
    match first_short_text(&form.fields, report) {
        Some(text) => format!("{title}: {text}"),
        None => title.to_owned(),
    }
}

fn first_short_text<'a>(
    fields: &[kabar_shared::form::Field],
    report: &'a Report,
) -> Option<&'a str> {
    fields.iter().find_map(|field| match &field.kind {
        FieldKind::Section { fields } => first_short_text(fields, report),
        FieldKind::ShortText { .. } => report
            .answers
            .get(&field.code)
            .and_then(|value| value.as_str())
            .map(str::trim)
            .filter(|text| !text.is_empty()),
        _ => None,
    })
}

fn describe_unknown(form: &FormRef) -> String {
    format!("{} v{}", form.id, form.version)
}
