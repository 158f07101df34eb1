//! Logins, sessions, throttling and who may do what.

use super::support::{
    Backend, KOTOBANGUN, MONGONDOW, PASSWORD, TUMUBUI, Who, report, report_in, spawn_app,
    spawn_app_with,
};
use kabar_server::Command;
use kabar_shared::sync::{PushItem, PushRequest};
use serde_json::{Value, json};

pub async fn login_sets_an_http_only_cookie_and_me_says_who_and_where(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let cookie = &head.set_cookie;
    assert!(cookie.starts_with("kabar_session="), "{cookie}");
    let token = head.cookie.trim_start_matches("kabar_session=");
    assert_eq!(token.len(), 64, "256 random bits in hex");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api",
        "Max-Age=2592000",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let me: Value = app.get_json(Some(&head), "/api/v1/auth/me").await;
    assert_eq!(me["username"], Who::Head.username());
    assert_eq!(me["role"], "village_head");
    assert_eq!(me["scope"], json!({"kind": "village", "code": KOTOBANGUN}));
    assert_eq!(me["device_id"], head.device_id);

    let response = app.get(None, "/api/v1/auth/me").send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
}

pub async fn logout_ends_the_session_and_clears_the_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let response = app
        .post(Some(&head), "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let cleared = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let after = app
        .get(Some(&head), "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401);
}

pub async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user(Who::Head).await;
    for _ in 0..5 {
        let (status, body) = app
            .login(Who::Head.username(), "salah-kata-sandi", "device-0001")
            .await
            .unwrap_err();
        assert_eq!(
            (status, body["error"]["code"].as_str().unwrap()),
            (401, "invalid_credentials")
        );
    }
    // Now even the right password is refused, without being checked.
    let (status, body) = app
        .login(Who::Head.username(), PASSWORD, "device-0001")
        .await
        .unwrap_err();
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (429, "account_locked")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 menit")
    );
    // Another account from the same client is not affected.
    app.login_as(Who::Kim).await;
    // An admin's password reset lifts the lock.
    app.admin_command(
        Command::UserResetPassword {
            username: Who::Head.username().into(),
        },
        "kata-sandi-baru-panjang\n",
    )
    .await
    .unwrap();
    app.login(
        Who::Head.username(),
        "kata-sandi-baru-panjang",
        "device-0001",
    )
    .await
    .unwrap();
}

pub async fn a_client_that_keeps_failing_is_throttled_whatever_the_username(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..20 {
        // No proxy is trusted, so a forged X-Forwarded-For changes nothing.
        let forged = format!("198.51.100.{i}");
        let (status, _) = app
            .login_forwarded_for(
                Some(&forged),
                &format!("tidak-ada-{i}"),
                "salah-kata-sandi",
                "device-0001",
            )
            .await
            .unwrap_err();
        assert_eq!(status, 401);
    }
    app.create_user(Who::Head).await;
    let (status, body) = app
        .login(Who::Head.username(), PASSWORD, "device-0001")
        .await
        .unwrap_err();
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (429, "too_many_attempts")
    );
}

