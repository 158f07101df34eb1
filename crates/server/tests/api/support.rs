//! The test harness: spawns the real application on port 0 against SQLite in
//! a temporary directory or against its own fresh PostgreSQL database, and
//! talks HTTP to it like the phone does.
//!
//! PostgreSQL is found at `KABAR_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates a
//! database `kabar_test_<random>` there and drops it at the end. When
//! PostgreSQL is unreachable the PostgreSQL variants FAIL, so a CI without
//! the database cannot pass silently; set `KABAR_SKIP_POSTGRES=1` to skip
//! them on a machine without PostgreSQL.
//!
//! The photo tests also run with photos in an S3 bucket: each such test
//! starts its own moto server (PyPI `moto[server]`, which `cargo xtask test`
//! installs) on a free loopback port with `KABAR_TEST_PYTHON` (default
//! `python3`). Without moto those variants fail; `KABAR_SKIP_S3=1` skips
//! them.

#![allow(dead_code)]

use kabar_server::config::PhotoStore;
use kabar_server::{Command, Database, Settings, store::Store};
use kabar_shared::sync::{PushItem, PushRequest, PushResponse};
use kabar_shared::{Report, ReportBody, ReportId, ReportTitle, VillageCode};
use serde_json::Value;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// SQLite for the records, an S3 bucket for the photos.
    SqliteAndS3,
}

pub fn skip_postgres() -> bool {
    std::env::var("KABAR_SKIP_POSTGRES").is_ok_and(|value| value == "1")
}

pub fn skip_s3() -> bool {
    std::env::var("KABAR_SKIP_S3").is_ok_and(|value| value == "1")
}

/// Runs each named `async fn(Backend)` as a test `s3::NAME`, with photos
/// in a bucket of a real S3-compatible server.
macro_rules! with_photos_on_s3 {
    ($($name:ident),* $(,)?) => {
        mod s3 {
            $(
                #[tokio::test]
                async fn $name() {
                    if super::support::skip_s3() {
                        eprintln!("KABAR_SKIP_S3=1: skipped");
                        return;
                    }
                    super::$name(super::support::Backend::SqliteAndS3).await;
                }
            )*
        }
    };
}

