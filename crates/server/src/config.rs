//! Typed server configuration, from environment variables overridden by
//! command-line flags, and the command the binary was asked to run.

use anyhow::{Context, bail};
use ipnet::IpNet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the data lives: an SQLite file (the embedded default, for one
/// server) or a PostgreSQL database (for several servers behind a load
/// balancer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// Accepts `sqlite://path`, `sqlite:path`, `postgres://…` and
    /// `postgresql://…`.
    pub fn parse(url: &str) -> anyhow::Result<Database> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() || path.contains('?') {
                bail!("database URL {url:?} needs a file path and no options: sqlite://PATH");
            }
            Ok(Database::Sqlite(path.into()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(url.to_owned()))
        } else {
            bail!("database URL {url:?} must start with sqlite:// or postgres://")
        }
    }

    /// For logs: the file, or the PostgreSQL URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => format!("sqlite://{}", path.display()),
            Database::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let credentials = &url[scheme + 3..at];
                    let user = credentials.split(':').next().unwrap_or("");
                    format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Where photos are kept. A directory is the default; an S3-compatible
/// bucket lets several servers share the photos and the city keep them off
/// the database machine. Switching is a configuration change only: the
/// server sees both through `object_store`.
#[derive(Clone, PartialEq, Eq)]
pub enum PhotoStore {
    Directory(PathBuf),
    /// A bucket, and a key prefix inside it ("" for the bucket's root).
    /// Credentials, region and endpoint come from the standard `AWS_*`
    /// environment variables; `options` (object_store's lower-case keys,
    /// such as `aws_endpoint`) override them.
    S3 {
        bucket: String,
        prefix: String,
        options: Vec<(String, String)>,
    },
}

impl PhotoStore {
    /// Accepts `s3://BUCKET[/PREFIX]`, `file:///DIR` and a plain directory.
    pub fn parse(url: &str) -> anyhow::Result<PhotoStore> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid_bucket = (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
            if !valid_bucket {
                bail!("photo store {url:?} needs an S3 bucket name: s3://BUCKET[/PREFIX]");
            }
            Ok(PhotoStore::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
                options: Vec::new(),
            })
        } else if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                bail!("photo store {url:?} needs a directory: file:///DIR");
            }
            Ok(PhotoStore::Directory(path.into()))
        } else if url.contains("://") {
            bail!("photo store {url:?} must be s3://BUCKET[/PREFIX] or a directory")
        } else if url.is_empty() {
            bail!("the photo store needs a directory or s3://BUCKET[/PREFIX]")
        } else {
            Ok(PhotoStore::Directory(url.into()))
        }
    }

    /// For logs: never the options, which may hold secrets.
    pub fn describe(&self) -> String {
        match self {
            PhotoStore::Directory(path) => format!("file://{}", path.display()),
            PhotoStore::S3 { bucket, prefix, .. } if prefix.is_empty() => format!("s3://{bucket}"),
            PhotoStore::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

impl std::fmt::Debug for PhotoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port (tests use that).
    pub listen: SocketAddr,
    /// The database; an SQLite file is created with its directory.
    pub database: Database,
    /// The built field app (Trunk's `dist/`), served at `/`. When it does not
    /// exist only the API is served.
    pub app_dir: PathBuf,
    /// The built Command Center (`dist-pusat/`), served at `/pusat/`.
    pub pusat_dir: PathBuf,
    /// Where photos are kept.
    pub photo_store: PhotoStore,
    /// The largest photo accepted, in bytes.
    pub max_photo_bytes: usize,
    /// The most pixels (width × height) a photo may have.
    pub max_photo_pixels: u64,
    /// How long a client may take to send a request's headers before the
    /// connection is closed (slowloris).
    pub header_timeout: Duration,
    /// How long a request body may stall between two pieces before the
    /// request is dropped. Not a limit on the whole upload: a photo over
    /// EDGE takes minutes but keeps arriving.
    pub body_timeout: Duration,
    /// The most connections served at once; further ones wait in the
    /// kernel's accept queue.
    pub max_connections: usize,
    /// How many password hashes run at once (each takes 19 MiB and a core
    /// for tens of milliseconds); 0 means one per core.
    pub login_hash_slots: usize,
    /// How long a login waits for a free hashing slot before it gets 503.
    pub login_queue_timeout: Duration,
    /// Load balancers and reverse proxies whose `X-Forwarded-For` is
    /// believed. Empty (the default) believes none: the socket's peer is the
    /// client, and a forged header changes nothing.
    pub trusted_proxies: Vec<IpNet>,
    /// Whether the session cookie carries `Secure`. Turn on whenever the
    /// server is reached over HTTPS (every deployment but a laptop demo).
    pub cookie_secure: bool,
    /// Mail to the mayor's office and the public feed's links (issue 11).
    pub mail: crate::mail::MailSettings,
    /// Where the Command Center's map fetches its tiles.
    pub tile_url: TileUrl,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: Database::Sqlite(PathBuf::from("data/kabar-desa.db")),
            app_dir: PathBuf::from("dist"),
            pusat_dir: PathBuf::from("dist-pusat"),
            photo_store: PhotoStore::Directory(PathBuf::from("data/photos")),
            max_photo_bytes: 10 * 1024 * 1024,
            max_photo_pixels: crate::photos::DEFAULT_MAX_PHOTO_PIXELS,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            max_connections: 1024,
            login_hash_slots: 0,
            login_queue_timeout: Duration::from_secs(5),
            trusted_proxies: Vec::new(),
            cookie_secure: false,
            mail: crate::mail::MailSettings::default(),
            tile_url: TileUrl::default(),
        }
    }
}

