//! The app's UI, one component per file. Components read and write the shared
//! [`state::PhoneState`]; browser side effects run in effects and spawned tasks.

pub(crate) mod app;
pub(crate) mod draft_keeper;
pub(crate) mod duties;
pub(crate) mod field_gps;
pub(crate) mod field_input;
pub(crate) mod field_photo;
pub(crate) mod field_repeat;
pub(crate) mod form_catalog;
pub(crate) mod form_picker;
pub(crate) mod form_state;
pub(crate) mod form_view;
pub(crate) mod install_update;
pub(crate) mod later;
pub(crate) mod login_view;
pub(crate) mod password_change;
pub(crate) mod photo_capture;
pub(crate) mod report_form;
pub(crate) mod report_list;
pub(crate) mod report_view;
pub(crate) mod state;
pub(crate) mod sync_status;
pub(crate) mod top_bar;