pub async fn disabled_users_and_revoked_sessions_lose_access_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let kim = app.login_as(Who::Kim).await;
    let admin = app.login_as(Who::Admin).await;

    // An admin revokes the volunteer's phone over HTTP.
    let sessions: Value = app.get_json(Some(&admin), "/api/v1/admin/sessions").await;
    let kim_session = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["username"] == Who::Kim.username())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .post(
            Some(&admin),
            &format!("/api/v1/admin/sessions/{kim_session}/revoke"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        app.get(Some(&kim), "/api/v1/auth/me")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Only admins see sessions.
    assert_eq!(
        app.get(Some(&head), "/api/v1/admin/sessions")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // The command line disables the head: the live session stops working and
    // logging in again is refused.
    let output = app
        .admin_command(
            Command::UserDisable {
                username: Who::Head.username().into(),
            },
            "",
        )
        .await
        .unwrap();
    assert!(output.contains("1 session(s) ended"), "{output}");
    assert_eq!(
        app.get(Some(&head), "/api/v1/auth/me")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let (status, body) = app
        .login(Who::Head.username(), PASSWORD, "device-0002")
        .await
        .unwrap_err();
    assert_eq!(
        (status, body["error"]["code"].as_str().unwrap()),
        (403, "account_disabled")
    );

    let listing = app
        .admin_command(Command::SessionList { username: None }, "")
        .await
        .unwrap();
    assert!(listing.contains("revoked"), "{listing}");
    let users = app.admin_command(Command::UserList, "").await.unwrap();
    assert!(
        users.contains(&format!(
            "{}\tvillage_head\t{KOTOBANGUN}\tdisabled",
            Who::Head.username()
        )),
        "{users}"
    );
}

pub async fn a_push_that_claims_another_village_or_device_is_refused_whole(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let reviewer = app.login_as(Who::ChiefReviewer).await;
    let push = async |session: &super::support::Session, device: &str, items: Vec<PushItem>| {
        let request = PushRequest {
            protocol_version: 1,
            device_id: Some(device.into()),
            items,
        };
        let response = app
            .post(Some(session), "/api/v1/sync/push")
            .json(&request)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        (
            status,
            body["error"]["code"].as_str().unwrap_or("").to_owned(),
        )
    };
    let own = PushItem::new(report(1, "Jalan rusak", ""));
    let neighbour = PushItem::new(report_in(TUMUBUI, 2, "Banjir", ""));
    assert_eq!(
        push(&head, &head.device_id, vec![own.clone(), neighbour]).await,
        (403, "forbidden_village".into())
    );
    assert_eq!(
        push(&head, "device-someone-else", vec![own.clone()]).await,
        (403, "device_mismatch".into())
    );
    assert_eq!(
        push(&reviewer, &reviewer.device_id, vec![own.clone()]).await,
        (403, "forbidden".into())
    );
    assert_eq!(
        app.stored_reports(&reviewer).await.len(),
        0,
        "nothing stored"
    );
    assert_eq!(push(&head, &head.device_id, vec![own]).await.0, 200);
}

/// Every endpoint that takes an id or a village, tried as the right village,
/// a village in the same kecamatan, a village in another kecamatan, and
/// without a session (OWASP API1).
pub async fn every_scoped_endpoint_answers_200_403_or_401_by_village(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let neighbour = app.login_as(Who::NeighbourHead).await;
    let far = app.login_as(Who::FarHead).await;
    let reviewer = app.login_as(Who::Reviewer).await;
    let far_reviewer = app.login_as(Who::FarReviewer).await;
    let photo = super::photos::tiny_png();
    let hash = kabar_shared::ContentHash::of_bytes(&photo);
    let with_photo = super::photos::report_with_photos(KOTOBANGUN, 1, &[&hash]);
    let id = with_photo.id;
    // Aspirations are filed by KIM volunteers; their village head reads them.
    let kim = app.login_as(Who::Kim).await;
    app.push_as(&kim, vec![PushItem::new(with_photo)]).await;
    let upload = app
        .put(Some(&kim), &format!("/api/v1/photos/{}", hash.as_str()))
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 201);

    let status =
        async |request: reqwest::RequestBuilder| request.send().await.unwrap().status().as_u16();
    let report_path = format!("/api/v1/reports/{id}");
    let photo_path = format!("/api/v1/photos/{}", hash.as_str());
    let village_list = format!("/api/v1/reports?village={KOTOBANGUN}");
    let review = json!({"comment": "Terima kasih"});

    // (who, expected status) for each endpoint; None is no session.
    struct Case<'a> {
        name: &'a str,
        right: u16,
        same_kecamatan: u16,
        other_kecamatan: u16,
    }
    let cases = [
        Case {
            name: "GET report",
            right: 200,
            same_kecamatan: 403,
            other_kecamatan: 403,
        },
        Case {
            name: "GET photo",
            right: 200,
            same_kecamatan: 403,
            other_kecamatan: 403,
        },
        Case {
            name: "GET reports?village",
            right: 200,
            same_kecamatan: 403,
            other_kecamatan: 403,
        },
        Case {
            name: "PUT photo",
            right: 200,
            same_kecamatan: 403,
            other_kecamatan: 403,
        },
    ];
    for case in &cases {
        let request = |session: Option<&super::support::Session>| match case.name {
            "GET report" => app.get(session, &report_path),
            "GET photo" => app.get(session, &photo_path),
            "GET reports?village" => app.get(session, &village_list),
            "PUT photo" => app.put(session, &photo_path).body(photo.clone()),
            _ => unreachable!(),
        };
        assert_eq!(
            status(request(Some(&head))).await,
            case.right,
            "{} as the village",
            case.name
        );
        assert_eq!(
            status(request(Some(&neighbour))).await,
            case.same_kecamatan,
            "{} as the neighbour",
            case.name
        );
        assert_eq!(
            status(request(Some(&far))).await,
            case.other_kecamatan,
            "{} as another kecamatan",
            case.name
        );
        assert_eq!(
            status(request(None)).await,
            401,
            "{} without a session",
            case.name
        );
    }
    // Reviewers: their kecamatan yes, another kecamatan no.
    for (path, name) in [
        (&report_path, "report"),
        (&photo_path, "photo"),
        (&village_list, "list"),
    ] {
        assert_eq!(
            status(app.get(Some(&reviewer), path)).await,
            200,
            "{name} as the kecamatan's reviewer"
        );
        assert_eq!(
            status(app.get(Some(&far_reviewer), path)).await,
            403,
            "{name} as another kecamatan's reviewer"
        );
    }
    let review_path = format!("{report_path}/review");
    assert_eq!(
        status(app.post(Some(&reviewer), &review_path).json(&review)).await,
        200
    );
    assert_eq!(
        status(app.post(Some(&far_reviewer), &review_path).json(&review)).await,
        403
    );
    assert_eq!(
        status(app.post(Some(&head), &review_path).json(&review)).await,
        403,
        "reporters do not review"
    );
    assert_eq!(
        status(app.post(None, &review_path).json(&review)).await,
        401
    );
    // Unscoped lists only show what the reader may see.
    assert_eq!(app.stored_reports(&far).await.len(), 0);
    assert_eq!(app.stored_reports(&far_reviewer).await.len(), 0);
    assert_eq!(app.stored_reports(&reviewer).await.len(), 1);
    assert_eq!(status(app.get(None, "/api/v1/reports")).await, 401);
    assert_eq!(status(app.get(None, "/api/v1/sync/pull")).await, 401);
    assert_eq!(
        status(app.post(None, "/api/v1/sync/push").json(&json!({}))).await,
        401
    );
    let _ = MONGONDOW;
}

pub async fn behind_a_trusted_balancer_each_phone_is_throttled_on_its_own(backend: Backend) {
    let first = spawn_app(backend).await;
    let app = spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.create_user(Who::Head).await;
    let guesser = "203.0.113.7";
    for i in 0..20 {
        let (status, _) = app
            .login_forwarded_for(
                Some(guesser),
                &format!("tidak-ada-{i}"),
                "salah",
                "device-0001",
            )
            .await
            .unwrap_err();
        assert_eq!(status, 401);
    }
    let (status, _) = app
        .login_forwarded_for(Some(guesser), Who::Head.username(), PASSWORD, "device-0001")
        .await
        .unwrap_err();
    assert_eq!(status, 429, "the guesser is throttled");
    // Another phone behind the same balancer logs in; so does one whose
    // own forged header names the guesser, since the balancer's hop wins.
    for forwarded in ["198.51.100.9", "203.0.113.7, 198.51.100.10"] {
        app.login_forwarded_for(
            Some(forwarded),
            Who::Head.username(),
            PASSWORD,
            "device-0002",
        )
        .await
        .unwrap_or_else(|(status, body)| panic!("{forwarded}: {status} {body}"));
    }
    let audit = app.store.audit_log(100).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|entry| entry.action == "login"
                && entry.client.as_deref() == Some("198.51.100.9")),
        "the audit log names the phone, not the balancer"
    );
}

