//! Hand-written deserialization for the internally tagged and flattened
//! types the phone reads: form fields and their kinds, validator problems,
//! push results and deliveries with their field errors.
//!
//! serde's derive for an internally tagged or flattened type buffers the
//! input and emits a visitor per variant: about 70 KB of wasm for the field
//! and problem kinds alone, which every phone downloads before it can open
//! the app. Here the object is read once into a JSON map and each variant
//! takes its fields from it, which costs a fraction. The JSON shape is
//! unchanged: `Serialize` stays derived, and the tests read back what it
//! writes for every variant.

use serde::Deserializer;
use serde::de::{DeserializeOwned, Error};
use serde_json::{Map, Value as Json};
use std::marker::PhantomData;

/// One JSON object being taken apart, with errors of the outer format `E`.
pub(crate) struct Object<E> {
    map: Map<String, Json>,
    error: PhantomData<E>,
}

impl<E: Error> Object<E> {
    pub(crate) fn read<'de, D>(deserializer: D) -> Result<Object<E>, E>
    where
        D: Deserializer<'de, Error = E>,
    {
        let map = serde::Deserialize::deserialize(deserializer)?;
        Ok(Object {
            map,
            error: PhantomData,
        })
    }

    /// The variant name under `name`, which must be a string.
    pub(crate) fn tag(&mut self, name: &'static str) -> Result<String, E> {
        match self.map.remove(name) {
            Some(Json::String(tag)) => Ok(tag),
            Some(_) => Err(E::custom(format_args!("{name} must be a string"))),
            None => Err(E::missing_field(name)),
        }
    }

    pub(crate) fn required<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T, E> {
        let value = self
            .map
            .remove(name)
            .ok_or_else(|| E::missing_field(name))?;
        T::deserialize(value).map_err(|error| E::custom(format_args!("{name}: {error}")))
    }

    /// Absent and `null` are both `None`, as with `#[serde(default)]`.
    pub(crate) fn optional<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
    ) -> Result<Option<T>, E> {
        match self.map.remove(name) {
            None | Some(Json::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|error| E::custom(format_args!("{name}: {error}"))),
        }
    }
}
