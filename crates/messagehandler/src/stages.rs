//! What the pipeline's stages hand each other, in a module that imports none of them: the
//! MQTT task ([`crate::mqtt`]) sends [`Work`] to the parse stage ([`crate::parse`]), which
//! hands parsed batches to the writer ([`crate::writer`]); [`Budget`]s bound the bytes held
//! between them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rumqttc::Publish;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
