//! What admins change about stands: name, description, camera, time limit, topic layout.

use sqlx::PgPool;

use crate::StandId;

/// The editable fields of a stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandSettings {
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// MJPEG camera URL; `None` removes the camera.
    pub camera_url: Option<String>,
    /// Runs longer than this time out; must be positive.
    pub max_test_seconds: i32,
    /// Answer on `Testdevice/{id}/Outbound`.
    pub legacy_topics: bool,
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
    Db(#[from] sqlx::Error),
}

fn map_err(e: sqlx::Error, id: &StandId) -> StandAdminError {
    match e {
        sqlx::Error::Database(d) if d.constraint() == Some("stands_pkey") => {
            StandAdminError::Duplicate(id.to_string())
        }
        sqlx::Error::Database(d) if d.constraint() == Some("stands_max_test_seconds_check") => {
            StandAdminError::BadDuration
        }
        e => e.into(),
    }
}

/// Registers a stand by hand.
pub async fn create(
    pool: &PgPool,
    id: &StandId,
    settings: &StandSettings,
) -> Result<(), StandAdminError> {
    sqlx::query(
        "INSERT INTO stands (id, name, description, camera_url, max_test_seconds, legacy_topics)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.as_str())
    .bind(&settings.name)
    .bind(&settings.description)
    .bind(&settings.camera_url)
    .bind(settings.max_test_seconds)
    .bind(settings.legacy_topics)
    .execute(pool)
    .await
    .map_err(|e| map_err(e, id))?;
    Ok(())
}

/// Saves a stand's settings.
pub async fn update(
    pool: &PgPool,
    id: &StandId,
    settings: &StandSettings,
) -> Result<(), StandAdminError> {
    let done = sqlx::query(
        "UPDATE stands SET name = $2, description = $3, camera_url = $4, max_test_seconds = $5,
         legacy_topics = $6,
         outbound_topic = CASE WHEN legacy_topics = $6 THEN outbound_topic END
         WHERE id = $1",
    )
    .bind(id.as_str())
    .bind(&settings.name)
    .bind(&settings.description)
    .bind(&settings.camera_url)
    .bind(settings.max_test_seconds)
    .bind(settings.legacy_topics)
    .execute(pool)
    .await
    .map_err(|e| map_err(e, id))?;
    if done.rows_affected() == 0 {
        return Err(StandAdminError::NotFound(id.to_string()));
    }
    notify_stand(pool, id).await?;
    Ok(())
}

/// Tells open pages that a stand changed.
pub async fn notify_stand(pool: &PgPool, id: &StandId) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, json_build_object('kind', 'stand', 'id', $2::text)::text)")
        .bind(super::NOTIFY_CHANNEL)
        .bind(id.as_str())
        .execute(pool)
        .await?;
    Ok(())
}
