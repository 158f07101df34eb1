//! Kabar Desa's central API server.
//!
//! The API lives under `/api`; everything else is the field app's static
//! files. Each module owns its `router()`; [`Application`] wires them up.

pub mod admin;
pub mod app_shell;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod health;
pub mod openapi;
pub mod photos;
pub mod pusat;
pub mod pusat_admin;
pub mod pusat_export;
pub mod reports;
pub mod store;
pub mod sync;
pub mod telemetry;

pub use config::{Command, Database, Settings};

use crate::error::ApiError;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest};
use kabar_shared::form::FormCatalog;
use object_store::ObjectStore;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::trace::TraceLayer;

/// The largest request body: a full batch of text reports fits easily. The
/// limit applies after decompression, so a small compressed bomb cannot
/// blow up in memory. Photos have their own limit.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    /// Every published form version; reports are validated against it.
    pub catalog: Arc<FormCatalog>,
    /// The fingerprint of the catalog, for pull cursors.
    pub forms_fingerprint: String,
    pub photos: Arc<dyn ObjectStore>,
}

impl AppState {
    pub async fn new(settings: Settings) -> anyhow::Result<AppState> {
        let store = Store::open(&settings.database).await?;
        let photos = photos::open_store(&settings.photo_store).await?;
        let catalog = FormCatalog::builtin();
        let forms: Vec<_> = catalog.forms().collect();
        let forms_fingerprint = sync::fingerprint(&forms);
        Ok(AppState {
            store,
            settings: Arc::new(settings),
            catalog: Arc::new(catalog),
            forms_fingerprint,
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
        .merge(pusat::router())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Photos are already compressed; they get their own, larger limit.
        .merge(photos::router(max_photo_bytes))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_session,
        ))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .with_state(state)
}

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let app_dir = settings.app_dir.clone();
        let pusat_dir = settings.pusat_dir.clone();
        let listen = settings.listen;
        tracing::info!(database = %settings.database.describe(), photos = %settings.photo_store.describe(), "opening storage");
        let state = AppState::new(settings).await?;
        let listener = TcpListener::bind(listen).await?;
        let router = Router::new()
            .nest("/api", api_router(state))
            .merge(app_shell::pusat_router(&pusat_dir))
            .merge(app_shell::router(&app_dir))
            .layer(TraceLayer::new_for_http());
        Ok(Application { listener, router })
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
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
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
