//! This month's duties, on the first screen: for each periodic form the user
//! files, the period due now, its due day (from the form definition) and
//! where the report stands — e.g. "Laporan Bulanan Kependudukan · Oktober
//! 2026 · batas 10 November 2026 · menunggu sinyal". A row whose report is
//! on the phone opens it.

use super::form_catalog::{form, forms_for, latest};
use super::form_state::coerce;
use super::report_form::wita_today;
use super::report_list::current_review;
use super::state::{PhoneState, Session};
use crate::i18n;
use crate::storage::OutboxEntry;
use crate::time::now_ms;
use kabar_shared::form::{Date, FormDefinition, Frequency, Period};
use kabar_shared::period::{Duty, duty, duty_period};
use kabar_shared::report::{Answers, ReportId};
use kabar_shared::sync::Delivery;
use leptos::prelude::*;

#[component]
pub(crate) fn Duties() -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let periodic: Vec<&'static FormDefinition> = state.session.with_untracked(|session| {
        let access = match session {
            Session::SignedIn(me) => Some(&me.access),
            Session::SignedOut => None,
        };
        forms_for(access)
            .into_iter()
            .filter(|form| form.frequency == Frequency::Monthly)
            .collect()
    });
    let today = wita_today(now_ms());
    let period = duty_period(today);
    let any = !periodic.is_empty();
    let rows = move || {
        periodic
            .iter()
            .map(|form| {
                let (state_now, report) = standing(state, form, period, today);
                view! { <DutyRow form period due=form.due_date(period) standing=state_now report /> }
            })
            .collect_view()
    };
    any.then(|| {
        view! {
            <section class="card duties">
                <h2>{move || i18n::DUTIES.get(lang.get())}</h2>
                <ul class="duty-list">{rows}</ul>
            </section>
        }
    })
}

/// One periodic form's duty for `period`, and the report filed for it on
/// this phone: the newest the server has not refused, should there be
/// several (a refused second report does not undo the first).
fn standing(
    state: PhoneState,
    definition: &FormDefinition,
    period: Period,
    today: Date,
) -> (Duty, Option<ReportId>) {
    let filed: Option<OutboxEntry> = state.entries.with(|entries| {
        let mut for_period = entries
            .iter()
            .rev()
            .filter(|entry| files_period(entry, &definition.id, period));
        let newest = for_period.clone().next();
        for_period
            .find(|entry| !matches!(entry.delivery, Delivery::Rejected { .. }))
            .or(newest)
            .cloned()
    });
    let review = filed.as_ref().map(|entry| {
        state
            .reviews
            .with(|reviews| current_review(entry, reviews.get(&entry.report.id)).status)
    });
    let judged = duty(
        filed
            .as_ref()
            .map(|entry| (&entry.delivery, review.flatten())),
        today,
        definition.due_date(period),
    );
    (judged, filed.map(|entry| entry.report.id))
}

/// Whether a saved report is of form `form_id` and names `period` (by the
/// period rule of the form version it was filed against).
fn files_period(entry: &OutboxEntry, form_id: &str, period: Period) -> bool {
    entry.report.form.id == form_id
        && form(&entry.report.form).and_then(|version| version.period_of(&entry.report.answers))
            == Some(period)
}

#[component]
fn DutyRow(
    form: &'static FormDefinition,
    period: Period,
    due: Option<Date>,
    standing: Duty,
    report: Option<ReportId>,
) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let text = move || {
        let lang = lang.get();
        let mut parts = vec![
            form.title.get(lang.shared()).to_owned(),
            period.label(lang.shared()),
        ];
        if let Some(due) = due {
            let month = Period::containing(due).label(lang.shared());
            parts.push(format!("{} {} {month}", i18n::DUE_BY.get(lang), due.day()));
        }
        parts.join(" · ")
    };
    let status = move || {
        view! {
            <span class=format!("status duty-{}", standing.as_str())>
                {move || standing.label(lang.get().shared())}
            </span>
        }
    };
    // Only a report on this phone can be opened; a duty not filed yet is
    // done with the form below.
    let body = match report {
        Some(id) => view! {
            <button
                type="button"
                class="duty"
                on:click=move |_| {
                    state.fix_saved.set(false);
                    state.opened.set(Some(id));
                }
            >
                <span class="duty-text">{text}</span>
                {status}
            </button>
        }
        .into_any(),
        None => view! {
            <div class="duty">
                <span class="duty-text">{text}</span>
                {status}
            </div>
        }
        .into_any(),
    };
    view! { <li data-duty=standing.as_str() data-form=form.id.clone()>{body}</li> }
}

/// A warning under the new-report form when its answers name a period this
/// user already filed a report of the same form for: the server takes one
/// report per village and period, so the user should fix that one instead.
#[component]
pub(crate) fn PeriodTaken(form_id: RwSignal<String>, answers: RwSignal<Answers>) -> impl IntoView {
    let state = expect_context::<PhoneState>();
    let lang = state.lang;
    let taken = Memo::new(move |_| {
        let definition = latest(&form_id.get())?;
        let answers = coerce(&definition.fields, &answers.get());
        let period = definition.period_of(&answers)?;
        let filed = state.entries.with(|entries| {
            entries
                .iter()
                .any(|entry| files_period(entry, &definition.id, period))
        });
        filed.then_some(period)
    });
    move || {
        taken.get().map(|period| {
            let lang = lang.get();
            let text = format!("{} {}", period.label(lang.shared()), i18n::PERIOD_TAKEN.get(lang));
            view! { <p class="notice wait" role="status" data-period-taken=period.to_string()>{text}</p> }
        })
    }
}
