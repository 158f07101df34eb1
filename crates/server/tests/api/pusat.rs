//! The Command Center's endpoints (`/api/v1/pusat/…`): the inbox with its
//! filters, counts and pages; a report's details; the completeness grid;
//! who may call them; and clear answers to bad filter values.

use super::support::{
    Backend, KOTOBANGUN, MONGONDOW, Session, TUMUBUI, TestApp, Who, report_in, spawn_app,
};
use kabar_shared::form::Period;
use kabar_shared::report::{Answers, FormRef};
use kabar_shared::sync::{PushItem, PushOutcome};
use kabar_shared::{Report, ReportId, VillageCode};
use serde_json::{Value, json};

/// A complete monthly population report of `village` about `period`,
/// filled on the phone at `created_at_ms`: 500 men and 510 women, nobody
/// born, died, moved or missing.
pub fn monthly_report(village: &str, seed: u8, period: Period, created_at_ms: i64) -> Report {
    let mut answers = Answers::new();
    answers.insert("tahun".into(), json!(period.year()));
    answers.insert("bulan".into(), json!(format!("{:02}", period.month())));
    let counts = [("wni_l", 500), ("wni_p", 510), ("wna_l", 0), ("wna_p", 0)];
    for (suffix, count) in counts {
        answers.insert(format!("awal_{suffix}"), json!(count));
        for change in ["lahir", "meninggal", "datang", "pindah", "hilang"] {
            answers.insert(format!("{change}_{suffix}"), json!(0));
        }
        answers.insert(format!("akhir_{suffix}"), json!(count));
    }
    answers.insert("awal_kk".into(), json!(300));
    answers.insert("akhir_kk".into(), json!(300));
    answers.insert("akhir_jumlah".into(), json!(1010));
    Report {
        id: ReportId::new_v7(u64::try_from(created_at_ms).unwrap(), [seed; 10]),
        form: FormRef {
            id: "laporan-bulanan-kependudukan".into(),
            version: 1,
        },
        village: VillageCode::parse(village).unwrap(),
        created_at_ms,
        answers,
    }
}

async fn push_accepted(app: &TestApp, session: &Session, reports: Vec<Report>) {
    let response = app
        .push_as(session, reports.into_iter().map(PushItem::new).collect())
        .await;
    for result in &response.results {
        assert_eq!(result.outcome, PushOutcome::Accepted, "{result:?}");
    }
}

