//! Browser tests of the IndexedDB outbox, in headless Chromium through
//! wasm-bindgen-test: `cargo test --target wasm32-unknown-unknown --test outbox_db`.
#![cfg(target_arch = "wasm32")]

use kabar_desa::storage::{Draft, OutboxEntry, PhoneDb, Revision};
use kabar_shared::report::{FieldError, FieldErrorKind};
use kabar_shared::sync::Delivery;
use kabar_shared::{Report, ReportBody, ReportId, ReportTitle, VillageCode};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Each test gets its own database so tests cannot see each other's data.
async fn fresh_database(name: &str) -> PhoneDb {
    PhoneDb::delete(name).await.unwrap();
    PhoneDb::open(name).await.unwrap()
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
    db.save_report(&saved, 1_764_000_000_123, "sangadi")
        .await
        .unwrap();

    let entries = db.outbox().await.unwrap();
    assert_eq!(
        entries,
        vec![OutboxEntry {
            report: saved.clone(),
            delivery: Delivery::Waiting,
            saved_at_ms: 1_764_000_000_123,
            owner: "sangadi".into(),
            revision: None,
        }]
    );
    // Byte-for-byte the same content, so the hash the server checks matches.
    assert_eq!(entries[0].report.content_hash(), saved.content_hash());
    db.close();
}

#[wasm_bindgen_test]
async fn a_fixed_report_replaces_its_sent_version_and_waits_as_an_edit() {
    let db = fresh_database("test-revision").await;
    let sent = report(1, "Jalan rusak");
    db.save_report(&sent, 1, "sangadi").await.unwrap();
    let revision = || Revision {
        replaces: sent.content_hash(),
        answers_review_at_ms: 1_764_000_900_000,
    };
    let mut fixed = sent.clone();
    fixed
        .answers
        .insert("title".into(), serde_json::json!("Jalan rusak berat"));
    // Not sent yet: there is no version on the server to replace.
    assert!(
        db.save_revision(&fixed, revision(), 2, "sangadi")
            .await
            .is_err()
    );
    db.record_deliveries(&[(sent.id, Delivery::Sent)])
        .await
        .unwrap();
    // Someone else's report, or a version that is not the one opened, stays.
    assert!(
        db.save_revision(&fixed, revision(), 2, "kim")
            .await
            .is_err()
    );
    let stale = Revision {
        replaces: fixed.content_hash(),
        ..revision()
    };
    assert!(db.save_revision(&fixed, stale, 2, "sangadi").await.is_err());
    assert_eq!(db.outbox().await.unwrap()[0].report, sent);

    db.save_revision(&fixed, revision(), 3, "sangadi")
        .await
        .unwrap();
    let entries = db.outbox().await.unwrap();
    assert_eq!(
        entries,
        vec![OutboxEntry {
            report: fixed.clone(),
            delivery: Delivery::Waiting,
            saved_at_ms: 3,
            owner: "sangadi".into(),
            revision: Some(revision()),
        }]
    );
    let push = kabar_shared::sync::next_push(entries.iter().map(|entry| {
        (
            &entry.report,
            &entry.delivery,
            entry.revision.as_ref().map(|revision| &revision.replaces),
        )
    }))
    .unwrap();
    assert_eq!(push.items[0].replaces, Some(sent.content_hash()));
    db.close();
}

#[wasm_bindgen_test]
async fn only_a_waiting_report_of_the_user_can_be_deleted() {
    let db = fresh_database("test-delete-waiting").await;
    let waiting = report(1, "Salah ketik");
    let sent = report(2, "Terkirim");
    db.save_report(&waiting, 1, "sangadi").await.unwrap();
    db.save_report(&sent, 2, "sangadi").await.unwrap();
    db.record_deliveries(&[(sent.id, Delivery::Sent)])
        .await
        .unwrap();
    assert!(!db.delete_waiting(waiting.id, "kim").await.unwrap());
    assert!(!db.delete_waiting(sent.id, "sangadi").await.unwrap());
    assert!(db.delete_waiting(waiting.id, "sangadi").await.unwrap());
    let left: Vec<Report> = db
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.report)
        .collect();
    assert_eq!(left, vec![sent]);
    db.close();
}

