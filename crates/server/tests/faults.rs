//! The fault suite: what a field system must survive, run against the real
//! `kabar-server` binary in its own process so that a crash is a real
//! `kill -9`, not a dropped future.
//!
//! These tests are slow (tens of seconds each), so they are `#[ignore]`d in
//! `cargo test` and run by `cargo xtask faults`, which `cargo xtask test`
//! (and so CI) also runs. Each scenario runs on SQLite and on PostgreSQL.
//!
//! The simulated phones use the same shared sync core as the field app
//! (`next_push`, `apply_push_response`) over plain HTTP, so what is tested is
//! the protocol's promise, "stored exactly once, and the phone knows it", and
//! not the app's screens.

use kabar_shared::report::FormRef;
use kabar_shared::sync::{Delivery, PushRequest, PushResponse, apply_push_response, next_push};
use kabar_shared::{ContentHash, Report, ReportBody, ReportId, ReportTitle, VillageCode};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

const PASSWORD: &str = "kata-sandi-uji-panjang";
/// Ten villages of three kecamatan: one phone in each.
const VILLAGES: [&str; 10] = [
    "71.74.01.1005",
    "71.74.01.1006",
    "71.74.01.2001",
    "71.74.02.1003",
    "71.74.02.1004",
    "71.74.02.2001",
    "71.74.03.1007",
    "71.74.03.1008",
    "71.74.04.1001",
    "71.74.04.1002",
];

/// A small deterministic generator (xorshift), so a failing run can be
/// repeated with the seed it prints.
struct Dice(u64);

