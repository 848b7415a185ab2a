//! What every handler shares ([`AppState`]): the pool, the configuration, the MQTT
//! publisher, the live event fan-out, the metrics, the shutdown token and the password
//! hashing permits.

use std::sync::Arc;

use domain::per_key::PerKey;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::i18n::Lang;
use crate::metrics::Metrics;
use crate::publish::Publisher;

/// One event for the open pages (see `events`).
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// `stand`, `result`, `quarantine` or `resync`.
    pub kind: &'static str,
    /// JSON, made once per language and shared by every open page (cloning it only counts a
    /// reference): `(language, data)`, one entry for events that say nothing in words.
    pub data: Arc<[(Lang, String)]>,
}

impl LiveEvent {
    /// The event's data for a page in `lang` (the first language's when the event has only one).
    pub fn data_for(&self, lang: Lang) -> &str {
        self.data
            .iter()
            .find(|(l, _)| *l == lang)
            .or_else(|| self.data.first())
            .map_or("{}", |(_, d)| d.as_str())
    }
}

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    config: Config,
    publisher: Publisher,
    events: tokio::sync::broadcast::Sender<LiveEvent>,
    metrics: Metrics,
    shutdown: CancellationToken,
    password_permits: Arc<tokio::sync::Semaphore>,
    streams: PerKey<i64>,
}

impl AppState {
    /// State for a database pool and a configuration. Requests use a pool like `pool` whose
    /// statements end after the configuration's `statement_timeout`.
    pub fn new(pool: PgPool, config: Config) -> Self {
        Self::with_metrics(pool, config, Metrics::new())
    }

    /// [`AppState::new`] with `metrics` made beforehand (the launcher adds the embedded
    /// broker's counts).
    pub fn with_metrics(pool: PgPool, config: Config, metrics: Metrics) -> Self {
        let pool = domain::store::bounded(
            &pool,
            pool.options().get_max_connections(),
            config.statement_timeout,
        );
        let publisher = Publisher::new(config.mqtt.clone(), config.publish_timeout);
        let (events, _) = tokio::sync::broadcast::channel(1024);
        Self {
            inner: Arc::new(Inner {
                pool,
                publisher,
                events,
                metrics,
                shutdown: CancellationToken::new(),
                password_permits: Arc::new(tokio::sync::Semaphore::new(
                    config.password_hash_concurrency,
                )),
                streams: PerKey::new(config.max_streams_per_user),
                config,
            }),
        }
    }

    /// The live update streams each user holds.
    pub fn streams(&self) -> &PerKey<i64> {
        &self.inner.streams
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
    pub fn publisher(&self) -> &Publisher {
        &self.inner.publisher
    }

    /// The live event fan-out.
    pub fn events(&self) -> &tokio::sync::broadcast::Sender<LiveEvent> {
        &self.inner.events
    }

    /// The HTTP metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Cancelled when the server shuts down (ends open event streams).
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Permits for argon2 hashing (`PASSWORD_HASH_CONCURRENCY`): each hash holds one.
    pub fn password_permits(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.inner.password_permits
    }

    /// The languages live updates are drawn in: English, Danish, and the pseudo-locale when
    /// it is on.
    pub fn languages(&self) -> &'static [Lang] {
        if self.config().pseudo_locale {
            &[Lang::En, Lang::Da, Lang::Pseudo]
        } else {
            &[Lang::En, Lang::Da]
        }
    }

    /// A reader of `lang`, times in the lab's zone.
    pub fn tr(&self, lang: Lang) -> crate::i18n::Tr {
        crate::i18n::Tr::new(lang, self.config().time_zone)
    }

    /// The offline limit as a chrono duration for the store's state derivation.
    pub fn offline_after(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.inner.config.offline_after.as_secs()).unwrap_or(i64::MAX / 1000),
        )
    }
}
