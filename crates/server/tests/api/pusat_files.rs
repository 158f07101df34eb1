//! The Command Center's XLSX export and repeat-group CSV files, and form
//! versions published by admins (`/api/v1/pusat/admin/forms`).

use super::pusat::monthly_report;
use super::support::{Backend, KOTOBANGUN, MONGONDOW, Who, report_in, spawn_app, spawn_app_on};
use kabar_shared::form::Period;
use kabar_shared::sync::{PushItem, PushOutcome};
use serde_json::{Value, json};
use std::io::Read;

/// The files of an XLSX (a ZIP) by name, as text.
fn xlsx_parts(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a ZIP");
    let mut parts = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut text = String::new();
        if file.read_to_string(&mut text).is_ok() {
            parts.insert(name, text);
        }
    }
    parts
}

/// A monthly report of Kotobangun with two births, one baby's name
/// written like a formula.
fn monthly_with_births() -> kabar_shared::Report {
    let january = Period::parse("2026-01").unwrap();
    let mut report = monthly_report(KOTOBANGUN, 7, january, january.next().start_ms() + 1000);
    for (code, value) in [
        ("lahir_wni_l", json!(1)),
        ("lahir_wni_p", json!(1)),
        ("akhir_wni_l", json!(501)),
        ("akhir_wni_p", json!(511)),
        ("akhir_jumlah", json!(1012)),
        (
            "daftar_kelahiran",
            json!([
                {"nama_bayi": "=1+2", "jenis_kelamin_bayi": "l", "kewarganegaraan_bayi": "wni",
                 "tanggal_lahir": "2026-01-05", "nama_ibu": "Siti Mokodompit"},
                {"nama_bayi": "Putri", "jenis_kelamin_bayi": "p", "kewarganegaraan_bayi": "wni",
                 "tanggal_lahir": "2026-01-20", "nama_ibu": "Rina Paputungan, S.Pd"},
            ]),
        ),
    ] {
        report.answers.insert(code.into(), value);
    }
    report
}