#[wasm_bindgen_test]
async fn saved_reports_survive_closing_and_reopening_the_database() {
    let name = "test-reopen";
    let db = fresh_database(name).await;
    db.save_report(&report(2, "Banjir"), 2, "sangadi")
        .await
        .unwrap();
    db.save_report(&report(1, "Jalan rusak"), 1, "sangadi")
        .await
        .unwrap();
    db.close();

    let reopened = PhoneDb::open(name).await.unwrap();
    let titles: Vec<String> = reopened
        .outbox()
        .await
        .unwrap()
        .iter()
        .map(|e| e.report.title().to_owned())
        .collect();
    assert_eq!(titles, vec!["Jalan rusak", "Banjir"], "oldest id first");
    reopened.close();
}

#[wasm_bindgen_test]
async fn on_a_shared_phone_each_report_keeps_its_author() {
    let name = "test-owners";
    let db = fresh_database(name).await;
    db.save_report(&report(1, "Punya sangadi"), 1, "sangadi")
        .await
        .unwrap();
    db.save_report(&report(2, "Punya relawan KIM"), 2, "relawan")
        .await
        .unwrap();
    db.close();

    let entries = PhoneDb::open(name).await.unwrap().outbox().await.unwrap();
    let visible_to = |username: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|entry| entry.belongs_to(username))
            .map(|entry| entry.report.title().to_owned())
            .collect()
    };
    assert_eq!(visible_to("sangadi"), vec!["Punya sangadi"]);
    assert_eq!(visible_to("relawan"), vec!["Punya relawan KIM"]);
}

#[wasm_bindgen_test]
async fn saving_the_same_id_twice_fails_and_keeps_the_first() {
    let db = fresh_database("test-no-overwrite").await;
    let original = report(1, "Asli");
    db.save_report(&original, 1, "sangadi").await.unwrap();
    let mut imposter = original.clone();
    imposter.answers.insert("title".into(), "Palsu".into());
    assert!(db.save_report(&imposter, 2, "sangadi").await.is_err());
    assert_eq!(db.outbox().await.unwrap()[0].report, original);
    db.close();
}

#[wasm_bindgen_test]
async fn delivery_updates_change_only_the_delivery() {
    let db = fresh_database("test-deliveries").await;
    let first = report(1, "Satu");
    let second = report(2, "Dua");
    db.save_report(&first, 1, "sangadi").await.unwrap();
    db.save_report(&second, 2, "sangadi").await.unwrap();
    let rejected = Delivery::Rejected {
        errors: vec![FieldError {
            field: "title".into(),
            problem: FieldErrorKind::Required,
        }],
    };
    let unknown = ReportId::new_v7(9, [9; 10]);
    db.record_deliveries(&[
        (first.id, Delivery::Sent),
        (second.id, rejected.clone()),
        (unknown, Delivery::Sent),
    ])
    .await
    .unwrap();

    let entries = db.outbox().await.unwrap();
    assert_eq!(entries.len(), 2, "an unknown id creates nothing");
    assert_eq!(
        (entries[0].report.clone(), entries[0].delivery.clone()),
        (first, Delivery::Sent)
    );
    assert_eq!(
        (entries[1].report.clone(), entries[1].delivery.clone()),
        (second, rejected)
    );
    db.close();
}

#[wasm_bindgen_test]
async fn a_photo_is_stored_under_its_hash_once_and_reads_back_exactly() {
    use kabar_shared::report::ContentHash;
    let db = fresh_database("test-photos").await;
    // Not a real JPEG: the store keeps whatever bytes the camera pipeline made.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let reference = db
        .keep_photo(&bytes, "image/jpeg", 1_764_000_000_500)
        .await
        .unwrap();
    assert_eq!(reference, ContentHash::of_bytes(&bytes));
    assert!(reference.as_str().starts_with("sha256:"));

    // The same photo again is the same record, not a second copy.
    assert_eq!(
        db.keep_photo(&bytes, "image/jpeg", 1_764_000_000_900)
            .await
            .unwrap(),
        reference
    );
    assert_eq!(
        db.photo_references().await.unwrap(),
        vec![reference.clone()]
    );

    let stored = db
        .photo(&reference)
        .await
        .unwrap()
        .expect("the photo is stored");
    assert_eq!(stored.bytes, bytes);
    assert_eq!(stored.mime, "image/jpeg");
    assert_eq!(stored.reference, reference);

    let unknown = ContentHash::of_bytes(b"not stored");
    assert_eq!(db.photo(&unknown).await.unwrap(), None);
    db.close();
}

