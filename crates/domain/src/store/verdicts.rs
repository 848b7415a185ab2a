//! Verdicts of results (issue 26): what the message handler needs to measure a stored result
//! against its run's template limits, and where it records the measurements and the verdict.
//! A result of a run started from a template is *pending* until its row is written (seconds
//! at most); a result of a run without a template has no verdict at all.

use sqlx::PgPool;
use sqlx::types::Json;

use super::{QueryContext, StoreError, notify};
use crate::StandId;
use crate::notification::Notification;
use crate::verdict::{Evaluation, Measurement, Verdict};

/// A stored result waiting for its verdict, with what measuring it needs.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The result.
    pub result: i64,
    /// Its stand.
    pub stand: StandId,
    /// Its `dataObj`, as received.
    pub data: String,
    /// Its `parameterObj` (none: `{}`).
    pub parameters: String,
    /// The body of the template version its run was started with.
    pub template: String,
}

/// The verdict of a result as pages and the API show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Judged {
    /// Its run had no template (or the template no limits): no verdict, never "pass".
    None,
    /// Stored, not measured yet.
    Pending,
    /// Measured.
    Done {
        /// The verdict.
        verdict: Verdict,
        /// Each limit's measurement, in the template's order.
        measurements: Vec<Measurement>,
    },
}

// The results of templated runs without a verdict row, with what measuring them needs.
macro_rules! pending {
    ($tail:literal) => {
        concat!(
            "SELECT r.id, r.stand_id, r.data::text, coalesce(r.parameters::text, '{}'),
                    t.body::text
             FROM results r
             JOIN runs ru ON ru.id = r.run_id
             JOIN test_templates t ON t.id = ru.template_id
             WHERE NOT EXISTS (SELECT 1 FROM result_verdicts v WHERE v.result_id = r.id) ",
            $tail
        )
    };
}

type PendingRow = (i64, StandId, String, String, String);

fn pending_of((result, stand, data, parameters, template): PendingRow) -> Pending {
    Pending {
        result,
        stand,
        data,
        parameters,
        template,
    }
}

/// The results waiting for their verdicts that `sql` (a `pending!` query) selects with
/// `value` as `$1`.
async fn pending_where(
    pool: &PgPool,
    sql: &'static str,
    value: i64,
    name: &'static str,
) -> Result<Vec<Pending>, StoreError> {
    let rows: Vec<PendingRow> = sqlx::query_as(sql)
        .bind(value)
        .fetch_all(pool)
        .await
        .query(name)?;
    Ok(rows.into_iter().map(pending_of).collect())
}

/// Result `id` when it waits for its verdict.
pub async fn pending_one(pool: &PgPool, id: i64) -> Result<Option<Pending>, StoreError> {
    let sql = pending!("AND r.id = $1");
    let mut found = pending_where(pool, sql, id, "verdicts.pending_one").await?;
    Ok(found.pop())
}

/// Up to `limit` results waiting for their verdicts, oldest first (the catch-up after a start
/// or a lost notification).
pub async fn pending(pool: &PgPool, limit: i64) -> Result<Vec<Pending>, StoreError> {
    let sql = pending!("ORDER BY r.id LIMIT $1");
    pending_where(pool, sql, limit, "verdicts.pending").await
}

/// Records the evaluation of `pending` (none: the template had no limits), once; notifies its
/// stand's pages.
pub async fn record(
    pool: &PgPool,
    pending: &Pending,
    evaluation: Option<&Evaluation>,
) -> Result<(), StoreError> {
    let measurements =
        serde_json::to_string(&evaluation.map_or(&[][..], |e| e.measurements.as_slice()))
            .unwrap_or_else(|_| "[]".into());
    let mut tx = pool.begin().await.query("verdicts.record.begin")?;
    sqlx::query(
        "INSERT INTO result_verdicts (result_id, stand_id, verdict, measurements)
         VALUES ($1, $4, $2, $3::json) ON CONFLICT (result_id) DO NOTHING",
    )
    .bind(pending.result)
    .bind(evaluation.map(|e| e.verdict.as_str()))
    .bind(measurements)
    .bind(pending.stand.as_str())
    .execute(&mut *tx)
    .await
    .query("verdicts.record")?;
    notify(
        &mut tx,
        [Notification::Verdict {
            result: pending.result,
            stand: pending.stand.clone(),
        }],
    )
    .await?;
    tx.commit().await.query("verdicts.record.commit")?;
    Ok(())
}

/// The verdict of result `id`.
pub async fn get(pool: &PgPool, id: i64) -> Result<Judged, StoreError> {
    type Row = (bool, bool, Option<Verdict>, Option<Json<Vec<Measurement>>>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT ru.template_id IS NOT NULL, v.result_id IS NOT NULL, v.verdict, v.measurements
         FROM results r
         LEFT JOIN runs ru ON ru.id = r.run_id
         LEFT JOIN result_verdicts v ON v.result_id = r.id
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .query("verdicts.get")?;
    Ok(match row {
        Some((_, true, Some(verdict), measurements)) => Judged::Done {
            verdict,
            measurements: measurements.map(|Json(m)| m).unwrap_or_default(),
        },
        Some((true, false, _, _)) => Judged::Pending,
        _ => Judged::None,
    })
}