pub async fn xlsx_and_repeat_group_exports_hold_the_reports_in_scope_and_are_audited(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let far_head = app.login_as(Who::FarHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let monthly = monthly_with_births();
    let response = app
        .push_as(&head, vec![PushItem::new(monthly.clone())])
        .await;
    assert_eq!(
        response.results[0].outcome,
        PushOutcome::Accepted,
        "{response:?}"
    );
    let far = report_in(MONGONDOW, 2, "Lampu jalan", "Padam");
    app.push_as(&far_head, vec![PushItem::new(far.clone())])
        .await;
    let id = monthly.id.to_string();

    // XLSX: a sheet for the form version and one for its repeat group.
    let response = app
        .get(Some(&reviewer), "/api/v1/pusat/export?format=xlsx")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let parts = xlsx_parts(&response.bytes().await.unwrap());
    let workbook = &parts["xl/workbook.xml"];
    assert!(
        workbook.contains("name=\"laporan-bulanan-kependudukan v1\""),
        "{workbook}"
    );
    assert!(
        workbook.contains("name=\"daftar_kelahiran (laporan-bulan\""),
        "{workbook}"
    );
    let strings = &parts["xl/sharedStrings.xml"];
    for text in [
        id.as_str(),
        "Kotobangun",
        "Penduduk akhir bulan WNI laki-laki",
        "Nama ibu",
        "Siti Mokodompit",
        "=1+2",
        "Januari",
    ] {
        assert!(strings.contains(text), "{text} in the workbook");
    }
    assert!(
        !strings.contains("Lampu jalan"),
        "Mongondow is not the reviewer's"
    );
    let sheets: String = parts
        .iter()
        .filter(|(name, _)| name.starts_with("xl/worksheets/"))
        .map(|(_, text)| text.as_str())
        .collect();
    assert!(sheets.contains("<v>511</v>"), "numbers are numbers");
    assert!(!sheets.contains("<f>"), "no cell is a formula");

    // CSV: the group's cell holds its row count; its rows have a file.
    let text = app
        .get(
            Some(&reviewer),
            "/api/v1/pusat/export?format=csv&form=laporan-bulanan-kependudukan",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|name| *name == "daftar_kelahiran")
        .unwrap();
    let row: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[column], "2", "{text}");
    let response = app
        .get(
            Some(&reviewer),
            "/api/v1/pusat/export?format=csv&form=laporan-bulanan-kependudukan&group=daftar_kelahiran",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("kabar-desa-daftar_kelahiran.csv")
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "report_id,row,nama_bayi,jenis_kelamin_bayi,kewarganegaraan_bayi,tanggal_lahir,nama_ibu,nik_ibu",
            &format!("{id},1,'=1+2,l,wni,2026-01-05,Siti Mokodompit,"),
            &format!("{id},2,Putri,p,wni,2026-01-20,\"Rina Paputungan, S.Pd\","),
        ]
    );

    // The other kecamatan's reviewer gets none of it, and 403 for naming it.
    let far_xlsx = app
        .get(Some(&far_reviewer), "/api/v1/pusat/export?format=xlsx")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let far_strings = &xlsx_parts(&far_xlsx)["xl/sharedStrings.xml"];
    assert!(!far_strings.contains(&id) && !far_strings.contains("Kotobangun"));
    assert!(far_strings.contains("Lampu jalan"));
    let far_group = app
        .get(
            Some(&far_reviewer),
            "/api/v1/pusat/export?format=csv&group=daftar_kelahiran",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(far_group.lines().count(), 1, "a header only: {far_group}");

    let audit_before: Value = app.get_json(Some(&admin), "/api/v1/admin/audit").await;
    for (session, path, status) in [
        (Some(&head), "/api/v1/pusat/export?format=xlsx", 403),
        (None, "/api/v1/pusat/export?format=xlsx", 401),
        (
            Some(&far_reviewer),
            "/api/v1/pusat/export?format=xlsx&district=71.74.02",
            403,
        ),
        (
            Some(&far_reviewer),
            &format!("/api/v1/pusat/export?format=csv&group=daftar_kelahiran&village={KOTOBANGUN}"),
            403,
        ),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=csv&group=tidak_ada",
            400,
        ),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=csv&form=laporan-kejadian&group=daftar_kelahiran",
            400,
        ),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=xlsx&group=daftar_kelahiran",
            400,
        ),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=xlsx&limit=5",
            400,
        ),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=xlsx&status=baru",
            400,
        ),
    ] {
        let response = app.get(session, path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
        if status == 400 {
            let body: Value = response.json().await.unwrap();
            assert!(
                body["error"]["message"].is_string() && body["error"]["message_en"].is_string()
            );
        }
    }
    // Refused exports leave no audit row.
    let audit: Value = app.get_json(Some(&admin), "/api/v1/admin/audit").await;
    assert_eq!(audit["entries"], audit_before["entries"]);
    let exports: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "export")
        .collect();
    assert!(
        exports
            .iter()
            .any(|entry| entry["detail"]["format"] == "xlsx"
                && entry["actor"] == Who::Reviewer.username()
                && entry["detail"]["reports"] == 1)
    );
    assert!(
        exports
            .iter()
            .any(|entry| entry["detail"]["group"] == "daftar_kelahiran")
    );
}

/// laporan-singkat as the admin would publish its second version.
fn short_form_v2(app_form: &Value) -> Value {
    let mut form = app_form.clone();
    form["version"] = json!(2);
    form["title"]["id"] = json!("Laporan singkat (versi 2)");
    form["title"]["en"] = json!("Short report (version 2)");
    form
}

