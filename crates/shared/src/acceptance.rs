//! The one decision whether a report may be filed.
//!
//! The phone asks [`decide_filing`] before it writes anything to its outbox,
//! and the server asks it once for every pushed report, so a rule the phone
//! knew can never strand a user's work on the server days later. It answers
//! with the report as it will be stored (answers cleaned by the form
//! validator), its canonical JSON and the SHA-256 of exactly that JSON, or
//! with every reason the report may not be filed:
//!
//! - the user's role may not file the form (a KIM volunteer and the village
//!   head's monthly population report);
//! - the village is not one of Kotamobagu's, or not the user's own;
//! - the report names another form version than the one it is judged by;
//! - the creation time cannot be read as a day in Kotamobagu;
//! - every problem the form validator finds in the answers.
//!
//! The short report (`laporan-singkat`) is a JSON form like the others and
//! is judged and cleaned by the same path.
//!
//! What only the server can know (whether the id is already stored, whether
//! the village already filed this period) is decided afterwards by
//! [`crate::sync::judge_push`].

use crate::account::Access;
use crate::form::{
    AnswerError, AnswerErrorKind, FormCatalog, FormDefinition, Period, ValueKind, validate,
};
use crate::report::{ContentHash, FieldError, FieldErrorKind, Report};
use crate::village::Gazetteer;

/// A report that may be filed, as it is to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedReport {
    /// The report with its answers as the validator cleaned them: values of
    /// questions that were not asked are dropped and calculations applied.
    pub report: Report,
    /// The report's canonical JSON: what the server stores.
    pub canonical_json: String,
    /// The SHA-256 of `canonical_json`, always.
    pub content_hash: ContentHash,
    /// The period the report is about, for periodic forms.
    pub period: Option<Period>,
    /// The answer that names the period (the month field), for a refusal
    /// of a second report for the same period to point at.
    pub period_answer: Option<String>,
}

/// One reason a report may not be filed.
#[derive(Debug, Clone, PartialEq)]
pub enum FilingRefusal {
    /// The user's role may not file this form.
    FormNotForRole,
    /// The report was judged by a form version other than the one it names,
    /// or names a form nobody published.
    UnknownForm,
    /// The village is not a village of Kotamobagu.
    UnknownVillage,
    /// The village is not the one this user files for.
    VillageNotYours,
    /// The creation time is not a day in Kotamobagu's calendar.
    UnreadableCreationTime,
    /// The form validator's problem with one answer.
    Answer(AnswerError),
}

impl FilingRefusal {
    /// The refusal as a push answer carries it and the app shows it: the
    /// field it is about and what is wrong, with the validator's sentence in
    /// both languages for answer problems.
    pub fn to_field_error(&self) -> FieldError {
        let (field, problem) = match self {
            FilingRefusal::FormNotForRole => ("form", FieldErrorKind::NotAllowed),
            FilingRefusal::UnknownForm => ("form", FieldErrorKind::UnknownForm),
            FilingRefusal::UnknownVillage => ("village", FieldErrorKind::UnknownVillage),
            FilingRefusal::VillageNotYours => ("village", FieldErrorKind::NotAllowed),
            FilingRefusal::UnreadableCreationTime => (
                "created_at_ms",
                FieldErrorKind::from_validator(AnswerErrorKind::WrongType {
                    expected: ValueKind::DateTime,
                }),
            ),
            FilingRefusal::Answer(problem) => {
                return FieldError {
                    field: problem.path.clone(),
                    problem: FieldErrorKind::from_validator(problem.kind.clone()),
                };
            }
        };
        FieldError {
            field: field.to_owned(),
            problem,
        }
    }
}