pub async fn a_user_changes_their_password_and_their_other_sessions_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.login_as(Who::Head).await;
    let other_phone = app
        .login(Who::Head.username(), PASSWORD, "device-other-1")
        .await
        .unwrap();
    let change = |current: &str, new: &str| {
        app.post(Some(&phone), "/api/v1/auth/password")
            .json(&json!({ "current_password": current, "new_password": new }))
            .send()
    };

    // A wrong current password changes nothing and keeps the phone signed in
    // (403, never the 401 that would sign it out).
    let wrong = change("bukan-sandi-lama", "sandi-baru-yang-panjang")
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "wrong_password");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Kata sandi lama salah")
    );
    // A new password under the shared rules' minimum changes nothing either.
    let weak = change(PASSWORD, "pendek").await.unwrap();
    assert_eq!(weak.status(), 422);
    let body: Value = weak.json().await.unwrap();
    assert_eq!(body["error"]["code"], "weak_password");
    assert!(
        body["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("at least")
    );
    assert!(
        app.login(Who::Head.username(), PASSWORD, "device-check-1")
            .await
            .is_ok(),
        "the old password still works"
    );

    let changed = change(PASSWORD, "sandi-baru-yang-panjang").await.unwrap();
    assert_eq!(changed.status(), 204);
    let me = app
        .get(Some(&phone), "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        200,
        "the phone that changed it stays signed in"
    );
    let elsewhere = app
        .get(Some(&other_phone), "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 401, "every other session ended");
    let (status, _) = app
        .login(Who::Head.username(), PASSWORD, "device-check-2")
        .await
        .unwrap_err();
    assert_eq!(status, 401, "the old password no longer works");
    assert!(
        app.login(
            Who::Head.username(),
            "sandi-baru-yang-panjang",
            "device-check-3"
        )
        .await
        .is_ok()
    );

    // Without a session there is nothing to change.
    let anonymous = app
        .post(None, "/api/v1/auth/password")
        .json(&json!({ "current_password": PASSWORD, "new_password": "sandi-baru-lagi-123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

pub async fn wrong_current_passwords_count_like_failed_logins(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = app.login_as(Who::Head).await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        let response = app
            .post(Some(&phone), "/api/v1/auth/password")
            .json(&json!({ "current_password": "tebakan-salah", "new_password": "sandi-baru-yang-panjang" }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        codes.push((status, body["error"]["code"].as_str().unwrap().to_owned()));
    }
    assert_eq!(codes[0], (403, "wrong_password".to_owned()));
    assert_eq!(
        codes.last().unwrap(),
        &(429, "account_locked".to_owned()),
        "{codes:?}"
    );
}