pub async fn admins_publish_form_versions_that_phones_receive_and_bad_ones_change_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let kim = app.login_as(Who::Kim).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let list: Value = app
        .get_json(Some(&admin), "/api/v1/pusat/admin/forms")
        .await;
    let builtin = list["forms"].as_array().unwrap().clone();
    assert_eq!(builtin.len(), kabar_shared::form::BUILTIN_FORM_FILES.len());
    assert!(builtin.iter().all(|form| form["source"] == "builtin"));
    let v1: Value = app
        .get_json(Some(&admin), "/api/v1/pusat/admin/forms/laporan-singkat/1")
        .await;
    assert_eq!(v1["id"], "laporan-singkat");
    let first_pull: Value = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    let cursor = first_pull["cursor"].as_str().unwrap().to_owned();
    let mut filed_early = report_in(KOTOBANGUN, 3, "Jalan rusak", "Versi dua");
    filed_early.form.version = 2;
    let refused = app
        .push_as(&head, vec![PushItem::new(filed_early.clone())])
        .await;
    assert_ne!(refused.results[0].outcome, PushOutcome::Accepted);

    let post = |session, body: String| {
        app.post(session, "/api/v1/pusat/admin/forms")
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // Who may publish: admins only.
    let v2 = short_form_v2(&v1).to_string();
    for (session, status) in [
        (None, 401),
        (Some(&head), 403),
        (Some(&kim), 403),
        (Some(&reviewer), 403),
    ] {
        assert_eq!(
            post(session, v2.clone()).await.unwrap().status().as_u16(),
            status
        );
    }
    // Bad definitions: refused with a message in both languages.
    let mut bad_id = short_form_v2(&v1);
    bad_id["id"] = json!("Laporan Singkat");
    bad_id["version"] = json!(0);
    let mut changed_v1 = v1.clone();
    changed_v1["title"]["id"] = json!("Diubah");
    for (body, status, code) in [
        ("{ bukan json".to_owned(), 400, "invalid_definition"),
        (json!({"hello": 1}).to_string(), 400, "invalid_definition"),
        (bad_id.to_string(), 422, "definition_problems"),
        (changed_v1.to_string(), 409, "form_version_exists"),
    ] {
        let response = post(Some(&admin), body.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], code);
        assert!(error["error"]["message"].as_str().unwrap().len() > 20);
        assert!(error["error"]["message_en"].as_str().unwrap().len() > 20);
        if status == 422 {
            let paths: Vec<&str> = error["error"]["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|problem| problem["path"].as_str().unwrap())
                .collect();
            assert!(
                paths.contains(&"id") && paths.contains(&"version"),
                "{paths:?}"
            );
        }
    }
    let unchanged: Value = app
        .get_json(Some(&admin), "/api/v1/pusat/admin/forms")
        .await;
    assert_eq!(
        unchanged["forms"].as_array().unwrap().len(),
        kabar_shared::form::BUILTIN_FORM_FILES.len(),
        "nothing was published"
    );

    // Publishing: 201, listed with who, then never again.
    let response = post(Some(&admin), v2.clone()).await.unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        (created["form"].clone(), created["version"].clone()),
        (json!("laporan-singkat"), json!(2))
    );
    assert_eq!(post(Some(&admin), v2.clone()).await.unwrap().status(), 409);
    let list: Value = app
        .get_json(Some(&admin), "/api/v1/pusat/admin/forms")
        .await;
    let published: Vec<&Value> = list["forms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|form| form["source"] == "published")
        .collect();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["published_by"], Who::Admin.username());
    assert_eq!(published[0]["title"]["id"], "Laporan singkat (versi 2)");
    let stored: Value = app
        .get_json(Some(&admin), "/api/v1/pusat/admin/forms/laporan-singkat/2")
        .await;
    assert_eq!(stored, serde_json::from_str::<Value>(&v2).unwrap());
    for path in [
        "/api/v1/pusat/admin/forms/laporan-singkat/3",
        "/api/v1/pusat/admin/forms/laporan-singkat/dua",
        "/api/v1/pusat/admin/forms/tidak-ada/1",
    ] {
        assert_eq!(
            app.get(Some(&admin), path).send().await.unwrap().status(),
            404,
            "{path}"
        );
    }
    let audit: Value = app.get_json(Some(&admin), "/api/v1/admin/audit").await;
    let publications: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "form_publish")
        .collect();
    assert_eq!(
        publications.len(),
        1,
        "one audit row, for the one publication"
    );
    assert_eq!(publications[0]["target"], "laporan-singkat v2");

    // Phones get it at their next pull, and push accepts reports filed on it.
    let pull: Value = app
        .get_json(Some(&head), &format!("/api/v1/sync/pull?cursor={cursor}"))
        .await;
    let forms = pull["forms"]
        .as_array()
        .expect("the forms changed, so they are sent");
    assert!(
        forms
            .iter()
            .any(|form| form["id"] == "laporan-singkat" && form["version"] == 2)
    );
    let accepted = app
        .push_as(&head, vec![PushItem::new(filed_early.clone())])
        .await;
    assert_eq!(accepted.results[0].outcome, PushOutcome::Accepted);
    let inbox: Value = app.get_json(Some(&reviewer), "/api/v1/pusat/forms").await;
    assert!(
        inbox["forms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|form| form["version"] == 2)
    );

    // A second server on the same database (or this one restarted) has it.
    let second = spawn_app_on(app.dir.clone(), app.database.clone()).await;
    let list: Value = second
        .get_json(Some(&admin), "/api/v1/pusat/admin/forms")
        .await;
    assert_eq!(
        list["forms"].as_array().unwrap().len(),
        kabar_shared::form::BUILTIN_FORM_FILES.len() + 1
    );
    let mut later = report_in(KOTOBANGUN, 4, "Lampu padam", "Versi dua lagi");
    later.form.version = 2;
    let accepted = second.push_as(&head, vec![PushItem::new(later)]).await;
    assert_eq!(accepted.results[0].outcome, PushOutcome::Accepted);
}
