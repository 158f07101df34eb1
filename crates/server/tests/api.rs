//! The server's integration tests: each test spawns the real application on
//! port 0 with its own SQLite file and talks HTTP to it.

use kabar_server::{Application, Settings};
use kabar_shared::sync::{PushItem, PushOutcome, PushRequest, PushResponse};
use kabar_shared::{Report, ReportBody, ReportId, ReportTitle, VillageCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use tempfile::TempDir;

struct TestApp {
    address: String,
    client: reqwest::Client,
    dir: TempDir,
}

async fn spawn_app() -> TestApp {
    spawn_app_in(tempfile::tempdir().unwrap()).await
}

async fn spawn_app_in(dir: TempDir) -> TestApp {
    kabar_server::telemetry::init();
    let settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_path: dir.path().join("data/kabar.db"),
        app_dir: app_dir(&dir),
    };
    let application = Application::build(settings)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        dir,
    }
}

/// A stand-in for Trunk's output: the server tests are about serving it, not
/// about what the app does.
fn app_dir(dir: &TempDir) -> PathBuf {
    let app_dir = dir.path().join("dist");
    std::fs::create_dir_all(&app_dir).unwrap();
    std::fs::write(
        app_dir.join("index.html"),
        "<!doctype html><title>Kabar Desa</title>",
    )
    .unwrap();
    std::fs::write(app_dir.join("app-0123456789abcdef.js"), "console.log(1)").unwrap();
    app_dir
}

