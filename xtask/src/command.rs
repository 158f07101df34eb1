//! Running commands with their output visible, and finding the project root.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the project root")
        .to_path_buf()
}

/// Prints the command, runs it with inherited output, fails on non-zero exit.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    eprintln!("$ {}", describe(command));
    let status = command
        .status()
        .with_context(|| format!("starting {}", describe(command)))?;
    if !status.success() {
        bail!("{} failed with {status}", describe(command));
    }
    Ok(())
}

/// Runs the command, echoing its output as it comes and also returning it,
/// so test counts can be read from it. Returns whether it succeeded.
pub fn run_tee(command: &mut Command) -> anyhow::Result<(bool, String)> {
    use std::io::{BufRead, BufReader, Write};
    eprintln!("$ {}", describe(command));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", describe(command)))?;
    let stderr = child.stderr.take().expect("piped");
    let stderr_thread = std::thread::spawn(move || {
        let mut collected = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            collected.push_str(&line);
            collected.push('\n');
        }
        collected
    });
    let mut output = String::new();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        println!("{line}");
        let _ = std::io::stdout().flush();
        output.push_str(&line);
        output.push('\n');
    }
    output.push_str(&stderr_thread.join().unwrap_or_default());
    let status = child.wait()?;
    Ok((status.success(), output))
}

/// The command's trimmed stdout, or `None` if it cannot run or fails.
pub fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// PATH with the project's npm tools (wasm-opt) and cargo's bin first.
pub fn tool_path() -> String {
    let root = project_root();
    let mut parts = vec![root.join("node_modules/.bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(cargo_home_default)
    {
        parts.push(home.join("bin"));
    }
    let mut path = std::env::join_paths(parts)
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    if let Ok(existing) = std::env::var("PATH") {
        path.push(':');
        path.push_str(&existing);
    }
    path
}

fn cargo_home_default() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo"))
}
