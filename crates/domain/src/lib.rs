//! The domain every service of the stand hub shares.
//!
//! # Glossary
//!
//! The same word means the same thing in SQL, Rust, templates and the API.
//!
//! - **stand**: a test stand in the lab, known by its [`StandId`]; it talks MQTT and has a
//!   shown [`StandState`] derived from what it last said.
//! - **run**: a test run a *user* started on a stand from the web interface (table `runs`,
//!   [`run::RunState`]: `sent` → `running` → `completed` / `failed` / `timed_out`). Not to be
//!   confused with a **job run**: one execution of a scheduler job (table `job_runs`,
//!   [`store::job_runs`]), which is `running`, `ok` or `failed` ([`JobOutcome`]).
//! - **result**: what a stand's data message delivered (table `results`), completing the run
//!   in progress if there is one.
//! - **series**: one named list of values inside a result's data (table `result_series`).
//! - **status code**: the three-digit code of every stand message ([`StatusCode`]): below 600
//!   a status (200 ready, 202 busy, 4xx/5xx error), 600 and above power (600 on, 610 off).
//! - **quarantine** vs **rejection**: the quarantine is the *place* (table `quarantine`) where
//!   messages the handler could not accept are kept; a [`Rejection`] is the *reason* one was
//!   put there.
//! - **`requested_at`** vs **`started_at`**: when the user asked for a run (the command was
//!   sent right after), and when the stand said it started working on it (its 202). A run that
//!   never started has no `started_at`.
//! - **notification**: what a writer of the store tells live pages changed
//!   ([`notification::Notification`] on PostgreSQL's `LISTEN/NOTIFY`).
//!
//! # Map
//!
//! Pure parts, tested without any server:
//! - [`stand_id`]: the `StandId` newtype, the only way a stand id enters the system;
//! - [`status`]: status and power codes, their meanings and effects;
//! - [`state`]: the state a stand is shown in, derived from what it last said;
//! - [`run`]: the run lifecycle, its states and the rules a stand's messages apply to it;
//! - [`job_run`]: the outcome of a scheduler job run;
//! - [`camera`]: the `CameraUrl` newtype, the one check of a camera URL and its redaction;
//! - [`signing`]: HMAC signatures with `SECRET_KEY` and the signed camera stream links;
//! - [`notification`]: the typed `NOTIFY` payload every writer sends and the web reads;
//! - [`topics`]: inbound topic layouts (`{stand}/inbound`, legacy `Testdevice/{stand}/Inbound`)
//!   and the topics an admin sets a stand up with;
//! - [`protocol`]: the v1.1 wire protocol, schema validation and parsing of inbound payloads;
//! - [`backoff`]: the exponential back-off every reconnect and retry loop waits with;
//! - [`parameters`]: how a parameter typed as text becomes the JSON value a stand receives;
//! - [`template`]: test templates, their typed fields and how an operator's values are checked;
//! - [`signal`]: a run's sample rate, the one-sided FFT power spectrum and its peak frequency;
//! - [`verdict`]: a template's limits on a result's data, their measurements and the verdict.
//!
//! I/O parts:
//! - [`camera_policy`]: which addresses a camera may be fetched from, checked after DNS;
//! - [`store`]: the one place that speaks SQL, one module per table or aggregate, with its
//!   own error type [`store::StoreError`] and the start-up policy for an absent database;
//! - [`config`] and [`telemetry`]: environment helpers and tracing set-up for the binaries;
//! - [`health`]: the status file a service keeps and its `healthcheck` command reads;
//! - [`write_timeout`]: a connection that gives up on a peer that stops reading;
//! - [`per_key`] and [`address_list`]: shares per client, and the lists of proxies and shared
//!   addresses exempt from them.

pub mod address_list;
pub mod backoff;
pub mod camera;
pub mod camera_policy;
pub mod config;
pub mod health;
pub mod job_run;
mod names;
pub mod notification;
pub mod parameters;
pub mod per_key;
pub mod protocol;
pub mod run;
pub mod service_cli;
pub mod signal;
pub mod signing;
pub mod stand_id;
pub mod state;
pub mod status;
pub mod store;
pub mod telemetry;
pub mod template;
pub mod topics;
pub mod verdict;
pub mod write_timeout;

pub use camera::CameraUrl;
pub use job_run::JobOutcome;
pub use notification::Notification;
pub use protocol::{
    DataMessage, Inbound, Message, ProtocolValidator, Rejection, Series, StatusMessage,
};
pub use run::RunState;
pub use stand_id::StandId;
pub use state::{StandSnapshot, StandState};
pub use status::StatusCode;
pub use topics::{StandTopics, TopicLayouts, TopicMatch};
