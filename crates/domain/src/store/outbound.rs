//! Outbound messages (the `command` of a run): recorded before publishing, then marked
//! confirmed by the broker or failed.

use serde_json::Value;
use sqlx::PgPool;

/// Records a message about to be published; returns its id.
pub async fn record(
    pool: &PgPool,
    run_id: Option<i64>,
    stand: &str,
    topic: &str,
    payload: &Value,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbound_commands (run_id, stand_id, topic, payload)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(run_id)
    .bind(stand)
    .bind(topic)
    .bind(payload)
    .fetch_one(pool)
    .await
}

/// Marks a message confirmed by the broker.
pub async fn confirmed(pool: &PgPool, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbound_commands SET confirmed_at = now() WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks a message failed.
pub async fn failed(pool: &PgPool, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbound_commands SET error = $2 WHERE id = $1")
        .bind(id)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

/// Tells open pages that a run changed.
pub async fn notify_run(
    pool: &PgPool,
    run_id: i64,
    stand: &str,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT pg_notify($1, json_build_object('kind', 'run', 'id', $2::bigint,
                'stand', $3::text, 'state', $4::text)::text)",
    )
    .bind(super::NOTIFY_CHANNEL)
    .bind(run_id)
    .bind(stand)
    .bind(state)
    .execute(pool)
    .await?;
    Ok(())
}
