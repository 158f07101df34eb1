//! The server's integration tests: each test spawns the real application on
//! port 0 with its own database and talks HTTP to it. Every test runs twice,
//! on SQLite and on PostgreSQL, and the photo tests a third time with the
//! photos in an S3 bucket (see `support` for how to run without PostgreSQL
//! or S3).

#[path = "api/support.rs"]
#[macro_use]
mod support;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/backup.rs"]
mod backup;
#[path = "api/hardening.rs"]
mod hardening;
#[path = "api/mail.rs"]
mod mail;
#[path = "api/photos.rs"]
mod photos;
#[path = "api/public.rs"]
mod public;
#[path = "api/pull.rs"]
mod pull;
#[path = "api/pusat.rs"]
mod pusat;
#[path = "api/pusat_admin_ui.rs"]
mod pusat_admin_ui;
#[path = "api/pusat_files.rs"]
mod pusat_files;
#[path = "api/reports.rs"]
mod reports;
#[path = "api/versions.rs"]
mod versions;

#[path = "api/smtp.rs"]
mod smtp;

use auth::*;
use backup::*;
use hardening::*;
use mail::*;
use photos::*;
use public::*;
use pull::*;
use pusat::*;
use pusat_admin_ui::*;
use pusat_files::*;
use reports::*;
use versions::*;

use kabar_shared::sync::{PushItem, PushOutcome, PushRequest, PushResponse};
use serde_json::{Value, json};
use support::{Backend, KOTOBANGUN, Who, report, spawn_app, spawn_app_on};

fn outcomes(response: &PushResponse) -> Vec<PushOutcome> {
    response
        .results
        .iter()
        .map(|result| result.outcome.clone())
        .collect()
}

on_both_backends! {
    health_answers_ok,
    pushed_reports_are_stored_and_listed,
    a_batch_replayed_twice_is_acknowledged_and_stored_once,
    a_changed_body_under_an_old_id_is_a_conflict_and_the_original_stays,
    one_invalid_item_is_rejected_and_the_rest_are_stored,
    concurrent_pushes_of_the_same_batch_store_it_once,
    two_servers_on_one_database_store_a_concurrent_batch_once,
    reports_survive_a_server_restart,
    bad_requests_are_refused_with_clear_codes_and_change_nothing,
    unknown_api_paths_are_json_404s_and_other_paths_get_the_app,
    login_sets_an_http_only_cookie_and_me_says_who_and_where,
    logout_ends_the_session_and_clears_the_cookie,
    a_user_changes_their_password_and_their_other_sessions_end,
    wrong_current_passwords_count_like_failed_logins,
    five_wrong_passwords_lock_the_account_for_fifteen_minutes,
    a_client_that_keeps_failing_is_throttled_whatever_the_username,
    behind_a_trusted_balancer_each_phone_is_throttled_on_its_own,
    disabled_users_and_revoked_sessions_lose_access_at_once,
    a_push_that_claims_another_village_or_device_is_refused_whole,
    every_scoped_endpoint_answers_200_403_or_401_by_village,
    a_report_is_complete_once_its_photos_arrive_and_a_retry_stores_one_copy,
    bad_photos_get_clear_answers_and_store_nothing,
    malformed_image_headers_get_4xx_and_the_server_keeps_answering,
    only_image_data_is_stored_and_huge_images_are_refused,
    the_pull_sends_forms_and_villages_once_then_only_reviews_page_by_page,
    the_pull_carries_the_villages_last_approved_monthly_report_and_its_figures,
    an_edit_replaces_a_report_sent_back_for_revision_but_not_an_approved_one,
    catalog_forms_are_validated_like_on_the_phone_and_unasked_answers_are_not_kept,
    compressed_requests_are_read_and_responses_compressed,
    the_audit_log_records_who_did_what_and_cannot_be_rewritten,
    the_openapi_document_lists_every_endpoint,
    the_report_list_pages_latest_arrivals_first_and_filters_by_village_and_status,
    thirty_parallel_guesses_get_at_most_five_passwords_checked,
    logins_beyond_the_hashing_slots_get_503_and_do_not_count,
    unknown_and_real_names_lock_alike,
    refused_attempts_count_toward_the_address_limit,
    overlong_usernames_are_refused_at_the_edge,
    old_login_failures_are_pruned,
    an_ipv6_client_is_throttled_by_its_slash_64,
    state_changing_requests_from_other_sites_are_refused,
    device_names_are_cleaned_on_input,
    responses_carry_the_security_headers,
    sessions_end_ninety_days_after_login_however_often_renewed,
    admin_sessions_come_a_page_at_a_time,
    stalled_clients_are_disconnected,
    connections_beyond_the_cap_wait_for_a_free_one,
    a_backup_restored_into_a_fresh_database_holds_every_report,
    a_volunteers_edit_of_the_heads_report_is_refused_and_changes_nothing,
    the_authors_edit_is_version_two_and_version_one_stays_readable,
    an_edit_of_a_returned_report_goes_back_to_received,
    a_second_monthly_report_for_the_same_month_is_refused,
    a_review_move_the_table_forbids_is_refused_and_changes_nothing,
    two_phones_filing_the_same_month_at_once_store_one_report,
    a_batch_answers_each_item_in_order_whatever_the_mix,
    a_batch_naming_one_id_twice_is_judged_as_two_pushes_in_a_row,
    the_inbox_filters_pages_and_counts_within_the_readers_scope,
    a_report_detail_shows_its_form_device_photos_and_review_history,
    the_completeness_grid_shows_on_time_late_missing_and_needs_revision,
    every_command_center_endpoint_answers_401_or_403_by_role_and_scope,
    bad_filter_values_get_a_clear_400_in_both_languages,
    the_command_center_is_served_under_pusat_with_its_own_page,
    exports_hold_the_filtered_reports_in_scope_and_are_audited,
    admins_manage_accounts_over_http_with_the_rules_of_the_command_line,
    // XLSX and repeat-group exports, and form versions published by admins.
    xlsx_and_repeat_group_exports_hold_the_reports_in_scope_and_are_audited,
    admins_publish_form_versions_that_phones_receive_and_bad_ones_change_nothing,
    // The Command Center's map and administration screens.
    the_map_shows_gps_reports_in_scope_and_names_its_tiles,
    only_the_command_center_may_load_map_tiles,
    the_audit_log_filters_by_actor_action_and_day,
}

