//! The app's UI, one component per file. Components read and write the shared
//! [`state::PhoneState`]; browser side effects run in effects and spawned tasks.

pub mod app;
pub mod draft_keeper;
pub mod field_gps;
pub mod field_input;
pub mod field_photo;
pub mod field_repeat;
pub mod form_catalog;
pub mod form_picker;
pub mod form_state;
pub mod form_view;
pub mod login_view;
pub mod photo_capture;
pub mod report_form;
pub mod report_list;
pub mod state;
pub mod sync_status;
pub mod top_bar;
