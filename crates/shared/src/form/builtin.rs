//! The forms Kotamobagu's villages file, shipped as data files in
//! `data/forms/` and compiled in, and the catalog of every published version.

use super::date::Date;
use super::model::{DefinitionError, FormDefinition};
use super::validate::{Validated, validate};
use crate::report::{Answers, FormRef};
use std::collections::BTreeMap;
use std::fmt;

/// The form files, by file name. A new version is a new file next to the old
/// one, registered after it; the old file stays, because submissions against
/// it keep arriving. The v2 files follow the official formats (see README).
pub const BUILTIN_FORM_FILES: &[(&str, &str)] = &[
    // The walking skeleton's short report (title and body). The validator
    // and `Report::short` agree on its rules, so the app renders it like any
    // other form and the server keeps accepting reports built with
    // `Report::short`.
    (
        "laporan-singkat.v1.json",
        include_str!("../../data/forms/laporan-singkat.v1.json"),
    ),
    (
        "laporan-bulanan-kependudukan.v1.json",
        include_str!("../../data/forms/laporan-bulanan-kependudukan.v1.json"),
    ),
    (
        "laporan-bulanan-kependudukan.v2.json",
        include_str!("../../data/forms/laporan-bulanan-kependudukan.v2.json"),
    ),
    (
        "laporan-kejadian.v1.json",
        include_str!("../../data/forms/laporan-kejadian.v1.json"),
    ),
    (
        "laporan-kejadian.v2.json",
        include_str!("../../data/forms/laporan-kejadian.v2.json"),
    ),
    (
        "laporan-kemajuan-pembangunan.v1.json",
        include_str!("../../data/forms/laporan-kemajuan-pembangunan.v1.json"),
    ),
    (
        "laporan-kemajuan-pembangunan.v2.json",
        include_str!("../../data/forms/laporan-kemajuan-pembangunan.v2.json"),
    ),
    (
        "catatan-kegiatan-kim.v1.json",
        include_str!("../../data/forms/catatan-kegiatan-kim.v1.json"),
    ),
    (
        "catatan-kegiatan-kim.v2.json",
        include_str!("../../data/forms/catatan-kegiatan-kim.v2.json"),
    ),
    (
        "aspirasi-warga.v1.json",
        include_str!("../../data/forms/aspirasi-warga.v1.json"),
    ),
    (
        "aspirasi-warga.v2.json",
        include_str!("../../data/forms/aspirasi-warga.v2.json"),
    ),
];

/// Every built-in form version, in file order.
pub fn builtin_forms() -> Vec<FormDefinition> {
    BUILTIN_FORM_FILES
        .iter()
        .map(|(name, json)| {
            serde_json::from_str(json)
                .unwrap_or_else(|error| panic!("data/forms/{name} is checked by tests: {error}"))
        })
        .collect()
}

/// Why the catalog refused a form version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogError {
    /// The definition has mistakes; publishing it would break phones.
    Invalid {
        form: FormRef,
        problems: Vec<DefinitionError>,
    },
    /// This id and version is already published with other content.
    /// Published versions are immutable: publish the next version instead.
    Changed { form: FormRef },
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogError::Invalid { form, problems } => {
                write!(f, "form {} v{} is invalid:", form.id, form.version)?;
                for problem in problems {
                    write!(f, " {problem};")?;
                }
                Ok(())
            }
            CatalogError::Changed { form } => write!(
                f,
                "form {} v{} is already published with other content; publish a new version",
                form.id, form.version
            ),
        }
    }
}

impl std::error::Error for CatalogError {}

/// A submission names a form version the catalog does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownForm(pub FormRef);

impl fmt::Display for UnknownForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown form {} v{}", self.0.id, self.0.version)
    }
}

impl std::error::Error for UnknownForm {}

