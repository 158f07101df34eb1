//! Kabar Desa's Command Center (Pusat Komando): a Leptos CSR app for the
//! city's reviewers and Diskominfo's admins, served at `/pusat/`.
//!
//! It talks to the same server as the field app through `/api/v1` ([`api`])
//! and asks `kabar-shared` for every rule: who may review which village,
//! form definitions and their labels, reporting periods and deadlines.
//! Review actions and their call sites live in [`review`] alone.

pub mod api;
pub mod components;
pub mod i18n;
pub mod leaflet;
pub mod review;
pub mod time;

/// Mounts the app on the page's body.
pub fn start() {
    leptos::mount::mount_to_body(components::app::App);
}
