//! Links to what a KIM published: a post, an article, a video.

use std::fmt;

/// A web address with the `http` or `https` scheme and a host name.
///
/// Only these two schemes are accepted: a reviewer opens the link from the
/// Command Center, and `javascript:`, `data:` or `file:` links there would
/// run or open something other than a page. A link with a user name before
/// the host (`https://kominfo.go.id@example.com`) is refused too, because it
/// reads as one site and opens another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebUrl(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidUrl(pub String);

impl fmt::Display for InvalidUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an http or https address: {:?}", self.0)
    }
}

impl std::error::Error for InvalidUrl {}

impl WebUrl {
    /// Reads a link as people paste it: spaces around it are ignored, the
    /// scheme may be in capitals. The host is letters (any script, for
    /// Indonesian domain names), digits, dots and hyphens, with an optional
    /// port; the rest of the link is anything but spaces and control
    /// characters.
    pub fn parse(text: &str) -> Result<WebUrl, InvalidUrl> {
        let invalid = || InvalidUrl(text.to_owned());
        let trimmed = text.trim();
        let lower = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
        let rest = if lower.starts_with("https://") {
            &trimmed[8..]
        } else if lower.starts_with("http://") {
            &trimmed[7..]
        } else {
            return Err(invalid());
        };
        if rest
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(invalid());
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let port_ok = port.is_none_or(|port| {
            !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
        });
        let host_ok = !host.is_empty()
            && host.chars().count() <= 253
            && host
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'))
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if host_ok && port_ok {
            Ok(WebUrl(trimmed.to_owned()))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_links_with_a_host_are_accepted() {
        for good in [
            "https://kotamobagukota.go.id/berita/2026/sosialisasi",
            "http://kim-moyag.blogspot.com",
            "HTTPS://www.facebook.com/groups/kim.moyag/posts/123?x=1#komentar",
            "  https://youtu.be/abc123  ",
            "https://localhost:8080/a",
            "https://contoh.id/cari?q=banjir%20bandang&hal=2",
            "https://bücher.example/ruang",
        ] {
            assert!(WebUrl::parse(good).is_ok(), "{good:?}");
        }
        for bad in [
            "",
            "kotamobagukota.go.id",
            "www.kotamobagukota.go.id/berita",
            "javascript:alert(1)",
            "data:text/html,hai",
            "file:///etc/passwd",
            "ftp://contoh.id",
            "https://",
            "https:///jalan",
            "https://kominfo.go.id@contoh.com/",
            "https://contoh .id",
            "https://contoh.id/a b",
            "https://contoh.id:port/",
            "https://contoh.id:123456/",
            "https://.contoh.id",
            "https://contoh..id",
            "https://-contoh.id",
            "https://contoh.id/\u{0}",
            "https:\\\\contoh.id",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            WebUrl::parse(" https://a.id ").unwrap().as_str(),
            "https://a.id"
        );
    }
}
