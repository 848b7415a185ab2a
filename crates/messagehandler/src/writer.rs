//! The pipeline from the MQTT task to the database: batches are parsed in one stage and
//! written in the next, so the next batch is parsed and validated while the previous one
//! commits.
//!
//! - Parse stage: takes whatever has arrived, up to `HANDLER_MAX_BATCH` messages and
//!   `HANDLER_BATCH_BYTES` payload bytes (a larger message goes alone), and parses it off the
//!   I/O task: inline when the batch is small, else split by bytes across the cores
//!   (`spawn_blocking`). It hands parsed batches ahead to the writer: up to 16 waiting, and
//!   not more than two batches' bytes (`HANDLER_BATCH_BYTES`) parsed and not yet written.
//! - Write stage: takes every parsed batch that is waiting (within the same count and byte
//!   limits), writes them in one transaction, then sends the acknowledgements, in arrival
//!   order. So the batches grow with the load: under a steady 1,000 msg/s the stage used to
//!   write one or two messages per transaction while the next ones queued behind it.
//!
//! A message is acknowledged only after the transaction that stored it (or quarantined it)
//! committed. While the database is away the batch is retried with back-off and nothing is
//! acknowledged, so the broker keeps everything; a crash before the ack means a redelivery,
//! which the QoS 2 receipts in the store recognise. Each message holds its share of the read
//! budget ([`crate::mqtt::Budget`]) until its acknowledgement is queued.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::backoff::Backoff;
use domain::store::StoreError;
use domain::store::ingest::{self, BatchOptions, Delivery, Incoming, Quarantined};
use domain::{Inbound, ProtocolValidator, Rejection};
use rumqttc::{AsyncClient, Publish, QoS};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

use crate::config::Config;

/// Batches with fewer payload bytes than this are parsed on the parse stage's own task;
/// larger ones on the blocking pool, split across the cores.
const PARALLEL_BYTES: usize = 256 * 1024;

/// How long PUBREL releases with no message to store wait for one to share its transaction.
/// A release only deletes a receipt, and until it is written a crash could make the
/// receipt's payload, sent again unchanged on a later connection, look like a redelivery; so
/// the wait is short.
const RELEASE_WAIT: Duration = Duration::from_millis(20);

/// What the MQTT task hands to the writer, in arrival order.
#[derive(Debug)]
pub enum Work {
    /// A message, with the time it arrived, the connection it came on and its share of the
    /// read budget.
    Publish(Publish, DateTime<Utc>, i64, OwnedSemaphorePermit),
    /// Connected with a new session: the broker will redeliver nothing from before.
    SessionLost,
    /// The broker released a QoS 2 packet id (its exchange is complete).
    Released(u16),
}

/// How many parsed batches may wait for the writer.
const PARSED_AHEAD: usize = 16;

/// A parsed batch on its way to the database.
struct Parsed {
    items: Vec<Incoming>,
    /// Payload bytes of `items`.
    bytes: usize,
    /// The acknowledgement each message is owed, in arrival order.
    acks: Vec<(QoS, u16)>,
    released: Vec<u16>,
    session_lost: bool,
    /// Released (the read budget and the parse-ahead bytes freed) when the batch is done.
    _permits: Vec<OwnedSemaphorePermit>,
}

impl Parsed {
    /// Whether `next` (which arrived after this batch) can be written in the same transaction:
    /// within the limits, and not from a new session (whose receipts start afresh).
    fn can_absorb(&self, next: &Parsed, max_count: usize, max_bytes: usize) -> bool {
        !next.session_lost
            && self.items.len() + next.items.len() <= max_count
            && self.bytes + next.bytes <= max_bytes
    }

    /// Appends `next`, keeping arrival order.
    fn absorb(&mut self, next: Parsed) {
        self.items.extend(next.items);
        self.bytes += next.bytes;
        self.acks.extend(next.acks);
        self.released.extend(next.released);
        self._permits.extend(next._permits);
    }
}

/// Parses messages: size, topic, then payload.
struct Parser {
    config: Config,
    validator: ProtocolValidator,
}

