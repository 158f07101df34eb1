//! Typed server configuration, from environment variables overridden by
//! command-line flags.

use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port (tests use that).
    pub listen: SocketAddr,
    /// The SQLite database file; created with its directory when missing.
    pub database_path: PathBuf,
    /// The built field app (Trunk's `dist/`), served at `/`. When it does not
    /// exist only the API is served.
    pub app_dir: PathBuf,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_path: PathBuf::from("data/kabar-desa.db"),
            app_dir: PathBuf::from("dist"),
        }
    }
}

pub const USAGE: &str = "\
kabar-server [--listen ADDR:PORT] [--database FILE] [--app-dir DIR]

  --listen    address to listen on       (env KABAR_LISTEN,   default 127.0.0.1:8080)
  --database  SQLite database file       (env KABAR_DATABASE, default data/kabar-desa.db)
  --app-dir   built field app to serve   (env KABAR_APP_DIR,  default dist)";

impl Settings {
    pub fn from_env_and_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Settings> {
        let mut settings = Settings::default();
        if let Ok(listen) = std::env::var("KABAR_LISTEN") {
            settings.listen = parse_listen(&listen)?;
        }
        if let Ok(path) = std::env::var("KABAR_DATABASE") {
            settings.database_path = path.into();
        }
        if let Ok(path) = std::env::var("KABAR_APP_DIR") {
            settings.app_dir = path.into();
        }
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))
            };
            match flag.as_str() {
                "--listen" => settings.listen = parse_listen(&value()?)?,
                "--database" => settings.database_path = value()?.into(),
                "--app-dir" => settings.app_dir = value()?.into(),
                "--help" | "-h" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => bail!("unknown argument {other:?}\n\n{USAGE}"),
            }
        }
        Ok(settings)
    }
}

fn parse_listen(text: &str) -> anyhow::Result<SocketAddr> {
    text.parse()
        .with_context(|| format!("listen address {text:?} is not ADDR:PORT"))
}
