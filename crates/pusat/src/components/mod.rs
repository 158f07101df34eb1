//! The Command Center's screens. Each component is small and renders; the
//! calls to the server run in `spawn_local` tasks started by events and
//! effects, and write their answers into signals.

pub mod answers;
pub mod app;
pub mod detail;
pub mod exports;
pub mod filters;
pub mod grid;
pub mod history;
pub mod inbox;
pub mod inbox_table;
pub mod login;
pub mod mail;
pub mod mail_recipients;
pub mod photos;
pub mod public_toggle;
pub mod review_panel;
pub mod state;
pub mod top_bar;
// The forms screen (admins): list, a version's questions, publishing.
pub mod forms_admin;
pub mod forms_fields;
pub mod forms_publish;
// The map, versions and administration screens.
pub mod account_form;
pub mod account_row;
pub mod accounts;
pub mod audit;
pub mod map;
pub mod map_view;
pub mod sessions;
pub mod version_diff;
pub mod versions;