async fn review(app: &TestApp, reviewer: &Session, id: ReportId, body: Value) {
    let response = app
        .post(Some(reviewer), &format!("/api/v1/reports/{id}/review"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// The ids of an inbox page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not an inbox page: {page}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn the_inbox_filters_pages_and_counts_within_the_readers_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let neighbour = app.login_as(Who::NeighbourHead).await;
    let far_head = app.login_as(Who::FarHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let chief = app.login_as(Who::ChiefReviewer).await;
    let ours: Vec<Report> = (1..=3)
        .map(|seed| report_in(KOTOBANGUN, seed, "Jalan rusak", "Di dekat masjid"))
        .collect();
    let flood = report_in(TUMUBUI, 4, "Banjir", "Air setinggi lutut di Tumubui");
    let far = report_in(MONGONDOW, 5, "Lampu jalan", "Padam sejak minggu lalu");
    push_accepted(&app, &head, ours.clone()).await;
    push_accepted(&app, &neighbour, vec![flood.clone()]).await;
    push_accepted(&app, &far_head, vec![far.clone()]).await;
    let march = Period::parse("2026-03").unwrap();
    let monthly = monthly_report(KOTOBANGUN, 6, march, march.next().start_ms() + 3_600_000);
    push_accepted(&app, &head, vec![monthly.clone()]).await;
    review(&app, &reviewer, ours[0].id, json!({"status": "approved"})).await;

    // The Timur reviewer sees the five reports of Timur, latest first,
    // never Mongondow's.
    let page: Value = app.get_json(Some(&reviewer), "/api/v1/pusat/inbox").await;
    let expected: Vec<String> = [&monthly, &flood, &ours[2], &ours[1], &ours[0]]
        .iter()
        .map(|report| report.id.to_string())
        .collect();
    assert_eq!(ids(&page), expected);
    assert_eq!(
        page["counts"],
        json!({"received": 4, "in_review": 0, "approved": 1, "needs_revision": 0, "rejected": 0})
    );
    let first = &page["items"][1];
    assert_eq!(first["village_name"], "Tumubui");
    assert_eq!(first["summary"], "Banjir");
    assert_eq!(first["submitted_by"], Who::NeighbourHead.username());
    assert_eq!(page["items"][0]["period"], "2026-03");

    let far_page: Value = app
        .get_json(Some(&far_reviewer), "/api/v1/pusat/inbox")
        .await;
    assert_eq!(ids(&far_page), vec![far.id.to_string()]);
    let everything: Value = app.get_json(Some(&chief), "/api/v1/pusat/inbox").await;
    assert_eq!(ids(&everything).len(), 6);

    // Each filter, by the reports it should give.
    let check = async |session: &Session, query: &str, expect: Vec<&Report>| {
        let page: Value = app
            .get_json(Some(session), &format!("/api/v1/pusat/inbox?{query}"))
            .await;
        let expect: Vec<String> = expect.iter().map(|report| report.id.to_string()).collect();
        assert_eq!(ids(&page), expect, "{query}: {page}");
    };
    check(&reviewer, &format!("village={TUMUBUI}"), vec![&flood]).await;
    check(&chief, "district=71.74.03", vec![&far]).await;
    check(&reviewer, "status=approved", vec![&ours[0]]).await;
    check(
        &reviewer,
        "form=laporan-bulanan-kependudukan",
        vec![&monthly],
    )
    .await;
    check(&reviewer, "q=LUTUT", vec![&flood]).await;
    check(&reviewer, "q=lurah.tumubui", vec![&flood]).await;
    check(&reviewer, "q=100%25", vec![]).await;
    check(&reviewer, "period=2026-03", vec![&monthly]).await;
    // The short reports were filled in November 2025 (WITA).
    check(
        &reviewer,
        &format!("period=2025-11&village={KOTOBANGUN}"),
        vec![&ours[2], &ours[1], &ours[0]],
    )
    .await;
    check(&reviewer, "urgency=tinggi", vec![]).await;
    // Counts follow every filter but the status.
    let filtered: Value = app
        .get_json(
            Some(&reviewer),
            &format!("/api/v1/pusat/inbox?status=approved&village={KOTOBANGUN}"),
        )
        .await;
    assert_eq!(filtered["counts"]["received"], 3);
    assert_eq!(filtered["counts"]["approved"], 1);

    // Pages of two, each once, in order.
    let mut seen = Vec::new();
    let mut path = "/api/v1/pusat/inbox?limit=2".to_owned();
    loop {
        let page: Value = app.get_json(Some(&reviewer), &path).await;
        seen.extend(ids(&page));
        match page["next_before"].as_str() {
            Some(next) => path = format!("/api/v1/pusat/inbox?limit=2&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

pub async fn a_report_detail_shows_its_form_device_photos_and_review_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let kim = app.login_as(Who::Kim).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let photo = super::photos::tiny_png();
    let hash = kabar_shared::ContentHash::of_bytes(&photo);
    let with_photo = super::photos::report_with_photos(KOTOBANGUN, 1, &[&hash]);
    push_accepted(&app, &kim, vec![with_photo.clone()]).await;
    let path = format!("/api/v1/pusat/reports/{}", with_photo.id);

    let before: Value = app.get_json(Some(&reviewer), &path).await;
    assert_eq!(before["photos"][0]["arrived"], false);
    let upload = app
        .put(Some(&kim), &format!("/api/v1/photos/{}", hash.as_str()))
        .body(photo)
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);
    review(
        &app,
        &reviewer,
        with_photo.id,
        json!({"status": "in_review"}),
    )
    .await;
    review(
        &app,
        &reviewer,
        with_photo.id,
        json!({"status": "needs_revision", "comment": "Lengkapi foto lokasi"}),
    )
    .await;

    let detail: Value = app.get_json(Some(&reviewer), &path).await;
    assert_eq!(detail["report"]["id"], with_photo.id.to_string());
    assert_eq!(detail["form"]["id"], with_photo.form.id);
    assert_eq!(detail["form"]["version"], with_photo.form.version);
    assert_eq!(detail["village_name"], "Kotobangun");
    assert_eq!(detail["district_name"], "Kotamobagu Timur");
    assert_eq!(detail["device_id"], kim.device_id);
    assert_eq!(detail["submitted_by"], Who::Kim.username());
    assert_eq!(
        detail["submitter_name"],
        format!("Nama {}", Who::Kim.username())
    );
    assert_eq!(detail["status"], "needs_revision");
    assert_eq!(detail["report"]["created_at_ms"], with_photo.created_at_ms);
    assert!(detail["received_at_ms"].as_i64().unwrap() > 0);
    assert_eq!(
        detail["photos"],
        json!([{"sha256": hash.as_str(), "content_type": "image/png",
                "size_bytes": detail["photos"][0]["size_bytes"], "arrived": true,
                "url": format!("/api/v1/photos/{}", hash.as_str())}])
    );
    let history = detail["reviews"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["status"], "in_review");
    assert_eq!(history[1]["status"], "needs_revision");
    assert_eq!(history[1]["comment"], "Lengkapi foto lokasi");
    assert_eq!(
        history[1]["reviewer"],
        format!("Nama {}", Who::Reviewer.username())
    );

    let unknown = app
        .get(
            Some(&reviewer),
            "/api/v1/pusat/reports/019ab697-e8ff-7fff-8fff-ffffffffffff",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let garbage = app
        .get(Some(&reviewer), "/api/v1/pusat/reports/not-an-id")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 404);
}

pub async fn the_completeness_grid_shows_on_time_late_missing_and_needs_revision(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let neighbour = app.login_as(Who::NeighbourHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let january = Period::parse("2026-01").unwrap();
    let february = january.next();
    let day = 24 * 60 * 60 * 1000;
    // Kotobangun: January on the 5th of February (on time), February on the
    // 11th of March (late). Tumubui: January on time, then sent back.
    let on_time = monthly_report(KOTOBANGUN, 1, january, february.start_ms() + 4 * day);
    let late = monthly_report(
        KOTOBANGUN,
        2,
        february,
        february.next().start_ms() + 10 * day + 1,
    );
    let sent_back = monthly_report(TUMUBUI, 3, january, february.start_ms() + day);
    push_accepted(&app, &head, vec![on_time.clone(), late.clone()]).await;
    push_accepted(&app, &neighbour, vec![sent_back.clone()]).await;
    review(
        &app,
        &reviewer,
        sent_back.id,
        json!({"status": "needs_revision", "comment": "Jumlah KK salah"}),
    )
    .await;

    let grid: Value = app
        .get_json(
            Some(&reviewer),
            "/api/v1/pusat/completeness?form=laporan-bulanan-kependudukan&from=2026-01&to=2026-02",
        )
        .await;
    assert_eq!(grid["due_day"], 10);
    assert_eq!(grid["months"], json!(["2026-01", "2026-02"]));
    let districts = grid["districts"].as_array().unwrap();
    assert_eq!(districts.len(), 1, "only the reviewer's kecamatan: {grid}");
    assert_eq!(districts[0]["name"], "Kotamobagu Timur");
    let villages = districts[0]["villages"].as_array().unwrap();
    let row = |code: &str| {
        villages
            .iter()
            .find(|village| village["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {grid}"))["cells"]
            .clone()
    };
    assert_eq!(
        row(KOTOBANGUN),
        json!([
            {"month": "2026-01", "state": "on_time", "report_id": on_time.id.to_string()},
            {"month": "2026-02", "state": "late", "report_id": late.id.to_string()},
        ])
    );
    assert_eq!(
        row(TUMUBUI),
        json!([
            {"month": "2026-01", "state": "needs_revision", "report_id": sent_back.id.to_string()},
            {"month": "2026-02", "state": "missing", "report_id": null},
        ])
    );
    let village_count = i64::try_from(villages.len()).unwrap();
    assert_eq!(grid["counts"]["on_time"], 1);
    assert_eq!(grid["counts"]["late"], 1);
    assert_eq!(grid["counts"]["needs_revision"], 1);
    assert_eq!(grid["counts"]["missing"], village_count * 2 - 3);

    // The all-villages reviewer sees every kecamatan, or one on request.
    let chief = app.login_as(Who::ChiefReviewer).await;
    let whole: Value = app
        .get_json(
            Some(&chief),
            "/api/v1/pusat/completeness?form=laporan-bulanan-kependudukan&from=2026-01&to=2026-01",
        )
        .await;
    assert_eq!(whole["districts"].as_array().unwrap().len(), 4);
    let one: Value = app
        .get_json(
            Some(&chief),
            "/api/v1/pusat/completeness?form=laporan-bulanan-kependudukan&district=71.74.03",
        )
        .await;
    assert_eq!(one["districts"][0]["code"], "71.74.03");
    assert_eq!(
        one["months"].as_array().unwrap().len(),
        6,
        "the last six months by default"
    );
}

/// Every Command Center endpoint: 401 without a session, 403 for the
/// roles that file reports, 403 for another kecamatan's reviewer naming
/// this one, 200 for the right reviewer and the admin.
pub async fn every_command_center_endpoint_answers_401_or_403_by_role_and_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let kim = app.login_as(Who::Kim).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let ours = report_in(KOTOBANGUN, 1, "Jalan rusak", "Di dekat masjid");
    push_accepted(&app, &head, vec![ours.clone()]).await;

    let detail = format!("/api/v1/pusat/reports/{}", ours.id);
    let village_inbox = format!("/api/v1/pusat/inbox?village={KOTOBANGUN}");
    let grid = "/api/v1/pusat/completeness?form=laporan-bulanan-kependudukan&district=71.74.02";
    let group_export =
        format!("/api/v1/pusat/export?format=csv&group=daftar_kelahiran&village={KOTOBANGUN}");
    // (path, no session, village head, KIM, reviewer, other kecamatan's reviewer, admin)
    let table: [(&str, [u16; 6]); 11] = [
        ("/api/v1/pusat/forms", [401, 403, 403, 200, 200, 200]),
        ("/api/v1/pusat/inbox", [401, 403, 403, 200, 200, 200]),
        (&village_inbox, [401, 403, 403, 200, 403, 200]),
        (
            "/api/v1/pusat/inbox?district=71.74.02",
            [401, 403, 403, 200, 403, 200],
        ),
        (&detail, [401, 403, 403, 200, 403, 200]),
        (grid, [401, 403, 403, 200, 403, 200]),
        // Exports and form versions (issue 10's files and forms admin).
        (
            "/api/v1/pusat/export?format=xlsx",
            [401, 403, 403, 200, 200, 200],
        ),
        (
            "/api/v1/pusat/export?format=xlsx&district=71.74.02",
            [401, 403, 403, 200, 403, 200],
        ),
        (&group_export, [401, 403, 403, 200, 403, 200]),
        ("/api/v1/pusat/admin/forms", [401, 403, 403, 403, 403, 200]),
        (
            "/api/v1/pusat/admin/forms/laporan-kejadian/1",
            [401, 403, 403, 403, 403, 200],
        ),
    ];
    let sessions = [
        None,
        Some(&head),
        Some(&kim),
        Some(&reviewer),
        Some(&far_reviewer),
        Some(&admin),
    ];
    for (path, expected) in table {
        for (session, expect) in sessions.iter().zip(expected) {
            let response = app.get(*session, path).send().await.unwrap();
            assert_eq!(response.status().as_u16(), expect, "{path} as {session:?}");
        }
    }
    // Every one of them is in the OpenAPI document.
    let document: Value = app.get_json(None, "/api/openapi.json").await;
    for path in [
        "/api/v1/pusat/forms",
        "/api/v1/pusat/inbox",
        "/api/v1/pusat/reports/{id}",
        "/api/v1/pusat/completeness",
        "/api/v1/pusat/export",
        "/api/v1/pusat/admin/forms",
        "/api/v1/pusat/admin/forms/{form_id}/{version}",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
    // The far reviewer's own inbox holds nothing of Kotobangun.
    let page: Value = app
        .get_json(Some(&far_reviewer), "/api/v1/pusat/inbox")
        .await;
    assert_eq!(page["items"], json!([]));
    let search: Value = app
        .get_json(Some(&far_reviewer), "/api/v1/pusat/inbox?q=masjid")
        .await;
    assert_eq!(search["items"], json!([]));
}

pub async fn bad_filter_values_get_a_clear_400_in_both_languages(backend: Backend) {
    let app = spawn_app(backend).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let long_search = format!("q={}", "a".repeat(101));
    let cases: [(&str, &str); 16] = [
        ("/api/v1/pusat/inbox?status=done", "status"),
        ("/api/v1/pusat/inbox?district=71.74.09", "district"),
        ("/api/v1/pusat/inbox?village=71.74.02.9999", "village"),
        ("/api/v1/pusat/inbox?village=kotobangun", "village"),
        ("/api/v1/pusat/inbox?form=laporan-rahasia", "form"),
        ("/api/v1/pusat/inbox?period=2026-13", "period"),
        ("/api/v1/pusat/inbox?period=maret", "period"),
        ("/api/v1/pusat/inbox?urgency=sangat", "urgency"),
        (&format!("/api/v1/pusat/inbox?{long_search}"), "q"),
        ("/api/v1/pusat/inbox?before=yesterday", "before"),
        ("/api/v1/pusat/inbox?limit=0", "limit"),
        ("/api/v1/pusat/inbox?limit=201", "limit"),
        ("/api/v1/pusat/inbox?page=2", "page"),
        (
            "/api/v1/pusat/inbox?status=approved&status=received",
            "status",
        ),
        ("/api/v1/pusat/completeness", "form"),
        ("/api/v1/pusat/completeness?form=laporan-kejadian", "form"),
    ];
    for (path, field) in cases {
        let response = app.get(Some(&reviewer), path).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_filter", "{path}: {body}");
        assert_eq!(body["error"]["detail"], field, "{path}");
        let message = body["error"]["message"].as_str().unwrap();
        let message_en = body["error"]["message_en"].as_str().unwrap();
        assert!(message.contains("tidak valid"), "{path}: {message}");
        assert!(message_en.contains("not valid"), "{path}: {message_en}");
    }
    for range in [
        "from=2026-05&to=2026-01",
        "from=2020-01&to=2026-01",
        "to=2026-99",
    ] {
        let path = format!("/api/v1/pusat/completeness?form=laporan-bulanan-kependudukan&{range}");
        let response = app.get(Some(&reviewer), &path).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
    }
}

pub async fn the_command_center_is_served_under_pusat_with_its_own_page(backend: Backend) {
    let first = spawn_app(backend).await;
    let pusat_dir = first.dir.path().join("dist-pusat");
    std::fs::create_dir_all(&pusat_dir).unwrap();
    std::fs::write(
        pusat_dir.join("index.html"),
        "<!doctype html><title>Pusat Komando Kabar Desa</title>",
    )
    .unwrap();
    std::fs::write(
        pusat_dir.join("kabar-pusat-0123456789abcdef.js"),
        "console.log(2)",
    )
    .unwrap();
    let app =
        super::support::spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
            settings.pusat_dir = pusat_dir.clone();
        })
        .await;
    for path in ["/pusat/", "/pusat/laporan/123", "/pusat"] {
        let response = app.get(None, path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            response.text().await.unwrap().contains("Pusat Komando"),
            "{path}"
        );
    }
    let asset = app
        .get(None, "/pusat/kabar-pusat-0123456789abcdef.js")
        .send()
        .await
        .unwrap();
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(asset.text().await.unwrap(), "console.log(2)");
    // The field app stays at the root, and does not name the Command Center.
    let field = app
        .get(None, "/")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(field.contains("Kabar Desa") && !field.contains("pusat"));
}

pub async fn exports_hold_the_filtered_reports_in_scope_and_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let far_head = app.login_as(Who::FarHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let admin = app.login_as(Who::Admin).await;
    let ours = report_in(
        KOTOBANGUN,
        1,
        "Jalan rusak, berlubang",
        "Di dekat \"masjid\"",
    );
    let far = report_in(MONGONDOW, 2, "Lampu jalan", "Padam");
    push_accepted(&app, &head, vec![ours.clone()]).await;
    push_accepted(&app, &far_head, vec![far.clone()]).await;

    let response = app
        .get(Some(&reviewer), "/api/v1/pusat/export?format=csv&q=jalan")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "a header and Kotobangun's report only: {text}"
    );
    assert!(lines[0].starts_with("id,form,form_version,village_code,village,status"));
    assert!(lines[0].ends_with(",body,title"));
    assert!(lines[1].starts_with(&format!(
        "{},laporan-singkat,1,{KOTOBANGUN},Kotobangun,received",
        ours.id
    )));
    assert!(
        lines[1].ends_with(",\"Di dekat \"\"masjid\"\"\",\"Jalan rusak, berlubang\""),
        "{}",
        lines[1]
    );
    assert!(!text.contains("Lampu"));

    let geojson: Value = app
        .get_json(Some(&reviewer), "/api/v1/pusat/export?format=geojson")
        .await;
    assert_eq!(
        geojson,
        json!({"type": "FeatureCollection", "features": []})
    );

    for (session, path, status) in [
        (Some(&head), "/api/v1/pusat/export?format=csv", 403),
        (None, "/api/v1/pusat/export?format=csv", 401),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=csv&district=71.74.03",
            403,
        ),
        (Some(&reviewer), "/api/v1/pusat/export?format=xls", 400),
        (Some(&reviewer), "/api/v1/pusat/export", 400),
        (
            Some(&reviewer),
            "/api/v1/pusat/export?format=csv&limit=5",
            400,
        ),
    ] {
        let response = app.get(session, path).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{path}");
    }

    let audit: Value = app.get_json(Some(&admin), "/api/v1/admin/audit").await;
    let exports: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|entry| entry["action"] == "export" && entry["actor"] == Who::Reviewer.username())
        .collect();
    assert_eq!(exports.len(), 2, "{audit}");
    let formats: Vec<&Value> = exports
        .iter()
        .map(|entry| &entry["detail"]["format"])
        .collect();
    assert!(formats.contains(&&json!("csv")) && formats.contains(&&json!("geojson")));
}

pub async fn admins_manage_accounts_over_http_with_the_rules_of_the_command_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as(Who::Admin).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let head = app.login_as(Who::Head).await;
    let create = async |session: &Session, body: Value| {
        let response = app
            .post(Some(session), "/api/v1/pusat/admin/users")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    };
    let new_head = json!({"username": "sangadi.moyag", "display_name": "Sangadi Moyag",
        "role": "village_head", "village": "71.74.02.2001", "password": "kata-sandi-baru-123"});

    // Only admins.
    assert_eq!(create(&reviewer, new_head.clone()).await.0, 403);
    assert_eq!(create(&head, new_head.clone()).await.0, 403);
    let anonymous = app
        .post(None, "/api/v1/pusat/admin/users")
        .json(&new_head)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The account works at once on the field app's login.
    let (status, body) = create(&admin, new_head.clone()).await;
    assert_eq!(status, 201, "{body}");
    let session = app
        .login("sangadi.moyag", "kata-sandi-baru-123", "device-moyag-1")
        .await
        .expect("the new account signs in");
    let me: Value = app.get_json(Some(&session), "/api/v1/auth/me").await;
    assert_eq!(me["role"], "village_head");
    assert_eq!(
        me["scope"],
        json!({"kind": "village", "code": "71.74.02.2001"})
    );

    // The same rules as the command line, each refusal named.
    for (body, field) in [
        (
            json!({"username": "sangadi.moyag", "role": "village_head", "village": "71.74.02.2001", "password": "kata-sandi-baru-123"}),
            "username",
        ),
        (
            json!({"username": "X", "role": "admin", "password": "kata-sandi-baru-123"}),
            "username",
        ),
        (
            json!({"username": "baru.satu", "role": "mayor", "password": "kata-sandi-baru-123"}),
            "role",
        ),
        (
            json!({"username": "baru.satu", "role": "village_head", "password": "kata-sandi-baru-123"}),
            "scope",
        ),
        (
            json!({"username": "baru.satu", "role": "reviewer", "village": "71.74.02.2001", "password": "kata-sandi-baru-123"}),
            "scope",
        ),
        (
            json!({"username": "baru.satu", "role": "reviewer", "district": "71.74.09", "password": "kata-sandi-baru-123"}),
            "district",
        ),
        (
            json!({"username": "baru.satu", "role": "admin", "password": "pendek"}),
            "password",
        ),
    ] {
        let (status, response) = create(&admin, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(response["error"]["detail"], field, "{body}: {response}");
        assert!(!response["error"]["message"].as_str().unwrap().is_empty());
        assert!(!response["error"]["message_en"].as_str().unwrap().is_empty());
    }

    // Reset, disable and enable end sessions as the command line does.
    let reset = app
        .post(
            Some(&admin),
            "/api/v1/pusat/admin/users/sangadi.moyag/password",
        )
        .json(&json!({"password": "kata-sandi-lain-456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let reset: Value = reset.json().await.unwrap();
    assert_eq!(reset["sessions_ended"], 1);
    let old = app
        .get(Some(&session), "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    let again = app
        .login("sangadi.moyag", "kata-sandi-lain-456", "device-moyag-1")
        .await
        .unwrap();
    let disable = app
        .post(
            Some(&admin),
            "/api/v1/pusat/admin/users/sangadi.moyag/disable",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), 200);
    assert_eq!(
        app.get(Some(&again), "/api/v1/auth/me")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        app.login("sangadi.moyag", "kata-sandi-lain-456", "device-moyag-1")
            .await
            .unwrap_err()
            .0,
        403
    );
    let enable = app
        .post(
            Some(&admin),
            "/api/v1/pusat/admin/users/sangadi.moyag/enable",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(enable.status(), 200);
    app.login("sangadi.moyag", "kata-sandi-lain-456", "device-moyag-1")
        .await
        .unwrap();
    let missing = app
        .post(Some(&admin), "/api/v1/pusat/admin/users/tidak.ada/disable")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let own = app
        .post(
            Some(&admin),
            &format!(
                "/api/v1/pusat/admin/users/{}/disable",
                Who::Admin.username()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 400);

    let list: Value = app
        .get_json(Some(&admin), "/api/v1/pusat/admin/users")
        .await;
    let moyag = list["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "sangadi.moyag")
        .unwrap();
    assert_eq!(moyag["state"], "active");
    assert_eq!(moyag["display_name"], "Sangadi Moyag");
    assert_eq!(
        app.get(Some(&reviewer), "/api/v1/pusat/admin/users")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Every change is in the audit log under the admin's name.
    let audit: Value = app.get_json(Some(&admin), "/api/v1/admin/audit").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| {
            entry["actor"] == Who::Admin.username() && entry["target"] == "sangadi.moyag"
        })
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    for action in [
        "user_created",
        "password_reset",
        "user_disabled",
        "user_enabled",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}