pub const USAGE: &str = "\
kabar-server [OPTIONS]                 run the server
kabar-server [OPTIONS] COMMAND ...     manage accounts (same database options)

Options (each also read from the environment variable shown):
  --listen ADDR:PORT      address to listen on        KABAR_LISTEN         127.0.0.1:8080
  --database-url URL      sqlite://FILE or postgres://USER@HOST:PORT/DB
                                                      KABAR_DATABASE_URL   sqlite://data/kabar-desa.db
  --database FILE         SQLite file (same as --database-url sqlite://FILE)
                                                      KABAR_DATABASE
  --app-dir DIR           built field app to serve    KABAR_APP_DIR        dist
  --pusat-dir DIR         built Command Center, at /pusat/
                                                      KABAR_PUSAT_DIR      dist-pusat
  --photo-dir DIR         where photos are stored     KABAR_PHOTO_DIR      data/photos
  --photo-store URL       s3://BUCKET[/PREFIX] or file:///DIR instead of --photo-dir
                                                      KABAR_PHOTO_STORE
                          S3 reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                          AWS_REGION, AWS_ENDPOINT (for MinIO, Ceph, ...) and
                          AWS_ALLOW_HTTP=true (for a plain-HTTP endpoint)
  --max-photo-bytes N     largest photo accepted      KABAR_MAX_PHOTO_BYTES 10485760
  --max-photo-pixels N    most pixels in a photo      KABAR_MAX_PHOTO_PIXELS 40000000
  --header-timeout S      seconds to send the headers KABAR_HEADER_TIMEOUT 10
  --body-timeout S        seconds a body may stall    KABAR_BODY_TIMEOUT   60
  --max-connections N     connections served at once  KABAR_MAX_CONNECTIONS 1024
  --login-hash-slots N    password hashes at once     KABAR_LOGIN_HASH_SLOTS one per core
  --trusted-proxies LIST  comma-separated addresses or CIDR ranges of the load
                          balancers whose X-Forwarded-For names the client
                                                      KABAR_TRUSTED_PROXIES
  --cookie-secure         mark the session cookie Secure (use behind HTTPS)
                                                      KABAR_COOKIE_SECURE=1
  --tile-url URL          map tiles of the Command Center, with {z} {x} {y}
                          ({s} for subdomains a b c)  KABAR_TILE_URL
                          https://tile.openstreetmap.org/{z}/{x}/{y}.png

Commands:
  user create --username NAME --role ROLE [--village CODE | --district CODE]
              [--name \"DISPLAY NAME\"] --password-stdin
      ROLE is village-head, kim-volunteer (both need --village 71.74.02.1003),
      reviewer (--district 71.74.02, or neither for all villages) or admin.
  user reset-password --username NAME --password-stdin
      also ends every session of the user
  user disable --username NAME     refuse logins and end every session
  user enable --username NAME
  user list
  session list [--username NAME]
  session revoke --id SESSION_ID | --username NAME
  backup --to FILE
      a consistent copy of the database while the server runs (SQLite:
      VACUUM INTO; PostgreSQL: pg_dump, which must be on PATH)
  restore --from FILE
      into a new database: an SQLite file that does not exist yet, or an
      empty PostgreSQL database (pg_restore must be on PATH); server stopped";

/// What the binary was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    UserCreate {
        username: String,
        role: String,
        village: Option<String>,
        district: Option<String>,
        name: Option<String>,
    },
    UserResetPassword {
        username: String,
    },
    UserDisable {
        username: String,
    },
    UserEnable {
        username: String,
    },
    UserList,
    SessionList {
        username: Option<String>,
    },
    SessionRevoke {
        id: Option<String>,
        username: Option<String>,
    },
    /// A consistent copy of the database, taken while the server runs.
    Backup {
        to: PathBuf,
    },
    /// A backup restored into a new, empty database.
    Restore {
        from: PathBuf,
    },
}

