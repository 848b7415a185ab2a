//! The MJPEG camera relay: one upstream connection per camera, any number of viewers.
//!
//! - [`config`]: the [`Settings`]: limits, who may install and watch, camera address rules;
//! - [`multipart`]: the incremental parser of the cameras' `multipart/x-mixed-replace` streams;
//! - [`hub`]: the feeds, one task per watched camera fanning the latest frame out to viewers;
//! - [`upstream`]: a feed's camera connection, reconnecting with back-off; only image parts
//!   (JPEG or PNG, by their bytes) are relayed; camera addresses are checked after DNS
//!   resolution and no redirect is followed ([`domain::camera_policy`]);
//! - [`frame`]: the frames and feed states that [`upstream`] publishes and [`hub`] hands out;
//! - [`pages`] and [`error`]: what people see when something is wrong (a generic "camera not
//!   available"; the details go to the log, camera passwords removed);
//! - [`access`]: the admin token the install API takes and the signed link viewers need;
//! - [`routes`]: the HTTP API of the old relay (`/install-test-stand/{stand}`,
//!   `/vstream-direct/test-stand/{stand}`, `/vstream/test-stand/{stand}`) and `/healthz`,
//!   served at the root and under `/videostream` (the nginx prefix), every response with the
//!   relay's own restrictive Content-Security-Policy;
//! - [`server`]: the HTTP/1 server with header and body time-outs and a connection cap.
//!
//! Camera URLs live in `stands.camera_url` ([`domain::store::cameras`]), shared with the web
//! admin, so they survive restarts.

pub mod access;
pub mod config;
pub mod error;
pub mod frame;
pub mod hub;
pub mod multipart;
pub mod pages;
pub mod routes;
pub mod server;
pub mod upstream;

use std::future::Future;

use axum::Router;
use sqlx::PgPool;

pub use config::{DEFAULT_BIND, Settings};
pub use error::Error;
pub use hub::Hub;

/// The path prefix nginx forwards to the relay; routes answer at the root and under it.
pub const PROXY_PREFIX: &str = "/videostream";

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database holding the camera URLs (and the API tokens).
    pub pool: PgPool,
    /// The running feeds; their settings are the relay's.
    pub hub: Hub,
}

impl AppState {
    /// State with a new hub.
    pub fn new(pool: PgPool, settings: Settings) -> Self {
        Self {
            pool,
            hub: Hub::new(settings),
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        self.hub.settings()
    }
}

/// Why the relay could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Serving failed.
    #[error("serving HTTP failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// The relay's routes at the root and under [`PROXY_PREFIX`].
pub fn router(state: AppState) -> Router {
    routes::with_headers(
        Router::new()
            .merge(routes::routes())
            .nest(PROXY_PREFIX, routes::routes()),
    )
    .with_state(state)
}

/// Serves the relay on `listener` with `settings` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    pool: PgPool,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    serve(listener, AppState::new(pool, settings), shutdown).await
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
    let settings = state.settings().clone();
    server::serve(listener, router(state), &settings, async move {
        shutdown.await;
        // Streams never end by themselves: end them, or the graceful shutdown waits forever.
        hub.close();
    })
    .await
    .map_err(RunError::Serve)
}
