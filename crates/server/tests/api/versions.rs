//! Editing reports: who may make a new version, that every version is kept,
//! one report per village and period, and review moves by the shared table.

use super::support::{Backend, KOTOBANGUN, Session, TestApp, Who, report, spawn_app};
use kabar_shared::acceptance::decide_filing_in;
use kabar_shared::account::{Access, Role, Scope};
use kabar_shared::form::FormCatalog;
use kabar_shared::report::{FieldErrorKind, FormRef};
use kabar_shared::sync::{PushItem, PushOutcome};
use kabar_shared::{Report, ReportId, VillageCode};
use serde_json::{Value, json};

async fn versions(app: &TestApp, session: &Session, id: ReportId) -> Value {
    app.get_json(Some(session), &format!("/api/v1/reports/{id}/versions"))
        .await
}

async fn current(app: &TestApp, session: &Session, id: ReportId) -> Value {
    app.get_json(Some(session), &format!("/api/v1/reports/{id}"))
        .await
}

async fn review(app: &TestApp, session: &Session, id: ReportId, body: Value) -> (u16, Value) {
    let response = app
        .post(Some(session), &format!("/api/v1/reports/{id}/review"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn edited(original: &Report, body: &str) -> Report {
    let mut edited = original.clone();
    edited.answers.insert("body".into(), body.into());
    edited
}

pub async fn a_volunteers_edit_of_the_heads_report_is_refused_and_changes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let kim = app.login_as(Who::Kim).await;
    let reviewer = app.login_as(Who::ChiefReviewer).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;

    let forged = PushItem::edit(
        edited(&original, "Diganti relawan"),
        original.content_hash(),
    );
    let response = app.push_as(&kim, vec![forged]).await;
    let PushOutcome::Rejected { errors } = &response.results[0].outcome else {
        panic!("expected a refusal: {:?}", response.results[0]);
    };
    assert_eq!(errors[0].field, "id");
    assert_eq!(errors[0].problem, FieldErrorKind::NotAllowed);

    let stored = current(&app, &reviewer, original.id).await;
    assert_eq!(stored["report"]["answers"]["body"], "Di dekat masjid");
    assert_eq!(stored["content_hash"], original.content_hash().as_str());
    assert_eq!(stored["submitted_by"], Who::Head.username());
    assert_eq!(stored["version"], 1);
    let all = versions(&app, &reviewer, original.id).await;
    assert_eq!(all["versions"].as_array().unwrap().len(), 1);
}

pub async fn the_authors_edit_is_version_two_and_version_one_stays_readable(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;
    let second = edited(&original, "Di depan SD Negeri 1");
    let response = app
        .push_as(
            &head,
            vec![PushItem::edit(second.clone(), original.content_hash())],
        )
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);

    let stored = current(&app, &reviewer, original.id).await;
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["content_hash"], second.content_hash().as_str());
    assert_eq!(stored["submitted_by"], Who::Head.username());
    let all = versions(&app, &reviewer, original.id).await;
    let all = all["versions"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["version"], 1);
    assert_eq!(all[0]["report"]["answers"]["body"], "Di dekat masjid");
    assert_eq!(all[0]["content_hash"], original.content_hash().as_str());
    assert_eq!(all[1]["version"], 2);
    assert_eq!(all[1]["report"]["answers"]["body"], "Di depan SD Negeri 1");
    assert_eq!(all[1]["content_hash"], second.content_hash().as_str());
    for version in all {
        assert_eq!(version["submitted_by"], Who::Head.username());
        let report: Report = serde_json::from_value(version["report"].clone()).unwrap();
        assert_eq!(
            version["content_hash"],
            report.content_hash().as_str(),
            "each version's hash is the hash of its JSON"
        );
    }
    // The author reads them too; another kecamatan's reviewer does not.
    let own = versions(&app, &head, original.id).await;
    assert_eq!(own["versions"].as_array().unwrap().len(), 2);
    let response = app
        .get(
            Some(&far_reviewer),
            &format!("/api/v1/reports/{}/versions", original.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // The list still shows one report, at its current version.
    let listed = app.stored_reports(&reviewer).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["version"], 2);
}

pub async fn an_edit_of_a_returned_report_goes_back_to_received(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;
    let (status, _) = review(
        &app,
        &reviewer,
        original.id,
        json!({"status": "needs_revision", "comment": "Sebutkan nama jalannya"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        current(&app, &reviewer, original.id).await["status"],
        "needs_revision"
    );

    let fixed = edited(&original, "Jalan Ahmad Yani, di dekat masjid");
    let response = app
        .push_as(&head, vec![PushItem::edit(fixed, original.content_hash())])
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);
    let stored = current(&app, &reviewer, original.id).await;
    assert_eq!(stored["status"], "received");
    assert_eq!(stored["version"], 2);
    let listed = app
        .get_json(Some(&reviewer), "/api/v1/reports?status=received")
        .await;
    assert_eq!(listed["reports"].as_array().unwrap().len(), 1);
}

/// A valid monthly population report of Kotobangun for `month` of 2025,
/// with no change over the month, as the phone saves it: cleaned by the
/// filing decision (month-end totals calculated), so the hash it keeps is
/// the hash the server stores and an edit can name it.
fn monthly(seed: u8, month: &str) -> Report {
    let mut answers = json!({"tahun": 2025, "bulan": month, "awal_kk": 300, "akhir_kk": 300});
    for change in ["awal", "lahir", "meninggal", "datang", "pindah", "hilang"] {
        for group in ["wni_l", "wni_p", "wna_l", "wna_p"] {
            let count = if change == "awal" { 500 } else { 0 };
            answers[format!("{change}_{group}")] = json!(count);
        }
    }
    let typed = Report {
        id: ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
        form: FormRef {
            id: "laporan-bulanan-kependudukan".into(),
            version: 1,
        },
        village: VillageCode::parse(KOTOBANGUN).unwrap(),
        created_at_ms: 1_764_000_000_000,
        answers: serde_json::from_value(answers).unwrap(),
    };
    let head = Access::new(Role::VillageHead, Scope::Village(typed.village.clone())).unwrap();
    decide_filing_in(&head, &FormCatalog::builtin(), &typed)
        .unwrap()
        .report
}

pub async fn a_second_monthly_report_for_the_same_month_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let october = monthly(1, "10");
    let response = app
        .push_as(&head, vec![PushItem::new(october.clone())])
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);

    let again = monthly(2, "10");
    let november = monthly(3, "11");
    let response = app
        .push_as(
            &head,
            vec![PushItem::new(again.clone()), PushItem::new(november)],
        )
        .await;
    let PushOutcome::Rejected { errors } = &response.results[0].outcome else {
        panic!("a second October report must be refused: {response:?}");
    };
    let error = serde_json::to_value(&errors[0]).unwrap();
    assert_eq!(error["field"], "bulan");
    assert_eq!(error["problem"], "invalid");
    assert_eq!(error["detail"]["problem"], "period_already_reported");
    assert_eq!(error["detail"]["period"], "2025-10");
    assert!(
        error["message"]["id"]
            .as_str()
            .unwrap()
            .contains("Oktober 2025"),
        "{error}"
    );
    assert!(
        error["message"]["en"]
            .as_str()
            .unwrap()
            .contains("October 2025"),
        "{error}"
    );
    assert_eq!(response.results[1].outcome, PushOutcome::Accepted);
    assert_eq!(app.stored_reports(&reviewer).await.len(), 2);
    let refused = app
        .get(Some(&reviewer), &format!("/api/v1/reports/{}", again.id))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);

    // A correction of the October report is a new version of it.
    let mut corrected = october.clone();
    corrected
        .answers
        .insert("keterangan".into(), "Koreksi jumlah KK".into());
    let response = app
        .push_as(
            &head,
            vec![PushItem::edit(corrected, october.content_hash())],
        )
        .await;
    assert_eq!(response.results[0].outcome, PushOutcome::Accepted);
    assert_eq!(current(&app, &reviewer, october.id).await["version"], 2);
    assert_eq!(app.stored_reports(&reviewer).await.len(), 2);
}

