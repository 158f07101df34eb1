//! The worker that empties the outbox: one per server process, leasing one
//! due mail at a time, so several servers on one database send each mail
//! once.
//!
//! A mail's life: claimed (the attempt counted, the lease taken) → composed
//! from what is stored now → checked (an approval mail whose report is no
//! longer approved is skipped) → sent → marked sent as soon as the SMTP
//! server answers 250. A failure waits an exponential backoff with jitter,
//! and after `max_attempts` the mail is dead until an admin sends it again.

use super::compose::{self, Digest, ReportFacts};
use super::letter::{self, LetterFacts};
use super::{MailSettings, SmtpSecurity};
use crate::AppState;
use crate::store::{MailKind, OutboxMail, now_ms};
use anyhow::Context;
use kabar_shared::form::{Date, Period, WITA_OFFSET_MINUTES};
use kabar_shared::report::ReviewStatus;
use kabar_shared::village::Gazetteer;
use kabar_shared::{ReportId, VillageCode};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The form every village files monthly; the digest names who has not.
pub const MONTHLY_FORM: &str = "laporan-bulanan-kependudukan";

/// Starts the worker on the current runtime when an SMTP server is
/// configured. Without one the outbox only fills.
pub fn spawn(state: &AppState) -> anyhow::Result<()> {
    let settings = &state.settings.mail;
    settings.check()?;
    let Some(smtp) = settings.smtp.clone() else {
        tracing::info!("no --smtp-url: mail stays in the outbox until one is configured");
        return Ok(());
    };
    let transport = transport(&smtp, settings)?;
    let owner = format!("{}-{:016x}", std::process::id(), random_u64());
    tracing::info!(smtp = %smtp.describe(), %owner, "mail worker started");
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = tick(&state, &transport, &owner).await {
                tracing::warn!(%error, "mail worker: database trouble, trying again");
            }
            tokio::time::sleep(state.settings.mail.poll_interval).await;
        }
    });
    Ok(())
}

fn transport(
    smtp: &super::SmtpUrl,
    settings: &MailSettings,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let parameters = || TlsParameters::new(smtp.host.clone());
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .timeout(Some(settings.smtp_timeout));
    builder = match smtp.security {
        SmtpSecurity::None => builder.tls(Tls::None),
        SmtpSecurity::StartTls => builder.tls(Tls::Required(parameters()?)),
        SmtpSecurity::Tls => builder.tls(Tls::Wrapper(parameters()?)),
    };
    if let (Some(user), Some(password)) = (&smtp.user, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap_or_default();
    u64::from_le_bytes(bytes)
}

/// The delay before attempt `attempts + 1`: `base · 2^(attempts-1)`, capped,
/// and then a random 50–100 % of it, so servers that failed together do not
/// retry together.
pub fn backoff(settings: &MailSettings, attempts: i64, random: u64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = settings
        .retry_base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(settings.retry_max);
    let fraction = 0.5 + (random % 1000) as f64 / 2000.0;
    full.mul_f64(fraction)
}

/// One round: queue today's digest when its hour has come, then send every
/// due mail.
async fn tick(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    owner: &str,
) -> anyhow::Result<()> {
    let settings = &state.settings.mail;
    let now = now_ms();
    if let Some(hour) = settings.digest_hour_wita {
        let wita_seconds = now.div_euclid(1000) + i64::from(WITA_OFFSET_MINUTES) * 60;
        if wita_seconds.rem_euclid(86_400) / 3600 >= i64::from(hour)
            && let Some(today) = Date::from_unix_millis(now, WITA_OFFSET_MINUTES)
        {
            state
                .store
                .enqueue_digest_mail(&today.to_string(), now)
                .await?;
        }
    }
    loop {
        let now = now_ms();
        let lease_until = now + i64::try_from(settings.lease.as_millis()).unwrap_or(i64::MAX / 2);
        let Some(mail) = state.store.claim_mail(owner, now, lease_until).await? else {
            return Ok(());
        };
        deliver(state, transport, owner, &mail).await?;
    }
}

/// What came of composing a mail.
enum Composed {
    Send(Box<Message>),
    /// Not to be sent, with why.
    Skip(String),
}

async fn deliver(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    owner: &str,
    mail: &OutboxMail,
) -> anyhow::Result<()> {
    let message = match compose_mail(state, mail).await {
        Ok(Composed::Send(message)) => message,
        Ok(Composed::Skip(reason)) => {
            tracing::info!(mail = mail.id, %reason, "mail skipped");
            return state
                .store
                .mark_mail_skipped(mail.id, owner, &reason, now_ms())
                .await;
        }
        Err(error) => {
            return fail(
                state,
                owner,
                mail,
                &format!("cannot compose: {error:#}"),
                false,
            )
            .await;
        }
    };
    match transport.send(*message).await {
        Ok(response) => {
            // Marked at once: from here on nothing may send it again.
            let answer = format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            );
            state
                .store
                .mark_mail_sent(mail.id, &answer, now_ms())
                .await?;
            tracing::info!(mail = mail.id, kind = mail.kind.as_str(), %answer, "mail sent");
            Ok(())
        }
        Err(error) => {
            fail(
                state,
                owner,
                mail,
                &format!("{error}"),
                error.is_permanent(),
            )
            .await
        }
    }
}

