//! Installs the tools the build and the tests need, each only when it is
//! missing or at another version. The versions are pinned here and in
//! `Trunk.toml`; the wasm-bindgen version comes from `Cargo.lock`.

use crate::command::{output_of, project_root, run, tool_path};
use anyhow::{Context, bail};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// 0.22 needs a newer rustc than these machines have.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// npm binaryen 132 prints this; Debian's binaryen 108 corrupts the wasm.
const WASM_OPT_VERSION: &str = "version_132";
/// wasm-split-cli, at the version that reads what Leptos 0.8's
/// `wasm_split_helpers` 0.2 writes.
const WASM_SPLIT_VERSION: &str = "0.2.4";
const PLAYWRIGHT_VERSION: &str = "1.65.1";
const POSTGRES_ADDRESS: &str = "127.0.0.1:5432";
/// The S3-compatible server the photo-store tests run against.
const MOTO_VERSION: &str = "5.2.1";
/// The SMTP server the mail tests send to (`crates/server/tests/smtp_sink.py`).
const AIOSMTPD_VERSION: &str = "1.4.6";
/// The XLSX reader the Command Center's export test opens downloads with.
const OPENPYXL_VERSION: &str = "3.1.5";
/// The API fuzzer `cargo xtask test` runs against `/api/openapi.json`.
const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// What `cargo xtask run` needs to build the app.
pub fn ensure_build_tools() -> anyhow::Result<()> {
    ensure_wasm_target()?;
    ensure_npm_packages()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_split()?;
    ensure_trunk()?;
    // Trunk builds with --offline, so every crate must be here first.
    run(Command::new("cargo").arg("fetch"))
}

/// What `cargo xtask test` needs on top of the build tools.
pub fn ensure_test_tools() -> anyhow::Result<()> {
    ensure_build_tools()?;
    ensure_chromium()?;
    ensure_moto()?;
    ensure_aiosmtpd()?;
    ensure_openpyxl()?;
    ensure_poppler()?;
    ensure_schemathesis()?;
    ensure_postgres()
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_trunk() -> anyhow::Result<()> {
    if version_of("trunk").as_deref() == Some(&format!("trunk {TRUNK_VERSION}")) {
        return Ok(());
    }
    eprintln!("installing trunk {TRUNK_VERSION} (about 20 minutes on a cold machine)");
    run(Command::new("cargo").args(["install", "trunk", "--locked", "--version", TRUNK_VERSION]))
}

fn ensure_wasm_bindgen() -> anyhow::Result<()> {
    let version = locked_version("wasm-bindgen")?;
    let trunk_toml = std::fs::read_to_string(project_root().join("Trunk.toml"))?;
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{version}\"")) {
        bail!("Trunk.toml pins another wasm_bindgen than Cargo.lock's {version}; make them equal");
    }
    if version_of("wasm-bindgen").as_deref() == Some(&format!("wasm-bindgen {version}")) {
        return Ok(());
    }
    // Not --locked: the registry lacks one of the CLI's locked dependencies.
    run(Command::new("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--force",
        "--version",
        &version,
    ]))
}

/// Cuts the field app's wasm into the first screen's module and the rest
/// (build/bin/wasm-bindgen). It prints no version, so cargo's list of
/// installed crates tells.
fn ensure_wasm_split() -> anyhow::Result<()> {
    let installed = output_of("cargo", &["install", "--list"]).unwrap_or_default();
    if installed.contains(&format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:")) {
        return Ok(());
    }
    run(Command::new("cargo").args([
        "install",
        "wasm_split_cli_support",
        "--locked",
        "--features",
        "build-binary",
        "--version",
        WASM_SPLIT_VERSION,
    ]))
}

fn ensure_npm_packages() -> anyhow::Result<()> {
    let root = project_root();
    let wasm_opt_ok = output_of(
        &root.join("node_modules/.bin/wasm-opt").to_string_lossy(),
        &["--version"],
    )
    .is_some_and(|version| version.contains(WASM_OPT_VERSION));
    let playwright_ok = std::fs::read_to_string(
        root.join("node_modules/playwright-core/package.json"),
    )
    .is_ok_and(|manifest| manifest.contains(&format!("\"version\": \"{PLAYWRIGHT_VERSION}\"")));
    if wasm_opt_ok && playwright_ok && every_locked_package_installed(&root) {
        return Ok(());
    }
    if output_of("npm", &["--version"]).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&root))
}

/// Whether every package `package-lock.json` names has its directory under
/// `node_modules`: a package added to the lock since the last `npm ci` (in a
/// checkout that keeps its `node_modules`) makes this false.
fn every_locked_package_installed(root: &Path) -> bool {
    let Ok(lock) = std::fs::read_to_string(root.join("package-lock.json")) else {
        return false;
    };
    lock.lines()
        .filter_map(|line| line.trim().strip_prefix("\"node_modules/"))
        .filter_map(|rest| rest.split_once("\": {").map(|(name, _)| name))
        .all(|name| {
            root.join("node_modules")
                .join(name)
                .join("package.json")
                .exists()
        })
}

