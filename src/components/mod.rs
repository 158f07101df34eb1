//! The app's UI, one component per file. Components read and write the shared
//! [`state::AppState`]; browser side effects run in effects and spawned tasks.

pub mod app;
pub mod report_form;
pub mod report_list;
pub mod state;
pub mod sync_status;
pub mod top_bar;
