//! This phone's identity and its random source.

use crate::storage;

const DEVICE_KEY: &str = "kabar-desa.device";

/// Bytes from the browser's CSPRNG, for report ids, the device id and the
/// sync's retry jitter.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Every browser that runs wasm has crypto.getRandomValues; this only
        // keeps ids distinct if one somehow does not.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

/// This phone's id, made once and kept: the server binds sessions to it.
/// It stays in localStorage (see ARCHITECTURE.md): it is read synchronously
/// before a login, and if it is ever lost the only cost is one more login.
pub(crate) fn device_id() -> String {
    if let Some(id) = storage::preference(DEVICE_KEY) {
        return id;
    }
    let id: String = random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    storage::set_preference(DEVICE_KEY, &id);
    id
}