/// A moto S3 server of one test, stopped when the test's storage is gone.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl S3Server {
    fn start() -> S3Server {
        let python = std::env::var("KABAR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        // The port is picked by binding port 0 and letting it go; moto then
        // binds it, a small race that loopback in a test run does not lose.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(&python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {python} -m moto.server ({error}). Install it with \
                     `pip install 'moto[server]'` (cargo xtask test does), or set \
                     KABAR_SKIP_S3=1 to skip the S3 tests."
                )
            });
        let mut server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "{python} -m moto.server exited with {status}: is `moto[server]` \
                     installed? (pip install 'moto[server]', or KABAR_SKIP_S3=1)"
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "moto did not listen on port {port} within 30 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }

    /// A new bucket, and the photo store that keeps photos under a prefix
    /// in it, as a city sharing one bucket between uses would.
    async fn new_bucket(&self) -> PhotoStore {
        let bucket = format!("kabar-test-{}", uuid::Uuid::new_v4().simple());
        let created = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{created:?}");
        PhotoStore::S3 {
            bucket,
            prefix: "kabar-desa".into(),
            options: [
                ("aws_endpoint", self.endpoint.as_str()),
                ("aws_access_key_id", "testing"),
                ("aws_secret_access_key", "testing"),
                ("aws_region", "us-east-1"),
                ("aws_allow_http", "true"),
            ]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs each named `async fn(Backend)` as two tests, `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::support::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if super::support::skip_postgres() {
                        eprintln!("KABAR_SKIP_POSTGRES=1: skipped");
                        return;
                    }
                    super::$name(super::support::Backend::Postgres).await;
                }
            )*
        }
    };
}

/// One test's database and photo store; a PostgreSQL database is dropped
/// and a moto server stopped when the last user of them is gone.
pub struct TestDatabase {
    pub database: Database,
    pub photo_store: PhotoStore,
    postgres: Option<(String, String)>,
    _s3: Option<S3Server>,
}

impl TestDatabase {
    async fn create(backend: Backend, dir: &TempDir) -> TestDatabase {
        let sqlite = Database::Sqlite(dir.path().join("data/kabar.db"));
        let photo_dir = PhotoStore::Directory(dir.path().join("photos"));
        match backend {
            Backend::Sqlite => TestDatabase {
                database: sqlite,
                photo_store: photo_dir,
                postgres: None,
                _s3: None,
            },
            Backend::SqliteAndS3 => {
                let s3 = S3Server::start();
                TestDatabase {
                    database: sqlite,
                    photo_store: s3.new_bucket().await,
                    postgres: None,
                    _s3: Some(s3),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("KABAR_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("kabar_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|error| {
                        panic!(
                            "PostgreSQL is not reachable at {admin_url} ({error}). Start it, point \
                         KABAR_TEST_POSTGRES_URL at one, or set KABAR_SKIP_POSTGRES=1 to skip \
                         the PostgreSQL tests."
                        )
                    });
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let (base, _) = admin_url
                    .split('?')
                    .next()
                    .unwrap()
                    .rsplit_once('/')
                    .unwrap();
                TestDatabase {
                    database: Database::Postgres(format!("{base}/{name}")),
                    photo_store: photo_dir,
                    postgres: Some((admin_url, name)),
                    _s3: None,
                }
            }
        }
    }
}

impl TestDatabase {
    /// A new, empty database of the same kind in `dir` (a restore target):
    /// an SQLite file that does not exist yet, or a new PostgreSQL
    /// database without tables.
    pub async fn fresh(backend: Backend, dir: &TempDir) -> TestDatabase {
        let mut database = TestDatabase::create(backend, dir).await;
        if let Database::Sqlite(_) = database.database {
            database.database = Database::Sqlite(
                dir.path()
                    .join(format!("restored-{}.db", uuid::Uuid::new_v4().simple())),
            );
        }
        database
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside async; a helper thread with its own runtime
        // drops the database, forcing off the pools of servers still up.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub dir: Arc<TempDir>,
    pub database: Arc<TestDatabase>,
    /// The same database, for the admin commands.
    pub store: Store,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let database = Arc::new(TestDatabase::create(backend, &dir).await);
    spawn_app_on(dir, database).await
}

/// Another server on the same files and database (a restart, or a second
/// instance behind a load balancer).
pub async fn spawn_app_on(dir: Arc<TempDir>, database: Arc<TestDatabase>) -> TestApp {
    spawn_app_with(dir, database, |_| {}).await
}

pub async fn spawn_app_with(
    dir: Arc<TempDir>,
    database: Arc<TestDatabase>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    kabar_server::telemetry::init();
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: database.database.clone(),
        app_dir: app_dir(&dir),
        photo_store: database.photo_store.clone(),
        ..Settings::default()
    };
    adjust(&mut settings);
    let application = kabar_server::Application::build(settings)
        .await
        .expect("the server starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    let store = Store::open(&database.database).await.unwrap();
    TestApp {
        address,
        client: reqwest::Client::new(),
        dir,
        database,
        store,
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

pub const KOTOBANGUN: &str = "71.74.02.1003";
/// Same kecamatan (Kotamobagu Timur) as Kotobangun.
pub const TUMUBUI: &str = "71.74.02.1004";
/// Another kecamatan (Kotamobagu Selatan).
pub const MONGONDOW: &str = "71.74.03.1008";
pub const PASSWORD: &str = "kata-sandi-uji-panjang";

/// The accounts tests log in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Village head of Kotobangun.
    Head,
    /// KIM volunteer of Kotobangun.
    Kim,
    /// Village head of Tumubui, same kecamatan.
    NeighbourHead,
    /// Village head of Mongondow, another kecamatan.
    FarHead,
    /// Reviewer for Kotamobagu Timur.
    Reviewer,
    /// Reviewer for Kotamobagu Selatan.
    FarReviewer,
    /// Reviewer for all villages.
    ChiefReviewer,
    Admin,
}

impl Who {
    pub fn username(self) -> &'static str {
        match self {
            Who::Head => "lurah.kotobangun",
            Who::Kim => "kim.kotobangun",
            Who::NeighbourHead => "lurah.tumubui",
            Who::FarHead => "lurah.mongondow",
            Who::Reviewer => "reviewer.timur",
            Who::FarReviewer => "reviewer.selatan",
            Who::ChiefReviewer => "reviewer.kota",
            Who::Admin => "admin.diskominfo",
        }
    }

    fn create_command(self) -> Command {
        let (role, village, district) = match self {
            Who::Head => ("village-head", Some(KOTOBANGUN), None),
            Who::Kim => ("kim-volunteer", Some(KOTOBANGUN), None),
            Who::NeighbourHead => ("village-head", Some(TUMUBUI), None),
            Who::FarHead => ("village-head", Some(MONGONDOW), None),
            Who::Reviewer => ("reviewer", None, Some("71.74.02")),
            Who::FarReviewer => ("reviewer", None, Some("71.74.03")),
            Who::ChiefReviewer => ("reviewer", None, None),
            Who::Admin => ("admin", None, None),
        };
        Command::UserCreate {
            username: self.username().into(),
            role: role.into(),
            village: village.map(str::to_owned),
            district: district.map(str::to_owned),
            name: Some(format!("Nama {}", self.username())),
        }
    }

    pub fn village(self) -> &'static str {
        match self {
            Who::Head | Who::Kim => KOTOBANGUN,
            Who::NeighbourHead => TUMUBUI,
            Who::FarHead => MONGONDOW,
            _ => KOTOBANGUN,
        }
    }
}

/// A logged-in phone.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub device_id: String,
    pub set_cookie: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Runs an admin command as `kabar-server` would, with `stdin` as input.
    pub async fn admin_command(&self, command: Command, stdin: &str) -> anyhow::Result<String> {
        let mut output = Vec::new();
        kabar_server::cli::run(&self.store, &command, &mut stdin.as_bytes(), &mut output).await?;
        Ok(String::from_utf8(output).unwrap())
    }

    pub async fn create_user(&self, who: Who) {
        self.admin_command(who.create_command(), &format!("{PASSWORD}\n"))
            .await
            .unwrap();
    }

    /// Creates the account and logs in from a new device.
    pub async fn login_as(&self, who: Who) -> Session {
        self.create_user(who).await;
        self.login(
            who.username(),
            PASSWORD,
            &format!("device-{}", who.username().replace('.', "-")),
        )
        .await
        .unwrap_or_else(|(status, body)| panic!("login failed: {status} {body}"))
    }

    pub async fn login(
        &self,
        username: &str,
        password: &str,
        device_id: &str,
    ) -> Result<Session, (u16, Value)> {
        self.login_forwarded_for(None, username, password, device_id)
            .await
    }

    /// A login that arrives through a proxy naming the client in
    /// `X-Forwarded-For` (or that forges the header).
    pub async fn login_forwarded_for(
        &self,
        forwarded_for: Option<&str>,
        username: &str,
        password: &str,
        device_id: &str,
    ) -> Result<Session, (u16, Value)> {
        let mut request = self.client.post(self.url("/api/v1/auth/login"));
        if let Some(forwarded_for) = forwarded_for {
            request = request.header("x-forwarded-for", forwarded_for);
        }
        let response = request
            .json(&serde_json::json!({
                "username": username,
                "password": password,
                "device_id": device_id,
                "device_name": "Samsung A05",
            }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .map(|value| value.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status != 200 {
            return Err((status, body));
        }
        let set_cookie = set_cookie.expect("login sets the session cookie");
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Ok(Session {
            cookie,
            device_id: device_id.into(),
            set_cookie,
        })
    }

    pub fn get(&self, session: Option<&Session>, path: &str) -> reqwest::RequestBuilder {
        with_cookie(self.client.get(self.url(path)), session)
    }

    /// A GET whose answer is read as JSON, whatever its status.
    pub async fn get_json(&self, session: Option<&Session>, path: &str) -> Value {
        self.get(session, path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub fn post(&self, session: Option<&Session>, path: &str) -> reqwest::RequestBuilder {
        with_cookie(self.client.post(self.url(path)), session)
    }

    pub fn put(&self, session: Option<&Session>, path: &str) -> reqwest::RequestBuilder {
        with_cookie(self.client.put(self.url(path)), session)
    }

    /// How many photo objects the store holds, read through the store
    /// itself (a directory or a bucket).
    pub async fn stored_photo_objects(&self) -> usize {
        use futures_util::TryStreamExt;
        let store = kabar_server::photos::open_store(&self.database.photo_store)
            .await
            .unwrap();
        let objects: Vec<_> = store.list(None).try_collect().await.unwrap();
        objects.len()
    }

    pub async fn push_as(&self, session: &Session, items: Vec<PushItem>) -> PushResponse {
        let request = PushRequest {
            protocol_version: 1,
            device_id: Some(session.device_id.clone()),
            items,
        };
        let response = self
            .post(Some(session), "/api/v1/sync/push")
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Every report, as the all-villages reviewer sees them.
    pub async fn stored_reports(&self, session: &Session) -> Vec<Value> {
        let response = self
            .get(Some(session), "/api/v1/reports")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["reports"].as_array().unwrap().clone()
    }
}

fn with_cookie(
    builder: reqwest::RequestBuilder,
    session: Option<&Session>,
) -> reqwest::RequestBuilder {
    match session {
        Some(session) => builder.header("cookie", &session.cookie),
        None => builder,
    }
}

pub fn report_in(village: &str, seed: u8, title: &str, body: &str) -> Report {
    Report::short(
        ReportId::new_v7(1_764_000_000_000 + u64::from(seed), [seed; 10]),
        VillageCode::parse(village).unwrap(),
        1_764_000_000_000,
        &ReportTitle::parse(title).unwrap(),
        &ReportBody::parse(body).unwrap(),
    )
}

pub fn report(seed: u8, title: &str, body: &str) -> Report {
    report_in(KOTOBANGUN, seed, title, body)
}
