//! A saved report opened from the list. A report the Command Center sent
//! back opens with its answers to fix, the reviewer's note at the top;
//! saving the fix makes a new version of the same report (same id, the
//! previous version's hash in `replaces`) that waits in the outbox like any
//! report. Every other report opens read-only, and one still waiting to be
//! sent can be deleted after a confirmation.

use super::form_catalog::{form, report_title};
use super::form_state::{FormState, coerce};
use super::form_view::FormView;
use super::report_form::{show_refusals, wita_today};
use super::report_list::{current_review, review_label};
use super::state::{PhoneState, Session};
use crate::i18n;
use crate::storage::{self, OutboxEntry, Revision};
use crate::time::now_ms;
use kabar_shared::acceptance::decide_filing;
use kabar_shared::form::{AnswerError, FormDefinition};
use kabar_shared::review::offered_for_revision;
use kabar_shared::sync::Delivery;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(crate) fn ReportView(entry: OutboxEntry) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let review = state
        .reviews
        .with_untracked(|reviews| current_review(&entry, reviews.get(&entry.report.id)));
    let revisable = entry.delivery == Delivery::Sent && offered_for_revision(review.status);
    let definition = form(&entry.report.form);
    let title = report_title(&entry.report, lang.get_untracked().shared());
    let waiting = entry.delivery.is_waiting();
    let body = match definition {
        Some(definition) if revisable => {
            let note = review.comment.as_ref().map(|(_, text)| text.clone());
            view! { <RevisionForm entry=entry.clone() form=definition review_at_ms=review.at_ms note /> }
                .into_any()
        }
        Some(definition) => {
            view! { <ReadOnlyAnswers entry=entry.clone() form=definition /> }.into_any()
        }
        None => view! { <p class="notice">{move || i18n::READ_ONLY_HINT.get(lang.get())}</p> }
            .into_any(),
    };
    view! {
        <section class="card report-view" data-report-id=entry.report.id.to_string()>
            <button type="button" class="secondary small" on:click=move |_| state.opened.set(None)>
                {move || i18n::BACK_TO_LIST.get(lang.get())}
            </button>
            <h2>{title}</h2>
            {review.comment.map(|(reviewer, text)| view! {
                <div class="reviewer-note" role="note">
                    <p class="reviewer-note-title">
                        {move || format!("{} · {reviewer}", i18n::REVIEWER_NOTE.get(lang.get()))}
                        {review.status.map(|status| view! { <span class="status review-status">{move || review_label(status, lang.get())}</span> })}
                    </p>
                    <p class="review-comment">{text}</p>
                </div>
            })}
            {body}
            {waiting.then(|| view! { <DeleteWaiting entry=entry.clone() /> })}
        </section>
    }
}

/// The answers of a report that can no longer change, in the form's own
/// layout, every input disabled.
#[component]
fn ReadOnlyAnswers(entry: OutboxEntry, form: &'static FormDefinition) -> impl IntoView {
    let lang = expect_context::<PhoneState>().lang;
    let answers = RwSignal::new(entry.report.answers.clone());
    let problems = RwSignal::new(Vec::new());
    let today = wita_today(entry.report.created_at_ms);
    let state = FormState::new(form, answers, problems, lang, today);
    view! {
        <p class="hint">{move || i18n::READ_ONLY_HINT.get(lang.get())}</p>
        <fieldset class="read-only" disabled>
            <FormView state />
        </fieldset>
    }
}

