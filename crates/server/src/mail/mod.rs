//! Mail to the mayor's office (issue 11): approved reports, urgent incident
//! reports on arrival, and a daily digest, through a transactional outbox.
//!
//! - The cause writes an outbox row in its own transaction (see
//!   `store::mail`), so a mail is never lost and never queued for something
//!   that did not happen.
//! - [`worker`] leases one due row at a time, composes the mail from what is
//!   stored then ([`compose`], with the PDF letter from [`letter`]), sends it
//!   with lettre, and marks it sent right after the SMTP server's 250.
//! - Admins list the outbox and send a dead mail again ([`router`]).

pub mod compose;
pub mod letter;
pub mod worker;

use crate::AppState;
use crate::auth::{Client, CurrentUser};
use crate::error::ApiError;
use crate::store::{AuditEntry, OutboxMail, now_ms};
use anyhow::{Context, bail};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kabar_shared::sync::PushOutcome;
use kabar_shared::village::Gazetteer;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How the server talks to its SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `STARTTLS` after connecting, required (port 587 by default).
    StartTls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// Plain text: only for a relay on the same machine or in tests.
    None,
}

/// `smtp://user:pass@host:port?tls=starttls|tls|none`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SmtpUrl {
    pub fn parse(url: &str) -> anyhow::Result<SmtpUrl> {
        let usage = "smtp://[USER:PASSWORD@]HOST[:PORT][?tls=starttls|tls|none]";
        let rest = url
            .strip_prefix("smtp://")
            .with_context(|| format!("the SMTP URL must look like {usage}"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let security = match query {
            "" | "tls=starttls" => SmtpSecurity::StartTls,
            "tls=tls" => SmtpSecurity::Tls,
            "tls=none" => SmtpSecurity::None,
            other => {
                bail!("unknown SMTP URL option {other:?}: use tls=starttls, tls=tls or tls=none")
            }
        };
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((credentials, address)) => (Some(credentials), address),
            None => (None, rest),
        };
        let (user, password) = match credentials {
            Some(credentials) => {
                let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
                (Some(percent_decode(user)?), Some(percent_decode(password)?))
            }
            None => (None, None),
        };
        let address = address.trim_end_matches('/');
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse()
                    .with_context(|| format!("SMTP port {port:?} is not a number"))?,
            ),
            None => (
                address,
                match security {
                    SmtpSecurity::StartTls => 587,
                    SmtpSecurity::Tls => 465,
                    SmtpSecurity::None => 25,
                },
            ),
        };
        if host.is_empty() {
            bail!("the SMTP URL needs a host: {usage}");
        }
        Ok(SmtpUrl {
            host: host.to_owned(),
            port,
            security,
            user,
            password,
        })
    }

    /// For logs: never the password.
    pub fn describe(&self) -> String {
        let security = match self.security {
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        };
        let user = self
            .user
            .as_deref()
            .map(|user| format!("{user}:***@"))
            .unwrap_or_default();
        format!("smtp://{user}{}:{}?tls={security}", self.host, self.port)
    }
}

/// `%40` and friends in the user and password of a URL.
fn percent_decode(text: &str) -> anyhow::Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .context("a % in the SMTP URL must be followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("the SMTP URL's user or password is not UTF-8")
}

/// An email address, checked when configured so a typo stops the server at
/// start instead of bouncing every mail later.
pub fn parse_address(text: &str, what_id: &str, what_en: &str) -> anyhow::Result<Mailbox> {
    text.trim().parse::<Mailbox>().map_err(|error| {
        anyhow::anyhow!(
            "alamat surel {what_id} tidak sah / invalid {what_en} email address {text:?}: {error}"
        )
    })
}

/// The mail settings: off (no SMTP URL) by default. Without an SMTP server
/// the outbox still fills, and is sent once one is configured.
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub smtp: Option<SmtpUrl>,
    pub from: Option<Mailbox>,
    /// The mayor's office: every approved report, urgent report and digest.
    pub mayor_office: Vec<Mailbox>,
    /// A camat per kecamatan code (`71.74.02`), for that kecamatan's reports.
    pub camat: Vec<(String, Mailbox)>,
    /// Where the Command Center is reached, for links in mails and feeds.
    pub public_base_url: String,
    /// The most photo bytes attached to one mail.
    pub attachment_cap_bytes: usize,
    /// Attempts before a mail is dead.
    pub max_attempts: u32,
    /// How often the worker looks for due mail.
    pub poll_interval: Duration,
    /// The first retry's delay; each further one doubles, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a worker holds a mail it is sending; longer than an SMTP
    /// conversation can last (see `smtp_timeout`).
    pub lease: Duration,
    pub smtp_timeout: Duration,
    /// The WITA hour at which the day's digest is queued; none for no digest.
    pub digest_hour_wita: Option<u8>,
}