pub async fn a_review_move_the_table_forbids_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;

    // Sending back needs a comment, rejecting needs a reason.
    let (status, body) = review(
        &app,
        &reviewer,
        original.id,
        json!({"status": "needs_revision"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "review_comment_required");
    let (status, body) = review(
        &app,
        &reviewer,
        original.id,
        json!({"status": "rejected", "comment": " "}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "review_reason_required");
    assert_eq!(
        current(&app, &reviewer, original.id).await["status"],
        "received"
    );

    let (status, _) = review(&app, &reviewer, original.id, json!({"status": "approved"})).await;
    assert_eq!(status, 200);
    let (status, body) = review(
        &app,
        &reviewer,
        original.id,
        json!({"status": "rejected", "comment": "Ternyata salah"}),
    )
    .await;
    // An approval is taken back only by sending the report back, never by
    // rejecting it outright.
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "review_transition_not_allowed");
    assert_eq!(
        body["error"]["message"],
        "Laporan berstatus \"disetujui\" tidak dapat diubah menjadi \"ditolak\"."
    );
    assert_eq!(
        body["error"]["message_en"],
        "A report that is \"approved\" cannot be made \"rejected\"."
    );
    let (status, _) = review(
        &app,
        &far_reviewer,
        original.id,
        json!({"status": "rejected", "comment": "Bukan wilayah saya"}),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        current(&app, &reviewer, original.id).await["status"],
        "approved"
    );
    // Only the approval reached the reporter's phone.
    let pulled = app.get_json(Some(&head), "/api/v1/sync/pull").await;
    let reviews = pulled["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0]["status"], "approved");

    // A comment alone is still welcome.
    let (status, _) = review(
        &app,
        &reviewer,
        original.id,
        json!({"comment": "Terima kasih"}),
    )
    .await;
    assert_eq!(status, 200);
}

pub async fn two_phones_filing_the_same_month_at_once_store_one_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    // The sangadi's own phone and the office's, both signed in as the head.
    let office = app
        .login(
            Who::Head.username(),
            super::support::PASSWORD,
            "device-office-pc",
        )
        .await
        .unwrap();
    for round in 0..5u8 {
        let month = format!("{:02}", round + 1);
        let (first, second) = tokio::join!(
            app.push_as(&head, vec![PushItem::new(monthly(2 * round + 1, &month))]),
            app.push_as(&office, vec![PushItem::new(monthly(2 * round + 2, &month))]),
        );
        let accepted = [&first, &second]
            .iter()
            .filter(|response| response.results[0].outcome == PushOutcome::Accepted)
            .count();
        assert_eq!(accepted, 1, "month {month}: {first:?} {second:?}");
    }
    assert_eq!(app.stored_reports(&reviewer).await.len(), 5);
}

/// An item whose hash is not the hash of its report: damaged in transit.
fn damaged(report: &Report) -> PushItem {
    let mut item = PushItem::new(report.clone());
    item.content_hash = edited(report, "something else").content_hash();
    item
}

fn is_period_taken(outcome: &PushOutcome) -> bool {
    let PushOutcome::Rejected { errors } = outcome else {
        return false;
    };
    serde_json::to_value(errors).unwrap()[0]["detail"]["problem"] == "period_already_reported"
}

fn is_hash_mismatch(outcome: &PushOutcome) -> bool {
    matches!(outcome, PushOutcome::Rejected { errors }
        if errors.iter().any(|error| error.problem == FieldErrorKind::HashMismatch))
}

/// A push is stored in one transaction and judged at once, yet each item
/// gets the answer it would get alone, in the order the phone sent them:
/// new, duplicate, conflict, damaged, period taken, an edit, and an item
/// repeating one stored earlier in the same batch.
pub async fn a_batch_answers_each_item_in_order_whatever_the_mix(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let stored = report(1, "Jalan rusak", "Di dekat masjid");
    let october = monthly(2, "10");
    app.push_as(
        &head,
        vec![
            PushItem::new(stored.clone()),
            PushItem::new(october.clone()),
        ],
    )
    .await;

    let new = report(3, "Banjir", "Air setinggi lutut");
    let other_new = report(4, "Posyandu", "");
    let response = app
        .push_as(
            &head,
            vec![
                PushItem::new(new.clone()),
                PushItem::new(stored.clone()),
                PushItem::new(edited(&stored, "Isi lain tanpa menyebut versinya")),
                damaged(&report(5, "Rusak di jalan", "")),
                PushItem::new(monthly(6, "10")),
                PushItem::new(other_new.clone()),
                PushItem::edit(edited(&stored, "Jalan Ahmad Yani"), stored.content_hash()),
                PushItem::new(new.clone()),
            ],
        )
        .await;
    let ids: Vec<ReportId> = response.results.iter().map(|result| result.id).collect();
    assert_eq!(
        ids,
        vec![
            new.id,
            stored.id,
            stored.id,
            ReportId::new_v7(1_764_000_000_005, [5; 10]),
            monthly(6, "10").id,
            other_new.id,
            stored.id,
            new.id
        ]
    );
    let outcomes: Vec<&PushOutcome> = response.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes[0], &PushOutcome::Accepted);
    assert_eq!(outcomes[1], &PushOutcome::Duplicate);
    assert_eq!(outcomes[2], &PushOutcome::Conflict);
    assert!(is_hash_mismatch(outcomes[3]), "{:?}", outcomes[3]);
    assert!(is_period_taken(outcomes[4]), "{:?}", outcomes[4]);
    assert_eq!(outcomes[5], &PushOutcome::Accepted);
    assert_eq!(outcomes[6], &PushOutcome::Accepted);
    assert_eq!(outcomes[7], &PushOutcome::Duplicate);

    // Stored: the two first reports (one edited) and the two new ones.
    let listed = app.stored_reports(&reviewer).await;
    assert_eq!(listed.len(), 4, "{listed:?}");
    let edited_now = current(&app, &reviewer, stored.id).await;
    assert_eq!(edited_now["version"], 2);
    assert_eq!(edited_now["report"]["answers"]["body"], "Jalan Ahmad Yani");
    let history = versions(&app, &reviewer, stored.id).await;
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(2),
        "{history}"
    );
    // One audit row per stored report and version: 2 + 3.
    let audit = app
        .get_json(
            Some(&app.login_as(Who::Admin).await),
            "/api/v1/admin/audit?limit=100",
        )
        .await;
    let submissions = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| {
            matches!(
                entry["action"].as_str(),
                Some("submission" | "submission_edit")
            )
        })
        .count();
    assert_eq!(submissions, 5, "{audit}");
}

