//! Query steps the table modules share: a statement's count of changed rows, a stand's newest
//! rows, one page of rows with the count of all. Each names its query (`table.operation`) in
//! its errors, as every store function does.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::{QueryAs, QueryScalar};
use sqlx::{FromRow, PgExecutor, PgPool, Postgres};

use super::batch::PgQuery;
use super::error::{QueryContext, StoreError};
use crate::StandId;

/// Runs `query` (bound) and answers how many rows it inserted, changed or deleted.
pub(crate) async fn rows_changed<'c>(
    conn: impl PgExecutor<'c>,
    query: PgQuery<'_>,
    name: &'static str,
) -> Result<u64, StoreError> {
    let done = query.execute(conn).await.query(name)?;
    Ok(done.rows_affected())
}

/// The rows `sql` selects for `stand`, newest first: `sql` takes the stand's id as `$1` and
/// `limit` as `$2`.
pub(crate) async fn stand_latest<T>(
    pool: &PgPool,
    sql: &'static str,
    stand: &StandId,
    limit: i64,
    name: &'static str,
) -> Result<Vec<T>, StoreError>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    sqlx::query_as(sql)
        .bind(stand.as_str())
        .bind(limit)
        .fetch_all(pool)
        .await
        .query(name)
}

/// One page of rows (`items`, bound) and how many there are in all (`total`, bound), each
/// named in errors by its `names`.
pub(crate) async fn page_and_total<T>(
    pool: &PgPool,
    items: QueryAs<'_, Postgres, T, PgArguments>,
    total: QueryScalar<'_, Postgres, i64, PgArguments>,
    names: [&'static str; 2],
) -> Result<(Vec<T>, i64), StoreError>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let [items_name, total_name] = names;
    let items = items.fetch_all(pool).await.query(items_name)?;
    let total = total.fetch_one(pool).await.query(total_name)?;
    Ok((items, total))
}
