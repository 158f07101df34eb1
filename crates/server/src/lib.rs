//! Kabar Desa's central API server.
//!
//! The API lives under `/api`; everything else is the field app's static
//! files. Each module owns its `router()`; [`Application`] wires them up.

pub mod admin;
pub mod app_shell;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod error;
pub mod health;
pub mod mail;
pub mod openapi;
pub mod photos;
pub mod public;
pub mod pusat;
pub mod pusat_admin;
pub mod pusat_export;
pub mod pusat_export_xlsx;
pub mod pusat_forms;
pub mod pusat_map;
pub mod reports;
pub mod security;
pub mod serve;
pub mod store;
pub mod sync;
pub mod telemetry;
// Hardening (issue 12): the OpenAPI document's body schemas.
pub mod openapi_schemas;

pub use config::{Command, Database, Settings};

use crate::catalog::LiveCatalog;
use crate::error::ApiError;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest};
use axum::response::{IntoResponse, Response};
use object_store::ObjectStore;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

/// The largest request body: a full batch of text reports fits easily. The
/// limit applies after decompression, so a small compressed bomb cannot
/// blow up in memory. Photos have their own limit.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    /// Every published form version (built in or published by an admin);
    /// reports are validated against it. See `catalog`.
    pub catalog: Arc<LiveCatalog>,
    pub photos: Arc<dyn ObjectStore>,
    /// Slots for password hashing, so parallel logins cannot exhaust
    /// memory and CPU (see `auth`).
    pub login_hashes: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub async fn new(settings: Settings) -> anyhow::Result<AppState> {
        let store = Store::open(&settings.database).await?;
        let photos = photos::open_store(&settings.photo_store).await?;
        let catalog = LiveCatalog::load(&store).await?;
        let hash_slots = match settings.login_hash_slots {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            slots => slots,
        };
        Ok(AppState {
            login_hashes: Arc::new(tokio::sync::Semaphore::new(hash_slots)),
            store,
            settings: Arc::new(settings),
            catalog: Arc::new(catalog),
            photos,
        })
    }
}

/// `axum::Json` with our error type as its rejection, so a bad body gets the
/// same JSON error shape as every other failure.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

pub fn api_router(state: AppState) -> Router {
    let max_photo_bytes = state.settings.max_photo_bytes;
    Router::new()
        .merge(health::router())
        .merge(openapi::router())
        .merge(auth::router())
        .merge(sync::router())
        .merge(reports::router())
        .merge(admin::router())
        .merge(mail::router())
        .merge(public::api_router())
        .merge(pusat::router())
        .merge(pusat_forms::router())
        .merge(pusat_map::router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Photos are already compressed; they get their own, larger limit.
        .merge(photos::router(max_photo_bytes))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_session,
        ))
        .layer(axum::middleware::from_fn(security::same_origin_only))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// A handler that panics answers 500 like any other internal error, and the
/// panic is logged; the server keeps serving everyone else. The server is
/// built with `panic = "unwind"` (the `server` profile) so this can work.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::Internal(anyhow::anyhow!("a request handler panicked: {message}")).into_response()
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: serve::ConnectionLimits,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let app_dir = settings.app_dir.clone();
        let pusat_dir = settings.pusat_dir.clone();
        let tile_source = settings.tile_url.csp_source();
        let listen = settings.listen;
        let limits = serve::ConnectionLimits {
            header_timeout: settings.header_timeout,
            max_connections: settings.max_connections,
        };
        let body_timeout = settings.body_timeout;
        tracing::info!(database = %settings.database.describe(), photos = %settings.photo_store.describe(), "opening storage");
        let state = AppState::new(settings).await?;
        mail::worker::spawn(&state)?;
        let listener = TcpListener::bind(listen).await?;
        let router = Router::new()
            .merge(public::router(state.clone()))
            .nest("/api", api_router(state))
            .merge(app_shell::pusat_router(&pusat_dir, &tile_source))
            .merge(app_shell::router(&app_dir))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(axum::middleware::from_fn(security::common_headers))
            // A body that stalls this long between two pieces is dropped.
            .layer(RequestBodyTimeoutLayer::new(body_timeout))
            .layer(TraceLayer::new_for_http());
        Ok(Application {
            listener,
            router,
            limits,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|addr| addr.port())
            .unwrap_or(0)
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let address = self.listener.local_addr()?;
        tracing::info!("Kabar Desa listening on http://{address}/");
        serve::serve(self.listener, self.router, self.limits, shutdown_signal()).await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_router_keeps_serving() {
        let router = Router::new()
            .route(
                "/panic",
                get(|| async {
                    let empty: &[u8] = &[];
                    #[allow(clippy::out_of_bounds_indexing, unconditional_panic)]
                    let byte = empty[usize::from(empty.is_empty())];
                    byte.to_string()
                }),
            )
            .route("/fine", get(|| async { "ok" }))
            .layer(CatchPanicLayer::custom(panic_response));
        let response = router
            .clone()
            .oneshot(Request::get("/panic").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "internal");
        let response = router
            .oneshot(Request::get("/fine").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