/// Decides whether the user with `who` may file `report`, judged by `form`,
/// the version the report names.
///
/// "Today" for the form's date rules is the day the report was created, in
/// Kotamobagu's time zone (WITA), read from `report.created_at_ms`: the phone
/// sets it when the user saves, and the server judges by the same day, so a
/// report that waited a week for signal is not refused for being late. This
/// function does no I/O; the phone may call it on every save.
pub fn decide_filing(
    who: &Access,
    form: &FormDefinition,
    report: &Report,
) -> Result<AcceptedReport, Vec<FilingRefusal>> {
    let mut refusals = Vec::new();
    if report.form != form.form_ref() {
        refusals.push(FilingRefusal::UnknownForm);
    } else if !who.may_file_form(form) {
        refusals.push(FilingRefusal::FormNotForRole);
    }
    if Gazetteer::kotamobagu().village(&report.village).is_none() {
        refusals.push(FilingRefusal::UnknownVillage);
    } else if !who.can_file_for(&report.village) {
        refusals.push(FilingRefusal::VillageNotYours);
    }
    let Some(today) = report.filled_on() else {
        refusals.push(FilingRefusal::UnreadableCreationTime);
        return Err(refusals);
    };
    let validated = validate(form, &report.answers, today);
    refusals.extend(validated.problems.into_iter().map(FilingRefusal::Answer));
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let report = Report {
        answers: validated.answers,
        ..report.clone()
    };
    let canonical_json = serde_json::to_string(&report).expect("a report always serializes");
    Ok(AcceptedReport {
        content_hash: ContentHash::of_bytes(canonical_json.as_bytes()),
        period: form.period_of(&report.answers),
        period_answer: form.period.as_ref().map(|rule| rule.month_field.clone()),
        report,
        canonical_json,
    })
}

