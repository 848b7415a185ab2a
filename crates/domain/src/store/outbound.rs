//! The `outbound_commands` table: the `command` message of a run, recorded before it is
//! published, then marked confirmed by the broker or failed.

use serde_json::Value;
use sqlx::PgPool;

use super::{QueryContext, StoreError};
use crate::StandId;

/// Records a message about to be published; returns its id.
pub async fn record(
    pool: &PgPool,
    run_id: Option<i64>,
    stand: &StandId,
    topic: &str,
    payload: &Value,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO outbound_commands (run_id, stand_id, topic, payload)
         VALUES ($1, $2, $3, $4::json) RETURNING id",
    )
    .bind(run_id)
    .bind(stand.as_str())
    .bind(topic)
    // As text, so the recorded message keeps its keys' order (see `runs::create`).
    .bind(payload.to_string())
    .fetch_one(pool)
    .await
    .query("outbound_commands.record")
}

/// Marks a message confirmed by the broker.
pub async fn confirmed(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbound_commands SET confirmed_at = now() WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("outbound_commands.confirmed")?;
    Ok(())
}

/// Marks a message failed.
pub async fn failed(pool: &PgPool, id: i64, error: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE outbound_commands SET error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await
        .query("outbound_commands.failed")?;
    Ok(())
}
