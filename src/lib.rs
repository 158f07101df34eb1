//! Kabar Desa field app.
