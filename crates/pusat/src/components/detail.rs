//! One report: who filed it, from which device and when, its answers with
//! the labels of its form version, its photos, its GPS point on a small
//! map, its versions and what changed between them, its review history,
//! and the review actions.

use super::answers::AnswersView;
use super::history::HistoryView;
use super::map_view::LocationMap;
use super::photos::PhotosView;
use super::public_toggle::PublicToggle;
use super::review_panel::ReviewPanel;
use super::state::{Pusat, Screen};
use super::versions::VersionsView;
use crate::api::{self, Detail, Failure};
use crate::i18n::{self, Lang, status_label};
use crate::time::format_wita;
use kabar_shared::review::may_publish;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn DetailScreen(id: String) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let detail = RwSignal::new(None::<Result<Detail, Failure>>);
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        let id = id.clone();
        spawn_local(async move { detail.set(Some(api::detail(&id).await)) });
    });
    view! {
        <p><a href=Screen::Inbox.hash()>{move || i18n::BACK_TO_INBOX.get(lang.get())}</a></p>
        {move || match detail.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(detail)) => view! {
                <article class="detail">
                    <Heading detail=detail.clone() />
                    <div class="columns">
                        <div class="main-column">
                            <Meta detail=detail.clone() />
                            <AnswersView detail=detail.clone() />
                            <PhotosView photos=detail.photos.clone() />
                            <LocationMap detail=detail.clone() />
                            <VersionsView id=detail.report.id.to_string() />
                        </div>
                        <aside class="side-column">
                            <ReviewPanel id=detail.report.id.to_string() on_done=Callback::new(move |()| reload.update(|n| *n += 1)) />
                            {may_publish(&detail.report.form.id, detail.status)
                                .then(|| view! { <PublicToggle id=detail.report.id.to_string() public=detail.public /> })}
                            <HistoryView reviews=detail.reviews.clone() />
                        </aside>
                    </div>
                </article>
            }.into_any(),
        }}
    }
}

fn form_title(detail: &Detail, lang: Lang) -> String {
    detail
        .form
        .as_ref()
        .map(|form| form.title.get(lang).to_owned())
        .unwrap_or_else(|| detail.report.form.id.clone())
}

#[component]
fn Heading(detail: Detail) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let status = detail.status;
    let place = format!(
        "{}{}",
        detail.village_name,
        detail
            .district_name
            .as_ref()
            .map(|name| format!(", {name}"))
            .unwrap_or_default()
    );
    view! {
        <h1>{move || form_title(&detail, lang.get())}" — "{place}</h1>
        <p><span class=format!("badge status-{}", status.as_str())>{move || status_label(status, lang.get())}</span></p>
    }
}

#[component]
fn Meta(detail: Detail) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let who = match (&detail.submitter_name, &detail.submitted_by) {
        (Some(name), Some(username)) => format!("{name} ({username})"),
        (None, Some(username)) => username.clone(),
        _ => "—".into(),
    };
    let device = detail.device_id.clone().unwrap_or_else(|| "—".into());
    let created = detail.report.created_at_ms;
    let received = detail.received_at_ms;
    let version = format!("{} v{}", detail.report.form.id, detail.report.form.version);
    let period = detail.period;
    view! {
        <dl class="meta">
            <dt>{move || i18n::FILED_BY.get(lang.get())}</dt><dd>{who}</dd>
            <dt>{move || i18n::DEVICE.get(lang.get())}</dt><dd>{device}</dd>
            <dt>{move || i18n::CREATED.get(lang.get())}</dt><dd>{move || format_wita(created, lang.get())}</dd>
            <dt>{move || i18n::RECEIVED.get(lang.get())}</dt><dd>{move || format_wita(received, lang.get())}</dd>
            <dt>{move || i18n::FORM_VERSION.get(lang.get())}</dt><dd>{version}</dd>
            <dt>{move || i18n::PERIOD.get(lang.get())}</dt><dd>{move || period.map(|month| month.label(lang.get())).unwrap_or_default()}</dd>
        </dl>
    }
}
