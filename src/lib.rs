//! Kabar Desa field app: a Leptos CSR app that keeps reports in IndexedDB and
//! pushes them to the city's server whenever it can reach it.
//!
//! Only this crate knows the browser: IndexedDB ([`outbox_db`]), `fetch`
//! ([`api`]) and the DOM ([`components`]). The rules of what a report is and
//! how syncing decides live in `kabar-shared`.

pub mod api;
pub mod components;
pub mod gzip;
pub mod i18n;
pub mod outbox_db;
pub mod sync_engine;
pub mod time;

/// Mounts the app on the page's body.
pub fn start() {
    leptos::mount::mount_to_body(components::app::App);
}