/// One id twice in one batch is judged as two pushes one after the other:
/// the same content is a duplicate, other content a conflict, an edit
/// naming the first a new version; two reports for one month store one.
pub async fn a_batch_naming_one_id_twice_is_judged_as_two_pushes_in_a_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let twice = report(1, "Jalan rusak", "");
    let changed = report(2, "Banjir", "");
    let then_edited = report(3, "Posyandu", "Bulan ini");
    let november = monthly(4, "11");
    let november_again = monthly(5, "11");
    let response = app
        .push_as(
            &head,
            vec![
                PushItem::new(twice.clone()),
                PushItem::new(twice.clone()),
                PushItem::new(changed.clone()),
                PushItem::new(edited(&changed, "Air sudah surut")),
                PushItem::new(then_edited.clone()),
                PushItem::edit(
                    edited(&then_edited, "Bulan depan"),
                    then_edited.content_hash(),
                ),
                PushItem::new(november.clone()),
                PushItem::new(november_again.clone()),
                PushItem::new(november.clone()),
            ],
        )
        .await;
    let outcomes: Vec<&PushOutcome> = response.results.iter().map(|r| &r.outcome).collect();
    assert_eq!(
        outcomes[..7],
        [
            &PushOutcome::Accepted,
            &PushOutcome::Duplicate,
            &PushOutcome::Accepted,
            &PushOutcome::Conflict,
            &PushOutcome::Accepted,
            &PushOutcome::Accepted,
            &PushOutcome::Accepted,
        ]
    );
    assert!(is_period_taken(outcomes[7]), "{:?}", outcomes[7]);
    assert_eq!(outcomes[8], &PushOutcome::Duplicate);

    assert_eq!(app.stored_reports(&reviewer).await.len(), 4);
    assert_eq!(
        current(&app, &reviewer, changed.id).await["report"]["answers"]["body"],
        "",
        "the first content stays"
    );
    assert_eq!(current(&app, &reviewer, then_edited.id).await["version"], 2);

    // The whole batch again: all acknowledged, nothing stored twice.
    let replay = app
        .push_as(
            &head,
            vec![
                PushItem::new(twice.clone()),
                PushItem::new(changed.clone()),
                PushItem::new(november.clone()),
            ],
        )
        .await;
    assert!(
        replay
            .results
            .iter()
            .all(|result| result.outcome == PushOutcome::Duplicate),
        "{replay:?}"
    );
    assert_eq!(app.stored_reports(&reviewer).await.len(), 4);
}
