//! The `stands` table: the stands as shown (stored fields and derived state), what admins
//! change about them, what a batch of inbound messages writes into them, and offline marking.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};

use super::batch::{Part, PgQuery};
use super::{QueryContext, StoreError, notify};
use crate::StandId;
use crate::camera::CameraUrl;
use crate::notification::Notification;
use crate::run::RunState;
use crate::state::{StandSnapshot, StandState};
use crate::status::{Effect, StatusCode};
use crate::topics::StandTopics;

/// A stand as the dashboard and API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StandView {
    /// Its id.
    pub id: String,
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
}

impl StandView {
    /// The topic choice its stored flag and outbound topic amount to.
    pub fn topics(&self) -> StandTopics {
        match StandId::parse(&self.id) {
            Ok(id) => StandTopics::of(&id, self.legacy_topics, &self.outbound_topic),
            // The table's check keeps ids parseable.
            Err(_) if self.legacy_topics => StandTopics::Legacy,
            Err(_) => StandTopics::Standard,
        }
    }
}

#[derive(sqlx::FromRow)]
struct StandRow {
    id: String,
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
        let outbound_topic = self.outbound_topic.unwrap_or_else(|| {
            crate::StandId::parse(&self.id)
                .map(|id| crate::topics::outbound_topic(&id, self.legacy_topics))
                // The table's check keeps ids parseable; an old row that is not still gets
                // the standard layout's topic.
                .unwrap_or_else(|_| format!("{}/outbound", self.id))
        });
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
        r.id AS run
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
    let done = bind_settings(
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
    .bind(StandTopics::Guide.outbound(id))
    .execute(pool)
    .await
    .query("stands.update")
    .map_err(|e| map_err(e, id))?;
    if done.rows_affected() == 0 {
        return Err(StandAdminError::NotFound(id.to_string()));
    }
    notify_stand(pool, id).await?;
    Ok(())
}

/// Tells open pages that a stand changed.
pub async fn notify_stand(pool: &PgPool, id: &StandId) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.query("stands.notify")?;
    notify(&mut conn, &[Notification::Stand { id: id.clone() }]).await
}

/// The latest of everything one batch of inbound messages says about one stand.
#[derive(Default)]
pub(crate) struct StandUpdate {
    pub(crate) status_code: Option<i16>,
    pub(crate) effective_code: Option<i16>,
    pub(crate) power_code: Option<i16>,
    pub(crate) last_seen: Option<DateTime<Utc>>,
    pub(crate) offline: bool,
    pub(crate) legacy: bool,
    /// The outbound topic spelled like the inbound topic the stand last used.
    pub(crate) outbound_topic: Option<String>,
}

impl StandUpdate {
    /// Records a code the stand sent at `at`: power codes and status codes are kept apart, and
    /// only codes with an effect change the code the state is derived from.
    pub(crate) fn apply_code(&mut self, code: StatusCode, at: DateTime<Utc>) {
        let stored = Some(i16::from(code));
        if code.is_power() {
            self.power_code = stored;
        } else {
            self.status_code = stored;
            if code.effect() != Effect::None {
                self.effective_code = stored;
            }
        }
        self.last_seen = Some(at);
    }
}

/// Registers `stand` (named by its id) unless it is known; for rows taken over from elsewhere.
pub(crate) async fn ensure(conn: &mut PgConnection, stand: &StandId) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO stands (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING")
        .bind(stand.as_str())
        .execute(conn)
        .await
        .query("stands.ensure")?;
    Ok(())
}