#[wasm_bindgen_test]
async fn upgrading_a_version_1_database_keeps_its_reports_and_adds_photos_and_drafts() {
    use rexie::{ObjectStore, Rexie, TransactionMode};
    use wasm_bindgen::JsValue;
    let name = "test-upgrade-v1";
    PhoneDb::delete(name).await.unwrap();

    // What the first release of the app created: the outbox alone, with one
    // waiting report in the record shape the storage module writes.
    let old = Rexie::builder(name)
        .version(1)
        .add_object_store(ObjectStore::new("outbox").key_path("id"))
        .build()
        .await
        .unwrap();
    let saved = report(3, "Sebelum pembaruan");
    let record = js_sys::Object::new();
    for (key, value) in [
        ("id", JsValue::from_str(&saved.id.to_string())),
        ("state", JsValue::from_str("waiting")),
        ("saved_at_ms", JsValue::from_f64(3.0)),
        (
            "report",
            JsValue::from_str(&serde_json::to_string(&saved).unwrap()),
        ),
        (
            "delivery",
            JsValue::from_str(&serde_json::to_string(&Delivery::Waiting).unwrap()),
        ),
    ] {
        js_sys::Reflect::set(&record, &JsValue::from_str(key), &value).unwrap();
    }
    let transaction = old
        .transaction(&["outbox"], TransactionMode::ReadWrite)
        .unwrap();
    transaction
        .store("outbox")
        .unwrap()
        .add(&record.into(), None)
        .await
        .unwrap();
    transaction.done().await.unwrap();
    old.close();

    let upgraded = PhoneDb::open(name).await.unwrap();
    assert_eq!(
        upgraded.outbox().await.unwrap(),
        vec![OutboxEntry {
            report: saved,
            delivery: Delivery::Waiting,
            saved_at_ms: 3,
            // Saved before accounts: whoever is signed in may send it.
            owner: String::new(),
            revision: None,
        }]
    );
    // The record had no owner, so no index held it; the upgrade gave it the
    // empty owner, and the sync finds it for whoever signs in.
    assert_eq!(upgraded.waiting_of("sangadi.moyag").await.unwrap().len(), 1);
    assert_eq!(upgraded.count_waiting("sangadi.moyag").await.unwrap(), 1);
    let reference = upgraded
        .keep_photo(b"\xff\xd8\xff", "image/jpeg", 4)
        .await
        .unwrap();
    assert_eq!(upgraded.photo_references().await.unwrap(), vec![reference]);
    let draft = draft("sangadi.moyag", "aspirasi-warga", 5);
    upgraded.keep_draft(&draft).await.unwrap();
    assert_eq!(
        upgraded.drafts_of("sangadi.moyag").await.unwrap(),
        vec![draft]
    );
    upgraded.close();
}

#[wasm_bindgen_test]
async fn only_photos_stored_before_the_cutoff_are_forgotten() {
    let db = fresh_database("kabar-desa-test-forget-photos").await;
    let old = db
        .keep_photo(b"\xff\xd8\xffold", "image/jpeg", 100)
        .await
        .unwrap();
    let fresh = db
        .keep_photo(b"\xff\xd8\xfffresh", "image/jpeg", 200)
        .await
        .unwrap();
    let never_stored = kabar_shared::ContentHash::of_bytes(b"elsewhere");
    let forgotten = db
        .forget_photos(&[old.clone(), fresh.clone(), never_stored], 150)
        .await
        .unwrap();
    assert_eq!(forgotten, 1);
    assert_eq!(db.photo(&old).await.unwrap(), None);
    assert_eq!(db.photo_references().await.unwrap(), vec![fresh.clone()]);
    // Stored again (the same picture chosen anew), a photo is fresh again.
    db.keep_photo(b"\xff\xd8\xfffresh", "image/jpeg", 300)
        .await
        .unwrap();
    assert_eq!(
        db.forget_photos(std::slice::from_ref(&fresh), 250)
            .await
            .unwrap(),
        0
    );
    db.close();
}

fn draft(owner: &str, form_id: &str, saved_at_ms: i64) -> Draft {
    let answers = serde_json::json!({
        "uraian": "Lampu jalan mati sejak",
        "jumlah": "1,",
        "foto": ["sha256:00"],
    });
    Draft {
        owner: owner.into(),
        form_id: form_id.into(),
        village: "71.74.02.2001".into(),
        answers: serde_json::from_value(answers).unwrap(),
        saved_at_ms,
    }
}

