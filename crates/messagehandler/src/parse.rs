//! The parse stage of the pipeline from the MQTT task to the database ([`crate::writer`]):
//! takes whatever has arrived, up to `HANDLER_MAX_BATCH` messages and `HANDLER_BATCH_BYTES`
//! payload bytes (a larger message goes alone), and parses it off the I/O task: inline when
//! the batch is small, else split by bytes across the cores (`spawn_blocking`). It hands the
//! parsed batches to the writer: up to 16 waiting, and not more than two batches' bytes parsed
//! and not yet written. PUBREL releases with no message wait briefly for one to ride with.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::store::ingest::{Delivery, Incoming, Quarantined};
use domain::{Inbound, ProtocolValidator, Rejection};
use rumqttc::{Publish, QoS};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::stages::{Budget, Parsed, Work, next_input};

/// Batches with fewer payload bytes than this are parsed on the parse stage's own task;
/// larger ones on the blocking pool, split across the cores.
const PARALLEL_BYTES: usize = 256 * 1024;

/// How long PUBREL releases with no message to store wait for one to share its transaction.
/// A release only deletes a receipt, and until it is written a crash could make the
/// receipt's payload, sent again unchanged on a later connection, look like a redelivery; so
/// the wait is short.
const RELEASE_WAIT: Duration = Duration::from_millis(20);

/// Parses messages: size, topic, then payload.
pub struct Parser {
    config: Config,
    validator: ProtocolValidator,
}

impl Parser {
    /// A parser applying `config`'s limits and topic layouts and `validator`'s schema.
    pub fn new(config: Config, validator: ProtocolValidator) -> Self {
        Self { config, validator }
    }
}

/// Takes work in batches bounded by count and bytes, parses each and hands it to the writer;
/// the next batch is parsed while the writer commits the previous one.
pub async fn run(
    parser: Arc<Parser>,
    mut work: mpsc::Receiver<Work>,
    out: mpsc::Sender<Parsed>,
    mut stop: watch::Receiver<bool>,
) {
    let max_count = parser.config.max_batch;
    let max_bytes = parser.config.max_batch_bytes;
    let ahead = Budget::new(max_bytes.saturating_mul(2));
    let mut carried: Option<Work> = None;
    loop {
        let Some(first) = next_input(&mut carried, &mut work, &mut stop).await else {
            return;
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
        // A batch above HANDLER_BATCH_BYTES (one large message) counts as one batch's worth.
        let ahead_permit = tokio::select! {
            _ = stop.changed() => return,
            p = ahead.reserve(bytes.min(max_bytes)) => p,
        };
        let Some(ahead_permit) = ahead_permit else {
            return;
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

    /// Decides where a message goes (size, topic, then payload) and hashes it. A large payload
    /// is hashed on a thread of its own while this one parses it (2 MB: 1.3 ms of hashing
    /// beside 5.6 ms of parsing, `cargo bench -p domain --bench parse`).
    fn classify(&self, publish: &Publish, received_at: DateTime<Utc>, connection: i64) -> Incoming {
        let payload: &[u8] = &publish.payload;
        let hash = || -> [u8; 32] { Sha256::digest(payload).into() };
        let (verdict, payload_hash) = if payload.len() >= PARALLEL_BYTES {
            std::thread::scope(|scope| {
                let hashing = scope.spawn(hash);
                let verdict = self.verdict(publish);
                match hashing.join() {
                    Ok(h) => (verdict, h),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })
        } else {
            (self.verdict(publish), hash())
        };
        Incoming {
            qos2: (publish.qos == QoS::ExactlyOnce).then_some(Delivery {
                connection,
                packet_id: publish.pkid,
            }),
            topic: publish.topic.clone(),
            payload: publish.payload.clone(),
            payload_hash,
            received_at,
            verdict,
        }
    }

    /// Where a message goes: size, topic, then payload.
    fn verdict(&self, publish: &Publish) -> Result<Inbound, Quarantined> {
        let payload: &[u8] = &publish.payload;
        let size = payload.len();
        let quarantine = |reason: Rejection, keep_bytes: bool| Quarantined { reason, keep_bytes };
        if size > self.config.max_payload_bytes {
            Err(quarantine(
                Rejection::TooLarge {
                    size,
                    limit: self.config.max_payload_bytes,
                },
                false,
            ))
        } else {
            match self.config.layouts.match_topic(&publish.topic) {
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
        }
    }
}
