//! `cargo xtask test`: every check and test of the project, with one summary.
//!
//! Runs lints, native tests (server against SQLite and PostgreSQL), browser
//! tests of the wasm code through wasm-bindgen-test in headless Chromium, and
//! the end-to-end tests in Chromium through playwright-core. Each runner's
//! counts are read from its closing lines and added up; a step that fails
//! without reporting counts counts as one failure.

use crate::architecture;
use crate::bench;
use crate::build::{APP_DIR, PUSAT_DIR, build_app, build_pusat, build_server};
use crate::command::{project_root, run_tee, tool_path};
use crate::tools;
use anyhow::bail;
use std::process::Command;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask test");
    }
    tools::ensure_test_tools()?;
    let mut total = Tally::default();
    let mut failed_steps = Vec::new();
    // The invariants ARCHITECTURE.md states as absences, read off the source.
    let (passed, failed) = architecture::run(&project_root());
    if failed > 0 {
        failed_steps.push("architecture".into());
    }
    total += Tally { passed, failed };
    let mut step = |name: &str, command: &mut Command, counts: fn(&str) -> Tally| {
        let tally = match run_tee(command.env("PATH", tool_path())) {
            Ok((success, output)) => {
                let mut tally = counts(&output);
                if !success && tally.failed == 0 {
                    tally.failed = 1;
                }
                tally
            }
            Err(error) => {
                eprintln!("{name}: {error:#}");
                Tally {
                    passed: 0,
                    failed: 1,
                }
            }
        };
        if tally.failed > 0 {
            failed_steps.push(name.to_owned());
        }
        total += tally;
    };

    step(
        "rustfmt",
        Command::new("cargo").args(["fmt", "--all", "--check"]),
        check_counts,
    );
    step(
        "clippy (native)",
        Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
        check_counts,
    );
    step(
        "clippy (wasm)",
        Command::new("cargo").args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "--package",
            "kabar-desa",
            "--package",
            "kabar-shared",
            "--package",
            "kabar-pusat",
            "--all-targets",
            // The split point as the app's build compiles it.
            "--features",
            "kabar-desa/split",
            "--",
            "-D",
            "warnings",
        ]),
        check_counts,
    );
    step(
        "native tests",
        Command::new("cargo").args(["test", "--workspace"]),
        cargo_test_counts,
    );
    step(
        "browser tests (wasm-bindgen-test)",
        Command::new("cargo")
            .args(["test", "--target", "wasm32-unknown-unknown"])
            .args([
                "--package",
                "kabar-desa",
                "--test",
                "outbox_db",
                "--test",
                "gzip",
            ])
            .args(["--package", "kabar-shared", "--test", "vectors"]),
        cargo_test_counts,
    );

    step("fault suite", &mut faults_command(), cargo_test_counts);

    let end_to_end = end_to_end_tests(&["tests/e2e/".to_owned()]);
    // The size budget reads the `dist/` the end-to-end build made.
    let budget = end_to_end
        .as_ref()
        .ok()
        .map(|_| bench::check_first_load_budget());
    match end_to_end {
        Ok(mut command) => step("end-to-end tests", &mut command, node_test_counts),
        Err(error) => {
            eprintln!("building the app and the server for the end-to-end tests failed: {error:#}");
            failed_steps.push("end-to-end build".into());
            total.failed += 1;
        }
    }

    match budget {
        Some(Ok(())) => total.passed += 1,
        Some(Err(error)) => {
            eprintln!("first-load size budget: {error:#}");
            failed_steps.push("first-load size budget".into());
            total.failed += 1;
        }
        None => {}
    }

    // Schemathesis against a live server, after the end-to-end build made
    // the dev server binary.
    let tally = match crate::schemathesis::run_checks() {
        Ok((success, output)) => {
            let mut tally = schemathesis_counts(&output);
            if !success && tally.failed == 0 {
                tally.failed = 1;
            }
            tally
        }
        Err(error) => {
            eprintln!("schemathesis: {error:#}");
            Tally {
                passed: 0,
                failed: 1,
            }
        }
    };
    if tally.failed > 0 {
        failed_steps.push("schemathesis".into());
    }
    total += tally;

    if !failed_steps.is_empty() {
        eprintln!("failed: {}", failed_steps.join(", "));
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

/// Builds both apps and the server, then returns the `node --test` command
/// for the given end-to-end files or folders.
fn end_to_end_tests(files: &[String]) -> anyhow::Result<Command> {
    build_app()?;
    build_pusat()?;
    let server = build_server("dev")?;
    let root = project_root();
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-concurrency=1"])
        .args(files)
        .env("PATH", tool_path())
        .env("KABAR_SERVER_BIN", server)
        .env("KABAR_APP_DIR", root.join(APP_DIR))
        .env("KABAR_PUSAT_DIR", root.join(PUSAT_DIR));
    Ok(command)
}

/// `cargo xtask e2e [FILE...]`: the end-to-end tests alone, all of them or
/// the named files, for work on one screen without the whole suite.
pub fn run_end_to_end(args: &[String]) -> anyhow::Result<()> {
    tools::ensure_test_tools()?;
    let files = if args.is_empty() {
        vec!["tests/e2e/".to_owned()]
    } else {
        args.to_vec()
    };
    let (success, output) = run_tee(&mut end_to_end_tests(&files)?)?;
    let tally = node_test_counts(&output);
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if !success || tally.failed > 0 {
        bail!("end-to-end tests failed");
    }
    Ok(())
}

/// The slow fault scenarios (`crates/server/tests/faults.rs`): the real
/// server process killed mid-sync, uploads cut mid-photo, 200 phones at
/// once. They are `#[ignore]`d in a plain `cargo test`.
fn faults_command() -> Command {
    let mut command = Command::new("cargo");
    command.args([
        "test",
        "--package",
        "kabar-server",
        "--test",
        "faults",
        "--",
        "--ignored",
        // One at a time: each scenario loads the machine on purpose.
        "--test-threads=1",
        "--nocapture",
    ]);
    command
}

/// `cargo xtask faults`: only the fault suite, which `test` also runs.
pub fn run_faults(args: &[String]) -> anyhow::Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask faults");
    }
    tools::ensure_test_tools()?;
    let (success, output) = run_tee(faults_command().env("PATH", tool_path()))?;
    let tally = cargo_test_counts(&output);
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if !success {
        bail!("the fault suite failed");
    }
    Ok(())
}

