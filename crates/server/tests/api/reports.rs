//! The Command Center's report list: latest arrivals first, a page at a time,
//! filtered by village and review status, always within the reader's scope.

use super::support::{Backend, KOTOBANGUN, TUMUBUI, Who, report_in, spawn_app};
use kabar_shared::sync::PushItem;
use serde_json::{Value, json};

pub async fn the_report_list_pages_latest_arrivals_first_and_filters_by_village_and_status(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let neighbour = app.login_as(Who::NeighbourHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let ours: Vec<_> = (1..=5)
        .map(|seed| report_in(KOTOBANGUN, seed, "Jalan rusak", "Di dekat masjid"))
        .collect();
    let theirs: Vec<_> = (6..=7)
        .map(|seed| report_in(TUMUBUI, seed, "Banjir", "Air setinggi lutut"))
        .collect();
    app.push_as(&head, ours.iter().cloned().map(PushItem::new).collect())
        .await;
    app.push_as(
        &neighbour,
        theirs.iter().cloned().map(PushItem::new).collect(),
    )
    .await;

    // Page through everything the kecamatan reviewer sees, three at a time.
    let mut seen = Vec::new();
    let mut path = "/api/v1/reports?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page: Value = app.get_json(Some(&reviewer), &path).await;
        pages += 1;
        for stored in page["reports"].as_array().unwrap() {
            seen.push(stored["report"]["id"].as_str().unwrap().to_owned());
        }
        match page["next_before"].as_str() {
            Some(next) => path = format!("/api/v1/reports?limit=3&before={next}"),
            None => break,
        }
    }
    let mut newest_first: Vec<String> = ours
        .iter()
        .chain(&theirs)
        .map(|report| report.id.to_string())
        .collect();
    newest_first.reverse();
    assert_eq!(seen, newest_first, "every report once, newest first");
    assert_eq!(pages, 3);

    // Filters, named by the seeds of the reports they should give.
    let id_of = |seed: &u8| {
        ours.iter()
            .chain(&theirs)
            .nth(usize::from(*seed) - 1)
            .unwrap()
            .id
    };
    let check = async |path: &str, expect: &[u8]| {
        let page: Value = app.get_json(Some(&reviewer), path).await;
        let got: Vec<&str> = page["reports"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {page}"))
            .iter()
            .map(|stored| stored["report"]["id"].as_str().unwrap())
            .collect();
        let expect: Vec<String> = expect
            .iter()
            .rev()
            .map(|seed| id_of(seed).to_string())
            .collect();
        assert_eq!(got, expect, "{path}");
    };
    check(&format!("/api/v1/reports?village={TUMUBUI}"), &[6, 7]).await;
    app.post(
        Some(&reviewer),
        &format!("/api/v1/reports/{}/review", ours[1].id),
    )
    .json(&json!({"status": "approved"}))
    .send()
    .await
    .unwrap();
    check("/api/v1/reports?status=approved", &[2]).await;
    check(
        &format!("/api/v1/reports?status=received&village={KOTOBANGUN}"),
        &[1, 3, 4, 5],
    )
    .await;

    // A report filed offline long ago and synced only now comes first: the
    // list is ordered by arrival, so the Command Center sees it on page one.
    let late = report_in(KOTOBANGUN, 0, "Jembatan putus", "Dilaporkan dari ladang");
    app.push_as(&head, vec![PushItem::new(late.clone())]).await;
    let first: Value = app
        .get_json(Some(&reviewer), "/api/v1/reports?limit=1")
        .await;
    assert_eq!(first["reports"][0]["report"]["id"], late.id.to_string());

    // Another kecamatan's reviewer gets an empty list, never a peek.
    let far: Value = app.get_json(Some(&far_reviewer), "/api/v1/reports").await;
    assert_eq!(far, json!({"reports": [], "next_before": null}));

    for bad in [
        "limit=0",
        "limit=501",
        "limit=lots",
        "status=done",
        "before=yesterday",
        "before=019ab697-e801-7101-8101-010101010101",
        "page=2",
    ] {
        let response = app
            .get(Some(&reviewer), &format!("/api/v1/reports?{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_request", "{bad}: {body}");
    }
}
