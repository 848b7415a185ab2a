//! Inbound messages as the handler hands them to the store: what arrived ([`Incoming`]), on
//! which QoS 2 delivery ([`Delivery`]), and why one goes to the quarantine ([`Quarantined`]).
//! The table modules that take them (ingest, quarantine, receipts) import these from here, not
//! from each other.

use chrono::{DateTime, Utc};

use crate::protocol::{Inbound, Rejection};

/// One inbound message as the handler received it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The QoS 2 delivery (used to recognise a redelivery); `None` for QoS 0/1.
    pub qos2: Option<Delivery>,
    /// The topic it came on.
    pub topic: String,
    /// The payload as received (kept for the quarantine).
    pub payload: bytes::Bytes,
    /// SHA-256 of the payload.
    pub payload_hash: [u8; 32],
    /// When the handler received it.
    pub received_at: DateTime<Utc>,
    /// What parsing made of it.
    pub verdict: Result<Inbound, Quarantined>,
}

/// Which connection and packet id a QoS 2 message came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// A number unique to the broker connection (a new one on every connect).
    pub connection: i64,
    /// The MQTT packet id.
    pub packet_id: u16,
}

/// A rejected message on its way to the quarantine.
#[derive(Debug, Clone)]
pub struct Quarantined {
    /// Why.
    pub reason: Rejection,
    /// Whether its bytes are kept (not when they were above the size limit).
    pub keep_bytes: bool,
}