/// Schemathesis counts by API operation: `Tested: N` in its summary, and a
/// closing line such as `== 3 failures, 1 errors, 2 warnings in 41.2s ==`
/// (or `== 2 warnings in 52.4s ==` when all passed). Without a summary the
/// run counts as one test.
fn schemathesis_counts(output: &str) -> Tally {
    let tested = output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Tested:"))
        .and_then(|n| n.trim().parse::<usize>().ok());
    let closing = output
        .lines()
        .rev()
        .find(|line| line.starts_with("==") && line.contains(" in "))
        .unwrap_or("");
    let failed = number_before(closing, " failure") + number_before(closing, " error");
    match tested {
        Some(tested) => Tally {
            passed: tested.saturating_sub(failed),
            failed,
        },
        None => check_counts(output),
    }
}

/// A lint or format check counts as one test.
fn check_counts(_output: &str) -> Tally {
    Tally {
        passed: 1,
        failed: 0,
    }
}

/// Sums libtest's and wasm-bindgen-test's `test result: … N passed; M failed`.
fn cargo_test_counts(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output
        .lines()
        .filter(|line| line.trim_start().starts_with("test result:"))
    {
        tally.passed += number_before(line, " passed");
        tally.failed += number_before(line, " failed");
    }
    tally
}

/// node's test runner ends with `# pass N` and `# fail N`.
fn node_test_counts(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output.lines() {
        if let Some(n) = line.strip_prefix("# pass ") {
            tally.passed += n.trim().parse().unwrap_or(0);
        }
        if let Some(n) = line.strip_prefix("# fail ") {
            tally.failed += n.trim().parse().unwrap_or(0);
        }
    }
    tally
}

fn number_before(line: &str, marker: &str) -> usize {
    let Some(end) = line.find(marker) else {
        return 0;
    };
    let start = line[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    line[start..end].parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_from_every_runner() {
        fn check(counts: fn(&str) -> Tally, output: &str, expect: (usize, usize)) {
            assert_eq!(
                counts(output),
                Tally {
                    passed: expect.0,
                    failed: expect.1
                }
            );
        }
        check(
            cargo_test_counts,
            "test result: ok. 19 passed; 0 failed; 0 ignored\n\
             test result: FAILED. 3 passed; 2 failed; 1 ignored; 0 measured",
            (22, 2),
        );
        check(cargo_test_counts, "running 0 tests\n", (0, 0));
        check(
            node_test_counts,
            "# tests 3\n# pass 2\n# fail 1\n# skipped 0\n",
            (2, 1),
        );
        check(
            schemathesis_counts,
            "API Operations:\n  Selected: 28/30\n  Tested: 28\n\n\
             ============================= 2 warnings in 52.43s =============================",
            (28, 0),
        );
        check(
            schemathesis_counts,
            "  Tested: 10\n  Errored: 19\n\
             ================== 3 failures, 19 errors, 1 warning in 18.55s ==================",
            (0, 22),
        );
    }
}
