//! The forms the app knows, shared by every component.
//!
//! They come from the server: the first pull after a login brings the whole
//! catalog (the built-in versions and any the city published), the phone
//! keeps it in IndexedDB (see `storage`), and every later start reads it
//! from there, offline. No definition is compiled into the app: they would
//! weigh on every first load on a slow link, and the server is the one that
//! judges reports against them anyway.
//!
//! A version, once known, stays (a published version never changes), so a
//! form never changes under a user who is filling it; new versions join
//! the list as they arrive.
//!
//! The catalog is kept twice: as [`FormSummary`]s, all the first screen's
//! form picker reads, and as whole definitions, read by the second wasm
//! module (`later`) when it starts, so the first module carries no code to
//! read a form's fields and expressions.

use kabar_shared::account::Access;
use kabar_shared::form::{FieldKind, FormDefinition, FormSummary};
use kabar_shared::report::{FormRef, Report, SHORT_REPORT_FORM};
use std::cell::RefCell;

thread_local! {
    /// Leaked once per version: a phone knows a few dozen at most, and
    /// `&'static` definitions let every component hold one without cloning.
    static FORMS: RefCell<Vec<&'static FormDefinition>> = const { RefCell::new(Vec::new()) };
    /// The same versions (and, before the second module read the
    /// definitions, the ones the phone kept), summarized.
    static SUMMARIES: RefCell<Vec<FormSummary>> = const { RefCell::new(Vec::new()) };
}

/// Adds the summaries of form versions the phone does not know yet.
pub(crate) fn adopt_summaries(summaries: Vec<FormSummary>) {
    SUMMARIES.with_borrow_mut(|known| {
        for summary in summaries {
            if !known
                .iter()
                .any(|other| other.id == summary.id && other.version == summary.version)
            {
                known.push(summary);
            }
        }
    });
}

/// Adds the form versions the phone does not know yet; returns whether any
/// was new.
pub(crate) fn adopt(forms: Vec<FormDefinition>) -> bool {
    adopt_summaries(forms.iter().map(FormDefinition::summary).collect());
    FORMS.with(|known| {
        let mut known = known.borrow_mut();
        let before = known.len();
        for form in forms {
            // A published version is immutable, so a known id and version
            // is the same form; only new versions are added.
            if !known
                .iter()
                .any(|other| other.id == form.id && other.version == form.version)
            {
                known.push(Box::leak(Box::new(form)));
            }
        }
        known.len() > before
    })
}

/// Whether any form is known yet (none before the first pull).
pub(crate) fn any_known() -> bool {
    SUMMARIES.with_borrow(|known| !known.is_empty())
}

fn forms() -> Vec<&'static FormDefinition> {
    FORMS.with(|known| known.borrow().clone())
}

/// The form version a report was filled against, if the app knows it.
pub fn form(form: &FormRef) -> Option<&'static FormDefinition> {
    forms()
        .into_iter()
        .find(|known| known.id == form.id && known.version == form.version)
}

/// The newest version of a form.
pub fn latest(id: &str) -> Option<&'static FormDefinition> {
    forms()
        .into_iter()
        .filter(|form| form.id == id)
        .max_by_key(|form| form.version)
}

/// What the form picker offers: the latest version of each form, the short
/// report first because it is what most reports are, then the others by id
/// (the order `FormCatalog::latest_forms` gives).
pub fn offered_summaries() -> Vec<FormSummary> {
    SUMMARIES.with_borrow(|known| {
        // Kept in order as they come (a handful of ids): a sort here would
        // put another copy of the standard library's stable sort into the
        // wasm.
        let mut offered: Vec<((bool, &str), &FormSummary)> = Vec::new();
        for summary in known {
            let key = (summary.id != SHORT_REPORT_FORM, summary.id.as_str());
            match offered.binary_search_by(|(other, _)| other.cmp(&key)) {
                Ok(at) if offered[at].1.version < summary.version => offered[at].1 = summary,
                Ok(_) => {}
                Err(at) => offered.insert(at, (key, summary)),
            }
        }
        offered
            .into_iter()
            .map(|(_, summary)| summary.clone())
            .collect()
    })
}

/// What the picker offers a user: only the forms their role may file, as
/// the shared rules say (the server refuses the others, and a report saved
/// offline would be lost days later to a rule the phone knew).
pub(crate) fn summaries_for(access: Option<&Access>) -> Vec<FormSummary> {
    offered_summaries()
        .into_iter()
        .filter(|form| access.is_some_and(|access| access.may_file(&form.filed_by)))
        .collect()
}

/// The whole definitions of what [`summaries_for`] offers, for the second
/// module's report form (only what the phone has read in whole).
pub(crate) fn forms_for(access: Option<&Access>) -> Vec<&'static FormDefinition> {
    summaries_for(access)
        .iter()
        .filter_map(|summary| latest(&summary.id))
        .collect()
}

