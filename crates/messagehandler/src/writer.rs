//! The last stage of the pipeline: it takes the batches the parse stage ([`crate::parse`])
//! hands it, so the next batch is parsed and validated while the previous one commits. It
//! takes every parsed batch that is waiting (within the same count and byte limits), writes
//! them in one transaction, then sends the acknowledgements, in arrival order. So the batches
//! grow with the load: under a steady 1,000 msg/s a writer that took one batch at a time wrote
//! one or two messages per transaction while the next ones queued behind it.
//!
//! A message is acknowledged only after the transaction that stored it (or quarantined it)
//! committed. While the database is away the batch is retried with back-off and nothing is
//! acknowledged, so the broker keeps everything; a crash before the ack means a redelivery,
//! which the QoS 2 receipts in the store recognise. Each message holds its share of the read
//! budget ([`crate::stages::Budget`]) until its batch is written and its acknowledgement owed
//! ([`crate::acks`]: the writer never waits for room in the client's request queue, which
//! only the MQTT task drains).

use std::time::{Duration, Instant};

use domain::Rejection;
use domain::backoff::Backoff;
use domain::store::StoreError;
use domain::store::ingest::{self, BatchOptions, Incoming, Quarantined, Registration};
use rumqttc::AsyncClient;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};

use crate::acks::Acks;
use crate::config::Config;
use crate::stages::{Parsed, next_input};

/// How often acknowledgements waiting for room in the client's queue are handed over again
/// while no batch comes ([`Acks`]).
const ACK_RETRY: Duration = Duration::from_millis(5);

/// Writes batches and acknowledges them.
pub struct Writer {
    config: Config,
    pool: PgPool,
    client: AsyncClient,
}

impl Writer {
    /// A writer for one handler.
    pub fn new(config: Config, pool: PgPool, client: AsyncClient) -> Self {
        Self {
            config,
            pool,
            client,
        }
    }

    /// Writes parsed batches until `stop` turns true or the parse stage ends; the batch being
    /// written is finished first.
    pub async fn run(self, mut parsed: mpsc::Receiver<Parsed>, mut stop: watch::Receiver<bool>) {
        let mut totals = ingest::BatchReport::default();
        let mut last_report = Instant::now();
        let (max_count, max_bytes) = (self.config.max_batch, self.config.max_batch_bytes);
        let mut held: Option<Parsed> = None;
        let mut acks = Acks::new(self.client.clone());
        loop {
            let mut batch = tokio::select! {
                biased;
                next = next_input(&mut held, &mut parsed, &mut stop) => match next {
                    Some(b) => b,
                    None => break,
                },
                // Acknowledgements that found the client's queue full, handed over again
                // when nothing else is to be done.
                () = tokio::time::sleep(ACK_RETRY), if acks.waiting() > 0 => {
                    acks.flush();
                    continue;
                }
            };
            // Everything parsed while the previous batch committed goes in this transaction:
            // under steady load the batches grow with the load instead of queueing.
            while batch.items.len() < max_count && batch.bytes < max_bytes {
                match parsed.try_recv() {
                    Ok(next) if batch.can_absorb(&next, max_count, max_bytes) => {
                        batch.absorb(next);
                    }
                    Ok(next) => {
                        held = Some(next);
                        break;
                    }
                    Err(_) => break,
                }
            }
            let Some(report) = self.write(batch, &mut acks, &mut stop).await else {
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
    #[tracing::instrument(skip_all, fields(size = batch.items.len()))]
    async fn write(
        &self,
        batch: Parsed,
        acks_owed: &mut Acks,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<ingest::BatchReport> {
        let Parsed {
            mut items,
            bytes: _,
            acks,
            released,
            session_lost,
            _permits,
        } = batch;
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
        if report.registrations_refused > 0
            && let Registration::Capped { per_minute } = self.config.registration
        {
            tracing::warn!(
                refused = report.registrations_refused,
                per_minute,
                "new stands refused: {per_minute} stands registered themselves in the last \
                 minute (HANDLER_MAX_NEW_STANDS_PER_MINUTE); their messages are in the quarantine"
            );
        }
        tracing::debug!(?report, "batch committed");
        acks_owed.send(acks);
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
            registration: self.config.registration,
            session_lost,
            quarantine: self.config.quarantine,
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
}
