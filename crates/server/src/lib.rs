//! Kabar Desa's central API server.
//!
//! The API lives under `/api`; everything else is the field app's static
//! files. Each module owns its `router()`; [`Application`] wires them up.

pub mod app_shell;
pub mod config;
pub mod error;
pub mod health;
pub mod reports;
pub mod store;
pub mod sync;
pub mod telemetry;

pub use config::Settings;

use crate::error::ApiError;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The largest request body: a full batch of text reports fits easily.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
}

/// `axum::Json` with our error type as its rejection, so a bad body gets the
/// same JSON error shape as every other failure.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(sync::router())
        .merge(reports::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
}

pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let store = Store::open(&settings.database_path).await?;
        let listener = TcpListener::bind(settings.listen).await?;
        let router = Router::new()
            .nest("/api", api_router().with_state(AppState { store }))
            .merge(app_shell::router(&settings.app_dir))
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
        axum::serve(self.listener, self.router)
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