/// moto's S3 server, from PyPI, for the server tests that keep photos in a
/// bucket (they start one per test on a loopback port).
fn ensure_moto() -> anyhow::Result<()> {
    ensure_pip_package("moto[server]", "moto", MOTO_VERSION)
}

/// aiosmtpd, from PyPI, for the server's mail tests: each starts a real SMTP
/// server on a loopback port that writes every message it accepts to a
/// directory.
fn ensure_aiosmtpd() -> anyhow::Result<()> {
    ensure_pip_package("aiosmtpd", "aiosmtpd", AIOSMTPD_VERSION)
}

/// openpyxl, from PyPI: the end-to-end export test opens the XLSX the
/// Command Center downloads with a real spreadsheet reader.
fn ensure_openpyxl() -> anyhow::Result<()> {
    ensure_pip_package("openpyxl", "openpyxl", OPENPYXL_VERSION)
}

/// Schemathesis, from PyPI, for the API conformance step of `cargo xtask
/// test` (`xtask/src/schemathesis.rs`).
pub fn ensure_schemathesis() -> anyhow::Result<()> {
    ensure_pip_package("schemathesis", "schemathesis", SCHEMATHESIS_VERSION)
}

/// Installs `requirement` at `version` from PyPI unless the distribution
/// `distribution` is installed at exactly that version already.
fn ensure_pip_package(requirement: &str, distribution: &str, version: &str) -> anyhow::Result<()> {
    let probe = format!("from importlib.metadata import version; print(version('{distribution}'))");
    if output_of("python3", &["-c", &probe])
        .as_deref()
        .map(str::trim)
        == Some(version)
    {
        return Ok(());
    }
    run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("{requirement}=={version}"),
    ]))
}

/// poppler-utils' pdftotext reads the PDF letters the mail tests receive
/// (and pdftoppm draws the README's picture of one).
fn ensure_poppler() -> anyhow::Result<()> {
    if Path::new("/usr/bin/pdftotext").exists() && Path::new("/usr/bin/pdftoppm").exists() {
        return Ok(());
    }
    apt_install(&["poppler-utils"])
}

fn ensure_chromium() -> anyhow::Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// The tests need PostgreSQL at 127.0.0.1:5432. Machines of this project run
/// one already; elsewhere Debian's package is installed and started with
/// trust authentication on loopback, which is what the tests expect.
fn ensure_postgres() -> anyhow::Result<()> {
    if postgres_listening() {
        return Ok(());
    }
    if output_of("pg_lsclusters", &["--no-header"]).is_none_or(|clusters| clusters.is_empty()) {
        apt_install(&["postgresql"])?;
    }
    let clusters =
        output_of("pg_lsclusters", &["--no-header"]).context("pg_lsclusters after installing")?;
    let first = clusters
        .lines()
        .next()
        .context("no PostgreSQL cluster after installing postgresql")?;
    let mut fields = first.split_whitespace();
    let (version, name) = (
        fields.next().unwrap_or_default(),
        fields.next().unwrap_or("main"),
    );
    trust_loopback(version, name)?;
    run(Command::new("pg_ctlcluster").args(["--skip-systemctl-redirect", version, name, "start"]))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if postgres_listening() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("PostgreSQL did not start listening on {POSTGRES_ADDRESS}")
}

fn postgres_listening() -> bool {
    let address: SocketAddr = POSTGRES_ADDRESS.parse().expect("a valid address");
    TcpStream::connect_timeout(&address, Duration::from_secs(1)).is_ok()
}

fn trust_loopback(version: &str, cluster: &str) -> anyhow::Result<()> {
    let hba = format!("/etc/postgresql/{version}/{cluster}/pg_hba.conf");
    let current = std::fs::read_to_string(&hba).with_context(|| format!("reading {hba}"))?;
    let rule = "host all all 127.0.0.1/32 trust";
    if current.lines().next() == Some(rule) {
        return Ok(());
    }
    std::fs::write(&hba, format!("{rule}\n{current}")).with_context(|| format!("writing {hba}"))
}

static APT_UPDATED: AtomicBool = AtomicBool::new(false);

fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    if !APT_UPDATED.swap(true, Ordering::SeqCst) {
        run(Command::new("apt-get").arg("update"))?;
    }
    run(Command::new("apt-get")
        .args(["install", "-y"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn version_of(program: &str) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .env("PATH", tool_path())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The version of `package` in Cargo.lock.
pub fn locked_version(package: &str) -> anyhow::Result<String> {
    let lock =
        std::fs::read_to_string(project_root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            let version = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \"")?.strip_suffix('"'));
            return version.map(str::to_owned).context("malformed Cargo.lock");
        }
    }
    bail!("{package} is not in Cargo.lock")
}