/// The mail and public-feed tests (issue 11), against a real SMTP server.
mod issue_11 {
    use super::*;

    on_both_backends! {
        an_approval_mails_the_mayor_once_with_its_letter_and_photos,
        a_report_sent_back_before_its_mail_left_is_not_mailed,
        with_the_smtp_server_down_mail_waits_and_arrives_once_when_it_is_back,
        a_dead_mail_is_sent_again_when_an_admin_asks,
        photos_over_the_attachment_cap_are_left_out_with_a_note,
        a_mail_leased_by_a_server_that_died_is_sent_once_its_lease_ends,
        an_admin_changes_the_recipients_and_bad_addresses_change_nothing,
        two_servers_on_one_database_send_each_mail_once,
        an_urgent_incident_is_mailed_on_arrival_marked_unreviewed,
        the_digest_lists_villages_that_did_not_file_their_monthly_report,
        public_page_and_feeds_show_public_items_and_never_a_personal_field,
    }
}

with_photos_on_s3! {
    a_report_is_complete_once_its_photos_arrive_and_a_retry_stores_one_copy,
    bad_photos_get_clear_answers_and_store_nothing,
    a_photo_bucket_that_cannot_be_reached_stops_the_server_at_start,
}

async fn health_answers_ok(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn pushed_reports_are_stored_and_listed(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let first = report(1, "Jalan rusak", "Di dekat masjid");
    let second = report(2, "Banjir", "");
    let response = app
        .push_as(
            &head,
            vec![PushItem::new(first.clone()), PushItem::new(second.clone())],
        )
        .await;
    assert_eq!(
        outcomes(&response),
        vec![PushOutcome::Accepted, PushOutcome::Accepted]
    );

    // Newest first.
    let stored = app.stored_reports(&head).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["report"]["id"], first.id.to_string());
    assert_eq!(stored[1]["report"]["answers"]["title"], "Jalan rusak");
    assert_eq!(stored[1]["status"], "received");
    assert_eq!(stored[1]["submitted_by"], Who::Head.username());
    assert_eq!(stored[0]["content_hash"], second.content_hash().as_str());
}

async fn a_batch_replayed_twice_is_acknowledged_and_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let items = vec![
        PushItem::new(report(1, "Jalan rusak", "")),
        PushItem::new(report(2, "Banjir", "")),
    ];
    app.push_as(&head, items.clone()).await;
    let replay = app.push_as(&head, items).await;
    assert_eq!(
        outcomes(&replay),
        vec![PushOutcome::Duplicate, PushOutcome::Duplicate]
    );
    assert_eq!(app.stored_reports(&head).await.len(), 2);
}

async fn a_changed_body_under_an_old_id_is_a_conflict_and_the_original_stays(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let original = report(1, "Jalan rusak", "Di dekat masjid");
    app.push_as(&head, vec![PushItem::new(original.clone())])
        .await;

    let mut changed = original.clone();
    changed
        .answers
        .insert("body".into(), "Di dekat sekolah".into());
    let response = app.push_as(&head, vec![PushItem::new(changed)]).await;
    assert_eq!(outcomes(&response), vec![PushOutcome::Conflict]);

    let stored = app.stored_reports(&head).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["report"]["answers"]["body"], "Di dekat masjid");
}

async fn one_invalid_item_is_rejected_and_the_rest_are_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let mut invalid = report(1, "x", "");
    invalid.answers.insert("title".into(), "".into());
    let response = app
        .push_as(
            &head,
            vec![
                PushItem::new(invalid),
                PushItem::new(report(2, "Banjir", "")),
            ],
        )
        .await;
    let outcomes = outcomes(&response);
    assert!(matches!(&outcomes[0], PushOutcome::Rejected { errors } if errors[0].field == "title"));
    assert_eq!(outcomes[1], PushOutcome::Accepted);
    assert_eq!(app.stored_reports(&head).await.len(), 1);
}