#[wasm_bindgen_test]
async fn drafts_come_back_per_user_newest_first_and_saving_the_report_ends_its_draft() {
    let db = fresh_database("kabar-desa-test-drafts").await;
    let older = draft("sangadi.moyag", "laporan-singkat", 10);
    let newer = draft("sangadi.moyag", "aspirasi-warga", 20);
    let someone_else = draft("relawan.moyag", "laporan-singkat", 30);
    for draft in [&older, &newer, &someone_else] {
        db.keep_draft(draft).await.unwrap();
    }
    assert_eq!(
        db.drafts_of("sangadi.moyag").await.unwrap(),
        vec![newer.clone(), older.clone()]
    );

    // Typing on replaces the draft; it never piles up copies.
    let mut typed_on = older.clone();
    typed_on
        .answers
        .insert("title".into(), "Jalan rusak".into());
    typed_on.saved_at_ms = 40;
    db.keep_draft(&typed_on).await.unwrap();
    assert_eq!(
        db.drafts_of("sangadi.moyag").await.unwrap(),
        vec![typed_on.clone(), newer.clone()]
    );

    // Saving the short report ends the author's draft of that form only.
    db.save_report(&report(1, "Jalan rusak"), 50, "sangadi.moyag")
        .await
        .unwrap();
    assert_eq!(
        db.drafts_of("sangadi.moyag").await.unwrap(),
        vec![newer.clone()]
    );
    assert_eq!(
        db.drafts_of("relawan.moyag").await.unwrap(),
        vec![someone_else]
    );

    // A failed save (the id exists) keeps the draft.
    db.keep_draft(&typed_on).await.unwrap();
    assert!(
        db.save_report(&report(1, "Jalan rusak"), 60, "sangadi.moyag")
            .await
            .is_err()
    );
    assert_eq!(db.drafts_of("sangadi.moyag").await.unwrap().len(), 2);

    db.forget_draft("sangadi.moyag", "aspirasi-warga")
        .await
        .unwrap();
    db.forget_draft("sangadi.moyag", "no-such-form")
        .await
        .unwrap();
    assert_eq!(db.drafts_of("sangadi.moyag").await.unwrap(), vec![typed_on]);
    db.close();
}

/// A plain object with these properties, as the app of that version wrote.
fn raw_record(properties: &[(&str, wasm_bindgen::JsValue)]) -> wasm_bindgen::JsValue {
    let record = js_sys::Object::new();
    for (key, value) in properties {
        js_sys::Reflect::set(&record, &wasm_bindgen::JsValue::from_str(key), value).unwrap();
    }
    record.into()
}