/// Every published version of every form. The server keeps all versions so
/// it accepts a submission filled against an old one; the phone caches the
/// same catalog and offers the latest version of each form for new reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormCatalog {
    forms: BTreeMap<(String, u32), FormDefinition>,
}

impl FormCatalog {
    pub fn new() -> FormCatalog {
        FormCatalog::default()
    }

    /// The catalog of the built-in forms.
    pub fn builtin() -> FormCatalog {
        let mut catalog = FormCatalog::new();
        for form in builtin_forms() {
            catalog
                .publish(form)
                .unwrap_or_else(|error| panic!("built-in forms are checked by tests: {error}"));
        }
        catalog
    }

    /// Adds a form version after checking it. Publishing the same content
    /// again is a no-op, so a phone can re-apply a catalog it downloaded.
    pub fn publish(&mut self, form: FormDefinition) -> Result<(), CatalogError> {
        let problems = form.check();
        if !problems.is_empty() {
            return Err(CatalogError::Invalid {
                form: form.form_ref(),
                problems,
            });
        }
        let key = (form.id.clone(), form.version);
        match self.forms.get(&key) {
            Some(existing) if existing.content_hash() != form.content_hash() => {
                Err(CatalogError::Changed {
                    form: form.form_ref(),
                })
            }
            Some(_) => Ok(()),
            None => {
                self.forms.insert(key, form);
                Ok(())
            }
        }
    }

    pub fn get(&self, form: &FormRef) -> Option<&FormDefinition> {
        self.forms.get(&(form.id.clone(), form.version))
    }

    /// The newest version of a form.
    pub fn latest(&self, id: &str) -> Option<&FormDefinition> {
        self.forms
            .range((id.to_owned(), 0)..=(id.to_owned(), u32::MAX))
            .next_back()
            .map(|(_, form)| form)
    }

    /// The newest version of each form, sorted by id: what the app offers
    /// for a new report.
    pub fn latest_forms(&self) -> Vec<&FormDefinition> {
        let mut latest: Vec<&FormDefinition> = Vec::new();
        for form in self.forms.values() {
            match latest.last_mut() {
                Some(last) if last.id == form.id => *last = form,
                _ => latest.push(form),
            }
        }
        latest
    }

    /// Every version of every form, sorted by id then version: what the
    /// server publishes and the phone caches.
    pub fn forms(&self) -> impl Iterator<Item = &FormDefinition> {
        self.forms.values()
    }