/// Writes batches and acknowledges them.
pub struct Writer {
    parser: Arc<Parser>,
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
            parser: Arc::new(Parser { config, validator }),
            pool,
            client,
        }
    }

    /// Takes work until `stop` turns true; the batch being written is finished first.
    pub async fn run(self, work: mpsc::Receiver<Work>, mut stop: watch::Receiver<bool>) {
        // Room for several small parsed batches: the writer takes all that are waiting at once
        // (see `Parsed::absorb`); the read budget bounds their bytes.
        let (parsed_tx, mut parsed) = mpsc::channel::<Parsed>(PARSED_AHEAD);
        let parse = tokio::spawn(parse_stage(
            self.parser.clone(),
            work,
            parsed_tx,
            stop.clone(),
        ));
        let mut totals = ingest::BatchReport::default();
        let mut last_report = Instant::now();
        let (max_count, max_bytes) = (
            self.parser.config.max_batch,
            self.parser.config.max_batch_bytes,
        );
        let mut held: Option<Parsed> = None;
        loop {
            let mut batch = match held.take() {
                Some(b) => b,
                None => tokio::select! {
                    biased;
                    _ = stop.changed() => break,
                    b = parsed.recv() => match b {
                        Some(b) => b,
                        None => break,
                    },
                },
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
            let Some(report) = self.write(batch, &mut stop).await else {
                break;
            };
            totals += report;
            if last_report.elapsed() > Duration::from_secs(30) {
                tracing::info!(?totals, "stored since start");
                last_report = Instant::now();
            }
        }
        parse.abort();
        tracing::info!(?totals, "writer stopped");
    }

    /// Writes one batch until it commits, then acks it. `None` when stopped before it committed
    /// (nothing acked: the broker delivers it again).
    #[tracing::instrument(skip_all, fields(size = batch.items.len()))]
    async fn write(
        &self,
        batch: Parsed,
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
        tracing::debug!(?report, "batch committed");
        for (qos, pkid) in acks {
            if qos == QoS::AtMostOnce {
                continue;
            }
            let mut ack = Publish::new("", qos, Vec::new());
            ack.pkid = pkid;
            if let Err(e) = self.client.ack(&ack).await {
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
            client_id: &self.parser.config.client_id,
            auto_register: self.parser.config.auto_register,
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
}

/// Takes work in batches bounded by count and bytes, parses each and hands it to the writer;
/// the next batch is parsed while the writer commits the previous one.
async fn parse_stage(
    parser: Arc<Parser>,
    mut work: mpsc::Receiver<Work>,
    out: mpsc::Sender<Parsed>,
    mut stop: watch::Receiver<bool>,
) {
    let max_count = parser.config.max_batch;
    let max_bytes = parser.config.max_batch_bytes;
    let ahead = Arc::new(Semaphore::new(max_bytes.saturating_mul(2)));
    let mut carried: Option<Work> = None;
    loop {
        let first = match carried.take() {
            Some(w) => w,
            None => tokio::select! {
                biased;
                _ = stop.changed() => return,
                w = work.recv() => match w {
                    Some(w) => w,
                    None => return,
                },
            },
        };
        let mut publishes = Vec::new();
        let mut permits = Vec::new();
        let mut released = Vec::new();
        let mut session_lost = false;
        let mut bytes = 0usize;
        let mut count = 0usize;
        let mut next = Some(first);
        loop {
            while let Some(w) = next.take() {
                if let Work::Publish(p, ..) = &w {
                    let size = p.payload.len();
                    if count > 0 && bytes + size > max_bytes {
                        carried = Some(w);
                        break;
                    }
                    bytes += size;
                }
                count += 1;
                match w {
                    Work::Publish(p, at, connection, permit) => {
                        publishes.push((p, at, connection));
                        permits.push(permit);
                    }
                    Work::Released(pkid) => released.push(pkid),
                    Work::SessionLost => session_lost = true,
                }
                if count < max_count {
                    next = work.try_recv().ok();
                }
            }
            // Releases alone wait a moment for a message to ride with: under steady load
            // every message's PUBREL would otherwise cost a transaction of its own.
            if !publishes.is_empty() || session_lost || count >= max_count {
                break;
            }
            tokio::select! {
                biased;
                _ = stop.changed() => return,
                w = tokio::time::timeout(RELEASE_WAIT, work.recv()) => match w {
                    Ok(Some(w)) => next = Some(w),
                    Ok(None) | Err(_) => break,
                },
            }
        }
        // Parsed payloads take about twice their bytes (the exact text and the decoded
        // series): no more than two batches' worth are parsed and not yet written.
        let ahead_permit = {
            let n = u32::try_from(bytes.clamp(1, max_bytes)).unwrap_or(u32::MAX);
            tokio::select! {
                _ = stop.changed() => return,
                p = ahead.clone().acquire_many_owned(n) => match p {
                    Ok(p) => p,
                    Err(_) => return,
                },
            }
        };
        permits.push(ahead_permit);
        let acks = publishes.iter().map(|(p, ..)| (p.qos, p.pkid)).collect();
        // `None` only when the runtime shuts down under the parse: nothing is acknowledged.
        let Some(items) = parser.clone().parse_all(publishes, bytes).await else {
            return;
        };
        let batch = Parsed {
            items,
            bytes,
            acks,
            released,
            session_lost,
            _permits: permits,
        };
        let sent = tokio::select! {
            _ = stop.changed() => return,
            s = out.send(batch) => s,
        };
        if sent.is_err() {
            return;
        }
    }
}

impl Parser {
    /// Parses a batch in order: on this task when it is small, else on the blocking pool in
    /// as many parts (of about equal bytes) as there are cores.
    async fn parse_all(
        self: Arc<Self>,
        publishes: Vec<(Publish, DateTime<Utc>, i64)>,
        bytes: usize,
    ) -> Option<Vec<Incoming>> {
        if bytes < PARALLEL_BYTES {
            return Some(
                publishes
                    .iter()
                    .map(|(p, at, c)| self.classify(p, *at, *c))
                    .collect(),
            );
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let share = bytes.div_ceil(cores.min(publishes.len()).max(1));
        let mut parts: Vec<Vec<(Publish, DateTime<Utc>, i64)>> = vec![Vec::new()];
        let mut in_part = 0usize;
        for p in publishes {
            if in_part >= share {
                parts.push(Vec::new());
                in_part = 0;
            }
            in_part += p.0.payload.len();
            if let Some(last) = parts.last_mut() {
                last.push(p);
            }
        }
        let tasks: Vec<_> = parts
            .into_iter()
            .map(|part| {
                let parser = self.clone();
                tokio::task::spawn_blocking(move || {
                    part.iter()
                        .map(|(p, at, c)| parser.classify(p, *at, *c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut items = Vec::new();
        for task in tasks {
            match task.await {
                Ok(part) => items.extend(part),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(_) => return None,
            }
        }
        Some(items)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(acks: &[u16], bytes: usize, session_lost: bool) -> Parsed {
        Parsed {
            items: Vec::new(),
            bytes,
            acks: acks.iter().map(|&p| (QoS::ExactlyOnce, p)).collect(),
            released: acks.to_vec(),
            session_lost,
            _permits: Vec::new(),
        }
    }

    #[test]
    fn waiting_batches_join_in_arrival_order_within_the_limits() {
        let mut first = parsed(&[1, 2], 100, false);
        let second = parsed(&[3], 50, false);
        assert!(first.can_absorb(&second, 500, 1000));
        first.absorb(second);
        let acks: Vec<u16> = first.acks.iter().map(|a| a.1).collect();
        assert_eq!(
            (acks, first.released.clone(), first.bytes),
            (vec![1, 2, 3], vec![1, 2, 3], 150)
        );

        assert!(
            !first.can_absorb(&parsed(&[4], 900, false), 500, 1000),
            "over the byte limit"
        );
        assert!(
            !first.can_absorb(&parsed(&[4], 1, true), 500, 1000),
            "a new session starts its own transaction"
        );
    }
}