impl Default for MailSettings {
    fn default() -> MailSettings {
        MailSettings {
            smtp: None,
            from: None,
            mayor_office: Vec::new(),
            camat: Vec::new(),
            public_base_url: "http://127.0.0.1:8080".into(),
            attachment_cap_bytes: 10 * 1024 * 1024,
            max_attempts: 10,
            poll_interval: Duration::from_secs(5),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(3600),
            lease: Duration::from_secs(300),
            smtp_timeout: Duration::from_secs(60),
            digest_hour_wita: None,
        }
    }
}

/// The help text of the mail options, appended to the server's.
pub const USAGE: &str = "\
Mail to the mayor's office (each also read from the environment variable shown):
  --smtp-url URL          smtp://USER:PASSWORD@HOST:PORT?tls=starttls|tls|none
                                                      KABAR_SMTP_URL
  --mail-from ADDR        sender, e.g. \"Kabar Desa <kabar@kotamobagu.go.id>\"
                                                      KABAR_MAIL_FROM
  --mayor-office-email ADDR[,ADDR]                    KABAR_MAYOR_OFFICE_EMAIL
  --camat-email KECAMATAN=ADDR   repeatable; KECAMATAN is a code (71.74.02) or a
                          name (Kotamobagu Timur)     KABAR_CAMAT_EMAILS (comma-separated)
  --public-base-url URL   where the Command Center is KABAR_PUBLIC_BASE_URL
  --mail-attachment-cap-bytes N  photo bytes per mail KABAR_MAIL_ATTACHMENT_CAP_BYTES 10485760
  --mail-max-attempts N   tries before a mail is dead KABAR_MAIL_MAX_ATTEMPTS 10
  --mail-poll-ms N, --mail-retry-base-ms N, --mail-retry-max-ms N, --mail-lease-ms N
                          worker timing               KABAR_MAIL_POLL_MS ...
  --digest-hour-wita H    queue the daily digest at this hour (0-23, WITA)
                                                      KABAR_DIGEST_HOUR_WITA";

impl MailSettings {
    /// The flags [`MailSettings::set`] takes.
    pub const FLAGS: &[&str] = &[
        "--smtp-url",
        "--mail-from",
        "--mayor-office-email",
        "--camat-email",
        "--public-base-url",
        "--mail-attachment-cap-bytes",
        "--mail-max-attempts",
        "--mail-poll-ms",
        "--mail-retry-base-ms",
        "--mail-retry-max-ms",
        "--mail-lease-ms",
        "--digest-hour-wita",
    ];

    /// Reads the `KABAR_*` variables of the mail options.
    pub fn read_env(&mut self) -> anyhow::Result<()> {
        for flag in MailSettings::FLAGS {
            let variable = match *flag {
                "--camat-email" => "KABAR_CAMAT_EMAILS".to_owned(),
                "--mayor-office-email" => "KABAR_MAYOR_OFFICE_EMAIL".to_owned(),
                flag => format!(
                    "KABAR_{}",
                    flag.trim_start_matches("--")
                        .replace('-', "_")
                        .to_uppercase()
                ),
            };
            if let Ok(value) = std::env::var(&variable) {
                if *flag == "--camat-email" {
                    for item in value.split(',').filter(|item| !item.trim().is_empty()) {
                        self.set(flag, item)?;
                    }
                } else {
                    self.set(flag, &value)?;
                }
            }
        }
        Ok(())
    }

