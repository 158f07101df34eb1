//! Figures carried from one period's report to the next.
//!
//! A village's population at the start of a month is the population at the
//! end of the month before. A field that starts from the previous period
//! names, in the form definition, the field it starts from (`carry_from`):
//! `awal_wni_l` carries from `akhir_wni_l`. The phone prefills a new report
//! from the village's last approved report when that report is about the
//! month just before ([`carry_over`]); a figure the user then changes is not
//! refused (the village may have found a mistake) but flagged
//! ([`carry_mismatches`]), on the phone next to the field and in the Command
//! Center's report detail, so a reviewer sees it.

use super::model::{Field, FieldKind, FormDefinition, Lang};
use super::period::Period;
use crate::report::Answers;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::mem::discriminant;

/// A figure that differs from the previous period's approved report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarryMismatch {
    /// The field whose answer differs.
    pub code: String,
    /// The previous period's figure it was expected to start from.
    pub expected: Json,
    /// The period of the approved report the figure comes from.
    pub period: Period,
}

impl CarryMismatch {
    /// The warning shown next to the field and to the reviewer, e.g.
    /// "Berbeda dari akhir bulan Oktober 2026 (1.234) yang sudah disetujui".
    pub fn message(&self, lang: Lang) -> String {
        let figure = figure(&self.expected, lang);
        let month = self.period.label(lang);
        match lang {
            Lang::Id => format!("Berbeda dari akhir bulan {month} ({figure}) yang sudah disetujui"),
            Lang::En => format!("Differs from the approved end of {month} ({figure})"),
        }
    }
}

/// A number for people: digits grouped by thousands, with a dot in
/// Indonesian (1.234) and a comma in English (1,234). Other values as JSON.
pub fn figure(value: &Json, lang: Lang) -> String {
    let Some(number) = value.as_i64() else {
        return match value {
            Json::String(text) => text.clone(),
            other => other.to_string(),
        };
    };
    let separator = match lang {
        Lang::Id => '.',
        Lang::En => ',',
    };
    let digits = number.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    if number < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// Every field of `fields` with its place: whether it is a repeat column.
fn all_fields<'a>(fields: &'a [Field], in_repeat: bool, out: &mut Vec<(bool, &'a Field)>) {
    for field in fields {
        out.push((in_repeat, field));
        match &field.kind {
            FieldKind::Section { fields } => all_fields(fields, in_repeat, out),
            FieldKind::Repeat { fields, .. } => all_fields(fields, true, out),
            _ => {}
        }
    }
}

impl FormDefinition {
    /// The fields that start from the previous period, each with the field
    /// it carries from, in form order.
    pub fn carried_fields(&self) -> Vec<(&str, &str)> {
        let mut fields = Vec::new();
        all_fields(&self.fields, false, &mut fields);
        fields
            .into_iter()
            .filter_map(|(_, field)| Some((field.code.as_str(), field.carry_from.as_deref()?)))
            .collect()
    }

    /// Mistakes in `carry_from` attributes, as [`FormDefinition::check`]
    /// reports them: only a periodic form carries figures over, only from a
    /// top-level field of the same type, into a field the user answers.
    pub(super) fn carry_problems(&self) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        all_fields(&self.fields, false, &mut fields);
        let mut problems = Vec::new();
        for &(in_repeat, field) in &fields {
            let Some(from) = &field.carry_from else {
                continue;
            };
            let mut push = |message: String| problems.push((field.code.clone(), message));
            if self.period.is_none() {
                push("carry_from needs a periodic form: there is no previous period".into());
            }
            if in_repeat {
                push("a repeat column cannot carry from the previous period".into());
            }
            if !field.kind.takes_answer() || field.calculate.is_some() {
                push("carry_from is for a field the user answers, not a calculated field".into());
            }
            match fields.iter().find(|(_, other)| other.code == *from) {
                None => push(format!("carry_from names unknown field {from}")),
                Some((true, _)) => push(format!("carry_from names {from}, a repeat column")),
                Some((false, source))
                    if discriminant(&source.kind) != discriminant(&field.kind) =>
                {
                    push(format!("carry_from names {from}, a field of another type"))
                }
                Some(_) => {}
            }
        }
        problems
    }
}

/// What a new report about `period` starts with: for each field that carries
/// from the previous period, the answer of `previous` (the village's last
/// approved report, about `previous_period`) to the field it names. Nothing
/// unless `previous_period` is the month just before `period`: an older
/// report's end is not this month's start.
pub fn carry_over(
    form: &FormDefinition,
    period: Period,
    previous_period: Period,
    previous: &Answers,
) -> Vec<(String, Json)> {
    if previous_period != period.previous() {
        return Vec::new();
    }
    form.carried_fields()
        .into_iter()
        .filter_map(|(code, from)| Some((code.to_owned(), previous.get(from)?.clone())))
        .collect()
}