impl TestApp {
    async fn push(&self, items: Vec<PushItem>) -> PushResponse {
        let request = PushRequest {
            protocol_version: 1,
            items,
        };
        let response = self
            .client
            .post(self.url("/api/v1/sync/push"))
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn post_raw(&self, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/api/v1/sync/push"))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn stored_reports(&self) -> Vec<Value> {
        let body: Value = self
            .client
            .get(self.url("/api/v1/reports"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["reports"].as_array().unwrap().clone()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

fn report(seed: u8, title: &str, body: &str) -> Report {
    Report::short(
        ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
        VillageCode::parse("71.74.02.1003").unwrap(),
        1_764_000_000_000,
        &ReportTitle::parse(title).unwrap(),
        &ReportBody::parse(body).unwrap(),
    )
}

fn outcomes(response: &PushResponse) -> Vec<PushOutcome> {
    response
        .results
        .iter()
        .map(|result| result.outcome.clone())
        .collect()
}

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn pushed_reports_are_stored_and_listed() {
    let app = spawn_app().await;
    let first = report(1, "Jalan rusak", "Di dekat masjid");
    let second = report(2, "Banjir", "");
    let response = app
        .push(vec![
            PushItem::new(first.clone()),
            PushItem::new(second.clone()),
        ])
        .await;
    assert_eq!(
        outcomes(&response),
        vec![PushOutcome::Accepted, PushOutcome::Accepted]
    );

    let stored = app.stored_reports().await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["report"]["id"], first.id.to_string());
    assert_eq!(stored[0]["report"]["answers"]["title"], "Jalan rusak");
    assert_eq!(stored[1]["content_hash"], second.content_hash().as_str());
}

#[tokio::test]
async fn a_batch_replayed_twice_is_acknowledged_and_stored_once() {
    let app = spawn_app().await;
    let items = vec![
        PushItem::new(report(1, "Jalan rusak", "")),
        PushItem::new(report(2, "Banjir", "")),
    ];
    app.push(items.clone()).await;
    let replay = app.push(items).await;
    assert_eq!(
        outcomes(&replay),
        vec![PushOutcome::Duplicate, PushOutcome::Duplicate]
    );
    assert_eq!(app.stored_reports().await.len(), 2);
}

#[tokio::test]
async fn a_changed_body_under_an_old_id_is_a_conflict_and_the_original_stays() {
    let app = spawn_app().await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push(vec![PushItem::new(original.clone())]).await;

    let mut changed = original.clone();
    changed
        .answers
        .insert("body".into(), "Di dekat sekolah".into());
    let response = app.push(vec![PushItem::new(changed)]).await;
    assert_eq!(outcomes(&response), vec![PushOutcome::Conflict]);

    let stored = app.stored_reports().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["report"]["answers"]["body"], "Di dekat masjid");
}

#[tokio::test]
async fn one_invalid_item_is_rejected_and_the_rest_are_stored() {
    let app = spawn_app().await;
    let mut invalid = report(1, "x", "");
    invalid.answers.insert("title".into(), "".into());
    let response = app
        .push(vec![
            PushItem::new(invalid),
            PushItem::new(report(2, "Banjir", "")),
        ])
        .await;
    let outcomes = outcomes(&response);
    assert!(matches!(&outcomes[0], PushOutcome::Rejected { errors } if errors[0].field == "title"));
    assert_eq!(outcomes[1], PushOutcome::Accepted);
    assert_eq!(app.stored_reports().await.len(), 1);
}

#[tokio::test]
async fn concurrent_pushes_of_the_same_batch_store_it_once() {
    let app = spawn_app().await;
    let items: Vec<PushItem> = (1..=20)
        .map(|i| PushItem::new(report(i, "Laporan", "isi")))
        .collect();
    let pushes: Vec<_> = (0..4)
        .map(|_| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/sync/push"));
            let request = PushRequest {
                protocol_version: 1,
                items: items.clone(),
            };
            tokio::spawn(async move {
                let response = client.post(url).json(&request).send().await.unwrap();
                response.json::<PushResponse>().await.unwrap()
            })
        })
        .collect();
    let mut responses = Vec::new();
    for push in pushes {
        responses.push(push.await.unwrap());
    }
    for index in 0..items.len() {
        let accepted = responses
            .iter()
            .filter(|response| response.results[index].outcome == PushOutcome::Accepted)
            .count();
        assert_eq!(accepted, 1, "item {index} accepted exactly once");
    }
    assert_eq!(app.stored_reports().await.len(), 20);
}

#[tokio::test]
async fn reports_survive_a_server_restart() {
    let app = spawn_app().await;
    app.push(vec![PushItem::new(report(1, "Jalan rusak", ""))])
        .await;
    let dir = app.dir;
    let restarted = spawn_app_in(dir).await;
    assert_eq!(restarted.stored_reports().await.len(), 1);
    let replay = restarted
        .push(vec![PushItem::new(report(1, "Jalan rusak", ""))])
        .await;
    assert_eq!(outcomes(&replay), vec![PushOutcome::Duplicate]);
}

/// Bad requests get a clear 4xx with a stable code and touch nothing stored.
#[tokio::test]
async fn bad_requests_are_refused_with_clear_codes_and_change_nothing() {
    let app = spawn_app().await;
    app.push(vec![PushItem::new(report(1, "Jalan rusak", ""))])
        .await;
    let valid = serde_json::to_value(PushRequest {
        protocol_version: 1,
        items: vec![PushItem::new(report(2, "Banjir", ""))],
    })
    .unwrap();

    async fn check(app: &TestApp, content_type: &str, body: Vec<u8>, status: u16, code: &str) {
        let (got_status, got_body) = app.post_raw(content_type, body).await;
        assert_eq!(
            (got_status, got_body["error"]["code"].as_str().unwrap_or("")),
            (status, code)
        );
        assert!(
            !got_body["error"]["message"].as_str().unwrap().is_empty(),
            "has an Indonesian message"
        );
    }

    let json = "application/json";
    check(&app, json, b"{not json".to_vec(), 400, "bad_json").await;
    check(
        &app,
        "text/plain",
        valid.to_string().into_bytes(),
        415,
        "not_json",
    )
    .await;
    let mut unknown_field = valid.clone();
    unknown_field["surprise"] = json!(true);
    check(
        &app,
        json,
        unknown_field.to_string().into_bytes(),
        400,
        "bad_json",
    )
    .await;
    let mut other_version = valid.clone();
    other_version["protocol_version"] = json!(99);
    check(
        &app,
        json,
        other_version.to_string().into_bytes(),
        400,
        "unsupported_protocol_version",
    )
    .await;
    let mut huge = valid.clone();
    huge["items"][0]["report"]["answers"]["body"] = json!("x".repeat(3 * 1024 * 1024));
    check(&app, json, huge.to_string().into_bytes(), 413, "too_large").await;
    let too_many: Vec<PushItem> = (0..101)
        .map(|i| PushItem::new(report(i, "Laporan", "")))
        .collect();
    let too_many = serde_json::to_vec(&PushRequest {
        protocol_version: 1,
        items: too_many,
    })
    .unwrap();
    check(&app, json, too_many, 400, "batch_too_large").await;

    let stored = app.stored_reports().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["report"]["answers"]["title"], "Jalan rusak");
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s_and_other_paths_get_the_app() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let deep_link = app
        .client
        .get(app.url("/laporan/baru"))
        .send()
        .await
        .unwrap();
    assert_eq!(deep_link.status(), 200);
    assert_eq!(deep_link.headers()["cache-control"], "no-cache");
    assert!(deep_link.text().await.unwrap().contains("Kabar Desa"));

    let asset = app
        .client
        .get(app.url("/app-0123456789abcdef.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
}
