//! Batches inbound messages, writes each batch in one transaction, then acknowledges it.
//!
//! A message is acknowledged only after the transaction that stored it (or quarantined it)
//! committed. While the database is away the batch is retried with back-off and nothing is
//! acknowledged, so the broker keeps everything; a crash before the ack means a redelivery,
//! which the QoS 2 receipts in the store recognise.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::backoff::Backoff;
use domain::store::StoreError;
use domain::store::ingest::{self, BatchOptions, Delivery, Incoming, Quarantined};
use domain::{Inbound, ProtocolValidator, Rejection};
use rumqttc::{AsyncClient, Publish, QoS};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};

use crate::config::Config;

/// What the MQTT task hands to the writer, in arrival order.
#[derive(Debug)]
pub enum Work {
    /// A message, with the time it arrived and the connection it came on.
    Publish(Publish, DateTime<Utc>, i64),
    /// Connected with a new session: the broker will redeliver nothing from before.
    SessionLost,
    /// The broker released a QoS 2 packet id (its exchange is complete).
    Released(u16),
}

/// Writes batches and acknowledges them.
pub struct Writer {
    config: Config,
    validator: ProtocolValidator,
    pool: PgPool,
    client: AsyncClient,
}

impl Writer {
    /// A writer for one handler.
    pub fn new(
        config: Config,
        validator: ProtocolValidator,
        pool: PgPool,
        client: AsyncClient,
    ) -> Self {
        Self {
            config,
            validator,
            pool,
            client,
        }
    }

    /// Takes work until `stop` turns true; the batch in flight is finished first.
    pub async fn run(
        self,
        mut work: mpsc::UnboundedReceiver<Work>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut totals = ingest::BatchReport::default();
        let mut last_report = Instant::now();
        loop {
            let first = tokio::select! {
                biased;
                _ = stop.changed() => break,
                w = work.recv() => match w {
                    Some(w) => w,
                    None => break,
                },
            };
            let mut batch = vec![first];
            while batch.len() < self.config.max_batch {
                match work.try_recv() {
                    Ok(w) => batch.push(w),
                    Err(_) => break,
                }
            }
            let Some(report) = self.write(batch, &mut stop).await else {
                break;
            };
            totals += report;
            if last_report.elapsed() > Duration::from_secs(30) {
                tracing::info!(?totals, "stored since start");
                last_report = Instant::now();
            }
        }
        tracing::info!(?totals, "writer stopped");
    }

    /// Writes one batch until it commits, then acks it. `None` when stopped before it committed
    /// (nothing acked: the broker delivers it again).
    #[tracing::instrument(skip_all, fields(size = batch.len()))]
    async fn write(
        &self,
        batch: Vec<Work>,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<ingest::BatchReport> {
        let mut publishes = Vec::new();
        let mut released = Vec::new();
        let mut session_lost = false;
        for w in batch {
            match w {
                Work::Publish(p, at, connection) => publishes.push((p, at, connection)),
                Work::Released(pkid) => released.push(pkid),
                Work::SessionLost => session_lost = true,
            }
        }
        let mut items: Vec<Incoming> = publishes
            .iter()
            .map(|(p, at, connection)| self.classify(p, *at, *connection))
            .collect();
        for item in &items {
            if let Err(q) = &item.verdict {
                tracing::warn!(topic = %item.topic, size = item.payload.len(), kind = q.reason.kind(), reason = %q.reason, "quarantined");
            }
        }
        let report = match self.store(&items, &released, session_lost, stop).await? {
            Ok(report) => report,
            // The database refused something in the batch for good (not an outage): store the
            // messages one by one so one poison message cannot hold up the others, and put the
            // one the database refuses in the quarantine with the database's reason.
            Err(refusal) => {
                tracing::warn!(error = %refusal, "the database refused the batch; storing its messages one by one");
                let mut total = ingest::BatchReport::default();
                let mut released = released;
                for item in &mut items {
                    let one = std::slice::from_ref(item);
                    let report = match self.store(one, &released, false, stop).await? {
                        Ok(r) => r,
                        Err(refusal) => {
                            tracing::warn!(topic = %item.topic, error = %refusal, "quarantined: the database refused it");
                            item.verdict = Err(Quarantined {
                                reason: Rejection::Unstorable(refusal.to_string()),
                                keep_bytes: true,
                            });
                            match self
                                .store(std::slice::from_ref(item), &released, false, stop)
                                .await?
                            {
                                Ok(r) => r,
                                Err(e) => {
                                    tracing::error!(error = %e, "cannot even quarantine the message; it stays unacknowledged");
                                    return None;
                                }
                            }
                        }
                    };
                    released.clear();
                    total += report;
                }
                total
            }
        };
        tracing::debug!(?report, "batch committed");
        for (publish, _, _) in &publishes {
            if publish.qos != QoS::AtMostOnce
                && let Err(e) = self.client.ack(publish).await
            {
                tracing::warn!(error = %e, "cannot queue the ack; the broker will redeliver");
            }
        }
        Some(report)
    }

    /// Writes until the batch commits or the database refuses it for good. Outages (no
    /// connection, shutdown, deadlock) are retried with back-off; `None` when stopped first.
    async fn store(
        &self,
        items: &[Incoming],
        released: &[u16],
        session_lost: bool,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Result<ingest::BatchReport, StoreError>> {
        let opts = BatchOptions {
            client_id: &self.config.client_id,
            auto_register: self.config.auto_register,
            session_lost,
        };
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        loop {
            match ingest::write_batch(&self.pool, &opts, items, released).await {
                Ok(report) => return Some(Ok(report)),
                Err(e) if e.is_refusal() => return Some(Err(e)),
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff.peek(), pending = items.len(),
                        "cannot store the batch; nothing is acknowledged until it is stored \
                         (is the database up and migrated with `webinterface migrate`?)");
                    tokio::select! {
                        _ = stop.changed() => return None,
                        () = backoff.wait() => {}
                    }
                }
            }
        }
    }

    /// Decides where a message goes: size, topic, then payload.
    fn classify(&self, publish: &Publish, received_at: DateTime<Utc>, connection: i64) -> Incoming {
        let payload: &[u8] = &publish.payload;
        let size = payload.len();
        let quarantine = |reason: Rejection, keep_bytes: bool| Quarantined { reason, keep_bytes };
        let topic = publish.topic.clone();
        let verdict = if size > self.config.max_payload_bytes {
            Err(quarantine(
                Rejection::TooLarge {
                    size,
                    limit: self.config.max_payload_bytes,
                },
                false,
            ))
        } else {
            match self.config.layouts.match_topic(&topic) {
                Err(e) => Err(quarantine(e.into(), true)),
                Ok(m) => match self.validator.parse(payload) {
                    Ok(message) => Ok(Inbound {
                        stand: m.stand,
                        legacy: m.legacy,
                        message,
                    }),
                    Err(reason) => Err(quarantine(reason, true)),
                },
            }
        };
        Incoming {
            qos2: (publish.qos == QoS::ExactlyOnce).then_some(Delivery {
                connection,
                packet_id: publish.pkid,
            }),
            topic,
            payload: publish.payload.clone(),
            payload_hash: Sha256::digest(payload).into(),
            received_at,
            verdict,
        }
    }
}
