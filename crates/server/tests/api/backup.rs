//! The backup drill: fill a database, back it up while the server runs,
//! restore into a fresh database, and compare every report.

use super::support::{Backend, TestDatabase, Who, report, spawn_app, spawn_app_with};
use kabar_server::Command;
use kabar_shared::sync::PushItem;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Every report as the all-villages reviewer sees it, page by page: its id,
/// its content hash and the SHA-256 of everything the server says of it.
async fn every_report(
    app: &super::support::TestApp,
    session: &super::support::Session,
) -> Vec<(String, String, String)> {
    let mut reports = Vec::new();
    let mut path = "/api/v1/reports?limit=7".to_owned();
    loop {
        let page: Value = app.get_json(Some(session), &path).await;
        for entry in page["reports"].as_array().unwrap() {
            let id = entry["report"]["id"].as_str().unwrap().to_owned();
            let full: Value = app
                .get_json(Some(session), &format!("/api/v1/reports/{id}"))
                .await;
            let digest = Sha256::digest(full.to_string().as_bytes());
            reports.push((
                id,
                entry["content_hash"].as_str().unwrap().to_owned(),
                format!("{digest:x}"),
            ));
        }
        match page["next_before"].as_str() {
            Some(next) => path = format!("/api/v1/reports?limit=7&before={next}"),
            None => break,
        }
    }
    reports.sort();
    reports
}

pub async fn a_backup_restored_into_a_fresh_database_holds_every_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let chief = app.login_as(Who::ChiefReviewer).await;
    let items: Vec<PushItem> = (1..=40)
        .map(|i| PushItem::new(report(i, &format!("Laporan {i}"), "Jalan rusak di dusun")))
        .collect();
    for batch in items.chunks(15) {
        app.push_as(&head, batch.to_vec()).await;
    }
    let before = every_report(&app, &chief).await;
    assert_eq!(before.len(), 40);
    let users_before = app.admin_command(Command::UserList, "").await.unwrap();
    let audit_before = app.store.audit_log(100_000).await.unwrap().len();

    // Online: the server keeps running and answering while it is copied.
    let file = app.dir.path().join("backups/kabar.backup");
    let said = kabar_server::backup::backup(&app.database.database, &file)
        .await
        .unwrap();
    assert!(said.contains("backed up"), "{said}");
    assert!(
        kabar_server::backup::backup(&app.database.database, &file)
            .await
            .is_err(),
        "a backup never overwrites a file"
    );
    // Written after the backup: not in it.
    app.push_as(&head, vec![PushItem::new(report(99, "Sesudah", ""))])
        .await;

    let dir = Arc::new(tempfile::tempdir().unwrap());
    let fresh = TestDatabase::fresh(backend, &dir).await;
    kabar_server::backup::restore(&fresh.database, &file)
        .await
        .unwrap();
    assert!(
        kabar_server::backup::restore(&fresh.database, &file)
            .await
            .is_err(),
        "a restore never goes into a database in use"
    );
    let restored = spawn_app_with(dir, Arc::new(fresh), |_| {}).await;
    assert_eq!(
        restored.store.audit_log(100_000).await.unwrap().len(),
        audit_before
    );
    assert_eq!(
        restored.admin_command(Command::UserList, "").await.unwrap(),
        users_before
    );
    // Sessions came along: the same cookie works on the restored server.
    let after = every_report(&restored, &chief).await;
    assert_eq!(after, before, "every report, byte for byte");
}