impl Settings {
    pub fn from_env_and_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Settings> {
        Ok(parse_command_line(args)?.0)
    }
}

/// Reads the environment, then the flags, and the command words among them.
pub fn parse_command_line(
    args: impl IntoIterator<Item = String>,
) -> anyhow::Result<(Settings, Command)> {
    let mut settings = Settings::default();
    if let Ok(listen) = std::env::var("KABAR_LISTEN") {
        settings.listen = parse_listen(&listen)?;
    }
    if let Ok(path) = std::env::var("KABAR_DATABASE") {
        settings.database = Database::Sqlite(path.into());
    }
    if let Ok(url) = std::env::var("KABAR_DATABASE_URL") {
        settings.database = Database::parse(&url)?;
    }
    if let Ok(path) = std::env::var("KABAR_APP_DIR") {
        settings.app_dir = path.into();
    }
    if let Ok(path) = std::env::var("KABAR_PUSAT_DIR") {
        settings.pusat_dir = path.into();
    }
    if let Ok(path) = std::env::var("KABAR_PHOTO_DIR") {
        settings.photo_store = PhotoStore::Directory(path.into());
    }
    if let Ok(url) = std::env::var("KABAR_PHOTO_STORE") {
        settings.photo_store = PhotoStore::parse(&url)?;
    }
    if let Ok(bytes) = std::env::var("KABAR_MAX_PHOTO_BYTES") {
        settings.max_photo_bytes = parse_bytes(&bytes)?;
    }
    if let Ok(pixels) = std::env::var("KABAR_MAX_PHOTO_PIXELS") {
        settings.max_photo_pixels = parse_number(&pixels)?;
    }
    if let Ok(seconds) = std::env::var("KABAR_HEADER_TIMEOUT") {
        settings.header_timeout = parse_seconds(&seconds)?;
    }
    if let Ok(seconds) = std::env::var("KABAR_BODY_TIMEOUT") {
        settings.body_timeout = parse_seconds(&seconds)?;
    }
    if let Ok(count) = std::env::var("KABAR_MAX_CONNECTIONS") {
        settings.max_connections = parse_count(&count)?;
    }
    if let Ok(count) = std::env::var("KABAR_LOGIN_HASH_SLOTS") {
        settings.login_hash_slots = parse_number(&count)?;
    }
    if let Ok(list) = std::env::var("KABAR_TRUSTED_PROXIES") {
        settings.trusted_proxies = parse_networks(&list)?;
    }
    if let Ok(flag) = std::env::var("KABAR_COOKIE_SECURE") {
        settings.cookie_secure = matches!(flag.as_str(), "1" | "true" | "yes");
    }
    if let Ok(url) = std::env::var("KABAR_TILE_URL") {
        settings.tile_url = TileUrl::parse(&url)?;
    }
    settings.mail.read_env()?;

    let mut words = Vec::new();
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--listen" => settings.listen = parse_listen(&value()?)?,
            "--database" => settings.database = Database::Sqlite(value()?.into()),
            "--database-url" => settings.database = Database::parse(&value()?)?,
            "--app-dir" => settings.app_dir = value()?.into(),
            "--pusat-dir" => settings.pusat_dir = value()?.into(),
            "--photo-dir" => settings.photo_store = PhotoStore::Directory(value()?.into()),
            "--photo-store" => settings.photo_store = PhotoStore::parse(&value()?)?,
            "--max-photo-bytes" => settings.max_photo_bytes = parse_bytes(&value()?)?,
            "--max-photo-pixels" => settings.max_photo_pixels = parse_number(&value()?)?,
            "--header-timeout" => settings.header_timeout = parse_seconds(&value()?)?,
            "--body-timeout" => settings.body_timeout = parse_seconds(&value()?)?,
            "--max-connections" => settings.max_connections = parse_count(&value()?)?,
            "--login-hash-slots" => settings.login_hash_slots = parse_number(&value()?)?,
            "--trusted-proxies" => settings.trusted_proxies = parse_networks(&value()?)?,
            "--cookie-secure" => settings.cookie_secure = true,
            "--tile-url" => settings.tile_url = TileUrl::parse(&value()?)?,
            "--help" | "-h" => {
                println!("{USAGE}\n\n{}", crate::mail::USAGE);
                std::process::exit(0);
            }
            flag if crate::mail::MailSettings::FLAGS.contains(&flag) => {
                settings.mail.set(flag, &value()?)?
            }
            "--password-stdin" => options.push((arg, None)),
            flag if flag.starts_with("--") => {
                let value = value()?;
                options.push((arg, Some(value)));
            }
            _ => words.push(arg),
        }
    }
    let mut option = |name: &str| -> Option<String> {
        let index = options.iter().position(|(flag, _)| flag == name)?;
        options.remove(index).1.or(Some(String::new()))
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] | ["serve"] => Command::Serve,
        ["user", "create"] => {
            if option("--password-stdin").is_none() {
                bail!("user create reads the password from standard input: add --password-stdin");
            }
            Command::UserCreate {
                username: option("--username").context("user create needs --username")?,
                role: option("--role").context("user create needs --role")?,
                village: option("--village"),
                district: option("--district"),
                name: option("--name"),
            }
        }
        ["user", "reset-password"] => {
            if option("--password-stdin").is_none() {
                bail!(
                    "user reset-password reads the password from standard input: add --password-stdin"
                );
            }
            Command::UserResetPassword {
                username: option("--username").context("user reset-password needs --username")?,
            }
        }
        ["user", "disable"] => Command::UserDisable {
            username: option("--username").context("user disable needs --username")?,
        },
        ["user", "enable"] => Command::UserEnable {
            username: option("--username").context("user enable needs --username")?,
        },
        ["user", "list"] => Command::UserList,
        ["session", "list"] => Command::SessionList {
            username: option("--username"),
        },
        ["session", "revoke"] => {
            let id = option("--id");
            let username = option("--username");
            if id.is_none() == username.is_none() {
                bail!("session revoke needs either --id or --username");
            }
            Command::SessionRevoke { id, username }
        }
        ["backup"] => Command::Backup {
            to: option("--to").context("backup needs --to FILE")?.into(),
        },
        ["restore"] => Command::Restore {
            from: option("--from")
                .context("restore needs --from FILE")?
                .into(),
        },
        other => bail!("unknown command {:?}\n\n{USAGE}", other.join(" ")),
    };
    if let Some((flag, _)) = options.first() {
        bail!("unknown option {flag:?} for this command\n\n{USAGE}");
    }
    Ok((settings, command))
}

