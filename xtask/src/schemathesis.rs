//! `cargo xtask schemathesis` and a step of `cargo xtask test`: Schemathesis
//! (PyPI) generates requests from `/api/openapi.json` and checks every
//! answer of a live server against the document: no 5xx, no status the
//! document does not list, and every body of the documented media type and
//! schema.
//!
//! The server is the dev build on a free loopback port with a fresh SQLite
//! database in a temporary directory. An admin account is created through
//! the server's own command line and logged in with curl, and the session
//! cookie goes to every request, so the checks reach past the login wall.
//! Logging out, or revoking a session (the stateful phase finds the run's
//! own session in the list), would end that session half-way, so those two
//! operations are left out; everything else is generated. One report is
//! pushed first by a village head, so the list, detail, versions and review
//! answers carry a real report for the schemas to be checked against.

use crate::build::build_server;
use crate::command::{run_tee, tool_path};
use anyhow::{Context, bail};
use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN: &str = "admin.fuzz";
const PASSWORD: &str = "rahasia-schemathesis-2026";
/// Examples per operation: enough for every status path the generator
/// reaches in practice, small enough for the step to stay within a few
/// minutes on the 2-core machines.
const MAX_EXAMPLES: &str = "30";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Stops the server however the run ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs Schemathesis against a fresh server; answers whether it passed and
/// its output.
pub fn run_checks() -> anyhow::Result<(bool, String)> {
    let binary = build_server("dev")?;
    let dir = std::env::temp_dir().join(format!("kabar-schemathesis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run_against(&binary, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_against(binary: &Path, dir: &Path) -> anyhow::Result<(bool, String)> {
    let storage = [
        "--database".to_owned(),
        dir.join("kabar.db").display().to_string(),
        "--photo-dir".to_owned(),
        dir.join("photos").display().to_string(),
    ];
    create_user(
        binary,
        &storage,
        &["--username", ADMIN, "--role", "admin"],
        &[],
    )?;

    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(binary)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(&storage)
            .env("RUST_LOG", "warn")
            .spawn()
            .context("starting kabar-server")?,
    );
    wait_healthy(&base)?;
    seed_report(binary, &storage, &base)?;
    let cookie = log_in(&base, ADMIN, PASSWORD)?;

    run_tee(
        Command::new("schemathesis")
            .arg("run")
            .arg(format!("{base}/api/openapi.json"))
            .args(["--url", &base])
            .args(["--checks", CHECKS])
            .args(["--max-examples", MAX_EXAMPLES])
            .args(["--seed", "20261130"])
            .args(["--exclude-path", "/api/v1/auth/logout"])
            .args(["--exclude-path", "/api/v1/admin/sessions/{id}/revoke"])
            .args(["--header", &format!("Cookie: {cookie}")])
            .args(["--request-timeout", "20"])
            .arg("--no-color")
            // Its example database and reports stay out of the work tree.
            .current_dir(dir)
            .env("PATH", tool_path()),
    )
}

fn wait_healthy(base: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let status = Command::new("curl")
            .args(["-sf", "-o", "/dev/null", &format!("{base}/api/health")])
            .status()?;
        if status.success() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("kabar-server did not become healthy at {base}")
}

/// Creates a village head and pushes one short report as its phone would.
fn seed_report(binary: &Path, storage: &[String], base: &str) -> anyhow::Result<()> {
    const HEAD: &str = "sangadi.fuzz";
    create_user(
        binary,
        storage,
        &["--username", HEAD, "--role", "village-head"],
        &["--village", "71.74.02.1003"],
    )?;
    let cookie = log_in(base, HEAD, PASSWORD)?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;
    // A UUID v7: 48 bits of milliseconds, the version, fixed "random" bits.
    let time = format!("{now_ms:012x}");
    let id = format!("{}-{}-7abc-8def-0123456789ab", &time[..8], &time[8..]);
    // The report's JSON exactly as the shared crate serializes it, since the
    // pushed hash must be the SHA-256 of these bytes.
    let report = format!(
        r#"{{"id":"{id}","form":{{"id":"laporan-singkat","version":1}},"village":"71.74.02.1003","created_at_ms":{now_ms},"answers":{{"body":"Jalan desa berlubang.","title":"Jalan rusak"}}}}"#
    );
    let mut sha = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    sha.stdin
        .take()
        .context("stdin")?
        .write_all(report.as_bytes())?;
    let digest = String::from_utf8(sha.wait_with_output()?.stdout)?;
    let hex = digest.split_whitespace().next().context("sha256sum")?;
    let push = format!(
        r#"{{"protocol_version":1,"device_id":"schemathesis-01","items":[{{"report":{report},"content_hash":"sha256:{hex}"}}]}}"#
    );
    let output = Command::new("curl")
        .args(["-s", "-H", "content-type: application/json"])
        .args(["-H", &format!("Cookie: {cookie}"), "--data", &push])
        .arg(format!("{base}/api/v1/sync/push"))
        .output()?;
    let answer = String::from_utf8_lossy(&output.stdout);
    if !answer.contains(r#""outcome":"accepted""#) {
        bail!("the seed report was not accepted: {answer}");
    }
    Ok(())
}

fn create_user(
    binary: &Path,
    storage: &[String],
    who: &[&str],
    more: &[&str],
) -> anyhow::Result<()> {
    let mut create = Command::new(binary)
        .args(storage)
        .args(["user", "create"])
        .args(who)
        .args(more)
        .args(["--name", "Schemathesis", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .context("kabar-server user create")?;
    writeln!(create.stdin.take().context("stdin")?, "{PASSWORD}")?;
    if !create.wait()?.success() {
        bail!("kabar-server user create {who:?} failed");
    }
    Ok(())
}

/// Logs `username` in and answers the `kabar_session=…` cookie pair.
fn log_in(base: &str, username: &str, password: &str) -> anyhow::Result<String> {
    let body = format!(
        r#"{{"username":"{username}","password":"{password}","device_id":"schemathesis-01","device_name":"schemathesis"}}"#
    );
    let output = Command::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/null"])
        .args(["-H", "content-type: application/json", "--data", &body])
        .arg(format!("{base}/api/v1/auth/login"))
        .output()?;
    let headers = String::from_utf8_lossy(&output.stdout);
    headers
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
        })
        .filter(|cookie| cookie.starts_with("kabar_session="))
        .with_context(|| format!("logging in as {username} gave no session cookie:\n{headers}"))
}

/// `cargo xtask schemathesis`: this step alone.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask schemathesis");
    }
    crate::tools::ensure_schemathesis()?;
    let (success, _) = run_checks()?;
    if !success {
        bail!("Schemathesis found answers that contradict the OpenAPI document");
    }
    Ok(())
}
