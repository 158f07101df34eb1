//! Building the app with Trunk and the server with cargo, and `cargo xtask run`.

use crate::command::{project_root, run as run_command, tool_path};
use crate::tools;
use anyhow::{Context, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const APP_DIR: &str = "dist";
/// The Command Center's build, served at `/pusat/`.
pub const PUSAT_DIR: &str = "dist-pusat";
const DATABASE: &str = "data/kabar-desa.db";

/// `cargo xtask run`: build everything in release and serve it.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let listen = match args {
        [] => "127.0.0.1:8080".to_owned(),
        [flag, address] if flag == "--listen" => address.clone(),
        _ => bail!("usage: cargo xtask run [--listen ADDR:PORT]"),
    };
    tools::ensure_build_tools()?;
    build_app()?;
    build_pusat()?;
    let server = build_server("server")?;
    let accounts = Command::new(&server)
        .args(["--database", DATABASE, "user", "list"])
        .output()?;
    if String::from_utf8_lossy(&accounts.stdout).trim().is_empty() {
        println!(
            "\nNo accounts yet. Create one (the password is read from standard input), e.g.:\n  \
             echo 'rahasia-desa-2026' | {} --database {DATABASE} user create --username sangadi.moyag \\\n    \
             --role village-head --village 71.74.02.2001 --name \"Sangadi Moyag\" --password-stdin",
            server.display()
        );
    }
    println!(
        "\nKabar Desa: http://{listen}/  Command Center: http://{listen}/pusat/  (data in ./data/, Ctrl+C stops)\n"
    );
    run_command(Command::new(server).args([
        "--listen",
        &listen,
        "--database",
        "data/kabar-desa.db",
        "--app-dir",
        APP_DIR,
        "--pusat-dir",
        PUSAT_DIR,
    ]))
}

/// `trunk build --release` into `dist/`, then `.br` and `.gz` next to every
/// text and wasm file so the server can send them precompressed.
pub fn build_app() -> anyhow::Result<()> {
    run_command(
        Command::new("trunk")
            .args(["build", "--release"])
            .env("PATH", trunk_path()),
    )?;
    precompress(&project_root().join(APP_DIR))
}

/// The Command Center the same way, from `crates/pusat/` (its own
/// Trunk.toml) into `dist-pusat/`: a separate bundle the field app never
/// loads.
pub fn build_pusat() -> anyhow::Result<()> {
    run_command(
        Command::new("trunk")
            .args(["build", "--release"])
            .current_dir(project_root().join("crates/pusat"))
            .env("PATH", trunk_path()),
    )?;
    precompress(&project_root().join(PUSAT_DIR))
}

/// PATH for Trunk: build/bin's wasm-bindgen first. It cuts the field app's
/// wasm into its two modules before the real one runs (Trunk has no step of
/// its own between the two), and for the Command Center, whose Trunk shares
/// wasm-bindgen's output directory, it removes the field app's chunks from
/// there, which Trunk would otherwise copy into the Command Center's build.
fn trunk_path() -> String {
    format!(
        "{}:{}",
        project_root().join("build/bin").display(),
        tool_path()
    )
}

/// Builds the server with `profile` ("dev" or "server") and returns its path.
pub fn build_server(profile: &str) -> anyhow::Result<PathBuf> {
    run_command(Command::new("cargo").args([
        "build",
        "--package",
        "kabar-server",
        "--profile",
        profile,
    ]))?;
    let directory = if profile == "dev" { "debug" } else { profile };
    Ok(target_dir().join(directory).join("kabar-server"))
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set (CI keeps one
/// between runs of fresh clones), else `target/` in the project.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                project_root().join(dir)
            }
        })
        .unwrap_or_else(|| project_root().join("target"))
}

fn precompress(directory: &Path) -> anyhow::Result<()> {
    for entry in
        std::fs::read_dir(directory).with_context(|| format!("reading {}", directory.display()))?
    {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "html" | "js" | "wasm" | "css" | "webmanifest" | "json"));
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        std::fs::write(with_suffix(&path, "br"), brotli_bytes(&bytes)?)?;
        std::fs::write(with_suffix(&path, "gz"), gzip_bytes(&bytes)?)?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

pub fn brotli_bytes(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut output = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut output, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(output)
}

pub fn gzip_bytes(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}