#[wasm_bindgen_test]
async fn upgrading_a_version_3_database_keeps_reports_drafts_and_photos_and_they_still_sync() {
    use kabar_desa::storage::PulledPage;
    use kabar_shared::ContentHash;
    use kabar_shared::sync::{ReviewEvent, next_push};
    use kabar_shared::village::Gazetteer;
    use rexie::{ObjectStore, Rexie, TransactionMode};
    use wasm_bindgen::JsValue;
    let name = "test-upgrade-v3";
    PhoneDb::delete(name).await.unwrap();

    // Today's release (version 3): outbox, photos and drafts, written with
    // raw IndexedDB calls in the shapes that release wrote.
    let old = Rexie::builder(name)
        .version(3)
        .add_object_store(ObjectStore::new("outbox").key_path("id"))
        .add_object_store(ObjectStore::new("photos").key_path("id"))
        .add_object_store(ObjectStore::new("drafts").key_path("id"))
        .build()
        .await
        .unwrap();
    let waiting = report(1, "Menunggu sinyal");
    let sent = report(2, "Sudah terkirim");
    let outbox_record = |report: &Report, delivery: &Delivery, owner: &str, at: f64| {
        raw_record(&[
            ("id", JsValue::from_str(&report.id.to_string())),
            ("state", JsValue::from_str(delivery.name())),
            ("saved_at_ms", JsValue::from_f64(at)),
            ("owner", JsValue::from_str(owner)),
            (
                "report",
                JsValue::from_str(&serde_json::to_string(report).unwrap()),
            ),
            (
                "delivery",
                JsValue::from_str(&serde_json::to_string(delivery).unwrap()),
            ),
        ])
    };
    let photo_bytes: Vec<u8> = (0..=255u8).cycle().take(5_000).collect();
    let photo_reference = ContentHash::of_bytes(&photo_bytes);
    let old_draft = draft("sangadi.moyag", "aspirasi-warga", 7);
    let transaction = old
        .transaction(&["outbox", "photos", "drafts"], TransactionMode::ReadWrite)
        .unwrap();
    let outbox = transaction.store("outbox").unwrap();
    outbox
        .add(
            &outbox_record(&waiting, &Delivery::Waiting, "sangadi.moyag", 1.0),
            None,
        )
        .await
        .unwrap();
    outbox
        .add(
            &outbox_record(&sent, &Delivery::Sent, "sangadi.moyag", 2.0),
            None,
        )
        .await
        .unwrap();
    transaction
        .store("photos")
        .unwrap()
        .add(
            &raw_record(&[
                ("id", JsValue::from_str(photo_reference.as_str())),
                ("type", JsValue::from_str("image/jpeg")),
                ("size", JsValue::from_f64(photo_bytes.len() as f64)),
                ("saved_at_ms", JsValue::from_f64(3.0)),
                (
                    "bytes",
                    js_sys::Uint8Array::from(photo_bytes.as_slice()).into(),
                ),
            ]),
            None,
        )
        .await
        .unwrap();
    transaction
        .store("drafts")
        .unwrap()
        .add(
            &raw_record(&[
                ("id", JsValue::from_str("sangadi.moyag\naspirasi-warga")),
                ("owner", JsValue::from_str(&old_draft.owner)),
                ("form_id", JsValue::from_str(&old_draft.form_id)),
                ("village", JsValue::from_str(&old_draft.village)),
                (
                    "answers",
                    JsValue::from_str(&serde_json::to_string(&old_draft.answers).unwrap()),
                ),
                ("saved_at_ms", JsValue::from_f64(7.0)),
            ]),
            None,
        )
        .await
        .unwrap();
    transaction.done().await.unwrap();
    old.close();

    // The new code opens it: the upgrade to version 4 adds the stores of
    // pulled data and keeps every record.
    let upgraded = PhoneDb::open(name).await.unwrap();
    let entries = upgraded.outbox().await.unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|entry| (
                entry.report.clone(),
                entry.delivery.clone(),
                entry.saved_at_ms
            ))
            .collect::<Vec<_>>(),
        vec![
            (waiting.clone(), Delivery::Waiting, 1),
            (sent.clone(), Delivery::Sent, 2),
        ]
    );
    assert_eq!(
        upgraded.drafts_of("sangadi.moyag").await.unwrap(),
        vec![old_draft]
    );
    let photo = upgraded.photo(&photo_reference).await.unwrap().unwrap();
    assert_eq!(photo.bytes, photo_bytes);
    assert_eq!(
        upgraded.photo_references().await.unwrap(),
        vec![photo_reference]
    );
    assert_eq!(upgraded.pull_cursor().await.unwrap(), None);

    // The sync path reads it as before: the waiting report is what the next
    // push carries, byte for byte, and its answer is recorded.
    let push = next_push(
        entries
            .iter()
            .map(|entry| (&entry.report, &entry.delivery, None)),
    )
    .unwrap();
    assert_eq!(push.items.len(), 1);
    assert_eq!(push.items[0].report, waiting);
    assert_eq!(push.items[0].content_hash, waiting.content_hash());
    upgraded
        .record_deliveries(&[(waiting.id, Delivery::Sent)])
        .await
        .unwrap();
    assert!(
        upgraded
            .outbox()
            .await
            .unwrap()
            .iter()
            .all(|entry| entry.delivery == Delivery::Sent)
    );

    // And the new stores take a pulled page: review news with its cursor.
    let review = ReviewEvent {
        report_id: waiting.id,
        status: None,
        comment: Some("Mohon sebutkan nama jalannya.".into()),
        reviewer: "Petugas".into(),
        at_ms: 9,
    };
    let villages: Vec<_> = Gazetteer::kotamobagu()
        .villages()
        .take(2)
        .cloned()
        .collect();
    upgraded
        .keep_pulled(PulledPage {
            reviews: std::slice::from_ref(&review),
            forms: Some(&kabar_shared::form::builtin_forms()),
            villages: Some(&villages),
            approved: None,
            cursor: "c1",
        })
        .await
        .unwrap();
    assert_eq!(upgraded.pull_cursor().await.unwrap().as_deref(), Some("c1"));
    assert_eq!(
        upgraded.reviews().await.unwrap().get(&waiting.id),
        Some(&vec![review])
    );
    assert_eq!(upgraded.villages().await.unwrap(), villages);
    assert_eq!(
        upgraded
            .pulled_forms::<kabar_shared::form::FormDefinition>()
            .await
            .unwrap()
            .len(),
        kabar_shared::form::builtin_forms().len()
    );
    upgraded.close();
}

