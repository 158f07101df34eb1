//! Kabar Desa field app: a Leptos CSR app that keeps reports in IndexedDB and
//! pushes them to the city's server whenever it can reach it.
//!
//! Only this crate knows the browser: IndexedDB ([`storage`]), `fetch`
//! (`api`) and the DOM (`components`). The rules of what a report is and
//! how syncing decides live in `kabar-shared`.
//!
//! Modules are private to the crate except what the browser tests use.

mod api;
mod components;
mod device;
pub mod gzip;
mod i18n;
pub mod storage;
mod sync_engine;
mod time;

/// Mounts the app on the page's body, taking over the page's own login form
/// if the user already typed in it (see `index.html`).
pub fn start() {
    use leptos::prelude::*;
    let shell_login = components::login_view::ShellLogin::take_from_page();
    let focus = shell_login.clone();
    leptos::mount::mount_to_body(move || {
        provide_context(StoredValue::new(shell_login));
        view! { <components::app::App /> }
    });
    // The app's form is on the page now (a signed-out phone's first screen
    // is built at once).
    if let Some(shell) = focus {
        shell.restore_focus();
    }
}