/// The carried figures of `answers` that differ from what the previous
/// period's approved report says they start from. A field not answered yet
/// is not flagged (the validator asks for it), nor is any field when the
/// report's own period is not the month after `previous_period`.
pub fn carry_mismatches(
    form: &FormDefinition,
    answers: &Answers,
    previous_period: Period,
    previous: &Answers,
) -> Vec<CarryMismatch> {
    let Some(period) = form.period_of(answers) else {
        return Vec::new();
    };
    carry_over(form, period, previous_period, previous)
        .into_iter()
        .filter(|(code, expected)| answers.get(code).is_some_and(|given| given != expected))
        .map(|(code, expected)| CarryMismatch {
            code,
            expected,
            period: previous_period,
        })
        .collect()
}

/// The answers of an approved report a next report needs: those that some
/// version of its form carries from. The pull sends only these, so a phone
/// keeps no more of an earlier report than its figures.
pub fn carried_answers<'a>(
    versions: impl IntoIterator<Item = &'a FormDefinition>,
    answers: &Answers,
) -> Answers {
    let mut sources: Vec<String> = Vec::new();
    for form in versions {
        sources.extend(
            form.carried_fields()
                .into_iter()
                .map(|(_, from)| from.to_owned()),
        );
    }
    answers
        .iter()
        .filter(|(code, _)| sources.contains(code))
        .map(|(code, value)| (code.clone(), value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::FormCatalog;
    use serde_json::json;

    fn monthly() -> FormDefinition {
        FormCatalog::builtin()
            .latest("laporan-bulanan-kependudukan")
            .unwrap()
            .clone()
    }

    fn answers(value: Json) -> Answers {
        serde_json::from_value(value).unwrap()
    }

    fn september() -> Period {
        Period::new(2026, 9).unwrap()
    }

    #[test]
    fn the_monthly_report_starts_each_figure_from_the_month_end_it_names() {
        let form = monthly();
        assert_eq!(
            form.carried_fields(),
            vec![
                ("awal_wni_l", "akhir_wni_l"),
                ("awal_wni_p", "akhir_wni_p"),
                ("awal_wna_l", "akhir_wna_l"),
                ("awal_wna_p", "akhir_wna_p"),
                ("awal_kk_l", "akhir_kk_l"),
                ("awal_kk_p", "akhir_kk_p"),
            ]
        );
        // The first version has no month-end figures to start from.
        let v1 = FormCatalog::builtin()
            .forms()
            .find(|f| f.id == form.id && f.version == 1)
            .unwrap()
            .clone();
        assert!(v1.carried_fields().is_empty());
    }

    #[test]
    fn a_new_report_is_prefilled_only_from_the_month_just_before() {
        fn check(period: (i32, u8), previous_period: (i32, u8), expect: Json) {
            let previous = answers(json!({
                "akhir_wni_l": 1234, "akhir_wni_p": 1250, "akhir_wna_l": 0,
                "akhir_kk_l": 600, "akhir_kk_p": 80, "akhir_jumlah": 2484, "nama": "x"
            }));
            let got: serde_json::Map<String, Json> = carry_over(
                &monthly(),
                Period::new(period.0, period.1).unwrap(),
                Period::new(previous_period.0, previous_period.1).unwrap(),
                &previous,
            )
            .into_iter()
            .collect();
            assert_eq!(
                Json::Object(got),
                expect,
                "{period:?} from {previous_period:?}"
            );
        }
        let prefilled = json!({
            "awal_wni_l": 1234, "awal_wni_p": 1250, "awal_wna_l": 0,
            "awal_kk_l": 600, "awal_kk_p": 80
        });
        check((2026, 10), (2026, 9), prefilled.clone());
        check((2027, 1), (2026, 12), prefilled);
        check((2026, 11), (2026, 9), json!({}));
        check((2026, 9), (2026, 9), json!({}));
        check((2026, 8), (2026, 9), json!({}));
    }

    #[test]
    fn a_changed_start_figure_is_flagged_with_the_approved_month_end() {
        fn check(input: Json, expect: &[(&str, i64)]) {
            let previous = answers(json!({"akhir_wni_l": 1234, "akhir_kk_l": 600}));
            let got: Vec<(String, Json)> =
                carry_mismatches(&monthly(), &answers(input.clone()), september(), &previous)
                    .into_iter()
                    .map(|m| {
                        assert_eq!(m.period, september());
                        (m.code, m.expected)
                    })
                    .collect();
            let expect: Vec<(String, Json)> = expect
                .iter()
                .map(|(code, value)| (code.to_string(), json!(value)))
                .collect();
            assert_eq!(got, expect, "{input}");
        }
        let october = |extra: Json| {
            let mut base = json!({"tahun": 2026, "bulan": "10"});
            base.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            base
        };
        check(october(json!({"awal_wni_l": 1234, "awal_kk_l": 600})), &[]);
        check(
            october(json!({"awal_wni_l": 1240, "awal_kk_l": 600})),
            &[("awal_wni_l", 1234)],
        );
        check(
            october(json!({"awal_wni_l": 1240, "awal_kk_l": 601})),
            &[("awal_wni_l", 1234), ("awal_kk_l", 600)],
        );
        // Not answered yet: the validator asks for it, no mismatch.
        check(october(json!({"awal_kk_l": 600})), &[]);
        // A figure with nothing to compare against is the user's.
        check(october(json!({"awal_wni_p": 7})), &[]);
        // November does not start from September; no period, no month.
        check(json!({"tahun": 2026, "bulan": "11", "awal_wni_l": 1}), &[]);
        check(json!({"awal_wni_l": 1}), &[]);
    }

    #[test]
    fn the_warning_names_the_month_and_the_figure_in_both_languages() {
        let mismatch = CarryMismatch {
            code: "awal_wni_l".into(),
            expected: json!(1234),
            period: Period::new(2026, 10).unwrap(),
        };
        assert_eq!(
            mismatch.message(Lang::Id),
            "Berbeda dari akhir bulan Oktober 2026 (1.234) yang sudah disetujui"
        );
        assert_eq!(
            mismatch.message(Lang::En),
            "Differs from the approved end of October 2026 (1,234)"
        );
        fn check(value: Json, expect: &str) {
            assert_eq!(figure(&value, Lang::Id), expect, "{value}");
        }
        check(json!(0), "0");
        check(json!(999), "999");
        check(json!(1000), "1.000");
        check(json!(1234567), "1.234.567");
        check(json!(-45000), "-45.000");
        check(json!("x"), "x");
    }

    #[test]
    fn only_the_figures_a_next_report_needs_travel() {
        let catalog = FormCatalog::builtin();
        let versions = catalog
            .forms()
            .filter(|form| form.id == "laporan-bulanan-kependudukan");
        let kept = carried_answers(
            versions,
            &answers(
                json!({"akhir_wni_l": 5, "akhir_jumlah": 9, "daftar_kematian": [{"nama_almarhum": "A"}]}),
            ),
        );
        assert_eq!(
            Json::Object(kept.into_iter().collect()),
            json!({"akhir_wni_l": 5})
        );
    }

    #[test]
    fn carry_attributes_are_checked_with_the_definition() {
        fn check(fields: Json, periodic: bool, expect: &[&str]) {
            let mut form = json!({
                "id": "uji-coba", "version": 1,
                "title": {"id": "Uji", "en": "Test"},
                "filed_by": ["village_head"],
                "frequency": "on_event",
                "fields": fields
            });
            if periodic {
                form["frequency"] = json!("monthly");
                form["period"] = json!({"year_field": "tahun", "month_field": "bulan", "due_day_of_next_period": 10});
                let months: Vec<Json> = (1..=12)
                    .map(|m| json!({"code": format!("{m:02}"), "label": {"id": "", "en": ""}}))
                    .collect();
                form["fields"].as_array_mut().unwrap().extend([
                    json!({"code": "tahun", "label": {"id": "", "en": ""}, "type": "integer", "required": true}),
                    json!({"code": "bulan", "label": {"id": "", "en": ""}, "type": "select_one", "required": true, "choices": months}),
                ]);
            }
            let form: FormDefinition = serde_json::from_value(form).unwrap();
            let problems: Vec<String> = form.check().iter().map(ToString::to_string).collect();
            assert_eq!(
                problems,
                expect,
                "{}",
                serde_json::to_string(&form.fields).unwrap()
            );
        }
        let int = |code: &str, from: Option<&str>| {
            let mut field = json!({"code": code, "label": {"id": "", "en": ""}, "type": "integer"});
            if let Some(from) = from {
                field["carry_from"] = json!(from);
            }
            field
        };
        check(
            json!([int("awal", Some("akhir")), int("akhir", None)]),
            true,
            &[],
        );
        check(
            json!([int("awal", Some("akhir")), int("akhir", None)]),
            false,
            &["awal: carry_from needs a periodic form: there is no previous period"],
        );
        check(
            json!([int("awal", Some("hilang"))]),
            true,
            &["awal: carry_from names unknown field hilang"],
        );
        check(
            json!([int("awal", Some("nama")),
                   {"code": "nama", "label": {"id": "", "en": ""}, "type": "short_text"}]),
            true,
            &["awal: carry_from names nama, a field of another type"],
        );
        check(
            json!([{"code": "baris", "label": {"id": "", "en": ""}, "type": "repeat",
                    "fields": [int("awal", Some("akhir")), int("sel", None)]},
                   int("akhir", None), int("dari_sel", Some("sel"))]),
            true,
            &[
                "awal: a repeat column cannot carry from the previous period",
                "dari_sel: carry_from names sel, a repeat column",
            ],
        );
        let mut calculated = int("awal", Some("akhir"));
        calculated["calculate"] = json!("1 + 1");
        check(
            json!([calculated, int("akhir", None)]),
            true,
            &["awal: carry_from is for a field the user answers, not a calculated field"],
        );
    }
}
