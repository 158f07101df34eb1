//! The hardening issue's server findings, each as a scenario that failed on
//! the code before the fix: login as a lever, throttling and audit floods,
//! stalled clients, cross-site requests, headers, session lifetime.

use super::support::{Backend, PASSWORD, Session, TestApp, Who, spawn_app, spawn_app_with};
use kabar_server::Command;
use kabar_server::store::{LoginLimits, LoginReservation};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server that believes the loopback balancer's `X-Forwarded-For`, so a
/// test can speak from many addresses.
async fn behind_balancer(
    backend: Backend,
    adjust: impl FnOnce(&mut kabar_server::Settings),
) -> TestApp {
    let first = spawn_app(backend).await;
    spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        adjust(settings);
    })
    .await
}

/// A login's status, error code and `Retry-After`.
async fn attempt(
    app: &TestApp,
    from: &str,
    username: &str,
    password: &str,
) -> (u16, String, Option<i64>) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({
            "username": username,
            "password": password,
            "device_id": "device-0001",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
        retry_after,
    )
}

fn tally(
    answers: &[(u16, String, Option<i64>)],
) -> std::collections::BTreeMap<(u16, String), usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (status, code, _) in answers {
        *counts.entry((*status, code.clone())).or_default() += 1;
    }
    counts
}

/// Finding 2: thirty guesses at once all had their password checked,
/// because the limits were read before any failure was recorded.
pub async fn thirty_parallel_guesses_get_at_most_five_passwords_checked(backend: Backend) {
    let app = behind_balancer(backend, |_| {}).await;
    app.create_user(Who::Head).await;
    for name in [Who::Head.username(), "tidak.ada.orangnya"] {
        let guesses: Vec<_> = (0..30)
            .map(|i| {
                let app_client = app.client.clone();
                let url = app.url("/api/v1/auth/login");
                let name = name.to_owned();
                tokio::spawn(async move {
                    let response = app_client
                        .post(url)
                        .header("x-forwarded-for", format!("198.51.100.{i}"))
                        .json(&json!({
                            "username": name,
                            "password": "salah-kata-sandi",
                            "device_id": "device-0001",
                        }))
                        .send()
                        .await
                        .unwrap();
                    let status = response.status().as_u16();
                    let body: Value = response.json().await.unwrap();
                    (
                        status,
                        body["error"]["code"].as_str().unwrap().to_owned(),
                        None,
                    )
                })
            })
            .collect();
        let mut answers = Vec::new();
        for guess in guesses {
            answers.push(guess.await.unwrap());
        }
        let counts = tally(&answers);
        assert_eq!(
            counts.get(&(401, "invalid_credentials".into())),
            Some(&5),
            "{name}: {counts:?}"
        );
        assert_eq!(
            counts.get(&(429, "account_locked".into())),
            Some(&25),
            "{name}: {counts:?}"
        );
    }
    // The right password is not even checked now.
    let (status, code, _) = attempt(&app, "198.51.100.200", Who::Head.username(), PASSWORD).await;
    assert_eq!((status, code.as_str()), (429, "account_locked"));
}

/// Finding 2: password hashing is bounded; a login that cannot get a slot
/// in time gets 503 with Retry-After, and that attempt does not count.
pub async fn logins_beyond_the_hashing_slots_get_503_and_do_not_count(backend: Backend) {
    let app = behind_balancer(backend, |settings| {
        settings.login_hash_slots = 1;
        settings.login_queue_timeout = Duration::from_millis(1);
    })
    .await;
    app.create_user(Who::Head).await;
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let app_client = app.client.clone();
            let url = app.url("/api/v1/auth/login");
            tokio::spawn(async move {
                let response = app_client
                    .post(url)
                    .header("x-forwarded-for", format!("203.0.113.{i}"))
                    .json(&json!({
                        "username": format!("nama-{i}"),
                        "password": "salah-kata-sandi",
                        "device_id": "device-0001",
                    }))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").cloned();
                let body: Value = response.json().await.unwrap();
                (
                    status,
                    body["error"]["code"].as_str().unwrap().to_owned(),
                    retry_after,
                )
            })
        })
        .collect();
    let mut busy = 0;
    for guess in guesses {
        let (status, code, retry_after) = guess.await.unwrap();
        match status {
            401 => assert_eq!(code, "invalid_credentials"),
            503 => {
                assert_eq!(code, "busy");
                assert!(retry_after.is_some(), "503 says when to come back");
                busy += 1;
            }
            other => panic!("unexpected {other} {code}"),
        }
    }
    assert!(
        busy > 0,
        "one slot and no waiting: some logins are turned away"
    );
    let rows = app.store.login_failure_rows().await.unwrap();
    assert_eq!(
        rows,
        12 - busy as i64,
        "turned-away attempts are not recorded"
    );
    // With the slot free, a real login works.
    app.login(Who::Head.username(), PASSWORD, "device-0002")
        .await
        .unwrap();
}