/// The form a user's new report starts with: the short report when they may
/// file it, else the first form they may file; none before the forms came.
pub(crate) fn default_form_for(access: Option<&Access>) -> Option<FormSummary> {
    summaries_for(access).into_iter().next()
}

/// A one-line title for a saved report in the list: the short report's own
/// title; for a periodic form the form's title and the month
/// ("Laporan Bulanan Kependudukan · Oktober 2026"); else the form's title
/// with the first short text answered (such as the place of an incident),
/// so two reports of the same form can be told apart.
pub fn report_title(report: &Report, lang: kabar_shared::form::Lang) -> String {
    if report.form.id == SHORT_REPORT_FORM {
        return report.title().to_owned();
    }
    let Some(form) = form(&report.form) else {
        // A form this app version does not know; its id is still telling.
        return describe_unknown(&report.form);
    };
    // A periodic report is told apart by its month.
    if let Some(period) = form.period_of(&report.answers) {
        return form.title_for_period(Some(period), lang);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use kabar_shared::form::{FormCatalog, builtin_forms};

    /// What the first pull brings from a server with the built-in catalog.
    fn pulled_the_builtin_catalog() {
        adopt(builtin_forms());
        assert!(!adopt(builtin_forms()), "a version is adopted once");
    }

    #[test]
    fn nothing_is_offered_before_the_first_pull() {
        assert!(!any_known());
        assert!(offered_summaries().is_empty());
        assert!(default_form_for(None).is_none());
    }

    #[test]
    fn the_app_offers_what_the_catalog_holds_with_the_short_report_first() {
        pulled_the_builtin_catalog();
        let catalog = FormCatalog::builtin();
        let mut expected: Vec<&str> = catalog
            .latest_forms()
            .iter()
            .map(|form| form.id.as_str())
            .filter(|id| *id != SHORT_REPORT_FORM)
            .collect();
        expected.insert(0, SHORT_REPORT_FORM);
        let summaries = offered_summaries();
        let offered: Vec<&str> = summaries.iter().map(|form| form.id.as_str()).collect();
        assert_eq!(offered, expected);
        for offered in summaries {
            let latest = catalog.latest(&offered.id).map(|form| form.summary());
            assert_eq!(Some(offered), latest);
        }
    }

    #[test]
    fn the_picker_offers_the_kept_forms_before_the_second_module_reads_them_whole() {
        use kabar_shared::account::{Access, Role, Scope};
        let village = kabar_shared::VillageCode::parse("71.74.02.2001").unwrap();
        let head = Access::new(Role::VillageHead, Scope::Village(village)).unwrap();
        adopt_summaries(
            builtin_forms()
                .iter()
                .map(FormDefinition::summary)
                .collect(),
        );
        assert!(any_known());
        assert_eq!(default_form_for(Some(&head)).unwrap().id, SHORT_REPORT_FORM);
        assert!(
            forms_for(Some(&head)).is_empty(),
            "no definition was read yet"
        );
        adopt(builtin_forms());
        let offered: Vec<String> = summaries_for(Some(&head))
            .into_iter()
            .map(|f| f.id)
            .collect();
        let whole: Vec<String> = forms_for(Some(&head))
            .iter()
            .map(|f| f.id.clone())
            .collect();
        assert_eq!(offered, whole);
    }

    #[test]
    fn each_role_is_offered_only_the_forms_it_may_file() {
        pulled_the_builtin_catalog();
        use kabar_shared::account::{Access, Role, Scope};
        use kabar_shared::form::Filer;
        let village = kabar_shared::VillageCode::parse("71.74.02.2001").unwrap();
        for (role, form_role) in [
            (Role::KimVolunteer, Filer::KimVolunteer),
            (Role::VillageHead, Filer::VillageHead),
        ] {
            let access = Access::new(role, Scope::Village(village.clone())).unwrap();
            let offered: Vec<&str> = forms_for(Some(&access))
                .iter()
                .map(|form| form.id.as_str())
                .collect();
            let summaries = offered_summaries();
            let expected: Vec<&str> = summaries
                .iter()
                .filter(|form| form.filed_by.contains(&form_role))
                .map(|form| form.id.as_str())
                .collect();
            assert_eq!(offered, expected, "{role}");
            assert_eq!(
                default_form_for(Some(&access)).unwrap().id,
                SHORT_REPORT_FORM
            );
        }
        let volunteer = Access::new(Role::KimVolunteer, Scope::Village(village)).unwrap();
        let offered = forms_for(Some(&volunteer));
        assert!(
            !offered
                .iter()
                .any(|form| form.id == "laporan-bulanan-kependudukan"),
            "a head-only form is never offered to a volunteer"
        );
        assert!(
            forms_for(None).is_empty(),
            "nobody signed in, nothing offered"
        );
    }
}
