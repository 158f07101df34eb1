//! The pull, edits after review, compression and the audit log.

use super::support::{Backend, KOTOBANGUN, Who, report, spawn_app};
use kabar_shared::sync::{PushItem, PushOutcome, PushRequest};
use serde_json::{Value, json};
use std::io::Write;

pub async fn the_pull_sends_forms_and_villages_once_then_only_reviews_page_by_page(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;

    let pull = async |cursor: Option<&str>, limit: Option<usize>| -> Value {
        let mut path = "/api/v1/sync/pull?".to_owned();
        if let Some(cursor) = cursor {
            path.push_str(&format!("cursor={cursor}&"));
        }
        if let Some(limit) = limit {
            path.push_str(&format!("limit={limit}"));
        }
        let response = app.get(Some(&head), &path).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    };
    let first = pull(None, None).await;
    assert!(first["forms"].as_array().unwrap().len() >= 6);
    assert_eq!(
        first["villages"].as_array().unwrap().len(),
        1,
        "a village head caches its village"
    );
    assert_eq!(first["villages"][0]["code"], KOTOBANGUN);
    assert_eq!(first["reviews"], json!([]));
    let cursor = first["cursor"].as_str().unwrap().to_owned();

    let quiet = pull(Some(&cursor), None).await;
    assert_eq!(quiet.get("forms"), None, "nothing changed: no forms");
    assert_eq!(quiet.get("villages"), None);
    assert_eq!(quiet["reviews"], json!([]));
    assert_eq!(quiet["cursor"], cursor.as_str());

    let review_path = format!("/api/v1/reports/{}/review", original.id);
    for body in [
        json!({"status": "in_review"}),
        json!({"comment": "Mohon tambahkan lokasi"}),
        json!({"status": "needs_revision", "comment": "Lokasi belum jelas"}),
    ] {
        let response = app
            .post(Some(&reviewer), &review_path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let page = pull(Some(&cursor), Some(2)).await;
    assert_eq!(page["has_more"], true);
    assert_eq!(page["reviews"].as_array().unwrap().len(), 2);
    assert_eq!(page["reviews"][0]["status"], "in_review");
    assert_eq!(page["reviews"][1]["comment"], "Mohon tambahkan lokasi");
    assert_eq!(
        page["reviews"][1]["reviewer"],
        format!("Nama {}", Who::Reviewer.username())
    );
    let rest = pull(page["cursor"].as_str(), Some(2)).await;
    assert_eq!(rest["has_more"], false);
    assert_eq!(rest["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(rest["reviews"][0]["status"], "needs_revision");

    let bad = app
        .get(Some(&head), "/api/v1/sync/pull?cursor=garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_cursor");
    let unknown = app
        .get(Some(&head), "/api/v1/sync/pull?surprise=1")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
}

pub async fn an_edit_replaces_a_report_sent_back_for_revision_but_not_an_approved_one(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;
    let review_path = format!("/api/v1/reports/{}/review", original.id);
    app.post(Some(&reviewer), &review_path)
        .json(&json!({"status": "needs_revision", "comment": "Sebutkan lokasinya"}))
        .send()
        .await
        .unwrap();

    let mut edited = original.clone();
    edited
        .answers
        .insert("body".into(), "Di depan SD Negeri 1".into());
    let edit = PushItem::edit(edited.clone(), original.content_hash());
    let response = app.push_as(&head, vec![edit.clone()]).await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);
    let replay = app.push_as(&head, vec![edit]).await;
    assert_eq!(replay.results[0].outcome, PushOutcome::Duplicate);
    let stored = app.stored_reports(&head).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]["report"]["answers"]["body"],
        "Di depan SD Negeri 1"
    );
    assert_eq!(stored[0]["status"], "received");

    app.post(Some(&reviewer), &review_path)
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    let mut late = edited.clone();
    late.answers.insert("body".into(), "Terlambat".into());
    let response = app
        .push_as(&head, vec![PushItem::edit(late, edited.content_hash())])
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Conflict);
}

