//! Case folding for matching what people type against names, without the
//! standard library's Unicode case tables.
//!
//! `str::to_lowercase` brings a table of every Unicode capital into the field
//! app's wasm (about 12 KB). The names matched here (villages, form labels, a
//! reviewer's note) are Indonesian and English in the Latin alphabet, so
//! ASCII and the Latin-1 letters (`À` to `Þ`) are folded and every other
//! character is compared as written.

/// `text` with ASCII and Latin-1 capitals made small.
pub fn lowercase(text: &str) -> String {
    text.chars().map(lowercase_char).collect()
}

fn lowercase_char(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        // À to Þ, except the multiplication sign, are one code point above
        // their small letters' block by 0x20, as in ASCII.
        '\u{C0}'..='\u{DE}' if c != '\u{D7}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_ascii_and_latin1_like_the_standard_library() {
        for text in [
            "Kotamobagu",
            "MOYAG Tampoan",
            "ÀÉÎÕÜÞ ×",
            "jumlah_KK 12",
            "Ñandú",
            "",
        ] {
            assert_eq!(lowercase(text), text.to_lowercase(), "{text}");
        }
    }

    #[test]
    fn leaves_other_scripts_as_written() {
        assert_eq!(lowercase("ΑΒΓ Ąb"), "ΑΒΓ Ąb");
    }
}
