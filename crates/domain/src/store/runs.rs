//! The `runs` table: test runs started by users from the web interface (not the scheduler's
//! job runs, see [`super::job_runs`]). The lifecycle rules are in [`crate::run`]; this module
//! stores their outcome: creation, a stand's recent runs, failing a run that could not be
//! published, the runs an inbound batch moves along, and time-outs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

use super::batch::{Part, bind_fields};
use super::steps::stand_latest;
use super::templates::{self, TemplateRef};
use super::{QueryContext, StoreError, notify};
use crate::StandId;
use crate::notification::Notification;
use crate::run::{RunState, Step};

/// The names of [`RunState::IN_PROGRESS`], bound as a `run_state[]` parameter.
pub(super) fn in_progress() -> Vec<&'static str> {
    RunState::IN_PROGRESS.map(RunState::as_str).to_vec()
}

/// A test run a user started on a stand.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Run {
    /// Its id.
    pub id: i64,
    /// The stand it runs on.
    #[sqlx(rename = "stand_id")]
    #[serde(rename = "stand")]
    pub stand: StandId,
    /// Where it is in its lifecycle.
    pub state: RunState,
    /// The user who started it.
    pub requested_by: String,
    /// When the user asked for it (the command was sent right after).
    pub requested_at: DateTime<Utc>,
    /// When it finished, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// The parameters sent (the command's `parameterObj`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub parameters: Value,
    /// The commands sent (the command's `commandList`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<serde_json::Value>))]
    pub commands: Value,
    /// Whether its result is kept forever.
    pub keep: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The result that completed it.
    pub result: Option<i64>,
    /// Started on a stand whose state was unknown or quiet, after the operator confirmed.
    pub confirmed_unheard: bool,
    /// Who cancelled it, if someone did.
    pub cancelled_by: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The test template (the exact version) it was started with, if it was.
    #[sqlx(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateRef>,
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
    Db(#[from] StoreError),
}

/// The run columns; a macro so queries can `concat!` onto it.
macro_rules! select_run {
    () => {
        "SELECT r.id, r.stand_id, r.state::text AS state, r.requested_by, r.requested_at,
        r.finished_at, r.parameters, r.commands, r.keep, r.error, r.confirmed_unheard,
        r.cancelled_by, r.cancelled_at, (SELECT res.id FROM results res WHERE res.run_id = r.id) AS result
    FROM runs r"
    };
}

/// Creates a run in state `sent`.
pub async fn create(pool: &PgPool, new: NewRun<'_>) -> Result<i64, CreateRunError> {
    let res = sqlx::query_scalar(
        "INSERT INTO runs (stand_id, requested_by, user_id, parameters, commands, keep, state)
         VALUES ($1, $2, $3, $4::json, $5, $6, $7::run_state) RETURNING id",
    )
    .bind(new.stand.as_str())
    .bind(new.requested_by)
    .bind(new.user_id)
    // As text: a `jsonb` parameter would sort the keys before the `json` column saw them.
    .bind(new.parameters.to_string())
    .bind(new.commands)
    .bind(new.keep)
    .bind(RunState::Sent.as_str())
    .fetch_one(pool)
    .await
    .query("runs.create");
    match res {
        Ok(id) => Ok(id),
        Err(e) => Err(match e.constraint() {
            Some("runs_one_in_progress") => CreateRunError::InProgress(new.stand.to_string()),
            Some("runs_stand_id_fkey") => CreateRunError::NoStand(new.stand.to_string()),
            _ => e.into(),
        }),
    }
}

/// One run, with its template.
pub async fn get(pool: &PgPool, id: i64) -> Result<Option<Run>, StoreError> {
    let run: Option<Run> = sqlx::query_as(concat!(select_run!(), " WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .query("runs.get")?;
    let Some(mut run) = run else {
        return Ok(None);
    };
    run.template = templates::of_run(pool, id).await?;
    Ok(Some(run))
}

/// Records that a run was started on confirmation (its stand's state was unknown or quiet).
pub async fn mark_confirmed_unheard(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE runs SET confirmed_unheard = true WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("runs.mark_confirmed_unheard")?;
    Ok(())
}

/// Marks a run in progress failed (e.g. the broker could not be reached).
pub async fn fail(pool: &PgPool, id: i64, error: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE runs SET state = $3::run_state, error = $2, finished_at = now()
         WHERE id = $1 AND state = ANY($4::run_state[])",
    )
    .bind(id)
    .bind(error)
    .bind(RunState::Failed.as_str())
    .bind(in_progress())
    .execute(pool)
    .await
    .query("runs.fail")?;
    Ok(())
}

/// Tells open pages that a run changed state.
pub async fn notify_state(
    pool: &PgPool,
    id: i64,
    stand: &StandId,
    state: RunState,
) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.query("runs.notify")?;
    let note = Notification::Run {
        id,
        stand: stand.clone(),
        state,
    };
    notify(&mut conn, [note]).await
}

/// A run in a stand's list of runs.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunSummary {
    /// Its id.
    pub id: i64,
    /// Where it is in its lifecycle.
    pub state: RunState,
    /// Who started it.
    pub requested_by: String,
    /// When the user asked for it.
    pub requested_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// Started on confirmation, the stand's state being unknown or quiet.
    pub confirmed_unheard: bool,
    /// Who cancelled it, if someone did.
    pub cancelled_by: Option<String>,
}

/// A stand's latest runs, newest first.
pub async fn recent(
    pool: &PgPool,
    stand: &StandId,
    limit: i64,
) -> Result<Vec<RunSummary>, StoreError> {
    let sql = "SELECT id, state::text AS state, requested_by, requested_at, finished_at, error,
                      confirmed_unheard, cancelled_by
               FROM runs WHERE stand_id = $1 ORDER BY requested_at DESC, id DESC LIMIT $2";
    stand_latest(pool, sql, stand, limit, "runs.recent").await
}