/// Finding 3: an unknown name never locked, a real one did, which told an
/// outsider which names exist. Now their answers are the same.
pub async fn unknown_and_real_names_lock_alike(backend: Backend) {
    let app = behind_balancer(backend, |_| {}).await;
    app.create_user(Who::Head).await;
    let mut transcripts = Vec::new();
    for (index, name) in [Who::Head.username(), "lurah.tidakada"].iter().enumerate() {
        let mut transcript = Vec::new();
        for i in 0..7 {
            let from = format!("192.0.2.{}", index * 10 + i);
            let (status, code, retry_after) = attempt(&app, &from, name, "salah-kata-sandi").await;
            // Retry-After differs by the time the requests took, not more.
            transcript.push((status, code, retry_after.map(|s| s / 60)));
        }
        transcripts.push(transcript);
    }
    assert_eq!(transcripts[0], transcripts[1]);
    assert_eq!(transcripts[0][4].0, 401);
    assert_eq!(transcripts[0][5].0, 429);
    assert_eq!(transcripts[0][5].1, "account_locked");
}

/// Finding 3: attempts on a locked name did not count toward the address's
/// limit, so one address could keep trying (and writing audit rows) for
/// ever.
pub async fn refused_attempts_count_toward_the_address_limit(backend: Backend) {
    let app = behind_balancer(backend, |_| {}).await;
    app.create_user(Who::Head).await;
    let guesser = "203.0.113.50";
    let mut codes = Vec::new();
    for _ in 0..21 {
        let (status, code, _) = attempt(&app, guesser, Who::Head.username(), "salah").await;
        codes.push((status, code));
    }
    assert!(
        codes[..5].iter().all(|(status, _)| *status == 401),
        "{codes:?}"
    );
    assert!(
        codes[5..20]
            .iter()
            .all(|(_, code)| code == "account_locked"),
        "{codes:?}"
    );
    assert_eq!(codes[20], (429, "too_many_attempts".into()));
    // Any name from that address is refused now; the head elsewhere too
    // (the name is locked), but another name from elsewhere is fine.
    let (_, code, _) = attempt(&app, guesser, "nama.lain", "salah").await;
    assert_eq!(code, "too_many_attempts");
    app.create_user(Who::Kim).await;
    let (status, _, _) = attempt(&app, "198.51.100.77", Who::Kim.username(), PASSWORD).await;
    assert_eq!(status, 200);

    // The flood left two coalesced audit rows for this address, not twenty.
    let audit = app.store.audit_log(1000).await.unwrap();
    let from_guesser: Vec<_> = audit
        .iter()
        .filter(|entry| entry.client.as_deref() == Some(guesser))
        .map(|entry| (entry.action.as_str(), entry.repeats))
        .collect();
    let count = |action: &str| {
        from_guesser
            .iter()
            .filter(|(a, _)| *a == action)
            .map(|(_, repeats)| *repeats)
            .collect::<Vec<_>>()
    };
    assert_eq!(count("login_failed"), vec![5], "{from_guesser:?}");
    assert_eq!(count("login_refused_locked"), vec![15], "{from_guesser:?}");
    assert_eq!(
        count("login_refused_throttled"),
        vec![2],
        "{from_guesser:?}"
    );
    assert_eq!(count("account_locked"), vec![1], "{from_guesser:?}");
}

/// Finding 3: a username of any length was stored as a throttle key.
pub async fn overlong_usernames_are_refused_at_the_edge(backend: Backend) {
    let app = spawn_app(backend).await;
    for name in ["x".repeat(65), "é".repeat(65), "y".repeat(1_000_000)] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": name, "password": "salah", "device_id": "device-0001"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_request");
        assert!(body["error"]["detail"].as_str().unwrap().contains("64"));
    }
    assert_eq!(app.store.login_failure_rows().await.unwrap(), 0);
    assert!(app.store.audit_log(10).await.unwrap().is_empty());
    // 64 characters are still an ordinary wrong login.
    let (status, _) = app
        .login(&"z".repeat(64), "salah", "device-0001")
        .await
        .unwrap_err();
    assert_eq!(status, 401);
}

