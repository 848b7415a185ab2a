//! Cancelling a run an operator gave up on (a stand that never answers), and finding the
//! cancelled run a late result belongs to. The run's lifecycle otherwise is in [`super::runs`].

use std::collections::HashMap;

use sqlx::{PgConnection, PgPool};

use super::runs::{self, ActiveRun, Run};
use super::steps::rows_changed;
use super::{QueryContext, StoreError, notify};
use crate::StandId;
use crate::notification::Notification;
use crate::run::RunState;

/// Why a run could not be cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// There is no such run.
    #[error("no run {0}")]
    NotFound(i64),
    /// The run has ended already.
    #[error("run {id} has ended already ({state}); only a run in progress can be cancelled")]
    Ended {
        /// The run.
        id: i64,
        /// How it ended.
        state: RunState,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

/// Cancels a run in progress, recording who did and when; its stand may start a new run at
/// once. A result the stand sends later is still stored with it (see [`late_results`]).
/// Locks the stand first, as every writer does; notifies the run and the stand.
pub async fn cancel(pool: &PgPool, id: i64, by: &str) -> Result<Run, CancelError> {
    let mut tx = pool.begin().await.query("runs.cancel.begin")?;
    // The stand's lock first (the order every writer takes), then the run's.
    let stand: Option<StandId> = sqlx::query_scalar(
        "SELECT s.id FROM stands s JOIN runs r ON r.stand_id = s.id WHERE r.id = $1
         FOR UPDATE OF s",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .query("runs.cancel.lock_stand")?;
    let Some(stand) = stand else {
        return Err(CancelError::NotFound(id));
    };
    let query = sqlx::query(
        "UPDATE runs SET state = $3::run_state, cancelled_by = $2, cancelled_at = now(),
             finished_at = now(), error = 'cancelled by ' || $2
         WHERE id = $1 AND state = ANY($4::run_state[])",
    )
    .bind(id)
    .bind(by)
    .bind(RunState::Cancelled.as_str())
    .bind(runs::in_progress());
    let cancelled = rows_changed(&mut *tx, query, "runs.cancel").await? == 1;
    if cancelled {
        let notes = [
            Notification::Run {
                id,
                stand: stand.clone(),
                state: RunState::Cancelled,
            },
            Notification::Stand { id: stand },
        ];
        notify(&mut tx, notes).await?;
    }
    tx.commit().await.query("runs.cancel.commit")?;
    let run = runs::get(pool, id)
        .await?
        .ok_or(CancelError::NotFound(id))?;
    if cancelled {
        Ok(run)
    } else {
        Err(CancelError::Ended {
            id,
            state: run.state,
        })
    }
}

/// Of `stands` (locked by the caller, with no run in progress), those whose latest run was
/// cancelled and has no result yet, with that run: a data message from such a stand is the
/// result the run was waiting for, late, and is stored with it. One indexed look per stand
/// (its newest run), so the ingest path does not read the runs' history.
pub(crate) async fn late_results(
    conn: &mut PgConnection,
    stands: &[&str],
) -> Result<HashMap<StandId, ActiveRun>, StoreError> {
    if stands.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, StandId, bool)> = sqlx::query_as(
        "SELECT l.id, l.stand_id, l.keep
         FROM unnest($1::text[]) AS s(id)
         CROSS JOIN LATERAL (SELECT r.id, r.stand_id, r.state, r.keep FROM runs r
                             WHERE r.stand_id = s.id
                             ORDER BY r.requested_at DESC, r.id DESC LIMIT 1) l
         WHERE l.state = $2::run_state
           AND NOT EXISTS (SELECT 1 FROM results res WHERE res.run_id = l.id)",
    )
    .bind(stands)
    .bind(RunState::Cancelled.as_str())
    .fetch_all(conn)
    .await
    .query("runs.late_results")?;
    Ok(rows
        .into_iter()
        .map(|(id, stand, keep)| (stand, ActiveRun::read(id, RunState::Cancelled, keep)))
        .collect())
}
