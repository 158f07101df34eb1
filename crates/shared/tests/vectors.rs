//! The shared validation vectors in `vectors.json`, run natively by
//! `cargo test` and in the browser by `wasm-bindgen-test`, so the phone (wasm)
//! and the server (native) provably judge the same answers the same way.

use kabar_shared::form::{Date, FormCatalog, FormDefinition, Lang, Text, validate};
use kabar_shared::report::{Answers, FormRef};
use serde::Deserialize;
use serde_json::{Value, json};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const VECTORS: &str = include_str!("vectors.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vectors {
    today: Date,
    field_cases: Vec<FieldCases>,
    form_cases: Vec<FormCase>,
}

/// One field, wrapped alone in a form as code `x`, and answers for it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldCases {
    field: Value,
    cases: Vec<FieldCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldCase {
    /// Absent means the answer is missing.
    #[serde(default)]
    value: Option<Value>,
    problems: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormCase {
    name: String,
    form: String,
    version: u32,
    answers: Answers,
    /// `[path, problem]` pairs, in the order the validator reports them.
    problems: Vec<(String, String)>,
    /// Answers the validator must drop.
    #[serde(default)]
    absent: Vec<String>,
    /// Answers the cleaned submission must hold, calculated ones included.
    #[serde(default)]
    expect: Answers,
}

fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("tests/vectors.json parses")
}

/// The `path` and `problem` tag of each problem, as they travel in JSON.
fn problem_tags(problems: &[kabar_shared::form::AnswerError]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|problem| {
            let json = serde_json::to_value(problem).unwrap();
            (
                json["path"].as_str().unwrap().to_owned(),
                json["problem"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_field_type_accepts_and_refuses_the_same_values_everywhere() {
    let vectors = vectors();
    let mut failures = Vec::new();
    let mut count = 0;
    for group in &vectors.field_cases {
        let form: FormDefinition = serde_json::from_value(json!({
            "id": "uji-coba",
            "version": 1,
            "title": {"id": "Uji", "en": "Test"},
            "filed_by": ["kim_volunteer"],
            "frequency": "on_event",
            "fields": [group.field],
        }))
        .expect("field definition parses");
        assert_eq!(form.check(), vec![], "{}", group.field);
        for case in &group.cases {
            count += 1;
            let mut answers = Answers::new();
            if let Some(value) = &case.value {
                answers.insert("x".into(), value.clone());
            }
            let got = problem_tags(&validate(&form, &answers, vectors.today).problems);
            if got != case.problems {
                failures.push(format!(
                    "{} = {:?}: expected {:?}, got {got:?}",
                    group.field["type"], case.value, case.problems
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(count >= 90, "only {count} field cases ran");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_builtin_form_judges_the_shared_vectors_the_same_way_everywhere() {
    let vectors = vectors();
    let catalog = FormCatalog::builtin();
    let mut failures = Vec::new();
    let mut forms_seen = std::collections::BTreeSet::new();
    for case in &vectors.form_cases {
        let form = FormRef {
            id: case.form.clone(),
            version: case.version,
        };
        forms_seen.insert((case.form.clone(), case.version));
        let validated = catalog
            .validate(&form, &case.answers, vectors.today)
            .expect("the vector names a built-in form");
        let got = problem_tags(&validated.problems);
        if got != case.problems {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                case.name, case.problems
            ));
        }
        for code in &case.absent {
            if validated.answers.contains_key(code) {
                failures.push(format!("{}: {code} should have been dropped", case.name));
            }
        }
        for (code, value) in &case.expect {
            if validated.answers.get(code) != Some(value) {
                failures.push(format!(
                    "{}: {code} should be {value}, is {:?}",
                    case.name,
                    validated.answers.get(code)
                ));
            }
        }
        // Validating what the validator kept changes nothing: the phone
        // stores the cleaned answers and the server validates them again.
        let again = validate(
            catalog.get(&form).unwrap(),
            &validated.answers,
            vectors.today,
        );
        if again.answers != validated.answers {
            failures.push(format!(
                "{}: validating twice changed the answers",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every published version, not only the latest: phones that were
    // offline keep filing against the older ones.
    assert_eq!(
        forms_seen.len(),
        catalog.forms().count(),
        "every built-in form version has vectors"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn problems_speak_indonesian_first_and_english_on_request() {
    let vectors = vectors();
    let catalog = FormCatalog::builtin();
    let case = vectors
        .form_cases
        .iter()
        .find(|case| case.name.starts_with("kejadian: wrong, unknown"))
        .unwrap();
    let form = FormRef {
        id: case.form.clone(),
        version: 1,
    };
    let validated = catalog
        .validate(&form, &case.answers, vectors.today)
        .unwrap();
    let messages: Vec<(String, String)> = validated
        .problems
        .iter()
        .map(|p| (p.message(Lang::default()), p.message(Lang::En)))
        .collect();
    let pairs: Vec<(&str, &str)> = messages
        .iter()
        .map(|(id, en)| (id.as_str(), en.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (
                "Isian ini tidak ada di formulir.",
                "This form has no such field."
            ),
            (
                "Pilihan \"tsunami_besar\" tidak ada.",
                "There is no choice \"tsunami_besar\"."
            ),
            ("Harus berupa bilangan bulat.", "Must be a whole number."),
            ("Minimal 10 karakter.", "At least 10 characters."),
            ("Paling banyak 5 foto.", "At most 5 photos."),
            (
                "Nomor telepon tidak valid (contoh: 0812-3456-7890).",
                "Invalid phone number (e.g. 0812-3456-7890)."
            ),
        ]
    );
    // A constraint speaks with the form's own words.
    let mut answers = case.answers.clone();
    answers.insert("kerusakan".into(), json!(["tidak_ada", "ternak"]));
    let validated = validate(catalog.get(&form).unwrap(), &answers, vectors.today);
    let constraint = validated
        .problems
        .iter()
        .find(|p| p.path == "kerusakan")
        .unwrap();
    let form_text = Text::new(
        "\"Tidak ada kerusakan\" tidak bisa dipilih bersama kerusakan lain.",
        "\"No damage\" cannot be combined with other damage.",
    );
    assert_eq!(constraint.message(Lang::Id), form_text.id);
    assert_eq!(constraint.message(Lang::En), form_text.en);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn problems_keep_their_json_shape() {
    let catalog = FormCatalog::builtin();
    let form = FormRef {
        id: "laporan-kejadian".into(),
        version: 1,
    };
    let mut answers = Answers::new();
    answers.insert("jenis_kejadian".into(), json!("tsunami"));
    let today = Date::parse("2025-06-15").unwrap();
    let validated = catalog.validate(&form, &answers, today).unwrap();
    assert_eq!(
        serde_json::to_value(&validated.problems[0]).unwrap(),
        json!({"path": "jenis_kejadian", "problem": "unknown_choice", "code": "tsunami"})
    );
    assert_eq!(
        serde_json::to_value(&validated.problems[1]).unwrap(),
        json!({"path": "waktu_kejadian", "problem": "required"})
    );
}
