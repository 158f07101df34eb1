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

/// Mounts the app on the page's body.
pub fn start() {
    leptos::mount::mount_to_body(components::app::App);
}
