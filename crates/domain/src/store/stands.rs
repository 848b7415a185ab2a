//! Stands: their stored fields, derived state and status history.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

use crate::state::{StandSnapshot, StandState};
use crate::status::StatusCode;

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

/// The stand columns and the run in progress; a macro so queries can `concat!` onto it.
macro_rules! select_stand {
    () => {
        "SELECT s.id, s.name, s.description, s.camera_url, s.max_test_seconds,
        s.legacy_topics, s.outbound_topic, s.status_code, s.effective_code, s.power_code, s.last_seen, s.offline,
        r.id AS run
    FROM stands s LEFT JOIN runs r ON r.stand_id = s.id AND r.state IN ('sent', 'running')"
    };
}

/// Every stand, by id.
pub async fn list(pool: &PgPool, offline_after: Duration) -> Result<Vec<StandView>, sqlx::Error> {
    let rows: Vec<StandRow> = sqlx::query_as(concat!(select_stand!(), " ORDER BY s.id"))
        .fetch_all(pool)
        .await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| r.view(now, offline_after))
        .collect())
}

/// One stand.
pub async fn get(
    pool: &PgPool,
    id: &str,
    offline_after: Duration,
) -> Result<Option<StandView>, sqlx::Error> {
    let row: Option<StandRow> = sqlx::query_as(concat!(select_stand!(), " WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.view(Utc::now(), offline_after)))
}

/// One entry of a stand's status history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatusEntry {
    /// The code.
    pub code: u16,
    /// Its meaning.
    pub meaning: &'static str,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}

/// A stand's status history, newest first.
pub async fn status_history(
    pool: &PgPool,
    id: &str,
    limit: i64,
) -> Result<Vec<StatusEntry>, sqlx::Error> {
    let rows: Vec<(i16, DateTime<Utc>)> = sqlx::query_as(
        "SELECT code, received_at FROM status_history WHERE stand_id = $1
         ORDER BY received_at DESC, id DESC LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(code, received_at)| {
            let code = StatusCode::from_stored(code)?;
            Some(StatusEntry {
                code: code.get(),
                meaning: code.meaning(),
                received_at,
            })
        })
        .collect())
}
