//! The one notification the writers of the store (handler, scheduler, web interface) send on
//! PostgreSQL's `LISTEN/NOTIFY`, and the web interface's live updates read: one serde type,
//! so the payload is written and read by the same code.

use crate::StandId;
use crate::run::RunState;

/// The `LISTEN/NOTIFY` channel the notifications go on.
pub const CHANNEL: &str = "standhub_events";

/// What changed. Encoded as JSON tagged by `kind`, e.g. `{"kind":"stand","id":"s1"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notification {
    /// A stand's stored fields or derived state changed.
    Stand {
        /// The stand.
        #[serde(deserialize_with = "stand_id")]
        id: StandId,
    },
    /// A result was stored.
    Result {
        /// The result's id.
        id: i64,
        /// Its stand.
        #[serde(deserialize_with = "stand_id")]
        stand: StandId,
    },
    /// A run changed state.
    Run {
        /// The run's id.
        id: i64,
        /// Its stand.
        #[serde(deserialize_with = "stand_id")]
        stand: StandId,
        /// Its new state.
        state: RunState,
    },
    /// A result's verdict was recorded (or found to be none).
    Verdict {
        /// The result's id.
        result: i64,
        /// Its stand.
        #[serde(deserialize_with = "stand_id")]
        stand: StandId,
    },
    /// A message was put in the quarantine.
    Quarantine {
        /// The quarantine entry's id.
        id: i64,
    },
}

fn stand_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<StandId, D::Error> {
    let raw: String = serde::Deserialize::deserialize(d)?;
    StandId::parse(&raw).map_err(serde::de::Error::custom)
}

impl Notification {
    /// The payload to send.
    pub fn encode(&self) -> String {
        // A derived Serialize of strings, numbers and unit names cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a payload; an error for anything [`Notification::encode`] does not write.
    pub fn decode(payload: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(payload)
    }

    /// The stand this notification is about, if any (the quarantine has no stand).
    pub fn stand(&self) -> Option<&StandId> {
        match self {
            Self::Stand { id } => Some(id),
            Self::Result { stand, .. } | Self::Run { stand, .. } | Self::Verdict { stand, .. } => {
                Some(stand)
            }
            Self::Quarantine { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stand(s: &str) -> StandId {
        StandId::parse(s).expect("valid id")
    }

    #[test]
    fn every_kind_round_trips() {
        for n in [
            Notification::Stand { id: stand("s1") },
            Notification::Result {
                id: 7,
                stand: stand("s1"),
            },
            Notification::Run {
                id: 3,
                stand: stand("rig-2"),
                state: RunState::TimedOut,
            },
            Notification::Quarantine { id: 9 },
        ] {
            assert_eq!(Notification::decode(&n.encode()).expect("decodes"), n);
        }
    }

    #[test]
    fn the_wire_format_is_tagged_by_kind() {
        let n = Notification::Run {
            id: 3,
            stand: stand("s1"),
            state: RunState::TimedOut,
        };
        let v: serde_json::Value = serde_json::from_str(&n.encode()).expect("json");
        assert_eq!(
            v,
            serde_json::json!({"kind": "run", "id": 3, "stand": "s1", "state": "timed_out"})
        );
        assert!(Notification::decode(r#"{"kind":"stand","id":"bad id"}"#).is_err());
        assert!(Notification::decode("sentinel").is_err());
    }
}
