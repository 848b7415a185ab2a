//! The shapes of the store's types as the API answers them, for the OpenAPI document only:
//! the store (crate `domain`) knows nothing of OpenAPI, so its serialized types are described
//! here. Schemathesis checks every answer against them in CI, so a drift fails there.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde_json::Value;
use utoipa::ToSchema;

/// A role: `viewer` (read), `operator` (start tests, keep and delete results), `admin`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also starts tests, keeps and deletes results.
    Operator,
    /// Everything.
    Admin,
}

/// The topics a stand is answered on until it is heard (then as it wrote).
#[derive(serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StandTopics {
    /// `{stand}/outbound`.
    Standard,
    /// The old stack's `Testdevice/{stand}/Outbound`.
    Legacy,
    /// The module guide's `Testdevice/{stand}/outbound`.
    Guide,
}

/// A new stand: its id and, optionally, its settings.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandNew {
    /// The new stand's id.
    #[schema(example = "rig9")]
    id: String,
    /// Display name (default: the id).
    name: Option<String>,
    /// Free text.
    description: Option<String>,
    /// Camera URL (http or https); empty for none.
    camera_url: Option<String>,
    /// Time limit in seconds (default 3600).
    #[schema(minimum = 1)]
    max_test_seconds: Option<i32>,
    /// Use the old `Testdevice/{stand}/…` topics (`true` is `topics: legacy`).
    legacy_topics: Option<bool>,
    /// The topics the stand is answered on until it is heard; wins over `legacy_topics`.
    topics: Option<StandTopics>,
}

/// A stand's settings to change; a field left out keeps its value (the id cannot change).
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandEdit {
    /// Display name.
    name: Option<String>,
    /// Free text.
    description: Option<String>,
    /// Camera URL (http or https); empty removes it.
    camera_url: Option<String>,
    /// Time limit in seconds.
    #[schema(minimum = 1)]
    max_test_seconds: Option<i32>,
    /// Use the old `Testdevice/{stand}/…` topics (`true` is `topics: legacy`).
    legacy_topics: Option<bool>,
    /// The topics the stand is answered on until it is heard; wins over `legacy_topics`.
    topics: Option<StandTopics>,
}

/// One status code a stand sent.
#[derive(ToSchema)]
pub struct StatusEntry {
    /// The code.
    code: u16,
    /// Its meaning.
    meaning: String,
    /// When it arrived.
    received_at: DateTime<Utc>,
}

/// A run in a stand's list.
#[derive(ToSchema)]
pub struct RunSummary {
    /// The run's id.
    id: i64,
    /// `sent`, `running`, `completed`, `failed` or `timed_out`.
    state: String,
    /// Who started it.
    requested_by: String,
    /// When.
    requested_at: DateTime<Utc>,
    /// When it ended.
    finished_at: Option<DateTime<Utc>>,
    /// Why it failed, if it did.
    error: Option<String>,
    /// Started on the operator's confirmation, the stand's state being unknown or quiet.
    confirmed_unheard: bool,
}

/// A run.
#[derive(ToSchema)]
pub struct Run {
    /// The run's id.
    id: i64,
    /// The stand's id.
    stand: String,
    /// `sent`, `running`, `completed`, `failed` or `timed_out`.
    state: String,
    /// Who started it.
    requested_by: String,
    /// When.
    requested_at: DateTime<Utc>,
    /// When it ended.
    finished_at: Option<DateTime<Utc>>,
    /// The parameters sent.
    #[schema(value_type = Object)]
    parameters: Value,
    /// The commands sent.
    #[schema(value_type = Vec<serde_json::Value>)]
    commands: Value,
    /// Whether its result is kept forever.
    keep: bool,
    /// Why it failed, if it did.
    error: Option<String>,
    /// Started on the operator's confirmation, the stand's state being unknown or quiet.
    confirmed_unheard: bool,
    /// The result that completed it.
    result: Option<i64>,
}

/// A result in the list.
#[derive(ToSchema)]
pub struct ResultItem {
    /// The result's id.
    id: i64,
    /// The stand's id.
    stand: String,
    /// The run it completed, if it was started from here.
    run: Option<i64>,
    /// The stand's `sentBy`.
    sent_by: String,
    /// Who started the run, if it was started from here.
    requested_by: Option<String>,
    /// When it arrived.
    received_at: DateTime<Utc>,
    /// Points in all series.
    point_count: i64,
    /// Kept forever.
    keep: bool,
}

/// A user.
#[derive(ToSchema)]
pub struct User {
    /// The user's id.
    id: i64,
    /// The user name.
    username: String,
    /// E-mail address (may be empty).
    email: String,
    /// The role.
    role: Role,
    /// Whether the user may log in.
    active: bool,
    /// When the user was added.
    created_at: DateTime<Utc>,
    /// The last login.
    last_login: Option<DateTime<Utc>>,
}

/// One run of a scheduler job.
#[derive(ToSchema)]
pub struct JobRun {
    /// Its id.
    id: i64,
    /// The job's name.
    job: String,
    /// The scheduler instance that ran it.
    instance: String,
    /// When it started.
    started_at: DateTime<Utc>,
    /// When it ended (null while it runs).
    finished_at: Option<DateTime<Utc>>,
    /// `running`, `ok` or `failed`.
    outcome: String,
    /// Rows it changed.
    rows_touched: i64,
    /// Why it failed.
    error: Option<String>,
}
