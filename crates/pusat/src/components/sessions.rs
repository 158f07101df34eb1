//! Device sessions (admins only), newest first, 50 to a page: who, which
//! device, from where, since and until when (WITA), and a button that ends
//! a session at once.

use super::state::Pusat;
use crate::api::{self, DeviceSession, Failure, SessionsPage};
use crate::i18n;
use crate::time::{format_wita, now_ms};
use leptos::prelude::*;
use leptos::task::spawn_local;

const PAGE: &str = "limit=50";

#[component]
pub fn SessionsScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let page = RwSignal::new(None::<Result<SessionsPage, Failure>>);
    // The cursors of the pages seen, to go back to the first.
    let after = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        let query = match after.get() {
            Some(cursor) => format!("{PAGE}&after={}", js_sys::encode_uri_component(&cursor)),
            None => PAGE.to_owned(),
        };
        spawn_local(async move { page.set(Some(api::sessions(&query).await)) });
    });
    let changed = Callback::new(move |()| reload.update(|n| *n += 1));
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <h1>{t(i18n::SESSIONS_TITLE)}</h1>
        {move || match page.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(page)) => {
                let next = page.next.clone();
                view! {
                    <table class="sessions">
                        <thead><tr>
                            <th scope="col">{t(i18n::USERNAME)}</th><th scope="col">{t(i18n::DEVICE)}</th>
                            <th scope="col">{t(i18n::CLIENT)}</th><th scope="col">{t(i18n::SIGNED_IN)}</th>
                            <th scope="col">{t(i18n::LAST_SEEN)}</th><th scope="col">{t(i18n::COL_STATUS)}</th><th scope="col">{t(i18n::ACTIONS)}</th>
                        </tr></thead>
                        <tbody>{page.sessions.into_iter().map(|session| view! { <SessionRow session=session on_change=changed /> }).collect_view()}</tbody>
                    </table>
                    <p class="pager">
                        <Show when=move || after.get().is_some()><button on:click=move |_| after.set(None)>{t(i18n::FIRST_PAGE)}</button></Show>
                        {next.map(|cursor| view! { <button on:click=move |_| after.set(Some(cursor.clone()))>{t(i18n::NEXT_PAGE)}</button> })}
                    </p>
                }.into_any()
            }
        }}
    }
}

#[component]
fn SessionRow(session: DeviceSession, on_change: Callback<()>) -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let failure = RwSignal::new(None::<Failure>);
    let id = session.id.clone();
    let revoke = move |_| {
        let id = id.clone();
        spawn_local(async move {
            match api::revoke_session(&id).await {
                Ok(()) => on_change.run(()),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let live = session.revoked_at_ms.is_none() && session.expires_at_ms > now_ms();
    let (created, seen) = (session.created_at_ms, session.last_seen_ms);
    let device = format!("{} ({})", session.device_name, session.device_id);
    view! {
        <tr data-session=session.id.clone()>
            <td>{session.username.clone()}</td>
            <td>{device}</td>
            <td>{session.client.clone()}</td>
            <td>{move || format_wita(created, lang.get())}</td>
            <td>{move || format_wita(seen, lang.get())}</td>
            <td>{move || if live { i18n::SESSION_ACTIVE.get(lang.get()) } else { i18n::SESSION_ENDED.get(lang.get()) }}</td>
            <td>
                <Show when=move || live><button on:click=revoke.clone()>{move || i18n::REVOKE.get(lang.get())}</button></Show>
                {move || failure.get().map(|failure| view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> })}
            </td>
        </tr>
    }
}