pub async fn catalog_forms_are_validated_like_on_the_phone_and_unasked_answers_are_not_kept(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let kim = app.login_as(Who::Kim).await;
    let mut valid = super::photos::report_with_photos(KOTOBANGUN, 1, &[]);
    // Contact details without consent: the form drops them.
    valid.answers.insert("nama_warga".into(), "Budi".into());
    let mut invalid = super::photos::report_with_photos(KOTOBANGUN, 2, &[]);
    invalid.answers.remove("tanggal");
    invalid.answers.insert("uraian".into(), "pendek".into());
    let response = app
        .push_as(
            &kim,
            vec![PushItem::new(valid.clone()), PushItem::new(invalid)],
        )
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);
    let PushOutcome::Rejected { errors } = &response.results[1].outcome else {
        panic!("expected a rejection: {:?}", response.results[1]);
    };
    let json = serde_json::to_value(errors).unwrap();
    assert_eq!(
        json,
        json!([
            {"field": "tanggal", "problem": "invalid", "detail": {"problem": "required"},
             "message": {"id": "Wajib diisi.", "en": "Required."}},
            {"field": "uraian", "problem": "invalid", "detail": {"problem": "too_short", "min_chars": 10},
             "message": {"id": "Minimal 10 karakter.", "en": "At least 10 characters."}},
        ])
    );
    let stored = app.stored_reports(&kim).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["report"]["answers"].get("nama_warga"), None);
    // The stored hash is the hash of the stored (cleaned) JSON, never the
    // hash of what was pushed.
    let mut cleaned = valid.clone();
    cleaned.answers.remove("nama_warga");
    assert_eq!(stored[0]["content_hash"], cleaned.content_hash().as_str());
    assert_eq!(
        serde_json::from_value::<kabar_shared::Report>(stored[0]["report"].clone())
            .unwrap()
            .content_hash(),
        cleaned.content_hash()
    );
    // The replay is still recognized as the same report.
    let replay = app.push_as(&kim, vec![PushItem::new(valid)]).await;
    assert_eq!(replay.results[0].outcome, PushOutcome::Duplicate);

    // A KIM volunteer may not file the village head's monthly report.
    let monthly = kabar_shared::Report {
        form: kabar_shared::report::FormRef {
            id: "laporan-bulanan-kependudukan".into(),
            version: 1,
        },
        answers: Default::default(),
        ..report(3, "x", "")
    };
    let response = app.push_as(&kim, vec![PushItem::new(monthly)]).await;
    let PushOutcome::Rejected { errors } = &response.results[0].outcome else {
        panic!("expected a rejection");
    };
    assert!(errors.iter().any(
        |e| e.field == "form" && e.problem == kabar_shared::report::FieldErrorKind::NotAllowed
    ));
    let _ = head;
}

pub async fn compressed_requests_are_read_and_responses_compressed(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let request = |seed: u8| {
        serde_json::to_vec(&PushRequest {
            protocol_version: 1,
            device_id: Some(head.device_id.clone()),
            items: vec![PushItem::new(report(
                seed,
                "Jalan rusak",
                &"isi ".repeat(200),
            ))],
        })
        .unwrap()
    };
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&request(1)).unwrap();
    let gzip = gzip.finish().unwrap();
    let mut brotli_body = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli_body, 4096, 5, 22);
        writer.write_all(&request(2)).unwrap();
    }
    for (encoding, body) in [("gzip", gzip), ("br", brotli_body)] {
        let response = app
            .post(Some(&head), "/api/v1/sync/push")
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{encoding}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["results"][0]["outcome"], "accepted", "{encoding}");
    }
    for encoding in ["gzip", "br"] {
        let response = app
            .get(Some(&head), "/api/v1/sync/pull")
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
    }
    let bogus = app
        .post(Some(&head), "/api/v1/sync/push")
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(b"not gzip at all".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 400);
    assert_eq!(app.stored_reports(&head).await.len(), 2);
}

