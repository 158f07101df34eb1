//! Forms as data.
pub mod date;
pub mod expr;
pub mod model;
pub mod nik;
pub mod phone;
pub mod validate;
