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
    // The release build aborts on a panic, which the browser reports only
    // as "unreachable"; the hook runs first and puts the panic's message
    // and place in the console, where support and the end-to-end tests
    // can read it. The Command Center's size is not the phone's concern.
    std::panic::set_hook(Box::new(|panic| {
        leptos::logging::error!("Command Center stopped: {panic}");
    }));
    leptos::mount::mount_to_body(components::app::App);
}