/// The map tile address template of the Command Center: `http(s)://` and a
/// host, with `{z}`, `{x}` and `{y}` where Leaflet puts the tile's zoom and
/// position, and optionally `{s}` for a subdomain. It also goes into the
/// Command Center's Content-Security-Policy, so nothing that could end a
/// policy source (spaces, quotes, `;`, `,`) is accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct TileUrl(String);

impl TileUrl {
    pub const DEFAULT: &'static str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

    pub fn parse(text: &str) -> anyhow::Result<TileUrl> {
        let text = text.trim();
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .with_context(|| format!("tile URL {text:?} must start with https:// or http://"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || !rest.contains('/') {
            bail!("tile URL {text:?} needs a host and a path");
        }
        for part in ["{z}", "{x}", "{y}"] {
            if !text.contains(part) {
                bail!("tile URL {text:?} needs {part}");
            }
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ';' | ',' | '\'' | '"'))
        {
            bail!("tile URL {text:?} may not hold spaces, quotes, ';' or ','");
        }
        Ok(TileUrl(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The CSP source that lets the page load these tiles: the scheme and
    /// host, with a `{s}` subdomain as `*`.
    pub fn csp_source(&self) -> String {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("https", &self.0));
        let host = rest.split('/').next().unwrap_or_default();
        format!("{scheme}://{}", host.replace("{s}", "*"))
    }
}

impl Default for TileUrl {
    fn default() -> TileUrl {
        TileUrl(TileUrl::DEFAULT.to_owned())
    }
}

fn parse_listen(text: &str) -> anyhow::Result<SocketAddr> {
    text.parse()
        .with_context(|| format!("listen address {text:?} is not ADDR:PORT"))
}

/// `10.0.0.0/8, 192.168.1.5`: networks, or single addresses as /32 or /128.
fn parse_networks(text: &str) -> anyhow::Result<Vec<IpNet>> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .with_context(|| format!("{item:?} is not an address or a CIDR range"))
        })
        .collect()
}

