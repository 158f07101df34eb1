//! What the Command Center's map and administration screens ask of the
//! server: the map's points and tile address (allowed by the Command
//! Center's Content-Security-Policy only), and the audit log's filters.

use super::mail::{incident_report, push_accepted};
use super::support::{Backend, KOTOBANGUN, MONGONDOW, Who, spawn_app, spawn_app_with};
use serde_json::{Value, json};

pub async fn the_map_shows_gps_reports_in_scope_and_names_its_tiles(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let far_head = app.login_as(Who::FarHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let mut placed = incident_report(KOTOBANGUN, 1, "sedang");
    placed.answers.insert(
        "titik_lokasi".into(),
        json!({"lat": 0.7253, "lon": 124.3236, "accuracy_m": 8.0}),
    );
    push_accepted(&app, &head, &placed).await;
    // An incident without a GPS point is in the inbox but not on the map.
    push_accepted(&app, &head, &incident_report(KOTOBANGUN, 2, "rendah")).await;
    let mut far = incident_report(MONGONDOW, 3, "sedang");
    far.answers.insert(
        "titik_lokasi".into(),
        json!({"lat": 0.70, "lon": 124.30, "accuracy_m": 8.0}),
    );
    push_accepted(&app, &far_head, &far).await;

    let map: Value = app.get_json(Some(&reviewer), "/api/v1/pusat/map").await;
    let points = map["points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{map}");
    assert_eq!(points[0]["id"], placed.id.to_string());
    assert_eq!(points[0]["lat"], 0.7253);
    assert_eq!(points[0]["village_name"], "Kotobangun");
    assert_eq!(map["truncated"], false);
    let forms: Vec<&str> = map["forms"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|form| form["id"].as_str())
        .collect();
    assert!(forms.contains(&"laporan-kejadian"), "{forms:?}");
    assert!(
        !forms.contains(&"laporan-bulanan-kependudukan"),
        "{forms:?}"
    );

    let month = kabar_shared::form::Period::of_unix_millis(placed.created_at_ms)
        .unwrap()
        .to_string();
    let same: Value = app
        .get_json(
            Some(&reviewer),
            &format!("/api/v1/pusat/map?form=laporan-kejadian&period={month}"),
        )
        .await;
    assert_eq!(same["points"].as_array().unwrap().len(), 1, "{same}");
    let other: Value = app
        .get_json(
            Some(&reviewer),
            "/api/v1/pusat/map?form=laporan-kejadian&period=2020-01",
        )
        .await;
    assert!(other["points"].as_array().unwrap().is_empty(), "{other}");
    let far_map: Value = app.get_json(Some(&far_reviewer), "/api/v1/pusat/map").await;
    assert_eq!(far_map["points"].as_array().unwrap().len(), 1);
    assert_eq!(far_map["points"][0]["id"], far.id.to_string());

    for (query, field) in [
        ("period=2026-13", "period"),
        ("form=nope", "form"),
        ("x=1", "x"),
    ] {
        let response = app
            .get(Some(&reviewer), &format!("/api/v1/pusat/map?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_filter");
        assert_eq!(body["error"]["detail"], field);
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        assert!(!body["error"]["message_en"].as_str().unwrap().is_empty());
    }
    for path in ["/api/v1/pusat/map", "/api/v1/pusat/map/config"] {
        let refused = app.get(Some(&head), path).send().await.unwrap();
        assert_eq!(refused.status(), 403, "{path}");
        let anonymous = app.get(None, path).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
    }
    let config: Value = app
        .get_json(Some(&reviewer), "/api/v1/pusat/map/config")
        .await;
    assert_eq!(
        config["tile_url"],
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    );
    let document: Value = app.get_json(None, "/api/openapi.json").await;
    for path in ["/api/v1/pusat/map", "/api/v1/pusat/map/config"] {
        assert!(document["paths"].get(path).is_some(), "{path} documented");
    }
    let audit_filters: Vec<&str> = document["paths"]["/api/v1/admin/audit"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert_eq!(
        audit_filters,
        ["actor", "action", "from", "to", "limit", "before"]
    );
}

/// The tile host goes into the Command Center's policy and nowhere else.
pub async fn only_the_command_center_may_load_map_tiles(backend: Backend) {
    let first = spawn_app(backend).await;
    let app = spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
        settings.tile_url =
            kabar_server::config::TileUrl::parse("https://{s}.peta.example/{z}/{x}/{y}.png")
                .unwrap();
    })
    .await;
    let policy = |path: &'static str| {
        let app = &app;
        async move {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let pusat = policy("/pusat/").await;
    assert!(
        pusat.contains("img-src 'self' blob: data: https://*.peta.example;"),
        "{pusat}"
    );
    for path in ["/", "/laporan/baru", "/api/health"] {
        let other = policy(path).await;
        assert!(!other.contains("peta.example"), "{path}: {other}");
    }
    let reviewer = app.login_as(Who::Reviewer).await;
    let config: Value = app
        .get_json(Some(&reviewer), "/api/v1/pusat/map/config")
        .await;
    assert_eq!(
        config["tile_url"],
        "https://{s}.peta.example/{z}/{x}/{y}.png"
    );
}

pub async fn the_audit_log_filters_by_actor_action_and_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as(Who::Admin).await;
    let _head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let created = app
        .post(Some(&admin), "/api/v1/pusat/admin/users")
        .json(&json!({
            "username": "lurah.baru",
            "role": "village_head",
            "village": KOTOBANGUN,
            "password": "kata-sandi-uji-panjang",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    let entries = |body: &Value| -> Vec<(String, String)> {
        body["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|entry| {
                (
                    entry["actor"].as_str().unwrap_or_default().to_owned(),
                    entry["action"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let by_admin: Value = app
        .get_json(Some(&admin), "/api/v1/admin/audit?actor=admin.diskominfo")
        .await;
    let by_admin = entries(&by_admin);
    assert!(!by_admin.is_empty());
    assert!(
        by_admin
            .iter()
            .all(|(actor, _)| actor == "admin.diskominfo")
    );
    assert!(by_admin.iter().any(|(_, action)| action == "user_created"));

    // The accounts of the test were made by the command line (`cli`), one
    // by the admin over HTTP; both filters together find that one.
    let created: Value = app
        .get_json(Some(&admin), "/api/v1/admin/audit?action=user_created")
        .await;
    let created = entries(&created);
    assert_eq!(created.len(), 4, "{created:?}");
    assert!(created.iter().all(|(_, action)| action == "user_created"));
    let by_admin: Value = app
        .get_json(
            Some(&admin),
            "/api/v1/admin/audit?action=user_created&actor=admin.diskominfo",
        )
        .await;
    assert_eq!(
        entries(&by_admin),
        [("admin.diskominfo".to_owned(), "user_created".to_owned())]
    );

    let today = super::mail::today().to_string();
    let todays: Value = app
        .get_json(
            Some(&admin),
            &format!("/api/v1/admin/audit?from={today}&to={today}&action=login"),
        )
        .await;
    assert!(entries(&todays).len() >= 3, "{todays}");
    let long_ago: Value = app
        .get_json(
            Some(&admin),
            "/api/v1/admin/audit?from=2020-01-01&to=2020-01-31",
        )
        .await;
    assert!(entries(&long_ago).is_empty(), "{long_ago}");

    // A page at a time: the second page starts where the first ended.
    let first: Value = app
        .get_json(Some(&admin), "/api/v1/admin/audit?action=login&limit=2")
        .await;
    assert_eq!(entries(&first).len(), 2);
    let next = first["next_before"].as_i64().expect("another page");
    let second: Value = app
        .get_json(
            Some(&admin),
            &format!("/api/v1/admin/audit?action=login&limit=2&before={next}"),
        )
        .await;
    assert!(!entries(&second).is_empty());
    assert!(
        second["entries"][0]["id"].as_i64().unwrap() < next,
        "{second}"
    );

    let before = app.store.audit_log(100_000).await.unwrap().len();
    for (query, field) in [
        ("from=2026-02-30", "from"),
        ("to=kemarin", "to"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("before=-4", "before"),
        ("actor=a%20b", "actor"),
        ("action=x%27%3B", "action"),
        ("who=admin", "who"),
    ] {
        let response = app
            .get(Some(&admin), &format!("/api/v1/admin/audit?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_filter", "{query}: {body}");
        assert_eq!(body["error"]["detail"], field, "{query}");
        let message = body["error"]["message"].as_str().unwrap();
        let message_en = body["error"]["message_en"].as_str().unwrap();
        assert!(
            message.contains(field) && message_en.contains(field),
            "{body}"
        );
        assert_ne!(message, message_en);
    }
    assert_eq!(app.store.audit_log(100_000).await.unwrap().len(), before);
    let refused = app
        .get(Some(&reviewer), "/api/v1/admin/audit?action=login")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}