/// Records a failed attempt: retried after a backoff, or dead when the
/// attempts are used up or the SMTP server refused for good (a 5xx).
async fn fail(
    state: &AppState,
    owner: &str,
    mail: &OutboxMail,
    answer: &str,
    permanent: bool,
) -> anyhow::Result<()> {
    let settings = &state.settings.mail;
    let dead = permanent || mail.attempts >= i64::from(settings.max_attempts);
    let now = now_ms();
    let delay = backoff(settings, mail.attempts, random_u64());
    let next = now + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
    tracing::warn!(mail = mail.id, attempts = mail.attempts, dead, %answer, "mail not sent");
    state
        .store
        .mark_mail_failed(mail.id, owner, answer, next, dead, now)
        .await
}

async fn compose_mail(state: &AppState, mail: &OutboxMail) -> anyhow::Result<Composed> {
    let settings = &state.settings.mail;
    let from = settings.from.clone().context("no sender configured")?;
    match mail.kind {
        MailKind::Approved | MailKind::Urgent => {
            let id = ReportId::parse(mail.report_id.as_deref().unwrap_or_default())?;
            let Some(stored) = state.store.report(id).await? else {
                return Ok(Composed::Skip("the report is gone".into()));
            };
            let unreviewed = mail.kind == MailKind::Urgent;
            if !unreviewed {
                // Checked now, not when queued: a report sent back for
                // revision before its mail left is not mailed.
                if stored.status != ReviewStatus::Approved {
                    return Ok(Composed::Skip(format!(
                        "laporan tidak lagi disetujui / no longer approved ({})",
                        stored.status.as_str()
                    )));
                }
                if mail.content_hash.as_deref() != Some(stored.content_hash.as_str()) {
                    return Ok(Composed::Skip(
                        "laporan telah diubah / the report changed since approval".into(),
                    ));
                }
            }
            let catalog = state.catalog.current();
            let form = catalog.get(&stored.report.form);
            let link = format!(
                "{}/pusat/laporan/{}",
                settings.public_base_url, stored.report.id
            );
            let (photos, mut notes) = photo_attachments(state, id).await?;
            if !stored.missing_photos.is_empty() {
                notes.push(format!(
                    "{} foto belum diterima server / photos not yet received",
                    stored.missing_photos.len()
                ));
            }
            let dated_ms = if unreviewed {
                stored.received_at_ms
            } else {
                mail.created_at_ms
            };
            let pdf = letter::render(&LetterFacts {
                report: &stored.report,
                form,
                content_hash: stored.content_hash.as_str(),
                dated_ms,
                unreviewed,
                link: link.clone(),
            })?;
            let body = compose::report_mail(&ReportFacts {
                report: &stored.report,
                form,
                content_hash: stored.content_hash.as_str(),
                received_at_ms: stored.received_at_ms,
                unreviewed,
                link,
                notes,
            });
            let recipients = super::recipients(state)
                .await?
                .0
                .for_district(Some(stored.report.village.district_code()));
            let mut attachments = vec![(
                format!("laporan-{}.pdf", stored.report.id),
                "application/pdf".to_owned(),
                pdf,
            )];
            attachments.extend(photos);
            Ok(Composed::Send(Box::new(build_message(
                mail,
                &from,
                &recipients,
                body,
                attachments,
            )?)))
        }
        MailKind::Digest => {
            let day = mail.dedup_key.trim_start_matches("digest:");
            let to_ms = mail.created_at_ms;
            let from_ms = to_ms - 24 * 3600 * 1000;
            let filed = state.store.reports_received_between(from_ms, to_ms).await?;
            let approved = state.store.reports_approved_between(from_ms, to_ms).await?;
            let title = |form_id: &str| {
                state
                    .catalog
                    .current()
                    .forms()
                    .find(|form| form.id == form_id)
                    .map(|form| form.title.id.clone())
                    .unwrap_or_else(|| form_id.to_owned())
            };
            let (period_label, not_filed) = monthly_not_filed(state, day).await?;
            let body = compose::digest_mail(&Digest {
                day,
                from_ms,
                to_ms,
                filed: filed
                    .iter()
                    .map(|r| (r.village.clone(), title(&r.form_id), r.id.to_string()))
                    .collect(),
                approved: approved
                    .iter()
                    .map(|r| (r.village.clone(), title(&r.form_id), r.id.to_string()))
                    .collect(),
                monthly_period: period_label,
                not_filed,
            });
            let recipients = super::recipients(state).await?.0.for_district(None);
            Ok(Composed::Send(Box::new(build_message(
                mail,
                &from,
                &recipients,
                body,
                Vec::new(),
            )?)))
        }
    }
}

