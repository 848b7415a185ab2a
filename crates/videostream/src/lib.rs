//! The MJPEG camera relay: one upstream connection per camera, any number of viewers.
//!
//! - [`routes`]: the HTTP API of the old relay (`/install-test-stand/{stand}`,
//!   `/vstream-direct/test-stand/{stand}`, `/vstream/test-stand/{stand}`) and `/healthz`,
//!   served at the root and under `/videostream` (the nginx prefix);
//! - [`hub`]: the feeds, one task per watched camera fanning the latest frame out to viewers;
//! - [`multipart`]: the incremental parser of the cameras' `multipart/x-mixed-replace` streams;
//! - [`pages`] and [`error`]: what people see when something is wrong.
//!
//! Camera URLs live in `stands.camera_url` ([`domain::store::cameras`]), shared with the web
//! admin, so they survive restarts.

pub mod error;
pub mod hub;
pub mod multipart;
pub mod pages;
pub mod routes;

use std::future::Future;

use axum::Router;
use sqlx::PgPool;

pub use error::Error;
pub use hub::{Hub, Settings};

/// The address the relay listens on unless `VIDEOSTREAM_BIND` says otherwise.
pub const DEFAULT_BIND: &str = "0.0.0.0:5555";

/// The path prefix nginx forwards to the relay; routes answer at the root and under it.
pub const PROXY_PREFIX: &str = "/videostream";

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database holding the camera URLs.
    pub pool: PgPool,
    /// The running feeds.
    pub hub: Hub,
}

impl AppState {
    /// State with a new hub.
    pub fn new(pool: PgPool, settings: Settings) -> Result<Self, RunError> {
        Ok(Self {
            pool,
            hub: Hub::new(settings).map_err(RunError::Client)?,
        })
    }
}

/// Why the relay could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The HTTP client for the cameras could not be built.
    #[error("cannot build the HTTP client for the cameras: {0}")]
    Client(#[source] reqwest::Error),
    /// Serving failed.
    #[error("serving HTTP failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// The relay's routes at the root and under [`PROXY_PREFIX`].
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(routes::routes())
        .nest(PROXY_PREFIX, routes::routes())
        .with_state(state)
}

/// Serves the relay on `listener` with default [`Settings`] until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    pool: PgPool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    serve(
        listener,
        AppState::new(pool, Settings::default())?,
        shutdown,
    )
    .await
}

/// Serves the relay with the given state until `shutdown` completes; then every viewer's
/// stream is ended so the server can finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let hub = state.hub.clone();
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "video relay listening");
    }
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Streams never end by themselves: end them, or the graceful shutdown waits forever.
            hub.close();
        })
        .await
        .map_err(RunError::Serve)
}
