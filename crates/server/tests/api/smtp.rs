//! A real SMTP server for the mail tests: `tests/smtp_sink.py` on aiosmtpd
//! (PyPI `aiosmtpd`, which `cargo xtask test` installs), one per test on a
//! free loopback port, writing each accepted message to a directory with a
//! JSON summary (envelope, subject, bodies, attachments saved as files).
//! Without aiosmtpd the mail tests fail (there is no skipping them: they are
//! how the mayor's mail is known to work). The PDF checks use `pdftotext`
//! from Debian's poppler-utils.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A port nobody listens on now (bound, then let go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct SmtpSink {
    child: Option<std::process::Child>,
    pub port: u16,
    pub dir: PathBuf,
}

impl SmtpSink {
    /// Starts a sink on a free port, writing into `dir`.
    pub fn start(dir: &Path) -> SmtpSink {
        SmtpSink::start_on(free_port(), dir)
    }

    /// Starts a sink on `port`, e.g. after a test let the server find it
    /// down for a while.
    pub fn start_on(port: u16, dir: &Path) -> SmtpSink {
        std::fs::create_dir_all(dir).unwrap();
        let python = std::env::var("KABAR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let child = std::process::Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {python} {} ({error}). Install aiosmtpd (`pip install \
                     aiosmtpd`, cargo xtask test does).",
                    script.display()
                )
            });
        let mut sink = SmtpSink {
            child: Some(child),
            port,
            dir: dir.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(Ok(Some(status))) = sink.child.as_mut().map(|child| child.try_wait()) {
                panic!(
                    "the SMTP sink exited with {status}: is aiosmtpd installed? \
                     (pip install aiosmtpd)"
                );
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink did not listen on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    /// The SMTP URL a server sends through.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The summaries of the messages received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        read_messages(&self.dir)
    }

    /// Waits until at least `count` messages arrived, and returns them.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} messages within {within:?}, got {}: {messages:#?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn read_messages(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|path| serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap())
        .collect()
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The text of a PDF, by `pdftotext` (poppler-utils).
pub fn pdf_text(path: &str) -> String {
    let output = std::process::Command::new("pdftotext")
        .args(["-layout", path, "-"])
        .output()
        .unwrap_or_else(|error| {
            panic!("cannot run pdftotext ({error}): install poppler-utils (cargo xtask test does)")
        });
    assert!(
        output.status.success(),
        "pdftotext could not read {path}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
