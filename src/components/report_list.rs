//! The user's reports saved on this phone, newest first, with where each
//! stands: the newest [`LIST_PAGE`] at first, and older ones a page at a
//! time on request. A phone may keep thousands; drawing them all took
//! seconds on a slow phone and redrew the whole list after every sync.
//! Rows are keyed by report and delivery state, so a batch marked sent
//! redraws only its own rows.

use super::form_catalog::report_title;
use super::state::{LIST_PAGE, PhoneState};
use crate::i18n::{self, Lang};
use crate::storage::OutboxEntry;
use crate::time::format_wita;
use kabar_shared::report::{FormRef, ReviewStatus};
use kabar_shared::sync::{Delivery, ReviewEvent};
use kabar_shared::village::Gazetteer;
use leptos::prelude::*;

#[component]
pub fn ReportList() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let newest_first = move || {
        let mut entries = state.entries.get();
        entries.reverse();
        entries
    };
    view! {
        <section class="card">
            <h2>{move || i18n::MY_REPORTS.get(lang.get())}</h2>
            <Show
                when=move || state.entries.with(|entries| !entries.is_empty())
                fallback=move || view! { <p class="empty">{move || i18n::NO_REPORTS.get(lang.get())}</p> }
            >
                {move || state.fix_saved.get().then(|| view! {
                    <p class="notice ok" role="status">{i18n::FIX_SAVED.get(lang.get())}</p>
                })}
                <ul class="reports">
                    <For
                        each=newest_first
                        key=|entry| (entry.report.id, entry.delivery.name())
                        children=move |entry: OutboxEntry| {
                            let village = Gazetteer::kotamobagu()
                                .village(&entry.report.village)
                                .map_or_else(|| entry.report.village.to_string(), |v| v.name.clone());
                            view! { <ReportItem entry=entry village=village /> }
                        }
                    />
                </ul>
                {move || state.more_reports.get().then(|| view! {
                    <button type="button" class="secondary more-reports" on:click=move |_| {
                        state.shown.update(|shown| *shown += LIST_PAGE);
                        leptos::task::spawn_local(state.reload_entries());
                    }>
                        {move || i18n::MORE_REPORTS.get(lang.get())}
                    </button>
                })}
            </Show>
        </section>
    }
}

#[component]
fn ReportItem(entry: OutboxEntry, village: String) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let delivery = entry.delivery.clone();
    let status = delivery.name();
    let saved_at = entry.saved_at_ms;
    let details = delivery.clone();
    let report = entry.report.clone();
    let report_id = entry.report.id;
    let form = entry.report.form.clone();
    let form_id = form.id.clone();
    let urgent_waiting = entry.delivery.is_waiting() && entry.report.is_urgent();
    let title = move || report_title(&report, lang.get().shared());
    // The Command Center's latest word on this version, if any.
    let review = move || {
        let current = state
            .reviews
            .with(|reviews| current_review(&entry, reviews.get(&report_id)));
        (current.status.is_some() || current.comment.is_some())
            .then_some((current.status, current.comment))
    };
    view! {
        <li data-report-id=report_id.to_string() data-status=status data-form=form_id>
            <button
                type="button"
                class="report-title report-open"
                title=move || i18n::OPEN_REPORT_HINT.get(lang.get())
                on:click=move |_| {
                    state.fix_saved.set(false);
                    state.opened.set(Some(report_id));
                }
            >
                {title}
            </button>
            <div class="report-meta">
                {move || format!("{village} · {} {}", i18n::SAVED_AT.get(lang.get()), format_wita(saved_at, lang.get()))}
            </div>
            <span class=format!("status {status}")>{move || status_label(&delivery, lang.get())}</span>
            {urgent_waiting.then(|| view! { <span class="status urgent">{move || i18n::URGENT_FIRST.get(lang.get())}</span> })}
            {move || delivery_details(&details, &form, lang.get())}
            {move || {
                review()
                    .map(|(status, comment)| {
                        let lang = lang.get();
                        view! {
                            <div class="review" data-review=status.map(review_key)>
                                {status.map(|status| view! { <span class="status review-status">{review_label(status, lang)}</span> })}
                                {comment.map(|(reviewer, text)| view! {
                                    <p class="review-comment">{format!("{reviewer}: {text}")}</p>
                                })}
                            </div>
                        }
                    })
            }}
        </li>
    }
}

