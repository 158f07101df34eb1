//! A report's review history, oldest first.

use super::state::Pusat;
use crate::api::ReviewRecord;
use crate::i18n::{self, status_label};
use crate::time::format_wita;
use leptos::prelude::*;

#[component]
pub fn HistoryView(reviews: Vec<ReviewRecord>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let empty = reviews.is_empty();
    let items = reviews.into_iter().map(|review| {
        let status = review.status;
        view! {
            <li>
                <span class="time">{move || format_wita(review.at_ms, lang.get())}</span>" · "
                <strong>{review.reviewer.clone()}</strong>
                {move || status.map(|status| format!(" → {}", status_label(status, lang.get())))}
                {review.comment.clone().map(|comment| view! { <blockquote>{comment}</blockquote> })}
            </li>
        }
    }).collect_view();
    view! {
        <section class="history">
            <h2>{move || i18n::HISTORY.get(lang.get())}</h2>
            <Show when=move || empty><p class="hint">{move || i18n::NO_HISTORY.get(lang.get())}</p></Show>
            <ol>{items}</ol>
        </section>
    }
}
