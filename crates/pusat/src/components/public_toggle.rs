//! "Make public" on an approved KIM activity log or development progress
//! report: the report then appears on `/publik/`, the city's public page.
//! Which reports get the toggle is the shared crate's rule
//! (`kabar_shared::review::may_publish`); a public report that is sent back
//! for revision is hidden again by the server.

use super::state::Pusat;
use crate::api::{self, Failure};
use crate::i18n;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PublicToggle(id: String, public: bool) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let public = RwSignal::new(public);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let toggle = move |_| {
        let id = id.clone();
        let wanted = !public.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match api::set_public(&id, wanted).await {
                Ok(now) => {
                    public.set(now);
                    failure.set(None);
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <section class="public-toggle">
            <h2>{t(i18n::PUBLIC_TITLE)}</h2>
            <label>
                <input id="public-toggle" type="checkbox" prop:checked=move || public.get() disabled=move || busy.get() on:change=toggle />
                " "{t(i18n::PUBLIC_TOGGLE)}
            </label>
            <p>{move || if public.get() { i18n::PUBLIC_ON.get(lang.get()) } else { i18n::PUBLIC_OFF.get(lang.get()) }}</p>
            <p><a href="/publik/" target="_blank">{t(i18n::PUBLIC_LINK)}</a></p>
            {move || failure.get().map(|failure| view! { <p class="error" role="alert">{failure.text_with_detail(lang.get())}</p> })}
        </section>
    }
}
