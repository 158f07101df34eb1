//! `cargo xtask test`'s architecture check: the invariants ARCHITECTURE.md
//! states as absences ("only `store/` knows SQL", "the shared crate does no
//! I/O") are checked here by reading the source, so the map cannot drift
//! from the territory without a failing test.
//!
//! Each rule names the words that are forbidden in a part of the tree and the
//! files that are exempt from it. The search is textual on purpose: it needs
//! no compiler, runs in milliseconds and catches a `use` and a full path
//! alike. Comment lines are skipped, so prose may name what code may not use.
//! A second check makes every Rust source file appear in ARCHITECTURE.md, in
//! the section of its crate.

use std::path::{Path, PathBuf};

/// One invariant stated as an absence.
pub struct Rule {
    /// The sentence ARCHITECTURE.md uses for it.
    pub statement: &'static str,
    /// Directories (relative to the project root) whose `.rs` files are read.
    pub scope: &'static [&'static str],
    /// Files or directories (relative to the root, prefix match) allowed to
    /// use the forbidden words: the one module that owns the concern.
    pub owners: &'static [&'static str],
    /// Text that may not appear in code outside the owners.
    pub forbidden: &'static [&'static str],
}

pub const RULES: &[Rule] = &[
    Rule {
        statement: "The shared crate does no I/O",
        scope: &["crates/shared/src"],
        owners: &[],
        forbidden: &[
            "std::fs",
            "std::net",
            "std::env",
            "std::process",
            "std::io::stdin",
            "SystemTime",
            "Instant::now",
            "getrandom",
            "tokio",
            "web_sys",
            "js_sys",
            "wasm_bindgen::",
            "reqwest",
            "sqlx",
            "rexie",
        ],
    },
    Rule {
        statement: "Only the server's `store/` knows SQL",
        scope: &[
            "crates/server/src",
            "src",
            "crates/shared/src",
            "crates/pusat/src",
        ],
        owners: &["crates/server/src/store/"],
        forbidden: &[
            "sqlx::",
            "use sqlx",
            "\"SELECT ",
            "\"INSERT ",
            "\"UPDATE ",
            "\"DELETE FROM",
            "\"CREATE TABLE",
        ],
    },
    Rule {
        statement: "Only the field app's storage module knows IndexedDB",
        scope: &["src", "crates/pusat/src"],
        owners: &["src/outbox_db.rs", "src/storage"],
        forbidden: &["rexie", "IdbFactory", "indexed_db"],
    },
    Rule {
        statement: "Only each app's `api` module calls `fetch`",
        scope: &["src", "crates/pusat/src"],
        owners: &[
            "src/api.rs",
            "crates/pusat/src/api.rs",
            "crates/pusat/src/api/",
        ],
        forbidden: &["gloo_net", "fetch_with_request", "fetch_with_str"],
    },
    Rule {
        statement: "Only `components/later.rs` splits the field app's wasm, and only it may allow unsafe code",
        scope: &["src"],
        owners: &["src/components/later.rs"],
        forbidden: &["wasm_split", "allow(unsafe_code)"],
    },
    Rule {
        statement: "The field app never depends on the Command Center",
        scope: &["src"],
        owners: &[],
        forbidden: &["kabar_pusat"],
    },
];