/// [`decide_filing`] with the form looked up in `catalog` by the version the
/// report names: what the server does.
pub fn decide_filing_in(
    who: &Access,
    catalog: &FormCatalog,
    report: &Report,
) -> Result<AcceptedReport, Vec<FilingRefusal>> {
    match catalog.get(&report.form) {
        Some(form) => decide_filing(who, form, report),
        None => {
            // Nothing can be said about the answers without their form, but
            // who and where still can.
            let mut refusals = vec![FilingRefusal::UnknownForm];
            if Gazetteer::kotamobagu().village(&report.village).is_none() {
                refusals.push(FilingRefusal::UnknownVillage);
            } else if !who.can_file_for(&report.village) {
                refusals.push(FilingRefusal::VillageNotYours);
            }
            Err(refusals)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::account::{Role, Scope};
    use crate::report::{FormRef, ReportId};
    use crate::village::VillageCode;
    use serde_json::json;

    const KOTOBANGUN: &str = "71.74.02.1003";
    const TUMUBUI: &str = "71.74.02.2001";
    /// 2025-11-24 in Kotamobagu.
    const CREATED_AT_MS: i64 = 1_764_000_000_000;

    fn access(role: Role, village: &str) -> Access {
        let scope = match role {
            Role::VillageHead | Role::KimVolunteer => {
                Scope::Village(VillageCode::parse(village).unwrap())
            }
            Role::Reviewer | Role::Admin => Scope::All,
        };
        Access::new(role, scope).unwrap()
    }

    fn report(form: &str, village: &str, answers: serde_json::Value) -> Report {
        Report {
            id: ReportId::new_v7(CREATED_AT_MS as u64, [1; 10]),
            form: FormRef {
                id: form.into(),
                version: 1,
            },
            village: VillageCode::parse(village).unwrap(),
            created_at_ms: CREATED_AT_MS,
            answers: serde_json::from_value(answers).unwrap(),
        }
    }

    fn short(title: &str) -> serde_json::Value {
        json!({"title": title, "body": "Jalan desa rusak"})
    }

    /// A valid monthly population report for October 2025 with no change
    /// over the month.
    pub(crate) fn monthly_answers() -> serde_json::Value {
        let mut answers = json!({"tahun": 2025, "bulan": "10", "awal_kk": 300, "akhir_kk": 300});
        for change in ["awal", "lahir", "meninggal", "datang", "pindah", "hilang"] {
            for group in ["wni_l", "wni_p", "wna_l", "wna_p"] {
                let count = if change == "awal" { 500 } else { 0 };
                answers[format!("{change}_{group}")] = json!(count);
            }
        }
        answers
    }

    /// What the decision says, compactly: `Ok(period)` or the refusals as
    /// `field:problem`.
    fn outcome(decision: &Result<AcceptedReport, Vec<FilingRefusal>>) -> Result<String, String> {
        match decision {
            Ok(accepted) => Ok(accepted.period.map(|p| p.key()).unwrap_or_default()),
            Err(refusals) => Err(refusals
                .iter()
                .map(|refusal| {
                    let error = refusal.to_field_error();
                    let problem = match &error.problem {
                        FieldErrorKind::Invalid { detail, .. } => serde_json::to_value(detail)
                            .unwrap()["problem"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                        other => serde_json::to_value(other).unwrap()["problem"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    };
                    format!("{}:{problem}", error.field)
                })
                .collect::<Vec<_>>()
                .join(" ")),
        }
    }

    #[test]
    fn the_filing_decision_by_role_village_form_and_answers() {
        let catalog = FormCatalog::builtin();
        let check = |who: Access, report: Report, expect: Result<&str, &str>| {
            let decision = decide_filing_in(&who, &catalog, &report);
            assert_eq!(
                outcome(&decision),
                expect.map(str::to_owned).map_err(str::to_owned),
                "{:?} filing {} for {}",
                who.role(),
                report.form.id,
                report.village
            );
        };
        use Role::*;
        // The short report: both village roles, only for their own village.
        check(
            access(VillageHead, KOTOBANGUN),
            report("laporan-singkat", KOTOBANGUN, short("Banjir")),
            Ok(""),
        );
        check(
            access(KimVolunteer, KOTOBANGUN),
            report("laporan-singkat", KOTOBANGUN, short("Banjir")),
            Ok(""),
        );
        check(
            access(KimVolunteer, KOTOBANGUN),
            report("laporan-singkat", TUMUBUI, short("Banjir")),
            Err("village:not_allowed"),
        );
        check(
            access(VillageHead, KOTOBANGUN),
            report("laporan-singkat", "71.74.09.9999", short("Banjir")),
            Err("village:unknown_village"),
        );
        // Reviewers and admins read reports; they file none.
        check(
            access(Reviewer, KOTOBANGUN),
            report("laporan-singkat", KOTOBANGUN, short("Banjir")),
            Err("form:not_allowed village:not_allowed"),
        );
        check(
            access(Admin, KOTOBANGUN),
            report("laporan-singkat", KOTOBANGUN, short("Banjir")),
            Err("form:not_allowed village:not_allowed"),
        );
        // The short report's answers are judged by its JSON form.
        check(
            access(VillageHead, KOTOBANGUN),
            report("laporan-singkat", KOTOBANGUN, short("   ")),
            Err("title:required"),
        );
        check(
            access(VillageHead, KOTOBANGUN),
            report(
                "laporan-singkat",
                KOTOBANGUN,
                json!({"title": "a".repeat(121), "extra": 1}),
            ),
            Err("extra:unexpected_field title:too_long"),
        );
        // The monthly population report: the head's alone, with its period.
        check(
            access(VillageHead, KOTOBANGUN),
            report(
                "laporan-bulanan-kependudukan",
                KOTOBANGUN,
                monthly_answers(),
            ),
            Ok("2025-10"),
        );
        check(
            access(KimVolunteer, KOTOBANGUN),
            report(
                "laporan-bulanan-kependudukan",
                KOTOBANGUN,
                monthly_answers(),
            ),
            Err("form:not_allowed"),
        );
        // Every reason at once: role, village and answers.
        check(
            access(KimVolunteer, KOTOBANGUN),
            report("laporan-bulanan-kependudukan", TUMUBUI, {
                let mut answers = monthly_answers();
                answers.as_object_mut().unwrap().remove("bulan");
                answers
            }),
            Err("form:not_allowed village:not_allowed bulan:required"),
        );
        // A form nobody published.
        check(
            access(VillageHead, KOTOBANGUN),
            report("laporan-rahasia", KOTOBANGUN, json!({})),
            Err("form:unknown_form"),
        );
    }

    #[test]
    fn the_accepted_report_is_cleaned_and_its_hash_is_the_hash_of_its_json() {
        let catalog = FormCatalog::builtin();
        let head = access(Role::VillageHead, KOTOBANGUN);
        let mut answers = monthly_answers();
        answers["akhir_wni_l"] = json!(999_999);
        let pushed = report("laporan-bulanan-kependudukan", KOTOBANGUN, answers);
        let accepted = decide_filing_in(&head, &catalog, &pushed).unwrap();
        assert_ne!(
            accepted.report.answers, pushed.answers,
            "calculations apply"
        );
        assert_eq!(
            accepted.content_hash,
            ContentHash::of_bytes(accepted.canonical_json.as_bytes())
        );
        assert_eq!(accepted.content_hash, accepted.report.content_hash());
        assert_eq!(
            serde_json::from_str::<Report>(&accepted.canonical_json).unwrap(),
            accepted.report
        );
        // Deciding again on what was accepted changes nothing: a replay is
        // recognized by its hash.
        let again = decide_filing_in(&head, &catalog, &accepted.report).unwrap();
        assert_eq!(again, accepted);
    }

    #[test]
    fn a_report_judged_by_another_form_version_is_refused() {
        let catalog = FormCatalog::builtin();
        let form = catalog.latest("aspirasi-warga").unwrap();
        let head = access(Role::VillageHead, KOTOBANGUN);
        let decision = decide_filing(
            &head,
            form,
            &report("laporan-singkat", KOTOBANGUN, short("Banjir")),
        );
        assert!(
            decision
                .unwrap_err()
                .first()
                .is_some_and(|refusal| *refusal == FilingRefusal::UnknownForm)
        );
        let mut unreadable = report("laporan-singkat", KOTOBANGUN, short("Banjir"));
        unreadable.created_at_ms = i64::MAX;
        assert_eq!(
            decide_filing_in(&head, &catalog, &unreadable),
            Err(vec![FilingRefusal::UnreadableCreationTime])
        );
    }

    #[test]
    fn v1_reports_stay_accepted_while_the_phone_offers_v2() {
        let catalog = FormCatalog::builtin();
        let head = access(Role::VillageHead, KOTOBANGUN);
        let volunteer = access(Role::KimVolunteer, KOTOBANGUN);
        // The phone offers the latest version of each form for new reports.
        for id in [
            "laporan-bulanan-kependudukan",
            "laporan-kejadian",
            "laporan-kemajuan-pembangunan",
            "catatan-kegiatan-kim",
            "aspirasi-warga",
        ] {
            assert_eq!(catalog.latest(id).map(|form| form.version), Some(2), "{id}");
            assert!(
                catalog
                    .latest_forms()
                    .iter()
                    .any(|form| form.id == id && form.version == 2)
            );
        }
        // A monthly report filled offline against v1 is judged by v1, the
        // version it names, and accepted with its v1 answers and period.
        let monthly = report(
            "laporan-bulanan-kependudukan",
            KOTOBANGUN,
            monthly_answers(),
        );
        let v1 = catalog.get(&monthly.form).unwrap();
        assert_eq!(v1.version, 1);
        let accepted = decide_filing(&head, v1, &monthly).unwrap();
        assert_eq!(accepted.period.map(|p| p.key()).as_deref(), Some("2025-10"));
        assert_eq!(accepted.report.form.version, 1);
        assert_eq!(decide_filing_in(&head, &catalog, &monthly), Ok(accepted));
        // The same answers are not a v2 report (no signature, no KK by the
        // sex of the head), and a report naming v1 is never judged by v2.
        let latest = catalog.latest("laporan-bulanan-kependudukan").unwrap();
        assert_eq!(
            decide_filing(&head, latest, &monthly).unwrap_err().first(),
            Some(&FilingRefusal::UnknownForm)
        );
        let mut as_v2 = monthly.clone();
        as_v2.form.version = 2;
        let refused = decide_filing_in(&head, &catalog, &as_v2).unwrap_err();
        assert!(refused.iter().any(|refusal| matches!(
            refusal,
            FilingRefusal::Answer(problem) if problem.path == "tempat_pengesahan"
        )));
        // A v1 incident with a type v2 renamed ("angin_kencang") and the
        // v1 victims question, and a v1 KIM log, are still accepted.
        let incident = report(
            "laporan-kejadian",
            KOTOBANGUN,
            json!({
                "jenis_kejadian": "angin_kencang",
                "waktu_kejadian": "2025-11-23T07:30",
                "lokasi": "Lingkungan II",
                "ada_korban": true,
                "korban_meninggal": 0, "korban_hilang": 0, "korban_luka": 1, "korban_mengungsi": 4,
                "kerusakan": ["tidak_ada"],
                "tingkat_urgensi": "tinggi",
                "kebutuhan_mendesak": "Terpal",
                "uraian": "Angin kencang merobohkan pohon di depan sekolah."
            }),
        );
        let accepted = decide_filing_in(&volunteer, &catalog, &incident).unwrap();
        assert_eq!(accepted.report.answers["total_korban"], json!(5));
        assert!(accepted.report.is_urgent());
        let kim = report(
            "catatan-kegiatan-kim",
            KOTOBANGUN,
            json!({
                "jenis_kegiatan": "diseminasi_informasi",
                "tanggal": "2025-11-20",
                "tempat": "Balai Kelurahan",
                "topik": "Sosialisasi posyandu",
                "peserta_l": 3, "peserta_p": 4,
                "ringkasan": "Jadwal posyandu keliling disampaikan kepada warga."
            }),
        );
        assert!(decide_filing_in(&volunteer, &catalog, &kim).is_ok());
    }
}