fn parse_number<T: std::str::FromStr>(text: &str) -> anyhow::Result<T> {
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{text:?} is not a whole number"))
}

/// A count that must be at least one.
fn parse_count(text: &str) -> anyhow::Result<usize> {
    match parse_number(text)? {
        0 => bail!("{text:?} must be at least 1"),
        count => Ok(count),
    }
}

fn parse_seconds(text: &str) -> anyhow::Result<Duration> {
    match parse_number::<u64>(text)? {
        0 => bail!("a timeout of {text:?} seconds must be at least 1"),
        seconds => Ok(Duration::from_secs(seconds)),
    }
}

fn parse_bytes(text: &str) -> anyhow::Result<usize> {
    text.parse()
        .with_context(|| format!("{text:?} is not a number of bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn database_urls_pick_the_backend() {
        fn check(input: &str, expect: Option<Database>) {
            assert_eq!(Database::parse(input).ok(), expect, "{input:?}");
        }
        check(
            "sqlite://data/kabar.db",
            Some(Database::Sqlite("data/kabar.db".into())),
        );
        check(
            "sqlite:///var/lib/kabar.db",
            Some(Database::Sqlite("/var/lib/kabar.db".into())),
        );
        check(
            "postgres://kabar@db:5432/kabar",
            Some(Database::Postgres("postgres://kabar@db:5432/kabar".into())),
        );
        check("sqlite://", None);
        check("sqlite://x.db?mode=ro", None);
        check("mysql://x", None);
    }

    #[test]
    fn photo_store_urls_pick_a_directory_or_a_bucket() {
        fn check(input: &str, expect: Option<&str>) {
            let got = PhotoStore::parse(input).ok().map(|store| store.describe());
            assert_eq!(got.as_deref(), expect, "{input:?}");
        }
        check("data/photos", Some("file://data/photos"));
        check("file:///srv/kabar/photos", Some("file:///srv/kabar/photos"));
        check("s3://kabar-desa-foto", Some("s3://kabar-desa-foto"));
        check(
            "s3://kabar-desa-foto/produksi/",
            Some("s3://kabar-desa-foto/produksi"),
        );
        check("s3://", None);
        check("s3://Kabar_Desa", None);
        check("gs://kabar-desa-foto", None);
        check("file://", None);
        check("", None);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        fn check(input: &str, expect: Option<&[&str]>) {
            let got = parse_networks(input)
                .ok()
                .map(|networks| networks.iter().map(IpNet::to_string).collect::<Vec<_>>());
            let expect = expect.map(|list| list.iter().map(|s| s.to_string()).collect());
            assert_eq!(got, expect, "{input:?}");
        }
        check(
            "10.0.0.0/8, 192.168.1.5",
            Some(&["10.0.0.0/8", "192.168.1.5/32"]),
        );
        check("::1", Some(&["::1/128"]));
        check("", Some(&[]));
        check("10.0.0.0/33", None);
        check("balancer.local", None);
    }

    #[test]
    fn postgres_passwords_stay_out_of_logs() {
        let database = Database::parse("postgres://kabar:rahasia@db:5432/kabar").unwrap();
        assert_eq!(database.describe(), "postgres://kabar:***@db:5432/kabar");
    }

    #[test]
    fn commands_take_their_options_anywhere_on_the_line() {
        let (settings, command) = parse_command_line(args(
            "--database-url sqlite://x.db user create --username kim.moyag --role kim-volunteer --village 71.74.02.2001 --password-stdin",
        ))
        .unwrap();
        assert_eq!(settings.database, Database::Sqlite("x.db".into()));
        assert_eq!(
            command,
            Command::UserCreate {
                username: "kim.moyag".into(),
                role: "kim-volunteer".into(),
                village: Some("71.74.02.2001".into()),
                district: None,
                name: None,
            }
        );
        assert_eq!(
            parse_command_line(args("--database x.db")).unwrap().1,
            Command::Serve
        );
        assert!(parse_command_line(args("user create --username a --role admin")).is_err());
        assert!(parse_command_line(args("user disable --username a --surprise 1")).is_err());
        assert!(parse_command_line(args("session revoke")).is_err());
        assert!(parse_command_line(args("frobnicate")).is_err());
    }

    #[test]
    fn hardening_limits_and_backup_commands_parse() {
        let (settings, command) = parse_command_line(args(
            "--max-photo-pixels 1000000 --header-timeout 5 --body-timeout 30 \
             --max-connections 64 --login-hash-slots 2 backup --to /tmp/kabar.db",
        ))
        .unwrap();
        assert_eq!(settings.max_photo_pixels, 1_000_000);
        assert_eq!(settings.header_timeout, Duration::from_secs(5));
        assert_eq!(settings.body_timeout, Duration::from_secs(30));
        assert_eq!(settings.max_connections, 64);
        assert_eq!(settings.login_hash_slots, 2);
        assert_eq!(
            command,
            Command::Backup {
                to: "/tmp/kabar.db".into()
            }
        );
        assert_eq!(
            parse_command_line(args("restore --from k.db")).unwrap().1,
            Command::Restore {
                from: "k.db".into()
            }
        );
        assert!(parse_command_line(args("backup")).is_err());
        assert!(parse_command_line(args("--header-timeout 0")).is_err());
        assert!(parse_command_line(args("--max-connections 0")).is_err());
        assert!(parse_command_line(args("--max-photo-pixels lots")).is_err());
    }

    #[test]
    fn tile_urls_need_a_template_and_give_their_policy_source() {
        assert_eq!(
            TileUrl::default().csp_source(),
            "https://tile.openstreetmap.org"
        );
        let settings = Settings::from_env_and_args(args(
            "--tile-url https://{s}.tiles.example:8443/{z}/{x}/{y}.png",
        ))
        .unwrap();
        assert_eq!(
            settings.tile_url.csp_source(),
            "https://*.tiles.example:8443"
        );
        for bad in [
            "tile.openstreetmap.org/{z}/{x}/{y}.png",
            "https://tiles.example/{z}/{x}.png",
            "https:///{z}/{x}/{y}.png",
            "https://a.example/{z}/{x}/{y}.png; script-src *",
            "https://a.example/{z}/{x}/{y}.png' 'unsafe-eval",
            "ftp://a.example/{z}/{x}/{y}.png",
        ] {
            assert!(TileUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
