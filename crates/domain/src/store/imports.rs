//! Rows taken over from the old (Django) stack by `webinterface import-django`, recorded by
//! their old table and id in `django_imports`, so a second import stores nothing twice.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::status_history::StatusRows;
use super::steps::rows_changed;
use super::{QueryContext, StoreError, batch, results, stands};
use crate::StandId;
use crate::protocol::DataMessage;
use crate::status::StatusCode;

/// A result of the old stack, parsed as a v1.1 data message.
pub struct ImportedResult<'a> {
    /// The old table (`package` or `result`).
    pub kind: &'a str,
    /// The old row's id.
    pub old_id: i64,
    /// The stand it is filed under.
    pub stand: &'a StandId,
    /// The message rebuilt from the old rows.
    pub data: &'a DataMessage,
    /// When the old stack received it.
    pub received_at: DateTime<Utc>,
    /// The old keep flag (`NODELETE`).
    pub keep: bool,
}

/// Claims `(kind, old_id)` in the transaction; false when an earlier import has it.
async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    kind: &str,
    old_id: i64,
) -> Result<bool, StoreError> {
    let query = sqlx::query(
        "INSERT INTO django_imports (kind, old_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(kind)
    .bind(old_id);
    Ok(rows_changed(&mut **tx, query, "django_imports.claim").await? == 1)
}

/// Stores an old result with its series and keep flag, unless it was imported before.
/// Returns the new result's id, or `None` when it was already there.
pub async fn import_result(
    pool: &PgPool,
    imported: ImportedResult<'_>,
) -> Result<Option<i64>, StoreError> {
    let mut tx = pool.begin().await.query("imports.result.begin")?;
    if !claim(&mut tx, imported.kind, imported.old_id).await? {
        return Ok(None);
    }
    stands::ensure(&mut tx, imported.stand).await?;
    // The result and its series as the ingest path stores them.
    let id = results::insert_stored(
        &mut tx,
        imported.stand,
        imported.data,
        None,
        imported.keep,
        imported.received_at,
    )
    .await?;
    sqlx::query("UPDATE django_imports SET result_id = $3 WHERE kind = $1 AND old_id = $2")
        .bind(imported.kind)
        .bind(imported.old_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .query("django_imports.result_id")?;
    tx.commit().await.query("imports.result.commit")?;
    Ok(Some(id))
}

/// Stores the codes of one old status row as status history of `stand`, unless it was
/// imported before; returns how many codes were stored.
pub async fn import_status(
    pool: &PgPool,
    old_id: i64,
    stand: &StandId,
    sent_by: &str,
    codes: &[(StatusCode, DateTime<Utc>)],
) -> Result<Option<usize>, StoreError> {
    let mut tx = pool.begin().await.query("imports.status.begin")?;
    if !claim(&mut tx, "status", old_id).await? {
        return Ok(None);
    }
    stands::ensure(&mut tx, stand).await?;
    let mut rows = StatusRows::default();
    for (code, at) in codes {
        rows.push(stand, *code, sent_by, *at);
    }
    batch::write_alone(&mut tx, &rows, "status_history.insert").await?;
    tx.commit().await.query("imports.status.commit")?;
    Ok(Some(codes.len()))
}

/// The result that an old stack's result page id (`/demo_module/saved_data/<id>/`, a row of
/// `demo_module_inbound_teststand_package`) was imported as, if it was.
pub async fn result_of_old_package(pool: &PgPool, old_id: i64) -> Result<Option<i64>, StoreError> {
    let id: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT result_id FROM django_imports WHERE kind = 'package' AND old_id = $1",
    )
    .bind(old_id)
    .fetch_optional(pool)
    .await
    .query("django_imports.result_of_old_package")?;
    Ok(id.flatten())
}

/// How many imported results the next retention run would delete: not kept (neither the
/// result nor its run) and received before `before`.
pub async fn unkept_before(pool: &PgPool, before: DateTime<Utc>) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "SELECT count(*) FROM results r JOIN django_imports d ON d.result_id = r.id
         WHERE NOT r.keep AND r.received_at < $1
           AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = r.run_id AND runs.keep)",
    )
    .bind(before)
    .fetch_one(pool)
    .await
    .query("django_imports.unkept_before")
}