/// Finding 3: failure rows were never pruned. Rows older than the window
/// go when the next attempt is reserved.
pub async fn old_login_failures_are_pruned(backend: Backend) {
    let app = spawn_app(backend).await;
    let limits = LoginLimits {
        window_ms: 1000,
        per_name: 5,
        per_client: 20,
    };
    let start = 1_800_000_000_000;
    for i in 0..50 {
        let granted = app
            .store
            .reserve_login_attempt(&format!("nama-{i}"), "192.0.2.1", 0, start + i, limits)
            .await
            .unwrap();
        assert!(
            matches!(
                granted,
                LoginReservation::Granted { .. } | LoginReservation::ClientThrottled { .. }
            ),
            "{granted:?}"
        );
    }
    assert_eq!(app.store.login_failure_rows().await.unwrap(), 50);
    app.store
        .reserve_login_attempt("nama-baru", "192.0.2.2", 0, start + 5000, limits)
        .await
        .unwrap();
    assert_eq!(app.store.login_failure_rows().await.unwrap(), 1);
}

/// Finding 7: the per-address limit counts an IPv6 client by its /64.
pub async fn an_ipv6_client_is_throttled_by_its_slash_64(backend: Backend) {
    let app = behind_balancer(backend, |_| {}).await;
    for i in 0..20 {
        let from = format!("2001:db8:1:2::{:x}", i + 1);
        let (status, _, _) = attempt(&app, &from, &format!("nama-{i}"), "salah").await;
        assert_eq!(status, 401);
    }
    let (status, code, _) = attempt(&app, "2001:db8:1:2:ffff::1", "nama-lain", "salah").await;
    assert_eq!((status, code.as_str()), (429, "too_many_attempts"));
    let (status, _, _) = attempt(&app, "2001:db8:1:3::1", "nama-lain", "salah").await;
    assert_eq!(status, 401, "the next /64 is someone else");
}

/// Finding 7: bodyless state-changing requests (logout, session revoke)
/// accepted any Origin.
pub async fn state_changing_requests_from_other_sites_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let admin = app.login_as(Who::Admin).await;
    let me = |session: &Session| app.get(Some(session), "/api/v1/auth/me").send();
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("origin", "null"),
    ] {
        let logout = app
            .post(Some(&head), "/api/v1/auth/logout")
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), 403, "{name}: {value}");
        let body: Value = logout.json().await.unwrap();
        assert_eq!(body["error"]["code"], "cross_origin");
        let sessions: Value = app.get_json(Some(&admin), "/api/v1/admin/sessions").await;
        let id = sessions["sessions"][0]["id"].as_str().unwrap().to_owned();
        let revoke = app
            .post(Some(&admin), &format!("/api/v1/admin/sessions/{id}/revoke"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(revoke.status(), 403, "revoke with {name}: {value}");
        assert_eq!(me(&head).await.unwrap().status(), 200, "still logged in");
    }
    let host = app.address.trim_start_matches("http://").to_owned();
    let logout = app
        .post(Some(&head), "/api/v1/auth/logout")
        .header("origin", format!("http://{host}"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204, "the app's own origin may");
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"username": Who::Kim.username(), "password": PASSWORD, "device_id": "device-0001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403, "no login from another site either");
}

/// Finding 7: a device name was printed raw to the admin's terminal.
pub async fn device_names_are_cleaned_on_input(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user(Who::Head).await;
    let name = format!(
        "\u{1b}[2J\u{1b}]0;pwned\u{7}Samsung\u{202E}\u{0}  A05\r\n{}",
        "x".repeat(200)
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({
            "username": Who::Head.username(),
            "password": PASSWORD,
            "device_id": "device-0001",
            "device_name": name,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let listing = app
        .admin_command(Command::SessionList { username: None }, "")
        .await
        .unwrap();
    assert!(!listing.contains('\u{1b}'), "{listing:?}");
    assert!(!listing.contains('\u{202E}'));
    assert!(!listing.contains('\u{7}'));
    let sessions = app.store.sessions(None).await.unwrap();
    let stored = &sessions[0].device_name;
    assert!(
        stored.starts_with("[2J]0;pwnedSamsung A05 xxx"),
        "{stored:?}"
    );
    assert_eq!(stored.chars().count(), 64);
}

/// Finding 7: no nosniff, no CSP, framing allowed.
pub async fn responses_carry_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let script = "navigator.serviceWorker.register(\"/sw.js\");";
    std::fs::write(
        app.dir.path().join("dist/index.html"),
        format!("<!doctype html><title>Kabar Desa</title><script>{script}</script>"),
    )
    .unwrap();
    let api = app.client.get(app.url("/api/health")).send().await.unwrap();
    let page = app
        .client
        .get(app.url("/laporan/baru"))
        .send()
        .await
        .unwrap();
    let missing = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    for response in [&api, &page, &missing] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    }
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{policy}"
    );
    assert!(policy.contains("object-src 'none'"), "{policy}");
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    // The Command Center's page has an app shell's policy of its own, not
    // the API's `default-src 'none'` that would stop it from starting.
    let pusat = app.client.get(app.url("/pusat/")).send().await.unwrap();
    let policy = pusat.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{policy}"
    );
}