/// Pushes the same 20-report batch four times at once through `apps` (in
/// turn) and checks each report was accepted exactly once and stored once.
async fn push_concurrently_and_check(apps: &[&support::TestApp], head: &support::Session) {
    let items: Vec<PushItem> = (1..=20)
        .map(|i| PushItem::new(report(i, "Laporan", "isi")))
        .collect();
    let pushes: Vec<_> = (0..4)
        .map(|i| {
            let app = apps[i % apps.len()];
            let request = PushRequest {
                protocol_version: 1,
                device_id: Some(head.device_id.clone()),
                items: items.clone(),
            };
            let builder = app.post(Some(head), "/api/v1/sync/push").json(&request);
            tokio::spawn(async move {
                let response = builder.send().await.unwrap();
                assert_eq!(response.status(), 200);
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
        assert!(responses.iter().all(|response| matches!(
            response.results[index].outcome,
            PushOutcome::Accepted | PushOutcome::Duplicate
        )));
    }
    assert_eq!(apps[0].stored_reports(head).await.len(), 20);
}

async fn concurrent_pushes_of_the_same_batch_store_it_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    push_concurrently_and_check(&[&app], &head).await;
}

async fn two_servers_on_one_database_store_a_concurrent_batch_once(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = spawn_app_on(first.dir.clone(), first.database.clone()).await;
    // One session works on both servers: sessions live in the database.
    let head = first.login_as(Who::Head).await;
    push_concurrently_and_check(&[&first, &second], &head).await;
    assert_eq!(second.stored_reports(&head).await.len(), 20);
}

async fn reports_survive_a_server_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    app.push_as(&head, vec![PushItem::new(report(1, "Jalan rusak", ""))])
        .await;
    let restarted = spawn_app_on(app.dir.clone(), app.database.clone()).await;
    assert_eq!(
        restarted.stored_reports(&head).await.len(),
        1,
        "the session survives too"
    );
    let replay = restarted
        .push_as(&head, vec![PushItem::new(report(1, "Jalan rusak", ""))])
        .await;
    assert_eq!(outcomes(&replay), vec![PushOutcome::Duplicate]);
}

/// Bad requests get a clear 4xx with a stable code and touch nothing stored.
async fn bad_requests_are_refused_with_clear_codes_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    app.push_as(&head, vec![PushItem::new(report(1, "Jalan rusak", ""))])
        .await;
    let valid = serde_json::to_value(PushRequest {
        protocol_version: 1,
        device_id: None,
        items: vec![PushItem::new(report(2, "Banjir", ""))],
    })
    .unwrap();

    let check = async |content_type: &str, body: Vec<u8>, status: u16, code: &str| {
        let response = app
            .post(Some(&head), "/api/v1/sync/push")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let got_status = response.status().as_u16();
        let got_body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (got_status, got_body["error"]["code"].as_str().unwrap_or("")),
            (status, code)
        );
        assert!(
            !got_body["error"]["message"].as_str().unwrap().is_empty(),
            "has an Indonesian message"
        );
        assert!(!got_body["error"]["message_en"].as_str().unwrap().is_empty());
    };

    let json = "application/json";
    check(json, b"{not json".to_vec(), 400, "bad_json").await;
    check(
        "text/plain",
        valid.to_string().into_bytes(),
        415,
        "not_json",
    )
    .await;
    let mut unknown_field = valid.clone();
    unknown_field["surprise"] = json!(true);
    check(
        json,
        unknown_field.to_string().into_bytes(),
        400,
        "bad_json",
    )
    .await;
    let mut unknown_item_field = valid.clone();
    unknown_item_field["items"][0]["surprise"] = json!(true);
    check(
        json,
        unknown_item_field.to_string().into_bytes(),
        400,
        "bad_json",
    )
    .await;
    let mut other_version = valid.clone();
    other_version["protocol_version"] = json!(99);
    check(
        json,
        other_version.to_string().into_bytes(),
        400,
        "unsupported_protocol_version",
    )
    .await;
    let mut huge = valid.clone();
    huge["items"][0]["report"]["answers"]["body"] = json!("x".repeat(3 * 1024 * 1024));
    check(json, huge.to_string().into_bytes(), 413, "too_large").await;
    let too_many: Vec<PushItem> = (0..101)
        .map(|i| PushItem::new(report(i, "Laporan", "")))
        .collect();
    let too_many = serde_json::to_vec(&PushRequest {
        protocol_version: 1,
        device_id: None,
        items: too_many,
    })
    .unwrap();
    check(json, too_many, 400, "batch_too_large").await;

    let stored = app.stored_reports(&head).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["report"]["answers"]["title"], "Jalan rusak");
}

async fn unknown_api_paths_are_json_404s_and_other_paths_get_the_app(backend: Backend) {
    let app = spawn_app(backend).await;
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
    let _ = KOTOBANGUN;
}