    /// Applies one flag; a bad value is an error naming it.
    pub fn set(&mut self, flag: &str, value: &str) -> anyhow::Result<()> {
        let millis = |value: &str| -> anyhow::Result<Duration> {
            Ok(Duration::from_millis(value.parse().with_context(|| {
                format!("{flag} {value:?} is not a number of milliseconds")
            })?))
        };
        match flag {
            "--smtp-url" => self.smtp = Some(SmtpUrl::parse(value)?),
            "--mail-from" => self.from = Some(parse_address(value, "pengirim", "sender")?),
            "--mayor-office-email" => {
                self.mayor_office = value
                    .split(',')
                    .filter(|item| !item.trim().is_empty())
                    .map(|item| parse_address(item, "kantor wali kota", "mayor's office"))
                    .collect::<anyhow::Result<_>>()?;
            }
            "--camat-email" => {
                let (district, address) = value
                    .split_once('=')
                    .with_context(|| format!("--camat-email {value:?} must be KECAMATAN=ADDR"))?;
                let code = district_code(district.trim())?;
                let address = parse_address(address, "camat", "camat")?;
                self.camat.retain(|(known, _)| *known != code);
                self.camat.push((code, address));
            }
            "--public-base-url" => {
                if !(value.starts_with("http://") || value.starts_with("https://")) {
                    bail!("--public-base-url {value:?} must start with http:// or https://");
                }
                self.public_base_url = value.trim_end_matches('/').to_owned();
            }
            "--mail-attachment-cap-bytes" => {
                self.attachment_cap_bytes = value
                    .parse()
                    .with_context(|| format!("{flag} {value:?} is not a number of bytes"))?
            }
            "--mail-max-attempts" => {
                self.max_attempts = value
                    .parse()
                    .ok()
                    .filter(|attempts| *attempts >= 1)
                    .with_context(|| format!("{flag} {value:?} must be a number from 1"))?
            }
            "--mail-poll-ms" => self.poll_interval = millis(value)?,
            "--mail-retry-base-ms" => self.retry_base = millis(value)?,
            "--mail-retry-max-ms" => self.retry_max = millis(value)?,
            "--mail-lease-ms" => self.lease = millis(value)?,
            "--digest-hour-wita" => {
                self.digest_hour_wita = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|hour| *hour < 24)
                        .with_context(|| {
                            format!("{flag} {value:?} must be an hour from 0 to 23")
                        })?,
                )
            }
            other => bail!("{other} is not a mail option"),
        }
        Ok(())
    }

    /// Refuses a configuration that could not send: an SMTP server without
    /// a sender or without the mayor's office to send to.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.smtp.is_some() {
            if self.from.is_none() {
                bail!("--smtp-url needs --mail-from (the sender's address)");
            }
            if self.mayor_office.is_empty() {
                bail!("--smtp-url needs --mayor-office-email (who receives the reports)");
            }
        }
        Ok(())
    }
}

/// Who receives mail: the mayor's office, and a camat per kecamatan code.
/// What an admin set in the Command Center replaces what the flags say.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    pub mayor_office: Vec<String>,
    /// Kecamatan (a code or a name; stored as the code) and address.
    pub camat: Vec<CamatRecipient>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CamatRecipient {
    pub kecamatan: String,
    pub email: String,
}

impl Recipients {
    fn from_settings(settings: &MailSettings) -> Recipients {
        Recipients {
            mayor_office: settings
                .mayor_office
                .iter()
                .map(Mailbox::to_string)
                .collect(),
            camat: settings
                .camat
                .iter()
                .map(|(code, address)| CamatRecipient {
                    kecamatan: code.clone(),
                    email: address.to_string(),
                })
                .collect(),
        }
    }

    /// Every address parsed and every kecamatan known, with kecamatan
    /// written as codes; the first problem otherwise.
    pub fn checked(&self) -> anyhow::Result<Recipients> {
        if self.mayor_office.is_empty() {
            bail!(
                "kantor wali kota perlu paling sedikit satu alamat / the mayor's office needs an address"
            );
        }
        let mut checked = Recipients::default();
        for address in &self.mayor_office {
            checked
                .mayor_office
                .push(parse_address(address, "kantor wali kota", "mayor's office")?.to_string());
        }
        for camat in &self.camat {
            checked.camat.push(CamatRecipient {
                kecamatan: district_code(camat.kecamatan.trim())?,
                email: parse_address(&camat.email, "camat", "camat")?.to_string(),
            });
        }
        Ok(checked)
    }