/// A run in progress, as an inbound batch moves it along.
pub(crate) struct ActiveRun {
    pub(crate) id: i64,
    pub(crate) state: RunState,
    pub(crate) keep: bool,
    changed: bool,
    error: Option<String>,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
}

impl ActiveRun {
    /// A run as read from its row, before any step.
    pub(crate) fn read(id: i64, state: RunState, keep: bool) -> Self {
        Self {
            id,
            state,
            keep,
            changed: false,
            error: None,
            started: None,
            finished: None,
        }
    }

    /// Applies a lifecycle step taken at `at`; returns whether the run ended.
    pub(crate) fn apply(&mut self, step: Step, at: DateTime<Utc>) -> bool {
        self.state = step.next_state(self.state);
        match step {
            Step::Unchanged => false,
            Step::Started => {
                self.started = Some(at);
                self.changed = true;
                false
            }
            Step::Ended { error, .. } => {
                self.error = error;
                self.finished = Some(at);
                self.changed = true;
                true
            }
        }
    }

    /// Whether a step changed it since it was read.
    pub(crate) fn changed(&self) -> bool {
        self.changed
    }

    /// The notification of its new state.
    pub(crate) fn note(&self, stand: &StandId) -> Notification {
        Notification::Run {
            id: self.id,
            stand: stand.clone(),
            state: self.state,
        }
    }
}

/// Locks the runs in progress of `stands` (already locked themselves); by stand.
pub(crate) async fn lock_active(
    conn: &mut PgConnection,
    stands: &HashSet<StandId>,
) -> Result<HashMap<StandId, ActiveRun>, StoreError> {
    if stands.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<&str> = stands.iter().map(StandId::as_str).collect();
    let rows: Vec<(i64, StandId, RunState, bool)> = sqlx::query_as(
        "SELECT id, stand_id, state::text, keep FROM runs
         WHERE stand_id = ANY($1) AND state = ANY($2::run_state[]) FOR UPDATE",
    )
    .bind(&ids)
    .bind(in_progress())
    .fetch_all(conn)
    .await
    .query("runs.lock_active")?;
    Ok(rows
        .into_iter()
        .map(|(id, stand, state, keep)| (stand, ActiveRun::read(id, state, keep)))
        .collect())
}

/// What an inbound batch did to the runs it moved along, written by the batch's one
/// statement ([`Part`]).
#[derive(Default)]
pub(crate) struct RunRows {
    id: Vec<i64>,
    state: Vec<&'static str>,
    error: Vec<Option<String>>,
    started: Vec<Option<DateTime<Utc>>>,
    finished: Vec<Option<DateTime<Utc>>>,
}

impl RunRows {
    /// Adds a run's new state (each run once per batch).
    pub(crate) fn push(&mut self, run: &ActiveRun) {
        self.id.push(run.id);
        self.state.push(run.state.as_str());
        self.error.push(run.error.clone());
        self.started.push(run.started);
        self.finished.push(run.finished);
    }
}

impl Part for RunRows {
    const SQL: &'static [(&'static str, usize)] = &[(
        "UPDATE runs r SET state = u.state::run_state, error = COALESCE(u.error, r.error),
             started_at = COALESCE(r.started_at, u.started),
             finished_at = COALESCE(u.finished, r.finished_at)
         FROM unnest($1::int8[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
              AS u(id, state, error, started, finished)
         WHERE r.id = u.id",
        5,
    )];

    bind_fields! { id, state, error, started, finished }
}

/// Marks `timed_out` every run in progress (`sent` or `running`) for longer than its stand's
/// `max_test_seconds`, counted from when it started (or was sent, if it never started); the
/// stand may start a new run again. Notifies each run and stand.
///
/// Call it inside a transaction: it locks the stands first, in id order, as every writer does,
/// so it cannot deadlock with the message handler.
pub async fn time_out(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let stands: Vec<StandId> = sqlx::query_scalar(
        "SELECT s.id FROM stands s
         WHERE EXISTS (SELECT 1 FROM runs r WHERE r.stand_id = s.id
                         AND r.state = ANY($2::run_state[])
                         AND coalesce(r.started_at, r.requested_at)
                             + make_interval(secs => s.max_test_seconds) < $1)
         ORDER BY s.id FOR UPDATE OF s",
    )
    .bind(now)
    .bind(in_progress())
    .fetch_all(&mut *conn)
    .await
    .query("runs.time_out.lock_stands")?;
    if stands.is_empty() {
        return Ok(0);
    }
    let ids: Vec<&str> = stands.iter().map(StandId::as_str).collect();
    let timed_out: Vec<(i64, StandId)> = sqlx::query_as(
        "UPDATE runs r SET state = $4::run_state, finished_at = $1,
             error = 'timed out after ' || s.max_test_seconds || ' s'
         FROM stands s
         WHERE s.id = r.stand_id AND r.stand_id = ANY($2)
           AND r.state = ANY($3::run_state[])
           AND coalesce(r.started_at, r.requested_at)
               + make_interval(secs => s.max_test_seconds) < $1
         RETURNING r.id, r.stand_id",
    )
    .bind(now)
    .bind(&ids)
    .bind(in_progress())
    .bind(RunState::TimedOut.as_str())
    .fetch_all(&mut *conn)
    .await
    .query("runs.time_out")?;
    let count = timed_out.len() as u64;
    let runs = timed_out.into_iter().map(|(id, stand)| Notification::Run {
        id,
        stand,
        state: RunState::TimedOut,
    });
    notify(
        conn,
        runs.chain(stands.into_iter().map(|id| Notification::Stand { id })),
    )
    .await?;
    Ok(count)
}
