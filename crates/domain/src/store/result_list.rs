//! The filtered list of results and its counts by verdict (the results page and
//! `GET /api/results`). Storing and reading one result is [`super::results`].

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::steps::page_and_total;
use super::{QueryContext, StoreError};
use crate::StandId;
use crate::names::named;

/// Which results to list; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultFilter {
    /// Only this stand.
    pub stand: Option<StandId>,
    /// Only results sent by, or runs started by, this user (case-insensitive).
    pub user: Option<String>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// Only kept (`true`) or only not kept (`false`).
    pub kept: Option<bool>,
    /// Only results with this verdict.
    pub verdict: Option<VerdictFilter>,
}

/// A verdict to list results by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictFilter {
    /// Measured: every limit passed.
    Pass,
    /// Measured: a limit failed.
    Fail,
    /// Measured: a value was missing or could not be computed.
    Error,
    /// Of a run started from a template, not measured yet.
    Pending,
    /// No verdict: no template, or a template without limits.
    None,
}

impl VerdictFilter {
    /// Every one, in the order the list page offers them.
    pub const ALL: [Self; 5] = [
        Self::Pass,
        Self::Fail,
        Self::Error,
        Self::Pending,
        Self::None,
    ];

    /// Its name in URLs and the API (`pass`, `fail`, `error`, `pending`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
            Self::Pending => "pending",
            Self::None => "none",
        }
    }

    /// The filter named `s`.
    pub fn parse(s: &str) -> Option<Self> {
        named(&Self::ALL, Self::as_str, s)
    }
}

/// A result in the list of results.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultItem {
    /// Its id.
    pub id: i64,
    /// The stand that sent it.
    pub stand: StandId,
    /// The run it completed, if any.
    pub run: Option<i64>,
    /// The stand's `sentBy`.
    pub sent_by: String,
    /// Who started the run, if it came from one.
    pub requested_by: Option<String>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Numeric points over all series.
    pub point_count: i64,
    /// Kept forever.
    pub keep: bool,
    /// Its verdict against its run's template limits: `pass`, `fail`, `error`, `pending`
    /// (not measured yet) or `none` (no template, or no limits).
    #[cfg_attr(feature = "openapi", schema(example = "pass"))]
    pub verdict: String,
}

// A result's verdict as text (see `VerdictFilter`), from the joins of `filtered!`.
macro_rules! verdict_of {
    () => {
        "(CASE WHEN v.verdict IS NOT NULL THEN v.verdict
               WHEN v.result_id IS NULL AND ru.template_id IS NOT NULL THEN 'pending'
               ELSE 'none' END)"
    };
}

// The filter shared by the list and its counts: each condition is off when its parameter is
// NULL, so one static statement serves every combination.
macro_rules! filtered {
    ($select:expr, $tail:literal) => {
        concat!(
            $select,
            " FROM results r LEFT JOIN runs ru ON ru.id = r.run_id
             LEFT JOIN result_verdicts v ON v.result_id = r.id
             WHERE ($1::text IS NULL OR r.stand_id = $1)
               AND ($2::text IS NULL OR lower(r.sent_by) = lower($2)
                    OR lower(ru.requested_by) = lower($2))
               AND ($3::timestamptz IS NULL OR r.received_at >= $3)
               AND ($4::timestamptz IS NULL OR r.received_at < $4)
               AND ($5::bool IS NULL OR r.keep = $5)
               AND ($6::text IS NULL OR ",
            verdict_of!(),
            " = $6) ",
            $tail
        )
    };
}

/// Binds the filter's six parameters to a `filtered!` statement.
macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {
        $query
            .bind($filter.stand.as_ref().map(StandId::as_str))
            .bind(&$filter.user)
            .bind($filter.from)
            .bind($filter.to)
            .bind($filter.kept)
            .bind($filter.verdict.map(VerdictFilter::as_str))
    };
}

/// One page of results matching `filter`, newest first, and how many match in all.
pub async fn list(
    pool: &PgPool,
    filter: &ResultFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ResultItem>, i64), StoreError> {
    let items = bind_filter!(
        sqlx::query_as(filtered!(
            concat!(
                "SELECT r.id, r.stand_id AS stand, r.run_id AS run, r.sent_by, ru.requested_by,
                        r.received_at, r.point_count, r.keep, ",
                verdict_of!(),
                " AS verdict"
            ),
            "ORDER BY r.received_at DESC, r.id DESC OFFSET $7 LIMIT $8"
        )),
        filter
    )
    .bind(offset)
    .bind(limit);
    let total = bind_filter!(sqlx::query_scalar(filtered!("SELECT count(*)", "")), filter);
    page_and_total(pool, items, total, ["results.list", "results.count"]).await
}

/// How many results match `filter` with each verdict (its own verdict condition left out),
/// in [`VerdictFilter::ALL`]'s order.
pub async fn verdict_counts(
    pool: &PgPool,
    filter: &ResultFilter,
) -> Result<Vec<(VerdictFilter, i64)>, StoreError> {
    let all = ResultFilter {
        verdict: None,
        ..filter.clone()
    };
    let rows: Vec<(String, i64)> = bind_filter!(
        sqlx::query_as(filtered!(
            concat!("SELECT ", verdict_of!(), ", count(*)"),
            "GROUP BY 1"
        )),
        all
    )
    .fetch_all(pool)
    .await
    .query("results.verdict_counts")?;
    Ok(VerdictFilter::ALL
        .into_iter()
        .map(|v| {
            let n = rows
                .iter()
                .find(|(name, _)| name == v.as_str())
                .map_or(0, |(_, n)| *n);
            (v, n)
        })
        .collect())
}
