//! `public_answers` drops every personal answer of every built-in form,
//! inside sections and repeat rows too, and keeps the rest.

use kabar_shared::form::{Field, FieldKind, FormCatalog, public_answers};
use kabar_shared::report::Answers;
use serde_json::{Value, json};

const MARKER: &str = "PENANDA-PRIBADI";

/// A value for every answerable field: the marker for personal ones, a
/// harmless text for the rest, repeat groups with two rows.
fn fill(fields: &[Field], inside_personal: bool, answers: &mut Answers) {
    for field in fields {
        let personal = inside_personal || field.personal;
        match &field.kind {
            FieldKind::Section { fields } => fill(fields, personal, answers),
            FieldKind::Repeat { fields, .. } => {
                let rows: Vec<Value> = (0..2)
                    .map(|_| {
                        let mut row = Answers::new();
                        fill(fields, personal, &mut row);
                        Value::Object(row.into_iter().collect())
                    })
                    .collect();
                answers.insert(field.code.clone(), Value::Array(rows));
            }
            kind if kind.takes_answer() => {
                let value = if personal {
                    json!(MARKER)
                } else {
                    json!("umum")
                };
                answers.insert(field.code.clone(), value);
            }
            _ => {}
        }
    }
}

#[test]
fn every_personal_answer_is_dropped_and_the_rest_kept() {
    let catalog = FormCatalog::builtin();
    let mut forms_with_personal_fields = 0;
    for form in catalog.forms() {
        let mut answers = Answers::new();
        fill(&form.fields, false, &mut answers);
        answers.insert("tidak_dikenal".into(), json!(MARKER));
        let public = public_answers(form, &answers);
        let text = serde_json::to_string(&public).unwrap();
        assert!(!text.contains(MARKER), "{}: {text}", form.id);
        assert!(
            text.contains("umum") || public.is_empty(),
            "{}: {text}",
            form.id
        );
        if serde_json::to_string(&answers)
            .unwrap()
            .matches(MARKER)
            .count()
            > 1
        {
            forms_with_personal_fields += 1;
        }
    }
    assert!(
        forms_with_personal_fields >= 5,
        "the forms mark their personal fields"
    );
}

#[test]
fn the_forms_mark_residents_names_nik_phones_and_contact_details() {
    let catalog = FormCatalog::builtin();
    let personal = |form_id: &str, code: &str| {
        catalog
            .forms()
            .find(|form| form.id == form_id)
            .and_then(|form| form.field(code))
            .is_some_and(|field| field.personal)
    };
    for (form, code) in [
        ("aspirasi-warga", "nama_warga"),
        ("aspirasi-warga", "telepon_warga"),
        ("aspirasi-warga", "alamat_warga"),
        ("laporan-bulanan-kependudukan", "nama_bayi"),
        ("laporan-bulanan-kependudukan", "nama_ibu"),
        ("laporan-bulanan-kependudukan", "nik_ibu"),
        ("laporan-kejadian", "telepon_pelapor"),
        ("laporan-kejadian", "titik_lokasi"),
    ] {
        assert!(personal(form, code), "{form}.{code} is personal");
    }
    assert!(!personal("laporan-kemajuan-pembangunan", "nama_kegiatan"));
}
