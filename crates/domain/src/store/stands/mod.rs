//! The `stands` table: the stands as shown (stored fields and derived state), what admins
//! change about them, and offline marking; what a batch of inbound messages writes into them
//! is [`updates`].

mod updates;
pub use updates::Registration;
pub(crate) use updates::{StandRows, StandUpdate, ensure, register_and_lock};

use chrono::{DateTime, Duration, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};

use super::steps::rows_changed;
use super::{QueryContext, StoreError, notify};
use crate::StandId;
use crate::camera::CameraUrl;
use crate::notification::Notification;
use crate::run::RunState;
use crate::state::{StandSnapshot, StandState};
use crate::status::StatusCode;
use crate::topics::StandTopics;
use crate::verdict::Verdict;

/// A stand as the dashboard and API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StandView {
    /// Its id.
    pub id: StandId,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The MJPEG camera URL, if one is installed.
    pub camera_url: Option<String>,
    /// Runs longer than this time out.
    pub max_test_seconds: i32,
    /// Answered on the legacy topics.
    pub legacy_topics: bool,
    /// The topic commands are published on: spelled like the inbound topic the stand last
    /// used, else the standard or legacy outbound topic.
    pub outbound_topic: String,
    /// Derived state.
    pub state: StandState,
    /// Latest status code (below 600).
    pub status_code: Option<u16>,
    /// Its meaning.
    pub status_meaning: Option<&'static str>,
    /// Latest power code.
    pub power_code: Option<u16>,
    /// Last time anything was heard.
    pub last_seen: Option<DateTime<Utc>>,
    /// The run in progress, if any.
    pub run: Option<i64>,
    /// The verdict of its newest result that has one (runs started from test templates).
    pub last_verdict: Option<Verdict>,
}

impl StandView {
    /// The topic choice its stored flag and outbound topic amount to.
    pub fn topics(&self) -> StandTopics {
        StandTopics::of(&self.id, self.legacy_topics, &self.outbound_topic)
    }
}

#[derive(sqlx::FromRow)]
struct StandRow {
    id: StandId,
    name: String,
    description: String,
    camera_url: Option<String>,
    max_test_seconds: i32,
    legacy_topics: bool,
    outbound_topic: Option<String>,
    status_code: Option<i16>,
    effective_code: Option<i16>,
    power_code: Option<i16>,
    last_seen: Option<DateTime<Utc>>,
    offline: bool,
    run: Option<i64>,
    last_verdict: Option<Verdict>,
}

impl StandRow {
    fn view(self, now: DateTime<Utc>, offline_after: Duration) -> StandView {
        let code = |c: Option<i16>| c.and_then(StatusCode::from_stored);
        let snapshot = StandSnapshot {
            last_seen: self.last_seen,
            offline_flag: self.offline,
            power_code: code(self.power_code),
            effective_code: code(self.effective_code),
            run_in_progress: self.run.is_some(),
        };
        let outbound_topic = self
            .outbound_topic
            .unwrap_or_else(|| crate::topics::outbound_topic(&self.id, self.legacy_topics));
        StandView {
            outbound_topic,
            state: snapshot.state(now, offline_after),
            status_code: code(self.status_code).map(StatusCode::get),
            status_meaning: code(self.status_code).map(StatusCode::meaning),
            power_code: code(self.power_code).map(StatusCode::get),
            id: self.id,
            name: self.name,
            description: self.description,
            camera_url: self.camera_url,
            max_test_seconds: self.max_test_seconds,
            legacy_topics: self.legacy_topics,
            last_seen: self.last_seen,
            run: self.run,
            last_verdict: self.last_verdict,
        }
    }
}

/// The stand columns and the run in progress, followed by `tail`. The in-progress states are
/// written into the SQL as literals (from [`RunState::IN_PROGRESS`], never user input) rather
/// than bound, so the planner can prove the join uses the partial index `runs_one_in_progress`.
fn select_stand(tail: &str) -> AssertSqlSafe<String> {
    let in_progress = RunState::IN_PROGRESS
        .map(|state| format!("'{}'", state.as_str()))
        .join(", ");
    AssertSqlSafe(format!(
        "SELECT s.id, s.name, s.description, s.camera_url, s.max_test_seconds,
        s.legacy_topics, s.outbound_topic, s.status_code, s.effective_code, s.power_code, s.last_seen, s.offline,
        r.id AS run,
        (SELECT v.verdict FROM result_verdicts v
         WHERE v.stand_id = s.id AND v.verdict IS NOT NULL
         ORDER BY v.result_id DESC LIMIT 1) AS last_verdict
    FROM stands s LEFT JOIN runs r ON r.stand_id = s.id AND r.state IN ({in_progress}){tail}"
    ))
}

/// Every stand, by id.
pub async fn list(pool: &PgPool, offline_after: Duration) -> Result<Vec<StandView>, StoreError> {
    let rows: Vec<StandRow> = sqlx::query_as(select_stand(" ORDER BY s.id"))
        .fetch_all(pool)
        .await
        .query("stands.list")?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| r.view(now, offline_after))
        .collect())
}