fn status_label(delivery: &Delivery, lang: Lang) -> &'static str {
    match delivery {
        Delivery::Waiting => i18n::STATUS_WAITING.get(lang),
        Delivery::Sent => i18n::STATUS_SENT.get(lang),
        Delivery::Conflict => i18n::STATUS_CONFLICT.get(lang),
        Delivery::Rejected { .. } => i18n::STATUS_REJECTED.get(lang),
    }
}

fn delivery_details(delivery: &Delivery, form: &FormRef, lang: Lang) -> Option<String> {
    match delivery {
        Delivery::Conflict => Some(i18n::CONFLICT_EXPLAINED.get(lang).to_owned()),
        Delivery::Rejected { errors } => Some(
            errors
                .iter()
                .map(|error| {
                    // A path such as `births[1].nik` is labelled by the form's
                    // field of its first segment, in the user's language.
                    let code = error.field.split(['[', '.']).next().unwrap_or_default();
                    let label = super::form_catalog::form(form)
                        .and_then(|definition| definition.field(code))
                        .map(|field| field.label.get(lang.shared()).to_owned());
                    match label {
                        Some(label) => {
                            format!("{label}: {}", i18n::field_problem(&error.problem, lang))
                        }
                        None => i18n::field_error(error, lang),
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Delivery::Waiting | Delivery::Sent => None,
    }
}

/// What the Command Center last said about a report, as it applies to the
/// version on the phone: for a fixed version, only news newer than what the
/// user answered with it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CurrentReview {
    pub status: Option<ReviewStatus>,
    /// The latest comment and its reviewer.
    pub comment: Option<(String, String)>,
    /// The server's time of the newest event of any version (0 for none):
    /// what a fix made now answers.
    pub at_ms: i64,
}

pub(super) fn current_review(
    entry: &OutboxEntry,
    events: Option<&Vec<ReviewEvent>>,
) -> CurrentReview {
    let events = events.map_or(&[][..], Vec::as_slice);
    let answered = entry
        .revision
        .as_ref()
        .map_or(i64::MIN, |revision| revision.answers_review_at_ms);
    let current: Vec<&ReviewEvent> = events
        .iter()
        .filter(|event| event.at_ms > answered)
        .collect();
    CurrentReview {
        status: current.iter().rev().find_map(|event| event.status),
        comment: current.iter().rev().find_map(|event| {
            event
                .comment
                .clone()
                .map(|text| (event.reviewer.clone(), text))
        }),
        at_ms: events.iter().map(|event| event.at_ms).max().unwrap_or(0),
    }
}

fn review_key(status: ReviewStatus) -> &'static str {
    match status {
        ReviewStatus::Received => "received",
        ReviewStatus::InReview => "in_review",
        ReviewStatus::Approved => "approved",
        ReviewStatus::NeedsRevision => "needs_revision",
        ReviewStatus::Rejected => "rejected",
    }
}

pub(super) fn review_label(status: ReviewStatus, lang: Lang) -> &'static str {
    match status {
        ReviewStatus::Received => i18n::REVIEW_RECEIVED.get(lang),
        ReviewStatus::InReview => i18n::REVIEW_IN_REVIEW.get(lang),
        ReviewStatus::Approved => i18n::REVIEW_APPROVED.get(lang),
        ReviewStatus::NeedsRevision => i18n::REVIEW_NEEDS_REVISION.get(lang),
        ReviewStatus::Rejected => i18n::REVIEW_REJECTED.get(lang),
    }
}
