//! Browser-facing protections: refusing state-changing requests from other
//! sites, and the headers that keep responses from being sniffed, framed or
//! made to run foreign scripts.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// The API's policy: its answers are data, never documents to render.
pub const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Middleware: refuses a state-changing request (anything but GET, HEAD and
/// OPTIONS, with a body or without: logout and session revocation have
/// none) that a browser says comes from another site. The session cookie
/// is `SameSite=Strict` already; this is the second lock on the door.
pub async fn same_origin_only(request: Request, next: Next) -> Result<Response, ApiError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !same_origin(request.headers()) {
        return Err(ApiError::CrossOrigin);
    }
    Ok(next.run(request).await)
}

/// Whether a request is from the app's own origin, or from no browser page
/// at all. `Sec-Fetch-Site` (every current browser sends it) decides when
/// present; otherwise `Origin` must name the host the request was sent to
/// (`Host`, or `X-Forwarded-Host` behind a proxy that rewrites it). A
/// request with neither comes from a program, not from a page another site
/// could make a browser send.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(authority) = origin
        .to_str()
        .ok()
        .and_then(|origin| {
            origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
        })
        .filter(|authority| !authority.is_empty() && !authority.contains('/'))
    else {
        return false;
    };
    headers
        .get_all(header::HOST)
        .iter()
        .chain(headers.get_all("x-forwarded-host").iter())
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|host| host.trim().eq_ignore_ascii_case(authority))
}

/// Middleware for every response: no content sniffing, no framing, no
/// referrer leaving the site.
pub async fn common_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(API_CONTENT_SECURITY_POLICY),
        );
    }
    response
}

/// The app shell's Content-Security-Policy, built from the `index.html`
/// being served: its own scripts and styles, the wasm module, the inline
/// scripts of the page by their SHA-256 (Trunk's loader and the service
/// worker registration), photos from blobs, and nothing from elsewhere.
/// The hashes are read again whenever `index.html` changes, so a new
/// deployment of the app needs no server restart.
pub struct AppShellPolicy {
    index: PathBuf,
    /// One more source images may come from (the Command Center's map
    /// tiles), or empty.
    extra_img_src: String,
    cached: Mutex<Option<(SystemTime, HeaderValue)>>,
}

impl AppShellPolicy {
    pub fn new(app_dir: &Path) -> AppShellPolicy {
        AppShellPolicy::with_img_src(app_dir, "")
    }

    /// The policy of an app that also shows images from `source`.
    pub fn with_img_src(app_dir: &Path, source: &str) -> AppShellPolicy {
        AppShellPolicy {
            index: app_dir.join("index.html"),
            extra_img_src: source.to_owned(),
            cached: Mutex::new(None),
        }
    }

    pub fn header(&self) -> HeaderValue {
        let modified = std::fs::metadata(&self.index)
            .and_then(|metadata| metadata.modified())
            .ok();
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let (Some(modified), Some((at, value))) = (modified, cached.as_ref())
            && *at == modified
        {
            return value.clone();
        }
        let page = std::fs::read_to_string(&self.index).unwrap_or_default();
        let value = HeaderValue::from_str(&app_shell_policy_with(&page, &self.extra_img_src))
            .unwrap_or_else(|_| HeaderValue::from_static(API_CONTENT_SECURITY_POLICY));
        if let Some(modified) = modified {
            *cached = Some((modified, value.clone()));
        }
        value
    }
}

/// The policy for a page with these contents.
pub fn app_shell_policy(page: &str) -> String {
    app_shell_policy_with(page, "")
}

/// The policy for a page with these contents that also shows images from
/// `extra_img_src` (when not empty).
pub fn app_shell_policy_with(page: &str, extra_img_src: &str) -> String {
    let images = if extra_img_src.is_empty() {
        String::new()
    } else {
        format!(" {extra_img_src}")
    };
    let hashes: String = inline_scripts(page)
        .map(|script| format!(" 'sha256-{}'", base64(&Sha256::digest(script.as_bytes()))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:{images}; connect-src 'self'; \
         worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The contents of the page's `<script>` elements that have no `src`.
fn inline_scripts(page: &str) -> impl Iterator<Item = &str> {
    let mut rest = page;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find("<script")?;
            let after_tag = rest[start..].find('>')? + start;
            let tag = &rest[start..after_tag];
            let end = rest[after_tag..].find("</script>")? + after_tag;
            let body = &rest[after_tag + 1..end];
            rest = &rest[end + "</script>".len()..];
            if !tag.contains("src=") {
                return Some(body);
            }
        }
    })
}

/// Standard base64 with padding, for CSP hash sources.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_vectors() {
        for (input, expect) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expect);
        }
    }

    #[test]
    fn inline_scripts_are_allowed_by_hash_and_nothing_else_is() {
        let page = "<html><head><script src=\"/app.js\"></script>\
                    <script>navigator.serviceWorker.register(\"/sw.js\");</script>\
                    <script type=\"module\">import init from '/a.js';</script></head></html>";
        let scripts: Vec<&str> = inline_scripts(page).collect();
        assert_eq!(
            scripts,
            [
                "navigator.serviceWorker.register(\"/sw.js\");",
                "import init from '/a.js';"
            ]
        );
        let policy = app_shell_policy(page);
        let expected = base64(&Sha256::digest(scripts[0].as_bytes()));
        assert!(policy.contains(&format!("'sha256-{expected}'")), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
        let scripts = policy
            .split(';')
            .find(|directive| directive.trim().starts_with("script-src"))
            .unwrap();
        assert!(!scripts.contains("unsafe-inline"), "{policy}");
    }

    #[test]
    fn only_the_own_origin_or_no_browser_may_change_state() {
        fn check(pairs: &[(&str, &str)], expect: bool) {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.append(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            assert_eq!(same_origin(&headers), expect, "{pairs:?}");
        }
        check(&[], true);
        check(&[("sec-fetch-site", "same-origin")], true);
        check(&[("sec-fetch-site", "none")], true);
        check(&[("sec-fetch-site", "cross-site")], false);
        check(&[("sec-fetch-site", "same-site")], false);
        check(
            &[
                ("host", "kabar.example"),
                ("origin", "https://kabar.example"),
            ],
            true,
        );
        check(
            &[
                ("host", "kabar.example"),
                ("origin", "https://evil.example"),
            ],
            false,
        );
        check(&[("host", "kabar.example"), ("origin", "null")], false);
        check(
            &[
                ("host", "127.0.0.1:8080"),
                ("x-forwarded-host", "kabar.example"),
                ("origin", "https://kabar.example"),
            ],
            true,
        );
        // Sec-Fetch-Site wins over a matching Origin.
        check(
            &[
                ("host", "kabar.example"),
                ("origin", "https://kabar.example"),
                ("sec-fetch-site", "cross-site"),
            ],
            false,
        );
    }
}
