//! The process's Prometheus metrics: request latency by route and status (observed by
//! `middleware::track`), and the database figures read at scrape time (by `health`).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    action: &'static str,
    user: String,
}

/// The embedded broker's refusals (publishes, subscriptions, wills its topic rules refused), by
/// action and account: the launcher counts them here for `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct BrokerRefusals(Family<RefusalLabels, Counter>);

impl BrokerRefusals {
    /// Counts one refusal of `action` (`publish`, `subscribe`, `will`) to `user` (empty when
    /// anonymous).
    pub fn count(&self, action: &'static str, user: &str) {
        self.0
            .get_or_create(&RefusalLabels {
                action,
                user: user.to_owned(),
            })
            .inc();
    }
}

/// The database figures a scrape shows.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Status history rows stored.
    pub status_messages: i64,
    /// Results stored.
    pub results: i64,
    /// Messages in the quarantine.
    pub quarantine: i64,
    /// Stands known.
    pub stands: i64,
    /// Runs sent or running.
    pub runs_in_progress: i64,
    /// Messages of new stands in the quarantine because the registration cap was reached.
    pub registrations_refused: i64,
    /// Seconds since the newest stored inbound message.
    pub seconds_since_last_message: Option<f64>,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    http: Family<HttpLabels, Histogram>,
    stored: Family<KindLabel, Gauge>,
    stands: Gauge,
    runs_in_progress: Gauge,
    registrations_refused: Gauge,
    lag: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers the metrics.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("standhub");
        let http = Family::<HttpLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route and status",
            http.clone(),
        );
        let stored = Family::<KindLabel, Gauge>::default();
        registry.register(
            "messages_stored",
            "Inbound messages stored: status history rows, results, quarantine",
            stored.clone(),
        );
        let stands = Gauge::default();
        registry.register("stands", "Stands known", stands.clone());
        let runs_in_progress = Gauge::default();
        registry.register(
            "runs_in_progress",
            "Runs sent or running",
            runs_in_progress.clone(),
        );
        let registrations_refused = Gauge::default();
        registry.register(
            "stand_registrations_refused",
            "Messages of new stands in the quarantine because more than \
             HANDLER_MAX_NEW_STANDS_PER_MINUTE stands registered themselves in a minute",
            registrations_refused.clone(),
        );
        let lag = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "seconds_since_last_message",
            "Seconds since the newest stored inbound message (handler lag while stands talk)",
            lag.clone(),
        );
        Self {
            registry,
            http,
            stored,
            stands,
            runs_in_progress,
            registrations_refused,
            lag,
        }
    }

    /// Adds `standhub_mqtt_refused_total` (the launcher's embedded broker) and returns the
    /// counter the broker's rules count on.
    pub fn count_broker_refusals(&mut self) -> BrokerRefusals {
        let refusals = BrokerRefusals::default();
        self.registry.register(
            "mqtt_refused",
            "MQTT publishes, subscriptions and wills the embedded broker refused, by action and \
             account (a stand's own account speaks only on its own topics)",
            refusals.0.clone(),
        );
        refusals
    }

    /// Records one request's latency.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .observe(seconds);
    }

    /// Sets the database figures and renders everything as OpenMetrics text.
    pub fn encode(&self, f: &Figures) -> Result<String, std::fmt::Error> {
        for (kind, n) in [
            ("status", f.status_messages),
            ("result", f.results),
            ("quarantine", f.quarantine),
        ] {
            self.stored.get_or_create(&KindLabel { kind }).set(n);
        }
        self.stands.set(f.stands);
        self.runs_in_progress.set(f.runs_in_progress);
        self.registrations_refused.set(f.registrations_refused);
        self.lag.set(f.seconds_since_last_message.unwrap_or(0.0));
        let mut body = String::new();
        prometheus_client::encoding::text::encode(&mut body, &self.registry)?;
        Ok(body)
    }
}
