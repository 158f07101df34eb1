//! Browser tests of the IndexedDB outbox, in headless Chromium through
//! wasm-bindgen-test: `cargo test --target wasm32-unknown-unknown --test outbox_db`.
#![cfg(target_arch = "wasm32")]

use kabar_desa::outbox_db::{OutboxDb, OutboxEntry};
use kabar_shared::report::{FieldError, FieldProblem};
use kabar_shared::sync::Delivery;
use kabar_shared::{Report, ReportBody, ReportId, ReportTitle, VillageCode};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Each test gets its own database so tests cannot see each other's data.
async fn fresh_database(name: &str) -> OutboxDb {
    OutboxDb::delete(name).await.unwrap();
    OutboxDb::open(name).await.unwrap()
}

fn report(seed: u8, title: &str) -> Report {
    Report::short(
        ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
        VillageCode::parse("71.74.04.1005").unwrap(),
        1_764_000_000_000 + i64::from(seed),
        &ReportTitle::parse(title).unwrap(),
        &ReportBody::parse("Isi laporan dengan huruf é dan angka 1,5").unwrap(),
    )
}

#[wasm_bindgen_test]
async fn a_saved_report_reads_back_exactly_and_waiting() {
    let db = fresh_database("test-read-back").await;
    let saved = report(1, "Jalan rusak");
    db.save_new(&saved, 1_764_000_000_123).await.unwrap();

    let entries = db.all().await.unwrap();
    assert_eq!(
        entries,
        vec![OutboxEntry { report: saved.clone(), delivery: Delivery::Waiting, saved_at_ms: 1_764_000_000_123 }]
    );
    // Byte-for-byte the same content, so the hash the server checks matches.
    assert_eq!(entries[0].report.content_hash(), saved.content_hash());
    db.close();
}

#[wasm_bindgen_test]
async fn saved_reports_survive_closing_and_reopening_the_database() {
    let name = "test-reopen";
    let db = fresh_database(name).await;
    db.save_new(&report(2, "Banjir"), 2).await.unwrap();
    db.save_new(&report(1, "Jalan rusak"), 1).await.unwrap();
    db.close();

    let reopened = OutboxDb::open(name).await.unwrap();
    let titles: Vec<String> = reopened.all().await.unwrap().iter().map(|e| e.report.title().to_owned()).collect();
    assert_eq!(titles, vec!["Jalan rusak", "Banjir"], "oldest id first");
    reopened.close();
}

#[wasm_bindgen_test]
async fn saving_the_same_id_twice_fails_and_keeps_the_first() {
    let db = fresh_database("test-no-overwrite").await;
    let original = report(1, "Asli");
    db.save_new(&original, 1).await.unwrap();
    let mut imposter = original.clone();
    imposter.answers.insert("title".into(), "Palsu".into());
    assert!(db.save_new(&imposter, 2).await.is_err());
    assert_eq!(db.all().await.unwrap()[0].report, original);
    db.close();
}

#[wasm_bindgen_test]
async fn delivery_updates_change_only_the_delivery() {
    let db = fresh_database("test-deliveries").await;
    let first = report(1, "Satu");
    let second = report(2, "Dua");
    db.save_new(&first, 1).await.unwrap();
    db.save_new(&second, 2).await.unwrap();
    let rejected = Delivery::Rejected {
        errors: vec![FieldError { field: "title".into(), problem: FieldProblem::Required }],
    };
    let unknown = ReportId::new_v7(9, [9; 10]);
    db.set_deliveries(&[(first.id, Delivery::Sent), (second.id, rejected.clone()), (unknown, Delivery::Sent)])
        .await
        .unwrap();

    let entries = db.all().await.unwrap();
    assert_eq!(entries.len(), 2, "an unknown id creates nothing");
    assert_eq!((entries[0].report.clone(), entries[0].delivery.clone()), (first, Delivery::Sent));
    assert_eq!((entries[1].report.clone(), entries[1].delivery.clone()), (second, rejected));
    db.close();
}
