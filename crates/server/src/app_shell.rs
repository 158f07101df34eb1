//! Serves the built field app from the same origin as the API, so the service
//! worker, the cookies and the API share one origin and no CORS is needed.

use crate::security::AppShellPolicy;
use axum::Router;
use axum::http::{HeaderValue, Request, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};

/// Static files with precompressed `.br`/`.gz` variants when present, and
/// `index.html` for any other path so deep links work.
pub fn router(app_dir: &Path) -> Router {
    let index = app_dir.join("index.html");
    let files = ServeDir::new(app_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let policy = Arc::new(AppShellPolicy::new(app_dir));
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
        .layer(middleware::from_fn(move |request, next| {
            let policy = policy.clone();
            content_security_policy(policy, request, next)
        }))
}

/// Every file of the app gets the app shell's policy (see
/// [`AppShellPolicy`]): the page for itself, and the service worker, whose
/// own script's policy governs what the worker may fetch.
async fn content_security_policy(
    policy: Arc<AppShellPolicy>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let value = policy.header();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, value);
    response
}

/// The Command Center, a second app with its own bundle, under `/pusat/`:
/// its files, and its own `index.html` for any other path below it. The
/// field app never links to it, so it adds nothing to a phone's first load.
/// `tile_source` is the origin of the map tiles (see
/// [`crate::config::TileUrl::csp_source`]): only this app may load images
/// from it, never the field app.
pub fn pusat_router(pusat_dir: &Path, tile_source: &str) -> Router {
    let index = pusat_dir.join("index.html");
    let files = ServeDir::new(pusat_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    // Its own page's policy (its own loader script's hash), not the API's
    // `default-src 'none'`, which would block the app from starting; and
    // the map's tiles as images.
    let policy = Arc::new(AppShellPolicy::with_img_src(pusat_dir, tile_source));
    Router::new()
        .nest_service("/pusat", files)
        .layer(middleware::from_fn(cache_policy))
        .layer(middleware::from_fn(move |request, next| {
            let policy = policy.clone();
            content_security_policy(policy, request, next)
        }))
}

/// Trunk names every asset after its content hash, so those may be cached
/// forever; the page and the service worker must be revalidated every time or
/// phones would never learn of a new version.
async fn cache_policy(request: Request<axum::body::Body>, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let hashed_asset = path.rsplit('/').next().is_some_and(|name| {
        name.split(['-', '.'])
            .any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    let policy = if hashed_asset {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
