//! What the pipeline's stages hand each other, in a module that imports none of them: the
//! MQTT task ([`crate::mqtt`]) sends [`Work`] to the parse stage ([`crate::parse`]), which
//! hands parsed batches to the writer ([`crate::writer`]); [`Budget`]s bound the bytes held
//! between them. [`crate::spawn`] wires them: mqtt → parse → writer, each stage owning only
//! its own loop.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::store::ingest::Incoming;
use rumqttc::{Publish, QoS};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

/// What the MQTT task hands to the parse stage, in arrival order.
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

/// A stage's next input: the one it `held` back from its last batch, else the next to arrive
/// on `input`; `None` once `stop` changes or the previous stage has ended.
pub(crate) async fn next_input<T>(
    held: &mut Option<T>,
    input: &mut mpsc::Receiver<T>,
    stop: &mut watch::Receiver<bool>,
) -> Option<T> {
    if let Some(item) = held.take() {
        return Some(item);
    }
    tokio::select! {
        biased;
        _ = stop.changed() => None,
        item = input.recv() => item,
    }
}

/// A byte budget: a holder takes its size (at most the whole budget) until it drops the
/// permit. The handler's read budget is one: payload bytes read from the broker and not yet
/// acknowledged (`HANDLER_BUFFER_BYTES`); while it is spent the MQTT task stops reading, so the
/// socket and the broker hold the rest. The writer's parse-ahead bytes are another.
#[derive(Clone)]
pub struct Budget {
    bytes: Arc<Semaphore>,
    total: usize,
}

impl Budget {
    /// A budget of `total` bytes.
    pub fn new(total: usize) -> Self {
        Self {
            bytes: Arc::new(Semaphore::new(total)),
            total,
        }
    }

    /// Waits for room for a payload of `size` bytes.
    pub async fn reserve(&self, size: usize) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let n = u32::try_from(size.clamp(1, self.total)).unwrap_or(u32::MAX);
        self.bytes.clone().acquire_many_owned(n).await.ok()
    }
}

/// How many parsed batches may wait for the writer.
pub const PARSED_AHEAD: usize = 16;

/// A parsed batch on its way to the database.
pub struct Parsed {
    /// The messages, parsed, in arrival order.
    pub items: Vec<Incoming>,
    /// Payload bytes of `items`.
    pub bytes: usize,
    /// The acknowledgement each message is owed, in arrival order.
    pub acks: Vec<(QoS, u16)>,
    /// QoS 2 packet ids the broker released (PUBREL) since the previous batch.
    pub released: Vec<u16>,
    /// The broker started a new session before these messages.
    pub session_lost: bool,
    /// Released (the read budget and the parse-ahead bytes freed) when the batch is done.
    pub _permits: Vec<OwnedSemaphorePermit>,
}

impl Parsed {
    /// Whether `next` (which arrived after this batch) can be written in the same transaction:
    /// within the limits, and not from a new session (whose receipts start afresh).
    pub fn can_absorb(&self, next: &Parsed, max_count: usize, max_bytes: usize) -> bool {
        !next.session_lost
            && self.items.len() + next.items.len() <= max_count
            && self.bytes + next.bytes <= max_bytes
    }

    /// Appends `next`, keeping arrival order.
    pub fn absorb(&mut self, next: Parsed) {
        self.items.extend(next.items);
        self.bytes += next.bytes;
        self.acks.extend(next.acks);
        self.released.extend(next.released);
        self._permits.extend(next._permits);
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
