//! Every report saved on this phone, newest first, with where it stands.

use super::form_catalog::report_title;
use super::state::PhoneState;
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
    let title = move || report_title(&report, lang.get().shared());
    // The Command Center's latest word on this report, if any.
    let review = move || {
        state
            .reviews
            .with(|reviews| reviews.get(&report_id).map(|events| latest_review(events)))
    };
    view! {
        <li data-report-id=entry.report.id.to_string() data-status=status data-form=entry.report.form.id.clone()>
            <div class="report-title">{title}</div>
            <div class="report-meta">
                {move || format!("{village} · {} {}", i18n::SAVED_AT.get(lang.get()), format_wita(saved_at, lang.get()))}
            </div>
            <span class=format!("status {status}")>{move || status_label(&delivery, lang.get())}</span>
            {move || delivery_details(&details, &form, lang.get())}
            {move || {
                review()
                    .map(|(status, comment)| {
                        let lang = lang.get();
                        view! {
                            <div class="review" data-review=status.map(review_key)>
                                {status.map(|status| view! { <span class="status review-status">{review_label(status, lang)}</span> })}
                                {comment.map(|(reviewer, text)| view! {
                                    <p class="review-comment">{format!("💬 {reviewer}: {text}")}</p>
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

/// The latest status and the latest comment (with its reviewer) among a
/// report's review events, which arrive oldest first.
fn latest_review(events: &[ReviewEvent]) -> (Option<ReviewStatus>, Option<(String, String)>) {
    let status = events.iter().rev().find_map(|event| event.status);
    let comment = events.iter().rev().find_map(|event| {
        event
            .comment
            .clone()
            .map(|text| (event.reviewer.clone(), text))
    });
    (status, comment)
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

fn review_label(status: ReviewStatus, lang: Lang) -> &'static str {
    match status {
        ReviewStatus::Received => i18n::REVIEW_RECEIVED.get(lang),
        ReviewStatus::InReview => i18n::REVIEW_IN_REVIEW.get(lang),
        ReviewStatus::Approved => i18n::REVIEW_APPROVED.get(lang),
        ReviewStatus::NeedsRevision => i18n::REVIEW_NEEDS_REVISION.get(lang),
        ReviewStatus::Rejected => i18n::REVIEW_REJECTED.get(lang),
    }
}