/// Finding 7: sessions slid for ever; now they end 90 days after login.
pub async fn sessions_end_ninety_days_after_login_however_often_renewed(backend: Backend) {
    let app = spawn_app(backend).await;
    let head = app.login_as(Who::Head).await;
    let kim = app.login_as(Who::Kim).await;
    let day = 24 * 60 * 60 * 1000i64;
    let now = kabar_server::store::now_ms();
    // The head logged in 89 days ago and was last renewed a while back;
    // the volunteer logged in 91 days ago and kept syncing.
    set_session_times(&app, Who::Head, now - 89 * day, now + 60 * 60 * 1000).await;
    set_session_times(&app, Who::Kim, now - 91 * day, now + 29 * day).await;
    let response = app
        .get(Some(&head), "/api/v1/auth/me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let max_age: i64 = cookie
        .split("Max-Age=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (day / 1000 - 120..=day / 1000).contains(&max_age),
        "renewed only up to day 90: {cookie}"
    );
    assert_eq!(
        app.get(Some(&kim), "/api/v1/auth/me")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

async fn set_session_times(app: &TestApp, who: Who, created_at_ms: i64, expires_at_ms: i64) {
    let url = match &app.database.database {
        kabar_server::Database::Sqlite(path) => format!("sqlite://{}", path.display()),
        kabar_server::Database::Postgres(url) => url.clone(),
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query(
        "UPDATE sessions SET created_at_ms = $1, expires_at_ms = $2
         WHERE user_id = (SELECT id FROM users WHERE username = $3)",
    )
    .bind(created_at_ms)
    .bind(expires_at_ms)
    .bind(who.username())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

/// Finding 7: `/admin/sessions` listed every session ever in one answer.
pub async fn admin_sessions_come_a_page_at_a_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login_as(Who::Admin).await;
    app.create_user(Who::Head).await;
    for i in 0..6 {
        app.login(Who::Head.username(), PASSWORD, &format!("device-{i:04}"))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/sessions?limit=3".to_owned();
    loop {
        let page: Value = app.get_json(Some(&admin), &path).await;
        let sessions = page["sessions"].as_array().unwrap();
        assert!(sessions.len() <= 3);
        seen.extend(
            sessions
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/admin/sessions?limit=3&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 7, "no session twice");
    for bad in ["?limit=0", "?limit=501", "?after=nonsense", "?after=1.zz"] {
        let response = app
            .get(Some(&admin), &format!("/api/v1/admin/sessions{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }
}

/// Reads from a raw connection until the server closes it, or gives up.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let remaining = limit.checked_sub(start.elapsed())?;
        match tokio::time::timeout(remaining, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some((start.elapsed(), received)),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

/// Finding 5: a half-sent header or body held a connection for ever.
pub async fn stalled_clients_are_disconnected(backend: Backend) {
    let first = spawn_app(backend).await;
    let app = spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
        settings.header_timeout = Duration::from_millis(800);
        settings.body_timeout = Duration::from_millis(800);
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();

    let mut half_header = TcpStream::connect(&address).await.unwrap();
    half_header
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: kabar\r\nX-Slow: ")
        .await
        .unwrap();
    let (after, _) = closed_within(&mut half_header, Duration::from_secs(5))
        .await
        .expect("a half-sent header is cut off");
    assert!(after >= Duration::from_millis(500), "{after:?}");

    let mut silent = TcpStream::connect(&address).await.unwrap();
    closed_within(&mut silent, Duration::from_secs(5))
        .await
        .expect("a connection that sends nothing is cut off");

    let mut half_body = TcpStream::connect(&address).await.unwrap();
    half_body
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: kabar\r\nContent-Type: application/json\r\n\
              Content-Length: 200\r\n\r\n{\"username\":",
        )
        .await
        .unwrap();
    let (_, answer) = closed_within(&mut half_body, Duration::from_secs(5))
        .await
        .expect("a stalled body is cut off");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );

    // The server still answers.
    let health = app.client.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

/// Finding 5: connections are capped; beyond the cap clients wait for a
/// free one instead of costing the server memory.
pub async fn connections_beyond_the_cap_wait_for_a_free_one(backend: Backend) {
    let first = spawn_app(backend).await;
    let app = spawn_app_with(first.dir.clone(), first.database.clone(), |settings| {
        settings.header_timeout = Duration::from_millis(1500);
        settings.max_connections = 2;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\n")
            .await
            .unwrap();
        idle.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let start = Instant::now();
    let mut third = TcpStream::connect(&address).await.unwrap();
    third
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: kabar\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (_, answer) = closed_within(&mut third, Duration::from_secs(10))
        .await
        .expect("answered once a slot is free");
    let waited = start.elapsed();
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        waited >= Duration::from_millis(1000),
        "served only after the stalled ones were dropped: {waited:?}"
    );
    drop(idle);
}