/// One stand.
pub async fn get(
    pool: &PgPool,
    id: &StandId,
    offline_after: Duration,
) -> Result<Option<StandView>, StoreError> {
    let row: Option<StandRow> = sqlx::query_as(select_stand(" WHERE s.id = $1"))
        .bind(id.as_str())
        .fetch_optional(pool)
        .await
        .query("stands.get")?;
    Ok(row.map(|r| r.view(Utc::now(), offline_after)))
}

/// The editable fields of a stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandSettings {
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// MJPEG camera URL; `None` removes the camera.
    pub camera_url: Option<CameraUrl>,
    /// Runs longer than this time out; must be positive.
    pub max_test_seconds: i32,
    /// The topics it is answered on until it is heard (then as it wrote).
    pub topics: StandTopics,
}

/// Why a stand cannot be saved.
#[derive(Debug, thiserror::Error)]
pub enum StandAdminError {
    /// A stand with this id exists already.
    #[error("a stand {0} exists already")]
    Duplicate(String),
    /// No such stand.
    #[error("no stand {0}")]
    NotFound(String),
    /// The time limit is not positive.
    #[error("the maximum test duration must be at least 1 second")]
    BadDuration,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

fn map_err(e: StoreError, id: &StandId) -> StandAdminError {
    match e.constraint() {
        Some("stands_pkey") => StandAdminError::Duplicate(id.to_string()),
        Some("stands_max_test_seconds_check") => StandAdminError::BadDuration,
        _ => e.into(),
    }
}

/// Binds a stand's id and settings as `$1` to `$7`, in the order `create` and `update` use:
/// `$6` the legacy flag, `$7` the outbound topic to store (only the module guide's spelling
/// is stored; the others follow from the flag).
fn bind_settings<'q>(
    query: Query<'q, Postgres, PgArguments>,
    id: &'q StandId,
    settings: &'q StandSettings,
) -> Query<'q, Postgres, PgArguments> {
    let stored = (settings.topics == StandTopics::Guide).then(|| StandTopics::Guide.outbound(id));
    query
        .bind(id.as_str())
        .bind(&settings.name)
        .bind(&settings.description)
        .bind(settings.camera_url.as_ref().map(CameraUrl::as_str))
        .bind(settings.max_test_seconds)
        .bind(settings.topics.is_legacy())
        .bind(stored)
}

/// Registers a stand by hand.
pub async fn create(
    pool: &PgPool,
    id: &StandId,
    settings: &StandSettings,
) -> Result<(), StandAdminError> {
    bind_settings(
        sqlx::query(
        "INSERT INTO stands (id, name, description, camera_url, max_test_seconds, legacy_topics,
                             outbound_topic)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    ),
        id,
        settings,
    )
    .execute(pool)
    .await
    .query("stands.create")
    .map_err(|e| map_err(e, id))?;
    Ok(())
}

/// Saves a stand's settings.
pub async fn update(
    pool: &PgPool,
    id: &StandId,
    settings: &StandSettings,
) -> Result<(), StandAdminError> {
    let query = bind_settings(
        sqlx::query(
            "UPDATE stands SET name = $2, description = $3, camera_url = $4, max_test_seconds = $5,
         legacy_topics = $6,
         -- A topic learned from the stand stays while the choice is unchanged.
         outbound_topic = CASE
             WHEN $7::text IS NOT NULL THEN $7
             WHEN legacy_topics = $6 AND outbound_topic IS DISTINCT FROM $8 THEN outbound_topic
         END
         WHERE id = $1",
        ),
        id,
        settings,
    )
    .bind(StandTopics::Guide.outbound(id));
    let changed = rows_changed(pool, query, "stands.update")
        .await
        .map_err(|e| map_err(e, id))?;
    if changed == 0 {
        return Err(StandAdminError::NotFound(id.to_string()));
    }
    notify_stand(pool, id).await?;
    Ok(())
}

/// Tells open pages that a stand changed.
pub async fn notify_stand(pool: &PgPool, id: &StandId) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.query("stands.notify")?;
    notify(&mut conn, [Notification::Stand { id: id.clone() }]).await
}

/// Marks offline every stand not yet offline whose `last_seen` is before `now - offline_after`
/// (stands never heard stay as they are). Notifies each stand.
pub async fn mark_offline(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    offline_after: Duration,
) -> Result<u64, StoreError> {
    // Locked in id order first, as every writer does; FOR UPDATE re-checks the condition
    // against a concurrent message that just refreshed `last_seen`.
    let stands: Vec<StandId> = sqlx::query_scalar(
        "WITH silent AS (
             SELECT id FROM stands WHERE NOT offline AND last_seen < $1 ORDER BY id FOR UPDATE)
         UPDATE stands s SET offline = true FROM silent WHERE s.id = silent.id
         RETURNING s.id",
    )
    .bind(now - offline_after)
    .fetch_all(&mut *conn)
    .await
    .query("stands.mark_offline")?;
    let count = stands.len() as u64;
    notify(
        conn,
        stands.into_iter().map(|id| Notification::Stand { id }),
    )
    .await?;
    Ok(count)
}