    /// Validates answers against the form version they were filled against.
    pub fn validate(
        &self,
        form: &FormRef,
        answers: &Answers,
        today: Date,
    ) -> Result<Validated, UnknownForm> {
        let definition = self.get(form).ok_or_else(|| UnknownForm(form.clone()))?;
        Ok(validate(definition, answers, today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::model::{Filer, FormSummary, Frequency, Text};

    #[test]
    fn a_form_list_reads_each_definition_as_its_summary() {
        // What the phone keeps is the server's JSON of whole definitions;
        // its first screen reads the same JSON as summaries.
        let stored = serde_json::to_string(&builtin_forms()).unwrap();
        let summaries: Vec<FormSummary> = serde_json::from_str(&stored).unwrap();
        let expected: Vec<FormSummary> = builtin_forms()
            .iter()
            .map(FormDefinition::summary)
            .collect();
        assert_eq!(summaries, expected);
        assert!(summaries.iter().all(|summary| !summary.filed_by.is_empty()));
    }

    #[test]
    fn every_builtin_form_file_is_a_valid_definition_named_after_its_id_and_version() {
        for (name, json) in BUILTIN_FORM_FILES {
            let form: FormDefinition =
                serde_json::from_str(json).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(*name, format!("{}.v{}.json", form.id, form.version));
            assert_eq!(form.check(), vec![], "{name}");
        }
        let ids: Vec<String> = FormCatalog::builtin()
            .latest_forms()
            .iter()
            .map(|form| form.id.clone())
            .collect();
        assert_eq!(
            ids,
            vec![
                "aspirasi-warga",
                "catatan-kegiatan-kim",
                "laporan-bulanan-kependudukan",
                "laporan-kejadian",
                "laporan-kemajuan-pembangunan",
                "laporan-singkat",
            ]
        );
    }

    #[test]
    fn form_files_round_trip_without_losing_a_key() {
        // Field kinds are flattened into the field object, where serde cannot
        // refuse unknown keys; a misspelt key in a form file would vanish
        // silently. Comparing the file with its re-serialization catches it.
        // Decimal bounds come back as floats (`100.0` for `100`), which is
        // the same number, so numbers are compared as floats.
        fn normalize(value: serde_json::Value) -> serde_json::Value {
            use serde_json::Value;
            match value {
                Value::Number(n) => Value::from(n.as_f64().unwrap()),
                Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
                Value::Object(map) => {
                    Value::Object(map.into_iter().map(|(k, v)| (k, normalize(v))).collect())
                }
                other => other,
            }
        }
        for (name, json) in BUILTIN_FORM_FILES {
            let original: serde_json::Value = serde_json::from_str(json).unwrap();
            let form: FormDefinition = serde_json::from_value(original.clone()).unwrap();
            assert_eq!(
                normalize(serde_json::to_value(&form).unwrap()),
                normalize(original),
                "{name}"
            );
        }
    }

    #[test]
    fn who_files_what_and_how_often() {
        let catalog = FormCatalog::builtin();
        let form = |id: &str| catalog.latest(id).unwrap();
        let monthly = form("laporan-bulanan-kependudukan");
        assert_eq!(monthly.filed_by, vec![Filer::VillageHead]);
        assert_eq!(monthly.frequency, Frequency::Monthly);
        assert_eq!(form("aspirasi-warga").filed_by, vec![Filer::KimVolunteer]);
        assert_eq!(
            form("laporan-kejadian").filed_by,
            vec![Filer::VillageHead, Filer::KimVolunteer]
        );
    }

    #[test]
    fn a_published_version_cannot_change_but_a_new_version_can_follow() {
        let mut catalog = FormCatalog::builtin();
        let original = catalog.latest("aspirasi-warga").unwrap().clone();
        assert_eq!(catalog.publish(original.clone()), Ok(()), "idempotent");

        let mut changed = original.clone();
        changed.title = Text::new("Aspirasi", "Aspiration");
        assert_eq!(
            catalog.publish(changed.clone()),
            Err(CatalogError::Changed {
                form: original.form_ref()
            })
        );

        let published = catalog.forms().count();
        changed.version = original.version + 1;
        assert_eq!(catalog.publish(changed), Ok(()));
        assert_eq!(
            catalog.latest("aspirasi-warga").unwrap().version,
            original.version + 1
        );
        // Phones that were offline still file against the older versions.
        assert_eq!(catalog.get(&original.form_ref()), Some(&original));
        assert_eq!(catalog.forms().count(), published + 1);
        assert_eq!(catalog.latest_forms().len(), 6);
    }

    #[test]
    fn an_invalid_definition_is_not_published() {
        let mut catalog = FormCatalog::new();
        let mut form = builtin_forms().remove(0);
        form.id = "Bad Id".into();
        let Err(CatalogError::Invalid { problems, .. }) = catalog.publish(form) else {
            panic!("expected a refusal");
        };
        assert_eq!(problems[0].path, "id");
        assert_eq!(catalog.forms().count(), 0);
    }

    #[test]
    fn validating_against_an_unknown_version_says_so() {
        let catalog = FormCatalog::builtin();
        let form = FormRef {
            id: "laporan-kejadian".into(),
            version: 99,
        };
        let today = Date::parse("2025-06-15").unwrap();
        assert_eq!(
            catalog.validate(&form, &Answers::new(), today),
            Err(UnknownForm(form.clone()))
        );
    }
}
