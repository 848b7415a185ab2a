//! The domain every service of the stand hub shares.
//!
//! Pure parts, tested without any server:
//! - [`stand_id`]: the `StandId` newtype, the only way a stand id enters the system;
//! - [`status`]: status and power codes, their meanings and effects;
//! - [`state`]: the state a stand is shown in, derived from what it last said;
//! - [`topics`]: inbound topic layouts (`{stand}/inbound`, legacy `Testdevice/{stand}/Inbound`);
//! - [`protocol`]: the v1.1 wire protocol, schema validation and parsing of inbound payloads;
//! - [`backoff`]: the exponential back-off every reconnect and retry loop waits with.
//! - [`parameters`]: how a parameter typed as text becomes the JSON value a stand receives.
//!
//! I/O parts:
//! - [`store`]: the one place that speaks SQL (migrations, ingest batches, queries);
//! - [`config`] and [`telemetry`]: environment helpers and tracing set-up for the binaries.

pub mod backoff;
pub mod config;
pub mod parameters;
pub mod protocol;
pub mod stand_id;
pub mod state;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod topics;

pub use protocol::{
    DataMessage, Inbound, Message, ProtocolValidator, Rejection, Series, StatusMessage,
};
pub use stand_id::StandId;
pub use state::{StandSnapshot, StandState};
pub use status::StatusCode;
pub use topics::{TopicLayouts, TopicMatch};
