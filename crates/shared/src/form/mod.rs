//! Forms as data: one form model and one validator for the phone and the
//! server.
//!
//! The server publishes form definitions ([`FormDefinition`]) and the phone
//! caches them. A submission records the form version it was filled against
//! ([`crate::report::FormRef`]); both sides look that version up in a
//! [`FormCatalog`] and run [`validate`], so an answer the phone accepts
//! offline is exactly what the server accepts later.
//!
//! - [`model`]: the definition model and its JSON shape.
//! - [`expr`]: the expression language of `relevant`, `constraint` and
//!   `calculate` (its grammar is documented there).
//! - [`validate`](mod@validate): checking a whole submission, with problems
//!   in Bahasa Indonesia or English.
//! - [`builtin`]: the six forms Kotamobagu's villages file, from
//!   `data/forms/*.json`.
//! - [`carry`]: figures a periodic report starts from the previous
//!   period's approved report (`carry_from`), and the mismatch warning.
//! - [`period`]: the reporting period of periodic forms and their due day.
//! - [`date`], [`nik`], [`phone`], [`url`]: the value types the validator
//!   checks; [`number`]: decimals read and written without the standard
//!   library's float parser and formatter (wasm size).
//!
//! Answers are a JSON object by field code. Section fields sit at the top
//! level next to the others; a repeat group is an array of row objects; a
//! photo field is an array of `sha256:<hex>` references; a GPS point is
//! `{"lat": …, "lon": …, "accuracy_m": …}`.
//!
//! ```
//! use kabar_shared::form::{Date, FormCatalog, Lang};
//! use kabar_shared::report::{Answers, FormRef};
//!
//! let catalog = FormCatalog::builtin();
//! let form = FormRef { id: "aspirasi-warga".into(), version: 1 };
//! let answers: Answers = serde_json::from_str(r#"{"jenis": "keluhan"}"#).unwrap();
//! let today = Date::parse("2025-06-15").unwrap();
//! let validated = catalog.validate(&form, &answers, today).unwrap();
//! let first = &validated.problems[0];
//! assert_eq!(first.path, "tanggal");
//! assert_eq!(first.message(Lang::Id), "Wajib diisi.");
//! assert_eq!(first.message(Lang::En), "Required.");
//! ```

pub mod builtin;
pub mod carry;
pub mod date;
pub mod expr;
pub mod model;
pub mod nik;
pub mod number;
pub mod period;
pub mod phone;
pub mod public;
pub mod url;
pub mod validate;

pub use builtin::{BUILTIN_FORM_FILES, CatalogError, FormCatalog, UnknownForm, builtin_forms};
pub use carry::{CarryMismatch, carried_answers, carry_mismatches, carry_over};
pub use date::{Date, DateTime, Time, WITA_OFFSET_MINUTES, format_wita};
pub use expr::{Context, Expr, ParseError, Value};
pub use model::{
    Choice, Constraint, DateBound, DefinitionError, Field, FieldKind, Filer, FormDefinition,
    FormSummary, Frequency, Lang, Text,
};
pub use nik::{InvalidNik, Nik};
pub use period::{InvalidPeriod, Period, PeriodRule};
pub use phone::PhoneNumber;
pub use public::public_answers;
pub use url::{InvalidUrl, WebUrl};
pub use validate::{AnswerError, AnswerErrorKind, Validated, ValueKind, validate};