/// The answers of a report sent back, to fix and save as its next version.
#[component]
fn RevisionForm(
    entry: OutboxEntry,
    form: &'static FormDefinition,
    review_at_ms: i64,
    note: Option<String>,
) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let answers = RwSignal::new(entry.report.answers.clone());
    let problems = RwSignal::new(Vec::<AnswerError>::new());
    let failed = RwSignal::new(false);
    let today = wita_today(entry.report.created_at_ms);
    // A fixed start figure is checked against the approved month before,
    // as when the report was first filled.
    let village = RwSignal::new(entry.report.village.as_str().to_owned());
    let mut form_state =
        FormState::new(form, answers, problems, lang, today).with_approved(state.approved, village);
    if let Some(note) = &note {
        form_state = form_state.with_reviewer_note(note);
    }
    let entry = StoredValue::new(entry);
    let save = Action::new_local(move |_: &()| {
        failed.set(false);
        let fixed = entry.with_value(|entry| checked_fix(entry, form, answers, problems));
        let (owner, replaces) =
            entry.with_value(|entry| (entry.owner.clone(), entry.report.content_hash()));
        let revision = Revision {
            replaces,
            answers_review_at_ms: review_at_ms,
        };
        async move {
            let Some(fixed) = fixed else {
                return;
            };
            match storage::save_revision(&fixed, revision, now_ms(), &owner).await {
                Ok(()) => {
                    state.reload_entries().await;
                    state.opened.set(None);
                    state.fix_saved.set(true);
                    crate::sync_engine::request_sync(state);
                }
                Err(_) => failed.set(true),
            }
        }
    });
    let saving = save.pending();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        // A second tap while saving does nothing.
        if !saving.get_untracked() {
            save.dispatch_local(());
        }
    };
    view! {
        <p class="hint">{move || i18n::FIX_HINT.get(lang.get())}</p>
        <form on:submit=submit novalidate>
            <FormView state=form_state />
            <button class="primary" type="submit" disabled=move || saving.get()>
                {move || if saving.get() { i18n::SAVING.get(lang.get()) } else { i18n::SEND_FIX.get(lang.get()) }}
            </button>
            {move || failed.get().then(|| view! { <p class="notice bad" role="alert">{i18n::FIX_NOT_SAVED.get(lang.get())}</p> })}
        </form>
    }
}

/// The fixed report, when the shared filing decision (the server's) accepts
/// it: the same id, form version, village and creation time, new answers.
/// Otherwise its problems are shown next to their fields.
fn checked_fix(
    entry: &OutboxEntry,
    form: &'static FormDefinition,
    answers: RwSignal<kabar_shared::report::Answers>,
    problems: RwSignal<Vec<AnswerError>>,
) -> Option<kabar_shared::Report> {
    let state = expect_context::<PhoneState>();
    let access = state.session.with_untracked(|session| match session {
        Session::SignedIn(me) => Some(me.access.clone()),
        Session::SignedOut => None,
    })?;
    let mut candidate = entry.report.clone();
    candidate.answers = coerce(&form.fields, &answers.get_untracked());
    match decide_filing(&access, form, &candidate) {
        Ok(accepted) => {
            problems.set(Vec::new());
            Some(accepted.report)
        }
        Err(refusals) => {
            show_refusals(refusals, problems);
            None
        }
    }
}

/// "Delete this report", for a report not sent yet, after the browser's own
/// confirmation dialog.
#[component]
fn DeleteWaiting(entry: OutboxEntry) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let outcome = RwSignal::new(None::<i18n::Text>);
    let id = entry.report.id;
    let owner = entry.owner;
    let delete = move |_| {
        let confirmed = web_sys::window()
            .and_then(|window| {
                window
                    .confirm_with_message(i18n::DELETE_CONFIRM.get(lang.get_untracked()))
                    .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let owner = owner.clone();
        spawn_local(async move {
            match storage::delete_waiting(id, &owner).await {
                Ok(true) => {
                    state.reload_entries().await;
                    state.opened.set(None);
                }
                Ok(false) => outcome.set(Some(i18n::DELETE_TOO_LATE)),
                Err(_) => outcome.set(Some(i18n::DELETE_FAILED)),
            }
        });
    };
    view! {
        <button type="button" class="danger" on:click=delete>
            {move || i18n::DELETE_REPORT.get(lang.get())}
        </button>
        {move || outcome.get().map(|text| view! { <p class="notice bad" role="alert">{text.get(lang.get())}</p> })}
    }
}
