//! The web interface of the stand hub: pages, JSON API, live updates and the operator CLI.
//!
//! - [`config`]: the `Config` read from the environment (`WEB_BIND`, `SECRET_KEY`, …);
//! - [`error`]: the one error type of the handlers and how it becomes a JSON or HTML answer;
//! - [`auth`]: passwords (argon2), sessions in PostgreSQL, API tokens, CSRF, roles as
//!   extractors, login rate limiting;
//! - [`publish`]: publishing a `command` at QoS 2 and awaiting the broker's confirmation;
//! - [`runs`]: starting a test, shared by the API and the form;
//! - [`events`]: `LISTEN` on the store's channel, fanned out to server-sent-event clients;
//! - [`api`]: the JSON API under `/api/`;
//! - [`pages`]: the askama pages (login, dashboard, stand, rejected messages, admin);
//! - [`results`]: the results list and result pages (plots, FFT), `/api/results…`, the CSV
//!   and Excel downloads, keep/delete, and raw payloads of rejected messages;
//! - [`health`]: `/healthz`, `/readyz`, `/metrics`;
//! - [`cli`]: the operator commands of the `webinterface` binary;
//! - [`import_django`]: `import-django`, taking over the old (Django) stack's database.
//!
//! [`router`] builds the whole application; [`serve`] runs it on a listener until shutdown.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod events;
pub mod health;
pub mod import_django;
pub mod pages;
pub mod publish;
pub mod results;
pub mod runs;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::Config;
pub use error::{Error, Result};

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    config: Config,
    publisher: publish::Publisher,
    events: tokio::sync::broadcast::Sender<events::LiveEvent>,
    metrics: health::Metrics,
    shutdown: CancellationToken,
    plots: results::PlotCache,
}

impl AppState {
    /// State for a database pool and a configuration.
    pub fn new(pool: PgPool, config: Config) -> Self {
        let publisher = publish::Publisher::new(config.mqtt.clone(), config.publish_timeout);
        let (events, _) = tokio::sync::broadcast::channel(1024);
        Self {
            inner: Arc::new(Inner {
                pool,
                publisher,
                events,
                metrics: health::Metrics::new(),
                shutdown: CancellationToken::new(),
                plots: results::PlotCache::default(),
                config,
            }),
        }
    }

    /// The database pool.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The MQTT publisher.
    pub fn publisher(&self) -> &publish::Publisher {
        &self.inner.publisher
    }

    /// The live event fan-out.
    pub fn events(&self) -> &tokio::sync::broadcast::Sender<events::LiveEvent> {
        &self.inner.events
    }

    /// The HTTP metrics.
    pub fn metrics(&self) -> &health::Metrics {
        &self.inner.metrics
    }

    /// Cancelled when the server shuts down (ends open event streams).
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Plot data of recently opened results.
    pub fn plot_cache(&self) -> &results::PlotCache {
        &self.inner.plots
    }

    /// The offline limit as a chrono duration for the store's state derivation.
    pub fn offline_after(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.inner.config.offline_after.as_secs()).unwrap_or(i64::MAX / 1000),
        )
    }
}

/// The whole application: pages, API, health and static files, with the auth, CSRF, security
/// header and metrics layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(api::router())
        .merge(results::router())
        .merge(health::router())
        .merge(events::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            health::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(axum::middleware::from_fn(health::secure_headers))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then ends the live event
/// streams and waits for in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = state.shutdown_token().clone();
    let fanout = tokio::spawn(events::fan_out(state.clone()));
    let app = router(state);
    let stop = token.clone();
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        tokio::select! {
            () = shutdown => {}
            () = stop.cancelled() => {}
        }
        stop.cancel();
    })
    .await;
    token.cancel();
    let _ = fanout.await;
    result
}