    /// The addresses for a mail about a report of `district_code` (none for
    /// the digest, which goes to the mayor's office only).
    pub fn for_district(&self, district_code: Option<&str>) -> Vec<Mailbox> {
        let camat = self
            .camat
            .iter()
            .filter(|camat| Some(camat.kecamatan.as_str()) == district_code)
            .map(|camat| camat.email.as_str());
        self.mayor_office
            .iter()
            .map(String::as_str)
            .chain(camat)
            .filter_map(|address| address.parse().ok())
            .collect()
    }
}

/// The recipients in force: the Command Center's when an admin set them,
/// else the flags'.
pub async fn recipients(state: &AppState) -> anyhow::Result<(Recipients, &'static str)> {
    match state.store.mail_recipients().await? {
        Some(json) => Ok((serde_json::from_str(&json)?, "command_center")),
        None => Ok((
            Recipients::from_settings(&state.settings.mail),
            "configuration",
        )),
    }
}

/// A kecamatan by code or by name, as its code.
fn district_code(text: &str) -> anyhow::Result<String> {
    let gazetteer = Gazetteer::kotamobagu();
    gazetteer
        .districts
        .iter()
        .find(|district| {
            district.code == text
                || district.name.eq_ignore_ascii_case(text)
                || district
                    .name
                    .strip_prefix("Kotamobagu ")
                    .is_some_and(|short| short.eq_ignore_ascii_case(text))
        })
        .map(|district| district.code.clone())
        .with_context(|| {
            let known: Vec<String> = gazetteer
                .districts
                .iter()
                .map(|district| format!("{} ({})", district.code, district.name))
                .collect();
            format!(
                "kecamatan {text:?} tidak dikenal / unknown; known: {}",
                known.join(", ")
            )
        })
}

/// The push path's rule: an urgent incident report that is stored (now, or
/// before, when this is a replay after a failed request) gets its mail
/// queued, in the push's own transaction, so a stored urgent report and its
/// mail commit together. Queuing twice adds nothing, so a replay of a push
/// queued before this rule existed fixes a mail that was never queued.
pub fn mailed_on_arrival(item: &kabar_shared::sync::PushItem, outcome: &PushOutcome) -> bool {
    matches!(outcome, PushOutcome::Accepted | PushOutcome::Duplicate) && item.report.is_urgent()
}

/// The admin endpoints of the outbox.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/mail", get(list))
        .route("/v1/admin/mail/{id}/resend", post(resend))
        .route(
            "/v1/admin/mail/recipients",
            get(show_recipients).put(set_recipients),
        )
}

#[derive(Serialize)]
struct RecipientsAnswer {
    #[serde(flatten)]
    recipients: Recipients,
    /// `configuration` (flags and environment) or `command_center`.
    source: &'static str,
}