/// A forbidden word found in a file outside the rule's owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub statement: &'static str,
    pub file: String,
    pub line: usize,
    pub word: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` breaks \"{}\"",
            self.file, self.line, self.word, self.statement
        )
    }
}

/// Every place a rule is broken in one file's text.
pub fn violations_in(rule: &Rule, file: &str, text: &str) -> Vec<Violation> {
    if rule.owners.iter().any(|owner| file.starts_with(owner)) {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        // One report per line is enough to find it.
        if let Some(word) = rule.forbidden.iter().find(|word| code.contains(**word)) {
            found.push(Violation {
                statement: rule.statement,
                file: file.to_owned(),
                line: index + 1,
                word,
            });
        }
    }
    found
}

/// The Rust files under `dir`, as paths relative to `root`, sorted.
fn rust_files(root: &Path, dir: &str) -> Vec<String> {
    fn walk(path: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root.join(dir), &mut files);
    let mut relative: Vec<String> = files
        .iter()
        .filter_map(|path| path.strip_prefix(root).ok())
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect();
    relative.sort();
    relative
}

/// Runs every rule over the tree under `root`.
pub fn check_rules(root: &Path) -> Vec<Violation> {
    let mut found = Vec::new();
    for rule in RULES {
        for dir in rule.scope {
            for file in rust_files(root, dir) {
                let text = std::fs::read_to_string(root.join(&file)).unwrap_or_default();
                found.extend(violations_in(rule, &file, &text));
            }
        }
    }
    found
}

/// The crates whose every source file ARCHITECTURE.md must name, each with the
/// heading of its section there.
pub const MAPPED_CRATES: &[(&str, &str)] = &[
    ("crates/shared/src", "### `crates/shared`"),
    ("src", "### `src/`"),
    ("crates/server/src", "### `crates/server`"),
    ("crates/pusat/src", "### `crates/pusat`"),
    ("xtask/src", "### `xtask`"),
];

/// Source files the map does not name. A file counts as named when its
/// module name (`store/reports` for `store/reports.rs`, the directory for a
/// `mod.rs`) appears in backticks in its crate's section, with or without
/// `.rs` or a trailing `/`, or, for a file directly under `src`, as its bare
/// name. `lib.rs` and `main.rs` are the crate itself.
pub fn unmapped_files(map: &str, crate_dir: &str, heading: &str, files: &[String]) -> Vec<String> {
    let section = match map.find(heading) {
        Some(start) => {
            let rest = &map[start + heading.len()..];
            &rest[..rest.find("\n### ").unwrap_or(rest.len())]
        }
        None => "",
    };
    files
        .iter()
        .filter(|file| {
            let relative = file
                .strip_prefix(crate_dir)
                .unwrap_or(file)
                .trim_start_matches('/');
            let module = relative.trim_end_matches(".rs");
            let module = module.strip_suffix("/mod").unwrap_or(module);
            if matches!(module, "lib" | "main") {
                return false;
            }
            let bare = module.rsplit('/').next().unwrap_or(module);
            let names = [
                format!("`{module}`"),
                format!("`{module}.rs`"),
                format!("`{module}/`"),
                format!("`{bare}`"),
                format!("`{bare}.rs`"),
                format!("`{bare}/`"),
            ];
            !names.iter().any(|name| section.contains(name.as_str()))
        })
        .cloned()
        .collect()
}

/// The names of browser storage that `index.html`'s inline scripts use
/// before the app has loaded (`localStorage.getItem("…")` keys and the
/// database of `indexedDB.open("…")`) but that no Rust source of the app
/// names as a string: a renamed key in `storage` would silently leave the
/// page looking for the old one.
pub fn page_storage_names_unknown_to_app(page: &str, app_sources: &[String]) -> Vec<String> {
    let mut unknown = Vec::new();
    for call in ["localStorage.getItem(\"", "indexedDB.open(\""] {
        for (at, _) in page.match_indices(call) {
            let rest = &page[at + call.len()..];
            let Some(end) = rest.find('"') else { continue };
            let name = &rest[..end];
            let quoted = format!("\"{name}\"");
            if !app_sources.iter().any(|source| source.contains(&quoted))
                && !unknown.iter().any(|known| known == name)
            {
                unknown.push(name.to_owned());
            }
        }
    }
    unknown
}

/// Runs the checks and prints what fails. Returns (checks passed, failed):
/// each rule, each mapped crate and the page's storage names count as one
/// check.
pub fn run(root: &Path) -> (usize, usize) {
    let mut passed = 0;
    let mut failed = 0;
    // One check's problems, each a line to print; none means it passed.
    let mut tally = |problems: Vec<String>| {
        if problems.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            for problem in problems {
                eprintln!("architecture: {problem}");
            }
        }
    };
    let violations = check_rules(root);
    for rule in RULES {
        tally(
            violations
                .iter()
                .filter(|violation| violation.statement == rule.statement)
                .map(ToString::to_string)
                .collect(),
        );
    }
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    for (crate_dir, heading) in MAPPED_CRATES {
        let files = rust_files(root, crate_dir);
        if files.is_empty() {
            continue;
        }
        let missing = unmapped_files(&map, crate_dir, heading, &files);
        tally(if missing.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "ARCHITECTURE.md's section {heading} does not name {}",
                missing.join(", ")
            )]
        });
    }
    let page = std::fs::read_to_string(root.join("index.html")).unwrap_or_default();
    let app_sources: Vec<String> = rust_files(root, "src")
        .iter()
        .map(|file| std::fs::read_to_string(root.join(file)).unwrap_or_default())
        .collect();
    let unknown = page_storage_names_unknown_to_app(&page, &app_sources);
    tally(if unknown.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "index.html uses browser storage the app does not name: {}",
            unknown.join(", ")
        )]
    });
    println!("architecture: {passed} checks passed, {failed} failed");
    (passed, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(statement: &'static str) -> &'static Rule {
        RULES
            .iter()
            .find(|rule| rule.statement == statement)
            .unwrap()
    }

    #[test]
    fn forbidden_words_are_found_outside_their_owners_only() {
        fn check(statement: &'static str, file: &str, text: &str, expect: &[(usize, &str)]) {
            let found: Vec<(usize, &str)> = violations_in(rule(statement), file, text)
                .into_iter()
                .map(|violation| (violation.line, violation.word))
                .collect();
            assert_eq!(found, expect, "{file}: {text:?}");
        }
        let sql = "Only the server's `store/` knows SQL";
        check(
            sql,
            "crates/server/src/sync.rs",
            "use sqlx::Row;\n",
            &[(1, "sqlx::")],
        );
        check(
            sql,
            "crates/server/src/store/reports.rs",
            "use sqlx::Row;",
            &[],
        );
        check(
            sql,
            "crates/server/src/reports.rs",
            "let q = \"SELECT id FROM reports\";",
            &[(1, "\"SELECT ")],
        );
        // Prose and configuration strings may name the crate.
        check(
            sql,
            "crates/server/src/telemetry.rs",
            "// sqlx logs\nEnvFilter::new(\"sqlx=warn\")",
            &[],
        );

        let io = "The shared crate does no I/O";
        check(
            io,
            "crates/shared/src/report.rs",
            "let now = std::time::SystemTime::now();",
            &[(1, "SystemTime")],
        );
        check(
            io,
            "crates/shared/src/report.rs",
            "/// Never reads SystemTime: the caller passes it.",
            &[],
        );

        let idb = "Only the field app's storage module knows IndexedDB";
        check(
            idb,
            "src/components/app.rs",
            "use rexie::Rexie;",
            &[(1, "rexie")],
        );
        check(idb, "src/outbox_db.rs", "use rexie::Rexie;", &[]);

        let fetch = "Only each app's `api` module calls `fetch`";
        check(
            fetch,
            "src/sync_engine.rs",
            "gloo_net::http::Request::get(url)",
            &[(1, "gloo_net")],
        );
        check(
            fetch,
            "src/api.rs",
            "gloo_net::http::Request::get(url)",
            &[],
        );
    }

    #[test]
    fn the_page_may_read_only_storage_the_app_names() {
        fn check(page: &str, sources: &[&str], expect: &[&str]) {
            let sources: Vec<String> = sources.iter().map(|s| (*s).to_owned()).collect();
            assert_eq!(page_storage_names_unknown_to_app(page, &sources), expect);
        }
        let storage = r#"const KEY: &str = "kabar-desa.session"; const DB: &str = "kabar-desa";"#;
        check(
            r#"localStorage.getItem("kabar-desa.session"); indexedDB.open("kabar-desa")"#,
            &[storage],
            &[],
        );
        check(
            r#"localStorage.getItem("kabar-desa.user"); localStorage.getItem("kabar-desa.user")"#,
            &[storage],
            &["kabar-desa.user"],
        );
        check(r#"indexedDB.open("kabar")"#, &[storage], &["kabar"]);
        check("no storage at all", &[], &[]);
    }

    #[test]
    fn every_source_file_must_be_named_in_its_crates_section() {
        fn check(map: &str, files: &[&str], expect: &[&str]) {
            let files: Vec<String> = files.iter().map(|file| file.to_string()).collect();
            assert_eq!(
                unmapped_files(map, "crates/server/src", "### `crates/server`", &files),
                expect
            );
        }
        let map = "### `crates/shared`\n`reports`\n### `crates/server`\n`store/` holds SQL; \
                   `store/reports` the reports; `sync` push and pull.\n### `xtask`\n`photos`\n";
        check(
            map,
            &[
                "crates/server/src/lib.rs",
                "crates/server/src/store/mod.rs",
                "crates/server/src/store/reports.rs",
                "crates/server/src/sync.rs",
                "crates/server/src/photos.rs",
            ],
            // `photos` is named, but in another crate's section.
            &["crates/server/src/photos.rs"],
        );
        check(
            "no such section",
            &["crates/server/src/sync.rs"],
            &["crates/server/src/sync.rs"],
        );
    }
}
