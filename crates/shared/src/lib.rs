//! Kabar Desa's domain and sync protocol, shared by the field app (wasm) and
//! the central server (native).
//!
//! This crate does no I/O: no clock, no randomness, no network, no storage.
//! Callers pass the current time and random bytes in, and get plain values
//! out. That keeps every rule here testable with in-memory values and makes
//! the phone and the server agree by construction.

pub mod acceptance;
pub mod account;
pub mod form;
mod object;
pub mod period;
pub mod phone_sync;
pub mod report;
pub mod review;
pub mod sync;
pub mod text;
pub mod village;

pub use report::{ContentHash, Report, ReportBody, ReportId, ReportTitle};
pub use village::{Village, VillageCode};