/// Registers the stands in `legacy` (id → speaks the legacy topics) that are unknown, when
/// `auto_register`; locks every one that exists, in id order, and returns them. One round trip
/// (a second one only when another writer registered one of them at the same moment).
pub(crate) async fn register_and_lock(
    conn: &mut PgConnection,
    auto_register: bool,
    legacy: &HashMap<String, bool>,
) -> Result<HashSet<String>, StoreError> {
    if legacy.is_empty() {
        return Ok(HashSet::new());
    }
    let mut ids: Vec<String> = legacy.keys().cloned().collect();
    // A fixed lock order keeps concurrent writers (handler, web, scheduler) free of deadlocks.
    ids.sort();
    let flags: Vec<bool> = ids.iter().map(|id| legacy[id]).collect();
    // The rows this statement registers are its own (and so locked); the `locked` query does
    // not see them, as it reads the statement's snapshot.
    let known: Vec<String> = sqlx::query_scalar(
        "WITH added AS (
             INSERT INTO stands (id, name, auto_registered, legacy_topics)
             SELECT id, id, true, l FROM unnest($1::text[], $2::bool[]) AS u(id, l) WHERE $3::bool
             ON CONFLICT (id) DO NOTHING RETURNING id),
         locked AS (SELECT id FROM stands WHERE id = ANY($1) ORDER BY id FOR UPDATE)
         SELECT id FROM locked UNION ALL SELECT id FROM added",
    )
    .bind(&ids)
    .bind(&flags)
    .bind(auto_register)
    .fetch_all(&mut *conn)
    .await
    .query("stands.register_and_lock")?;
    let mut known: HashSet<String> = known.into_iter().collect();
    if auto_register && known.len() < ids.len() {
        // Registered by another writer after this statement's snapshot: lock those now.
        let late: Vec<&String> = ids.iter().filter(|id| !known.contains(*id)).collect();
        let locked: Vec<String> =
            sqlx::query_scalar("SELECT id FROM stands WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                .bind(&late)
                .fetch_all(&mut *conn)
                .await
                .query("stands.lock")?;
        known.extend(locked);
    }
    Ok(known)
}

/// What an inbound batch said about each stand, written by the batch's one statement
/// ([`Part`]).
#[derive(Default)]
pub(crate) struct StandRows<'a> {
    ids: Vec<&'a str>,
    status: Vec<Option<i16>>,
    effective: Vec<Option<i16>>,
    power: Vec<Option<i16>>,
    seen: Vec<Option<DateTime<Utc>>>,
    offline: Vec<bool>,
    legacy: Vec<bool>,
    answer: Vec<Option<&'a str>>,
}

impl<'a> StandRows<'a> {
    /// The rows of `stands` (by id).
    pub(crate) fn new(stands: &'a HashMap<&'a str, StandUpdate>) -> Self {
        let mut rows = Self::default();
        for (id, u) in stands {
            rows.ids.push(id);
            rows.status.push(u.status_code);
            rows.effective.push(u.effective_code);
            rows.power.push(u.power_code);
            rows.seen.push(u.last_seen);
            rows.offline.push(u.offline);
            rows.legacy.push(u.legacy);
            rows.answer.push(u.outbound_topic.as_deref());
        }
        rows
    }
}

impl Part for StandRows<'_> {
    const SQL: &'static [(&'static str, usize)] = &[(
        "UPDATE stands s SET
             status_code = COALESCE(u.status, s.status_code),
             effective_code = COALESCE(u.effective, s.effective_code),
             power_code = COALESCE(u.power, s.power_code),
             last_seen = GREATEST(u.seen, s.last_seen),
             offline = u.offline,
             legacy_topics = u.legacy,
             outbound_topic = COALESCE(u.answer, s.outbound_topic)
         FROM unnest($1::text[], $2::int2[], $3::int2[], $4::int2[], $5::timestamptz[],
                     $6::bool[], $7::bool[], $8::text[])
              AS u(id, status, effective, power, seen, offline, legacy, answer)
         WHERE s.id = u.id",
        8,
    )];

    fn bind<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q> {
        query
            .bind(&self.ids)
            .bind(&self.status)
            .bind(&self.effective)
            .bind(&self.power)
            .bind(&self.seen)
            .bind(&self.offline)
            .bind(&self.legacy)
            .bind(&self.answer)
    }
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
    let stands: Vec<String> = sqlx::query_scalar(
        "WITH silent AS (
             SELECT id FROM stands WHERE NOT offline AND last_seen < $1 ORDER BY id FOR UPDATE)
         UPDATE stands s SET offline = true FROM silent WHERE s.id = silent.id
         RETURNING s.id",
    )
    .bind(now - offline_after)
    .fetch_all(&mut *conn)
    .await
    .query("stands.mark_offline")?;
    let notes: Vec<Notification> = stands
        .iter()
        .filter_map(|s| StandId::parse(s).ok())
        .map(|id| Notification::Stand { id })
        .collect();
    notify(conn, &notes).await?;
    Ok(stands.len() as u64)
}