pub async fn the_audit_log_records_who_did_what_and_cannot_be_rewritten(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::ChiefReviewer).await;
    let admin = app.login_as(Who::Admin).await;
    app.login(Who::Head.username(), "salah-kata-sandi", "device-0001")
        .await
        .unwrap_err();
    let original = report(1, "Jalan rusak", "");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;
    app.post(
        Some(&reviewer),
        &format!("/api/v1/reports/{}/review", original.id),
    )
    .json(&json!({"status": "approved"}))
    .send()
    .await
    .unwrap();
    app.stored_reports(&reviewer).await;

    let log: Value = app.get_json(Some(&admin), "/api/v1/admin/audit").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    for action in [
        "user_created",
        "login",
        "login_failed",
        "submission",
        "review",
        "export",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert_eq!(
        app.get(Some(&reviewer), "/api/v1/admin/audit")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert!(
        app.store.try_tamper_with_audit_log().await.is_err(),
        "append-only"
    );
}

pub async fn the_openapi_document_lists_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get(None, "/api/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/health",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/reports",
        "/api/v1/reports/{id}",
        "/api/v1/reports/{id}/review",
        "/api/v1/reports/{id}/versions",
        "/api/v1/photos/{sha256}",
        "/api/v1/admin/sessions",
        "/api/v1/admin/sessions/{id}/revoke",
        "/api/v1/admin/audit",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
    let list_parameters: Vec<&str> = document["paths"]["/api/v1/reports"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert_eq!(list_parameters, ["village", "status", "before", "limit"]);
}

/// A monthly population report on the official layout (v2) about `year`
/// and `month`: `start` people in each of the four start groups and 300
/// households headed by men and 20 by women, nothing changed in the month,
/// so its month-end figures equal its start.
fn monthly_v2(village: &str, seed: u8, year: i32, month: u8, start: i64) -> kabar_shared::Report {
    let mut answers = json!({
        "tahun": year,
        "bulan": format!("{month:02}"),
        "awal_kk_l": 300,
        "awal_kk_p": 20,
        "tempat_pengesahan": "Kotamobagu",
        "tanggal_pengesahan": super::mail::today().to_string(),
        "nama_penandatangan": "Sangadi Uji",
        "jabatan_penandatangan": "sangadi",
    });
    for kind in ["wni_l", "wni_p", "wna_l", "wna_p"] {
        answers[format!("awal_{kind}")] = json!(start);
        for change in ["lahir", "meninggal", "datang", "pindah", "hilang"] {
            answers[format!("{change}_{kind}")] = json!(0);
        }
    }
    for households in ["baru_kk", "datang_kk", "pindah_kk"] {
        answers[format!("{households}_l")] = json!(0);
        answers[format!("{households}_p")] = json!(0);
    }
    let mut report =
        super::mail::catalog_report("laporan-bulanan-kependudukan", village, seed, answers);
    report.form.version = 2;
    report
}

pub async fn the_pull_carries_the_villages_last_approved_monthly_report_and_its_figures(
    backend: Backend,
) {
    use super::mail::{push_accepted, review};
    use super::support::TUMUBUI;
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let neighbour = app.login_as(Who::NeighbourHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;

    // Kotobangun: August and September approved, October sent back,
    // November still waiting; Tumubui: October approved.
    let august = monthly_v2(KOTOBANGUN, 1, 2026, 8, 1200);
    let september = monthly_v2(KOTOBANGUN, 2, 2026, 9, 1234);
    let mut october = monthly_v2(KOTOBANGUN, 3, 2026, 10, 1234);
    october.answers.insert("awal_wni_l".into(), json!(1240));
    let november = monthly_v2(KOTOBANGUN, 4, 2026, 11, 1234);
    let tumubui = monthly_v2(TUMUBUI, 5, 2026, 10, 900);
    for report in [&august, &september, &october, &november] {
        push_accepted(&app, &head, report).await;
    }
    push_accepted(&app, &neighbour, &tumubui).await;
    review(&app, &reviewer, &august, "approved").await;
    review(&app, &reviewer, &september, "approved").await;
    review(&app, &reviewer, &october, "needs_revision").await;
    review(&app, &reviewer, &tumubui, "approved").await;

    let pull: Value = app
        .get_json(Some(&head), "/api/v1/sync/pull?approved=true")
        .await;
    assert_eq!(
        pull["approved"],
        json!([{
            "report_id": september.id.to_string(),
            "form_id": "laporan-bulanan-kependudukan",
            "village": KOTOBANGUN,
            "period": "2026-09",
            // Only the figures a next report starts from travel.
            "answers": {
                "akhir_wni_l": 1234, "akhir_wni_p": 1234, "akhir_wna_l": 1234,
                "akhir_wna_p": 1234, "akhir_kk_l": 300, "akhir_kk_p": 20
            }
        }]),
        "the latest approved period, not a returned or waiting one, and only the user's village"
    );
    let neighbours: Value = app
        .get_json(Some(&neighbour), "/api/v1/sync/pull?approved=true")
        .await;
    assert_eq!(
        neighbours["approved"][0]["report_id"],
        tumubui.id.to_string()
    );
    assert_eq!(neighbours["approved"].as_array().unwrap().len(), 1);
    // A phone that does not ask (one from before) gets no new field.
    let old_phone: Value = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    assert_eq!(old_phone.get("approved"), None);

    // The Command Center sees October's changed start figure against
    // September's approved end, and nothing on September itself.
    let detail: Value = app
        .get_json(
            Some(&reviewer),
            &format!("/api/v1/pusat/reports/{}", october.id),
        )
        .await;
    assert_eq!(
        detail["carry_mismatches"],
        json!([{"code": "awal_wni_l", "expected": 1234, "period": "2026-09"}])
    );
    let detail: Value = app
        .get_json(
            Some(&reviewer),
            &format!("/api/v1/pusat/reports/{}", september.id),
        )
        .await;
    assert_eq!(
        detail["carry_mismatches"],
        json!([
            {"code": "awal_wni_l", "expected": 1200, "period": "2026-08"},
            {"code": "awal_wni_p", "expected": 1200, "period": "2026-08"},
            {"code": "awal_wna_l", "expected": 1200, "period": "2026-08"},
            {"code": "awal_wna_p", "expected": 1200, "period": "2026-08"}
        ]),
        "September started from 1234, August ended at 1200"
    );
}
