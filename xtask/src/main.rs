//! `cargo xtask run | test | bench`: the project's only entry points. Each
//! installs what it needs first, skipping what is already present at the
//! right version, so a fresh machine and a warm one run the same command.

mod architecture;
mod bench;
mod build;
mod command;
mod schemathesis;
mod test;
mod tools;

use anyhow::bail;

const USAGE: &str = "\
cargo xtask run [--listen ADDR:PORT]   build the app in release and serve it with the API (default 127.0.0.1:8080)
cargo xtask test                       install test tools, run every test, print `N passed, N failed`
cargo xtask e2e [FILE...]              build the apps and the server, run the end-to-end tests (all, or the named files)
cargo xtask faults                     the slow fault suite: server killed mid-sync, torn uploads, 200 phones (also part of `test`)
cargo xtask schemathesis               Schemathesis against a live dev server and /api/openapi.json (also part of `test`)
cargo xtask architecture               check the invariants ARCHITECTURE.md states (also part of `test`)
cargo xtask bench                      measure the first-load size and speed of the app and the server's sync
cargo xtask size                       the first-load table of the last build's dist/ and its size budget (part of `test`)";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = args
        .split_first()
        .map(|(t, r)| (t.as_str(), r))
        .unwrap_or(("", &[]));
    std::env::set_current_dir(command::project_root())?;
    match task {
        "run" => build::run(rest),
        "test" => test::run(rest),
        "bench" => bench::run(rest),
        "size" => bench::check_first_load_budget(),
        "faults" => test::run_faults(rest),
        "e2e" => test::run_end_to_end(rest),
        "schemathesis" => schemathesis::run(rest),
        "architecture" => match architecture::run(&command::project_root()) {
            (_, 0) => Ok(()),
            (_, failed) => bail!("{failed} architecture checks failed"),
        },
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}
