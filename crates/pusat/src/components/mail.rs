//! The outbox to the mayor's office (admins only): every mail with its
//! status, tries, next try in WITA and the SMTP server's last answer, a
//! "send again" button on dead ones, and the recipients below.

use super::mail_recipients::RecipientsEditor;
use super::state::{Pusat, Screen};
use crate::api::{self, Failure, OutboxMail};
use crate::i18n::{self, mail_kind_label, mail_status_label};
use crate::time::format_wita;
use kabar_shared::VillageCode;
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

const POLL: Duration = Duration::from_secs(15);

#[component]
pub fn MailScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let outbox = RwSignal::new(None::<Result<Vec<OutboxMail>, Failure>>);
    let tick = RwSignal::new(0u32);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|n| *n += 1), POLL) {
        on_cleanup(move || handle.clear());
    }
    Effect::new(move |_| {
        tick.track();
        spawn_local(async move { outbox.set(Some(api::mail_outbox().await)) });
    });
    let reload = Callback::new(move |()| tick.update(|n| *n += 1));
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <h1>{t(i18n::MAIL_TITLE)}</h1>
        <p class="hint">{t(i18n::MAIL_HINT)}</p>
        {move || match outbox.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(mails)) if mails.is_empty() => view! { <p>{i18n::MAIL_EMPTY.get(lang.get())}</p> }.into_any(),
            Some(Ok(mails)) => view! {
                <table class="outbox">
                    <thead><tr>
                        <th scope="col">{t(i18n::MAIL_WHAT)}</th><th scope="col">{t(i18n::MAIL_REPORT)}</th>
                        <th scope="col">{t(i18n::COL_STATUS)}</th><th scope="col">{t(i18n::MAIL_ATTEMPTS)}</th>
                        <th scope="col">{t(i18n::MAIL_NEXT)}</th><th scope="col">{t(i18n::MAIL_ANSWER)}</th><th></th>
                    </tr></thead>
                    <tbody>{mails.into_iter().map(|mail| view! { <MailRow mail=mail on_change=reload /> }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
        <RecipientsEditor />
    }
}

#[component]
fn MailRow(mail: OutboxMail, on_change: Callback<()>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let failure = RwSignal::new(None::<Failure>);
    let id = mail.id;
    let resend = move |_| {
        spawn_local(async move {
            match api::resend_mail(id).await {
                Ok(()) => on_change.run(()),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let village = mail.village_code.as_deref().map(village_name);
    let report = mail.report_id.clone().map(|report_id| {
        let label = village.unwrap_or_else(|| report_id.chars().take(8).collect());
        view! { <a href=Screen::Report(report_id).hash()>{label}</a> }
    });
    let when = mail.sent_at_ms.unwrap_or(mail.next_attempt_at_ms);
    let waiting = matches!(mail.status.as_str(), "pending" | "sent");
    let dead = mail.status == "dead";
    let (kind, status) = (mail_kind_label(&mail.kind), mail_status_label(&mail.status));
    view! {
        <tr data-mail-status=mail.status.clone()>
            <td>{move || kind.get(lang.get())}</td>
            <td>{report}</td>
            <td><span class=format!("badge mail-{}", mail.status)>{move || status.get(lang.get())}</span></td>
            <td>{mail.attempts}</td>
            <td>{move || if waiting { format_wita(when, lang.get()) } else { "–".into() }}</td>
            <td class="smtp-answer">{mail.last_answer.clone().unwrap_or_default()}</td>
            <td>
                <Show when=move || dead>
                    <button on:click=resend>{move || i18n::MAIL_RESEND.get(lang.get())}</button>
                </Show>
                {move || failure.get().map(|failure| view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> })}
            </td>
        </tr>
    }
}

/// A village's name from the gazetteer, or its code when it is unknown.
fn village_name(code: &str) -> String {
    VillageCode::parse(code)
        .ok()
        .and_then(|code| Gazetteer::kotamobagu().village(&code))
        .map(|village| village.name.clone())
        .unwrap_or_else(|| code.to_owned())
}
