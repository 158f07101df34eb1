//! Accounts (admins only): every account with its role, area and state;
//! a password reset and disable/enable on each row; and the form that
//! creates one. The server applies the command line's rules and says in
//! both languages what it refuses.

use super::account_form::AccountForm;
use super::account_row::AccountRow;
use super::state::Pusat;
use crate::api::{self, Account, Failure};
use crate::i18n;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn AccountsScreen() -> impl IntoView {
    let lang = expect_context::<Pusat>().lang;
    let accounts = RwSignal::new(None::<Result<Vec<Account>, Failure>>);
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        spawn_local(async move { accounts.set(Some(api::accounts().await)) });
    });
    let changed = Callback::new(move |()| reload.update(|n| *n += 1));
    let t = move |text: i18n::Text| move || text.get(lang.get());
    view! {
        <h1>{t(i18n::ACCOUNTS_TITLE)}</h1>
        <AccountForm on_created=changed />
        {move || match accounts.get() {
            None => view! { <p class="loading">{i18n::LOADING.get(lang.get())}</p> }.into_any(),
            Some(Err(failure)) => view! { <p class="error" role="alert">{failure.text(lang.get()).to_owned()}</p> }.into_any(),
            Some(Ok(list)) => view! {
                <table class="accounts">
                    <caption>{t(i18n::ACCOUNTS_LIST)}</caption>
                    <thead><tr>
                        <th scope="col">{t(i18n::USERNAME)}</th><th scope="col">{t(i18n::DISPLAY_NAME)}</th>
                        <th scope="col">{t(i18n::ROLE)}</th><th scope="col">{t(i18n::AREA)}</th>
                        <th scope="col">{t(i18n::COL_STATUS)}</th><th scope="col">{t(i18n::ACTIONS)}</th>
                    </tr></thead>
                    <tbody>{list.into_iter().map(|account| view! { <AccountRow account=account on_change=changed /> }).collect_view()}</tbody>
                </table>
            }.into_any(),
        }}
    }
}