async fn show_recipients(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<RecipientsAnswer>, ApiError> {
    user.require_admin()?;
    let (recipients, source) = recipients(&state).await?;
    Ok(Json(RecipientsAnswer { recipients, source }))
}

async fn set_recipients(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    crate::ApiJson(wanted): crate::ApiJson<Recipients>,
) -> Result<Json<RecipientsAnswer>, ApiError> {
    user.require_admin()?;
    let recipients = wanted
        .checked()
        .map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
    let now = now_ms();
    let json = serde_json::to_string(&recipients).map_err(anyhow::Error::from)?;
    state
        .store
        .set_mail_recipients(&json, user.user_id, now)
        .await?;
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: "mail_recipients",
        target: None,
        client: Some(client),
        detail: serde_json::to_value(&recipients).map_err(anyhow::Error::from)?,
    };
    state.store.audit(&entry, now).await?;
    Ok(Json(RecipientsAnswer {
        recipients,
        source: "command_center",
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    limit: Option<u16>,
}

#[derive(Serialize)]
struct Outbox {
    mails: Vec<OutboxMail>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Outbox>, ApiError> {
    user.require_admin()?;
    let Query(query) =
        query.map_err(|rejection| ApiError::InvalidRequest(rejection.body_text()))?;
    if let Some(status) = query.status.as_deref()
        && !["pending", "sent", "dead", "skipped"].contains(&status)
    {
        return Err(ApiError::InvalidRequest(format!(
            "status must be pending, sent, dead or skipped, not {status:?}"
        )));
    }
    let limit = i64::from(query.limit.unwrap_or(200).clamp(1, 1000));
    Ok(Json(Outbox {
        mails: state
            .store
            .outbox_mails(query.status.as_deref(), limit)
            .await?,
    }))
}

async fn resend(
    State(state): State<AppState>,
    Client(client): Client,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    user.require_admin()?;
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let now = now_ms();
    if !state.store.resend_dead_mail(id, now).await? {
        return Err(ApiError::NotFound);
    }
    let entry = AuditEntry {
        actor_id: Some(user.user_id),
        actor: Some(user.username.to_string()),
        action: "mail_resend",
        target: Some(id.to_string()),
        client: Some(client),
        detail: serde_json::json!({}),
    };
    state.store.audit(&entry, now).await?;
    Ok(axum::http::StatusCode::ACCEPTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_takes_mail_flags_and_refuses_a_bad_address_at_start() {
        let args = |line: &str| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let (settings, _) = crate::config::parse_command_line(args(
            "--smtp-url smtp://relay:2525?tls=none --mail-from kabar@kota.go.id \
             --mayor-office-email walikota@kota.go.id --camat-email 71.74.01=camat.utara@kota.go.id \
             --camat-email 71.74.02=camat.timur@kota.go.id --digest-hour-wita 7",
        ))
        .unwrap();
        assert_eq!(settings.mail.smtp.as_ref().unwrap().port, 2525);
        assert_eq!(settings.mail.camat.len(), 2);
        assert_eq!(settings.mail.digest_hour_wita, Some(7));
        let error =
            crate::config::parse_command_line(args("--mayor-office-email walikota.kota.go.id"))
                .unwrap_err()
                .to_string();
        assert!(
            error.contains("invalid mayor's office email address"),
            "{error}"
        );
    }

    #[test]
    fn smtp_urls_name_host_port_security_and_credentials() {
        let url = SmtpUrl::parse("smtp://kabar%40kota.go.id:rahasia@mail.kota.go.id:2525?tls=tls")
            .unwrap();
        assert_eq!(url.host, "mail.kota.go.id");
        assert_eq!(url.port, 2525);
        assert_eq!(url.security, SmtpSecurity::Tls);
        assert_eq!(url.user.as_deref(), Some("kabar@kota.go.id"));
        assert_eq!(url.password.as_deref(), Some("rahasia"));
        assert!(!url.describe().contains("rahasia"));
        let plain = SmtpUrl::parse("smtp://127.0.0.1:1025?tls=none").unwrap();
        assert_eq!((plain.port, plain.user), (1025, None));
        assert_eq!(SmtpUrl::parse("smtp://relay").unwrap().port, 587);
        assert!(SmtpUrl::parse("smtps://relay").is_err());
        assert!(SmtpUrl::parse("smtp://relay?tls=maybe").is_err());
        assert!(SmtpUrl::parse("smtp://relay:port").is_err());
        assert!(SmtpUrl::parse("smtp://").is_err());
    }

    #[test]
    fn invalid_addresses_and_unknown_kecamatan_are_refused_with_clear_errors() {
        let mut settings = MailSettings::default();
        let error = settings
            .set("--mayor-office-email", "walikota@@kota")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("tidak sah") && error.contains("invalid"),
            "{error}"
        );
        settings
            .set("--camat-email", "Kotamobagu Timur=camat.timur@kota.go.id")
            .unwrap();
        settings
            .set("--camat-email", "71.74.03=camat.selatan@kota.go.id")
            .unwrap();
        assert_eq!(settings.camat[0].0, "71.74.02");
        assert!(settings.set("--camat-email", "Atlantis=a@b.id").is_err());
        assert!(settings.set("--camat-email", "no-equals").is_err());
        assert!(settings.set("--digest-hour-wita", "24").is_err());
        settings
            .set("--mayor-office-email", "walikota@kota.go.id")
            .unwrap();
        let recipients = Recipients::from_settings(&settings).for_district(Some("71.74.02"));
        assert_eq!(recipients.len(), 2);
        assert_eq!(
            Recipients::from_settings(&settings)
                .for_district(Some("71.74.01"))
                .len(),
            1
        );
        settings.set("--smtp-url", "smtp://relay").unwrap();
        assert!(settings.check().is_err(), "no sender");
        settings.set("--mail-from", "kabar@kota.go.id").unwrap();
        settings.check().unwrap();
    }
}