impl Dice {
    fn from_clock() -> Dice {
        let seed = std::env::var("KABAR_FAULT_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("fault seed: KABAR_FAULT_SEED={seed}");
        Dice(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for byte in &mut out {
            *byte = self.next() as u8;
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

fn postgres_admin_url() -> String {
    std::env::var("KABAR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Where one scenario keeps its database, photos and app directory.
struct Place {
    dir: tempfile::TempDir,
    database_url: String,
    postgres_database: Option<String>,
}

impl Place {
    async fn create(backend: Backend, dice: &mut Dice) -> Place {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist")).unwrap();
        std::fs::write(dir.path().join("dist/index.html"), "<!doctype html>").unwrap();
        match backend {
            Backend::Sqlite => Place {
                database_url: format!("sqlite://{}", dir.path().join("kabar.db").display()),
                dir,
                postgres_database: None,
            },
            Backend::Postgres => {
                use sqlx::Connection;
                let name = format!("kabar_faults_{:016x}", dice.next());
                let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
                    .await
                    .expect("PostgreSQL at KABAR_TEST_POSTGRES_URL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let base = postgres_admin_url();
                let base = &base[..base.rfind('/').unwrap()];
                Place {
                    database_url: format!("{base}/{name}"),
                    dir,
                    postgres_database: Some(name),
                }
            }
        }
    }

    async fn drop_database(&self) {
        use sqlx::Connection;
        if let Some(name) = &self.postgres_database
            && let Ok(mut admin) = sqlx::PgConnection::connect(&postgres_admin_url()).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await;
        }
    }

    fn common_args(&self) -> Vec<String> {
        vec![
            "--database-url".into(),
            self.database_url.clone(),
            "--app-dir".into(),
            self.dir.path().join("dist").display().to_string(),
            "--photo-dir".into(),
            self.dir.path().join("photos").display().to_string(),
        ]
    }

    /// `kabar-server user create …`, as an administrator types it.
    fn create_user(&self, username: &str, role: &str, scope: (&str, &str)) {
        let mut child = Command::new(server_binary())
            .args(["user", "create", "--username", username, "--role", role])
            .args([scope.0, scope.1])
            .arg("--password-stdin")
            .args(self.common_args())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
        assert!(child.wait().unwrap().success(), "user create {username}");
    }
}

fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kabar-server"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server as an operating system process on a fixed port, so it can be
/// killed and started again where the phones expect it.
struct ServerProcess {
    child: Option<Child>,
    port: u16,
    args: Vec<String>,
}

impl ServerProcess {
    async fn start(place: &Place, port: u16) -> ServerProcess {
        let mut args = vec!["--listen".to_owned(), format!("127.0.0.1:{port}")];
        args.extend(place.common_args());
        let mut server = ServerProcess {
            child: None,
            port,
            args,
        };
        server.restart().await;
        server
    }

    async fn restart(&mut self) {
        let child = Command::new(server_binary())
            .args(&self.args)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let health = client
                .get(format!("http://127.0.0.1:{}/api/health", self.port))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if health.is_ok_and(|response| response.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no shutdown handler runs, no buffer is flushed.
    fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A phone: its own session and an outbox kept in memory, driven by the
/// shared sync core exactly as the field app drives it.
struct Phone {
    base: String,
    client: reqwest::Client,
    username: String,
    device_id: String,
    cookie: Option<String>,
    outbox: BTreeMap<ReportId, (Report, Delivery)>,
}

/// Why one attempt to talk to the server did not end in an answer.
#[derive(Debug)]
enum Fault {
    /// Refused, reset or timed out: the server is down or went down.
    Network,
    /// An answer with another status, or a body that is not the protocol.
    Answer(u16),
}

impl Phone {
    fn new(base: &str, username: &str, device: usize) -> Phone {
        Phone {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            username: username.to_owned(),
            device_id: format!("faults-device-{device}"),
            cookie: None,
            outbox: BTreeMap::new(),
        }
    }

    fn save(&mut self, report: Report) {
        self.outbox.insert(report.id, (report, Delivery::Waiting));
    }

    fn waiting(&self) -> usize {
        self.outbox
            .values()
            .filter(|(_, delivery)| delivery.is_waiting())
            .count()
    }

    async fn login(&mut self) -> Result<(), Fault> {
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&serde_json::json!({
                "username": self.username,
                "password": PASSWORD,
                "device_id": self.device_id,
                "device_name": "Uji kerusakan",
            }))
            .send()
            .await
            .map_err(|_| Fault::Network)?;
        if response.status() != 200 {
            return Err(Fault::Answer(response.status().as_u16()));
        }
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(str::to_owned)
            .ok_or(Fault::Answer(200))?;
        self.cookie = Some(cookie);
        Ok(())
    }

    /// One push of at most `batch` waiting reports. Returns how many changed
    /// state; a lost answer changes nothing, which is the point.
    async fn push_once(&mut self, batch: usize) -> Result<usize, Fault> {
        if self.cookie.is_none() {
            self.login().await?;
        }
        let Some(mut request) = next_push(
            self.outbox
                .values()
                .map(|(report, delivery)| (report, delivery, None)),
        ) else {
            return Ok(0);
        };
        request.items.truncate(batch.max(1));
        request.device_id = Some(self.device_id.clone());
        let response = self.send(&request).await?;
        let updates = apply_push_response(&request, &response).map_err(|_| Fault::Answer(200))?;
        let changed = updates.len();
        for (id, delivery) in updates {
            if let Some(entry) = self.outbox.get_mut(&id) {
                entry.1 = delivery;
            }
        }
        Ok(changed)
    }

    async fn send(&mut self, request: &PushRequest) -> Result<PushResponse, Fault> {
        let response = self
            .client
            .post(format!("{}/api/v1/sync/push", self.base))
            .header("cookie", self.cookie.clone().unwrap_or_default())
            .json(request)
            .send()
            .await
            .map_err(|_| Fault::Network)?;
        let status = response.status().as_u16();
        if status == 401 {
            self.cookie = None;
        }
        if status != 200 {
            return Err(Fault::Answer(status));
        }
        response.json().await.map_err(|_| Fault::Network)
    }
}

/// A short report with varied text, as a volunteer might write it.
fn short_report(village: &str, serial: usize, dice: &mut Dice) -> Report {
    const TOPICS: [&str; 6] = [
        "Jalan rusak di dusun",
        "Lampu jalan mati",
        "Saluran air tersumbat",
        "Posyandu bulan ini",
        "Kerja bakti warga",
        "Bantuan sembako tiba",
    ];
    let created = 1_764_000_000_000 + serial as u64 * 1_000 + dice.below(1_000);
    let topic = TOPICS[serial % TOPICS.len()];
    Report::short(
        ReportId::new_v7(created, dice.bytes()),
        VillageCode::parse(village).unwrap(),
        created as i64,
        &ReportTitle::parse(&format!("{topic} {serial}")).unwrap(),
        &ReportBody::parse(&format!(
            "Laporan nomor {serial} dari uji kerusakan; {} warga terlibat.",
            dice.below(200)
        ))
        .unwrap(),
    )
}

/// Every report the server holds, with its content hash, read page by page
/// as the all-villages reviewer.
async fn stored_hashes(base: &str, reviewer: &mut Phone) -> BTreeMap<String, Vec<String>> {
    reviewer.login().await.expect("the reviewer logs in");
    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut before: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/reports?limit=500");
        if let Some(before) = &before {
            url.push_str(&format!("&before={before}"));
        }
        let page: serde_json::Value = reviewer
            .client
            .get(url)
            .header("cookie", reviewer.cookie.clone().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for report in page["reports"].as_array().unwrap() {
            let id = report["report"]["id"].as_str().unwrap().to_owned();
            let hash = report["content_hash"].as_str().unwrap().to_owned();
            stored.entry(id).or_default().push(hash);
        }
        match page["next_before"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => return stored,
        }
    }
}

/// Kills the server at random moments while ten phones sync 1,000 reports,
/// at least `kills` times during a push, then lets every phone sync to the
/// end. Every report must be stored exactly once with the phone's hash, and
/// every outbox must end empty.
async fn server_killed_during_sync(backend: Backend, kills: usize) {
    let mut dice = Dice::from_clock();
    let place = Place::create(backend, &mut dice).await;
    for (index, village) in VILLAGES.iter().enumerate() {
        place.create_user(
            &format!("kim.faults{index}"),
            "kim-volunteer",
            ("--village", village),
        );
    }
    place.create_user("reviewer.faults", "reviewer", ("--name", "Peninjau"));
    let port = free_port();
    let server = Arc::new(Mutex::new(ServerProcess::start(&place, port).await));
    let base = format!("http://127.0.0.1:{port}");

    // Phones signed in days ago; the faults under test happen during the
    // sync. (A server killed mid-login counts that login as a failed guess,
    // which is the safe side for the password throttle.)
    let mut phones = Vec::new();
    for (index, village) in VILLAGES.iter().enumerate() {
        let mut phone = Phone::new(&base, &format!("kim.faults{index}"), index);
        phone.login().await.expect("the phone signs in");
        for serial in 0..100 {
            phone.save(short_report(village, index * 100 + serial, &mut dice));
        }
        phones.push(phone);
    }
    let expected: BTreeMap<String, String> = phones
        .iter()
        .flat_map(|phone| phone.outbox.values())
        .map(|(report, _)| {
            (
                report.id.to_string(),
                report.content_hash().as_str().to_owned(),
            )
        })
        .collect();

    let in_flight = Arc::new(AtomicUsize::new(0));
    let kills_during_push = Arc::new(AtomicUsize::new(0));
    let phones_done = Arc::new(AtomicBool::new(false));
    let killer = {
        let server = server.clone();
        let in_flight = in_flight.clone();
        let kills_during_push = kills_during_push.clone();
        let phones_done = phones_done.clone();
        let mut dice = Dice(dice.next() | 1);
        tokio::spawn(async move {
            while kills_during_push.load(Ordering::SeqCst) < kills
                && !phones_done.load(Ordering::SeqCst)
            {
                tokio::time::sleep(Duration::from_millis(10 + dice.below(120))).await;
                let mut server = server.lock().await;
                if in_flight.load(Ordering::SeqCst) > 0 {
                    kills_during_push.fetch_add(1, Ordering::SeqCst);
                }
                server.kill9();
                // Down for a moment: the phones see refused connections.
                tokio::time::sleep(Duration::from_millis(dice.below(60))).await;
                server.restart().await;
            }
        })
    };

    // While the killer works the phones push small batches with short
    // pauses, so that the sync spans many kill points.
    let mut tasks = Vec::new();
    for (index, mut phone) in phones.into_iter().enumerate() {
        let in_flight = in_flight.clone();
        let kills_during_push = kills_during_push.clone();
        let mut dice = Dice(dice.next() | 1);
        tasks.push(tokio::spawn(async move {
            let mut faults = 0usize;
            while phone.waiting() > 0 || kills_during_push.load(Ordering::SeqCst) < kills {
                if phone.waiting() == 0 {
                    // Done early: a new report is saved while others sync.
                    let serial = 10_000 + index * 1_000 + faults;
                    phone.save(short_report(VILLAGES[index], serial, &mut dice));
                }
                in_flight.fetch_add(1, Ordering::SeqCst);
                let result = phone.push_once(1 + dice.below(8) as usize).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                if let Err(fault) = result {
                    if let Fault::Answer(status) = fault {
                        // A crash must look like a lost connection, never like
                        // a refusal: a session survives a restart.
                        panic!("phone {index}: the server answered {status}");
                    }
                    faults += 1;
                    tokio::time::sleep(Duration::from_millis(5 + dice.below(40))).await;
                } else {
                    tokio::time::sleep(Duration::from_millis(dice.below(15))).await;
                }
            }
            phone
        }));
    }
    let mut phones = Vec::new();
    for task in tasks {
        phones.push(task.await.unwrap());
    }
    phones_done.store(true, Ordering::SeqCst);
    killer.await.unwrap();
    assert!(
        kills_during_push.load(Ordering::SeqCst) >= kills,
        "fewer kill points than asked"
    );

    // One more sync per phone with the server left alone: nothing is left.
    for phone in &mut phones {
        while phone.waiting() > 0 {
            phone.push_once(100).await.expect("a calm server answers");
        }
        for (report, delivery) in phone.outbox.values() {
            assert_eq!(delivery, &Delivery::Sent, "report {}", report.id);
        }
    }
    let mut all_expected = expected;
    for phone in &phones {
        for (report, _) in phone.outbox.values() {
            all_expected.insert(
                report.id.to_string(),
                report.content_hash().as_str().to_owned(),
            );
        }
    }
    let mut reviewer = Phone::new(&base, "reviewer.faults", 99);
    let stored = stored_hashes(&base, &mut reviewer).await;
    assert_eq!(stored.len(), all_expected.len(), "every report stored once");
    for (id, hash) in &all_expected {
        assert_eq!(
            stored.get(id).map(Vec::as_slice),
            Some(std::slice::from_ref(hash)),
            "report {id} is stored once with the phone's content"
        );
    }
    eprintln!(
        "{backend:?}: {} reports from 10 phones, {} kills during a push",
        all_expected.len(),
        kills_during_push.load(Ordering::SeqCst)
    );
    drop(server);
    place.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow: run by `cargo xtask faults`"]
async fn sqlite_server_killed_at_random_points_during_a_sync_loses_and_duplicates_nothing() {
    server_killed_during_sync(Backend::Sqlite, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow: run by `cargo xtask faults`"]
async fn postgres_server_killed_at_random_points_during_a_sync_loses_and_duplicates_nothing() {
    if std::env::var("KABAR_SKIP_POSTGRES").is_ok_and(|value| value == "1") {
        return;
    }
    server_killed_during_sync(Backend::Postgres, 20).await;
}

/// A TCP proxy that forwards one connection and cuts it after `cut_after`
/// bytes from the client, as a phone losing signal mid-upload.
async fn cutting_proxy(target: u16, cut_after: usize) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let Ok((mut client, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut server) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await else {
            return;
        };
        let mut forwarded = 0usize;
        let mut buffer = vec![0u8; 4096];
        loop {
            let Ok(read) = client.read(&mut buffer).await else {
                return;
            };
            if read == 0 {
                return;
            }
            let allowed = read.min(cut_after - forwarded);
            if server.write_all(&buffer[..allowed]).await.is_err() {
                return;
            }
            forwarded += allowed;
            if forwarded >= cut_after {
                // Both directions go dead at once, without a polite close.
                drop(server);
                drop(client);
                return;
            }
        }
    });
    port
}

/// A JPEG-looking photo of `size` bytes with content unique to `seed`.
fn photo_bytes(seed: u64, size: usize) -> Vec<u8> {
    let mut dice = Dice(seed | 1);
    // SOI, a minimal JFIF APP0, then a comment-free scan body and EOI: the
    // server checks the magic bytes and strips metadata, and must never
    // keep a torn file.
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    // A baseline frame header for a 16×16 picture, and a start of scan.
    bytes.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    while bytes.len() < size - 2 {
        // Entropy-coded data never holds a bare 0xFF.
        bytes.push((dice.next() % 0xFF) as u8);
    }
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// An aspirasi-warga report announcing one photo, as a volunteer files it.
fn report_with_photo(village: &str, serial: usize, photo: &ContentHash, dice: &mut Dice) -> Report {
    let created = 1_764_000_000_000 + serial as u64 * 1_000;
    let answers = serde_json::json!({
        "tanggal": "2025-11-24",
        "jenis": "keluhan",
        "kategori": "infrastruktur",
        "uraian": format!("Foto nomor {serial} dari uji sinyal putus."),
        "setuju_dihubungi": false,
        "foto": [photo.as_str()],
    });
    Report {
        id: ReportId::new_v7(created, dice.bytes()),
        form: FormRef {
            id: "aspirasi-warga".into(),
            version: 1,
        },
        village: VillageCode::parse(village).unwrap(),
        created_at_ms: created as i64,
        answers: serde_json::from_value(answers).unwrap(),
    }
}

/// Every file under `dir`, recursively: what the photo store holds on disk.
fn files_under(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

/// Cuts photo uploads at random bytes `cuts` times; each photo is then sent
/// again in full, as the phone's next sync does. A torn upload is never
/// acknowledged and leaves no file behind; every photo ends stored once and
/// complete: what the server serves is exactly the upload without its
/// metadata.
async fn photo_upload_cut_at_random_bytes(backend: Backend, cuts: usize) {
    let mut dice = Dice::from_clock();
    let place = Place::create(backend, &mut dice).await;
    place.create_user("kim.foto", "kim-volunteer", ("--village", VILLAGES[0]));
    let port = free_port();
    let _server = ServerProcess::start(&place, port).await;
    let base = format!("http://127.0.0.1:{port}");
    let mut phone = Phone::new(&base, "kim.foto", 1);
    phone.login().await.unwrap();
    let cookie = phone.cookie.clone().unwrap();

    // The server accepts a photo only once a report announced it.
    let mut photos = Vec::new();
    for serial in 0..cuts {
        let bytes = photo_bytes(dice.next(), 2_000 + dice.below(60_000) as usize);
        let reference = ContentHash::of_bytes(&bytes);
        phone.save(report_with_photo(
            VILLAGES[0],
            serial,
            &reference,
            &mut dice,
        ));
        photos.push(bytes);
    }
    while phone.waiting() > 0 {
        phone.push_once(100).await.unwrap();
    }
    assert!(
        phone
            .outbox
            .values()
            .all(|(_, delivery)| *delivery == Delivery::Sent),
        "every announcing report is accepted"
    );

    let photo_dir = place.dir.path().join("photos");
    for (stored_before, bytes) in photos.iter().enumerate() {
        let reference = ContentHash::of_bytes(bytes);
        let url_path = format!("/api/v1/photos/{}", reference.as_str());
        // Past the request head (a few hundred bytes), anywhere in the body.
        let cut_after = 200 + dice.below(bytes.len() as u64) as usize;
        let proxy = cutting_proxy(port, cut_after).await;
        let torn = reqwest::Client::new()
            .put(format!("http://127.0.0.1:{proxy}{url_path}"))
            .header("cookie", &cookie)
            .header("content-type", "image/jpeg")
            .body(bytes.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        assert!(
            torn.is_err() || !torn.unwrap().status().is_success(),
            "a torn upload is never acknowledged"
        );
        let served = phone
            .client
            .get(format!("{base}{url_path}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            served.status(),
            404,
            "nothing is served after a torn upload"
        );
        assert_eq!(files_under(&photo_dir), stored_before, "no partial file");

        let whole = phone
            .client
            .put(format!("{base}{url_path}"))
            .header("cookie", &cookie)
            .header("content-type", "image/jpeg")
            .body(bytes.clone())
            .send()
            .await
            .unwrap();
        assert!(whole.status().is_success(), "the retry is stored");
        let served = phone
            .client
            .get(format!("{base}{url_path}"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let (_, expected) = kabar_server::photos::strip_metadata(bytes).unwrap();
        assert_eq!(
            ContentHash::of_bytes(&served),
            ContentHash::of_bytes(&expected),
            "the stored photo is complete"
        );
    }
    assert_eq!(files_under(&photo_dir), cuts, "each photo stored once");
    place.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by `cargo xtask faults`"]
async fn sqlite_photo_uploads_cut_at_random_bytes_never_leave_a_partial_photo() {
    photo_upload_cut_at_random_bytes(Backend::Sqlite, 100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: run by `cargo xtask faults`"]
async fn postgres_photo_uploads_cut_at_random_bytes_never_leave_a_partial_photo() {
    if std::env::var("KABAR_SKIP_POSTGRES").is_ok_and(|value| value == "1") {
        return;
    }
    photo_upload_cut_at_random_bytes(Backend::Postgres, 100).await;
}

/// `count` phones push for `seconds` against one server: each saves one to
/// five reports, syncs them, and goes again. No request may fail, every
/// report must be stored once, and the push latencies are reported.
async fn many_phones_pushing(backend: Backend, count: usize, seconds: u64) {
    let mut dice = Dice::from_clock();
    let place = Place::create(backend, &mut dice).await;
    // Twenty accounts, each signed in on ten phones: creating 200 accounts
    // would spend the time on password hashing, which is not what this
    // measures.
    let accounts = 20;
    for account in 0..accounts {
        place.create_user(
            &format!("kim.beban{account}"),
            "kim-volunteer",
            ("--village", VILLAGES[account % VILLAGES.len()]),
        );
    }
    place.create_user("reviewer.beban", "reviewer", ("--name", "Peninjau"));
    let port = free_port();
    let _server = ServerProcess::start(&place, port).await;
    let base = format!("http://127.0.0.1:{port}");

    // Phones sign in once, days before the deadline rush; the rush is what
    // this measures, so they sign in first, a few at a time, and a 503 from
    // the bounded password hashing means "come back later".
    let mut phones = Vec::new();
    for index in 0..count {
        let account = index % accounts;
        let mut phone = Phone::new(&base, &format!("kim.beban{account}"), index);
        let mut attempts = 0;
        while let Err(fault) = phone.login().await {
            attempts += 1;
            assert!(attempts < 50, "phone {index} cannot log in: {fault:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        phones.push(phone);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (index, mut phone) in phones.into_iter().enumerate() {
        let account = index % accounts;
        let mut dice = Dice(dice.next() | 1);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut dropped = 0usize;
            let mut serial = 0usize;
            while Instant::now() < deadline {
                for _ in 0..1 + dice.below(5) {
                    phone.save(short_report(
                        VILLAGES[account % VILLAGES.len()],
                        index * 1_000_000 + serial,
                        &mut dice,
                    ));
                    serial += 1;
                }
                while phone.waiting() > 0 {
                    let started = Instant::now();
                    match phone.push_once(100).await {
                        Ok(_) => latencies.push(started.elapsed()),
                        Err(fault) => {
                            eprintln!("phone {index}: {fault:?}");
                            match fault {
                                Fault::Network => dropped += 1,
                                Fault::Answer(_) => errors += 1,
                            }
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
                // A person types the next report.
                tokio::time::sleep(Duration::from_millis(dice.below(50))).await;
            }
            (phone, latencies, errors, dropped)
        }));
    }
    let mut expected = BTreeMap::new();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut dropped = 0;
    for task in tasks {
        let (phone, phone_latencies, phone_errors, phone_dropped) = task.await.unwrap();
        dropped += phone_dropped;
        for (report, delivery) in phone.outbox.values() {
            assert_eq!(delivery, &Delivery::Sent);
            expected.insert(
                report.id.to_string(),
                report.content_hash().as_str().to_owned(),
            );
        }
        latencies.extend(phone_latencies);
        errors += phone_errors;
    }
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    eprintln!(
        "load {backend:?}: {count} phones for {seconds} s: {} reports in {} pushes, \
         {errors} errors, {dropped} dropped connections, push latency p50 {:?}, p99 {:?}, max {:?}",
        expected.len(),
        latencies.len(),
        percentile(50),
        percentile(99),
        latencies.last().unwrap(),
    );
    assert_eq!(errors, 0, "no push was refused or failed on the server");
    // A connection dropped under load is retried by the phone, as on a real
    // link; the promise is that nothing is lost or doubled (checked below).
    // One in 5,890 pushes was seen dropped on a loaded 2-core machine; more
    // than one in a thousand would be a regression worth a look.
    assert!(
        dropped * 1_000 <= latencies.len(),
        "{dropped} dropped connections in {} pushes",
        latencies.len()
    );
    let mut reviewer = Phone::new(&base, "reviewer.beban", 9_999);
    let stored = stored_hashes(&base, &mut reviewer).await;
    assert_eq!(stored.len(), expected.len(), "every report stored once");
    for (id, hash) in &expected {
        assert_eq!(
            stored.get(id).map(Vec::as_slice),
            Some(std::slice::from_ref(hash)),
            "report {id}"
        );
    }
    place.drop_database().await;
}

fn load_seconds() -> u64 {
    std::env::var("KABAR_LOAD_SECONDS")
        .ok()
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or(60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow: run by `cargo xtask faults`"]
async fn sqlite_two_hundred_phones_pushing_for_a_minute_store_every_report_once() {
    many_phones_pushing(Backend::Sqlite, 200, load_seconds()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow: run by `cargo xtask faults`"]
async fn postgres_two_hundred_phones_pushing_for_a_minute_store_every_report_once() {
    if std::env::var("KABAR_SKIP_POSTGRES").is_ok_and(|value| value == "1") {
        return;
    }
    many_phones_pushing(Backend::Postgres, 200, load_seconds()).await;
}
