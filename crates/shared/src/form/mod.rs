//! Forms as data.
pub mod date;
pub mod expr;
pub mod nik;
