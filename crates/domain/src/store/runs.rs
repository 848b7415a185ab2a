//! Runs: tests started from the web interface, and their states.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;

use crate::StandId;

/// A run as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Run {
    /// Its id.
    pub id: i64,
    /// The stand.
    #[sqlx(rename = "stand_id")]
    #[serde(rename = "stand")]
    pub stand: String,
    /// `sent`, `running`, `completed`, `failed` or `timed_out`.
    pub state: String,
    /// The user who started it.
    pub requested_by: String,
    /// When it was started.
    pub requested_at: DateTime<Utc>,
    /// When it finished, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// The parameters sent.
    pub parameters: Value,
    /// The commands sent.
    pub commands: Value,
    /// Whether its result is kept forever.
    pub keep: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The result that completed it.
    pub result: Option<i64>,
    /// Started on a stand whose state was unknown or quiet, after the operator confirmed.
    pub confirmed_unheard: bool,
}

/// What a new run needs.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    /// The stand.
    pub stand: &'a StandId,
    /// Who starts it.
    pub requested_by: &'a str,
    /// The user's id, when a user starts it.
    pub user_id: Option<i64>,
    /// Parameters.
    pub parameters: &'a Value,
    /// Commands.
    pub commands: &'a Value,
    /// Keep the result forever.
    pub keep: bool,
}

/// Why a run cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateRunError {
    /// The stand already has a run in progress.
    #[error("stand {0} already has a run in progress")]
    InProgress(String),
    /// The stand does not exist.
    #[error("no stand {0}")]
    NoStand(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The run columns; a macro so queries can `concat!` onto it.
macro_rules! select_run {
    () => {
        "SELECT r.id, r.stand_id, r.state::text AS state, r.requested_by, r.requested_at,
        r.finished_at, r.parameters, r.commands, r.keep, r.error, r.confirmed_unheard,
        (SELECT res.id FROM results res WHERE res.run_id = r.id) AS result
    FROM runs r"
    };
}

/// Creates a run in state `sent`.
pub async fn create(pool: &PgPool, new: NewRun<'_>) -> Result<i64, CreateRunError> {
    let res = sqlx::query_scalar(
        "INSERT INTO runs (stand_id, requested_by, user_id, parameters, commands, keep)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.stand.as_str())
    .bind(new.requested_by)
    .bind(new.user_id)
    .bind(new.parameters)
    .bind(new.commands)
    .bind(new.keep)
    .fetch_one(pool)
    .await;
    match res {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("runs_one_in_progress") => {
            Err(CreateRunError::InProgress(new.stand.to_string()))
        }
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("runs_stand_id_fkey") => {
            Err(CreateRunError::NoStand(new.stand.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// One run.
pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Run>, sqlx::Error> {
    sqlx::query_as(concat!(select_run!(), " WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Records that a run was started on confirmation (its stand's state was unknown or quiet).
pub async fn mark_confirmed_unheard(pool: &PgPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE runs SET confirmed_unheard = true WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks a run failed (e.g. the broker could not be reached).
pub async fn fail(pool: &PgPool, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE runs SET state = 'failed', error = $2, finished_at = now()
         WHERE id = $1 AND state IN ('sent', 'running')",
    )
    .bind(id)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}