#[wasm_bindgen_test]
async fn a_pulled_page_merges_review_news_and_signing_out_forgets_only_the_users_pull() {
    use kabar_desa::storage::PulledPage;
    use kabar_shared::sync::ReviewEvent;
    let db = fresh_database("test-pulled").await;
    let saved = report(1, "Jalan rusak");
    db.save_report(&saved, 1, "sangadi").await.unwrap();
    let event = |at_ms: i64| ReviewEvent {
        report_id: saved.id,
        status: None,
        comment: Some(format!("Catatan {at_ms}")),
        reviewer: "Petugas".into(),
        at_ms,
    };
    let page = |reviews: &'static [i64], cursor: &'static str| PulledPage {
        reviews: Box::leak(
            reviews
                .iter()
                .map(|at| event(*at))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        ),
        forms: None,
        villages: None,
        approved: None,
        cursor,
    };
    db.keep_pulled(page(&[1], "c1")).await.unwrap();
    // A page pulled again (its cursor was lost) adds nothing twice.
    db.keep_pulled(page(&[1, 2], "c2")).await.unwrap();
    assert_eq!(
        db.reviews().await.unwrap().get(&saved.id),
        Some(&vec![event(1), event(2)])
    );
    assert_eq!(db.pull_cursor().await.unwrap().as_deref(), Some("c2"));

    // The last approved reports are replaced whole by a page that has them,
    // kept by one that does not.
    assert!(db.last_approved().await.unwrap().is_empty());
    let approved = vec![kabar_shared::sync::ApprovedReport {
        report_id: saved.id,
        form_id: "laporan-bulanan-kependudukan".into(),
        village: saved.village.clone(),
        period: kabar_shared::form::Period::new(2026, 9).unwrap(),
        answers: [("akhir_wni_l".to_owned(), serde_json::json!(1234))].into(),
    }];
    db.keep_pulled(PulledPage {
        approved: Some(&approved),
        ..page(&[], "c3")
    })
    .await
    .unwrap();
    db.keep_pulled(page(&[], "c4")).await.unwrap();
    assert_eq!(db.last_approved().await.unwrap(), approved);

    db.forget_user().await.unwrap();
    assert!(db.last_approved().await.unwrap().is_empty());
    assert!(db.reviews().await.unwrap().is_empty());
    assert_eq!(db.pull_cursor().await.unwrap(), None);
    assert_eq!(db.outbox().await.unwrap().len(), 1, "reports stay");
    db.close();
}

#[wasm_bindgen_test]
async fn the_sync_reads_only_the_users_waiting_reports_and_the_list_only_the_newest() {
    let db = fresh_database("test-indexes").await;
    let mut sangadi = Vec::new();
    for seed in 0..5 {
        let saved = report(seed, "Punya sangadi");
        db.save_report(&saved, i64::from(seed), "sangadi")
            .await
            .unwrap();
        sangadi.push(saved);
    }
    for seed in 10..12 {
        db.save_report(&report(seed, "Punya relawan"), 0, "kim")
            .await
            .unwrap();
    }
    db.record_deliveries(&[
        (sangadi[0].id, Delivery::Sent),
        (sangadi[3].id, Delivery::Sent),
    ])
    .await
    .unwrap();

    let waiting: Vec<_> = db
        .waiting_of("sangadi")
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.report.id)
        .collect();
    assert_eq!(waiting, vec![sangadi[1].id, sangadi[2].id, sangadi[4].id]);
    assert_eq!(db.count_waiting("sangadi").await.unwrap(), 3);
    assert_eq!(db.count_waiting("kim").await.unwrap(), 2);

    let (newest, more) = db.newest_of("sangadi", 2).await.unwrap();
    let newest: Vec<_> = newest.into_iter().map(|entry| entry.report.id).collect();
    assert_eq!(newest, vec![sangadi[3].id, sangadi[4].id], "oldest first");
    assert!(more);
    let (all, more) = db.newest_of("sangadi", 5).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(!more);
    db.close();
}