/// The month whose monthly report is due on `day` (the previous month), and
/// the villages that have not filed it.
async fn monthly_not_filed(
    state: &AppState,
    day: &str,
) -> anyhow::Result<(String, Vec<VillageCode>)> {
    let date = Date::parse(day).map_err(|error| anyhow::anyhow!("{error}"))?;
    // The month before `day`'s: the period whose report is due on it.
    let period = Period::containing(date).previous();
    // The period column holds what each report's form's period rule named
    // when it was stored, so no answer field is read here.
    let filed: Vec<VillageCode> = state
        .store
        .villages_that_filed(MONTHLY_FORM, period)
        .await?;
    let missing = Gazetteer::kotamobagu()
        .villages()
        .map(|village| village.code.clone())
        .filter(|code| !filed.contains(code))
        .collect();
    Ok((
        format!(
            "{} {}",
            compose::MONTHS[usize::from(period.month()) - 1],
            period.year()
        ),
        missing,
    ))
}

/// The report's photos as attachments, in order, while their total stays
/// under the cap; a note says how many were left out.
async fn photo_attachments(
    state: &AppState,
    report: ReportId,
) -> anyhow::Result<(Vec<(String, String, Vec<u8>)>, Vec<String>)> {
    let cap = state.settings.mail.attachment_cap_bytes;
    let mut total = 0usize;
    let mut attachments = Vec::new();
    let mut left_out = 0;
    for photo in state.store.report_photo_files(report).await? {
        let size = usize::try_from(photo.size_bytes).unwrap_or(usize::MAX);
        if total.saturating_add(size) > cap {
            left_out += 1;
            continue;
        }
        let bytes = state
            .photos
            .get(&crate::photos::object_path(&photo.sha256))
            .await?
            .bytes()
            .await?;
        total += bytes.len();
        let extension = match photo.content_type.as_str() {
            "image/png" => "png",
            "image/webp" => "webp",
            _ => "jpg",
        };
        attachments.push((
            format!("foto-{}.{extension}", &photo.sha256.hex()[..12]),
            photo.content_type.clone(),
            bytes.to_vec(),
        ));
    }
    let notes = if left_out > 0 {
        vec![format!(
            "{left_out} foto tidak dilampirkan karena melebihi batas ukuran lampiran ({}); \
             lihat di Pusat Komando. / {left_out} photos left out: over the attachment size cap.",
            readable_size(cap)
        )]
    } else {
        Vec::new()
    };
    Ok((attachments, notes))
}

/// `10 MB`, `48 KB`.
fn readable_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn build_message(
    mail: &OutboxMail,
    from: &Mailbox,
    recipients: &[Mailbox],
    body: compose::ReportMail,
    attachments: Vec<(String, String, Vec<u8>)>,
) -> anyhow::Result<Message> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(body.subject)
        // One Message-ID per outbox row: should a mail ever go out twice
        // (see ARCHITECTURE.md), mail clients show it once.
        .message_id(Some(format!(
            "<kabar-desa.{}.{}@{}>",
            mail.id,
            mail.created_at_ms,
            from.email.domain()
        )));
    for recipient in recipients {
        builder = builder.to(recipient.clone());
    }
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(body.text))
        .singlepart(SinglePart::html(body.html));
    let message = if attachments.is_empty() {
        builder.multipart(alternative)?
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for (name, content_type, bytes) in attachments {
            mixed = mixed
                .singlepart(Attachment::new(name).body(bytes, ContentType::parse(&content_type)?));
        }
        builder.multipart(mixed)?
    };
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_of_at_most_half() {
        let settings = MailSettings {
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(60),
            ..MailSettings::default()
        };
        assert_eq!(backoff(&settings, 1, 999), Duration::from_secs_f64(9.995));
        assert_eq!(backoff(&settings, 1, 0), Duration::from_secs(5));
        assert_eq!(backoff(&settings, 3, 0), Duration::from_secs(20));
        assert_eq!(backoff(&settings, 10, 0), Duration::from_secs(30));
        assert!(backoff(&settings, 1000, u64::MAX) <= Duration::from_secs(60));
    }
}
