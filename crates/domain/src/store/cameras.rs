//! Camera URLs of the stands (`stands.camera_url`), shared by the video relay and the web admin.

use sqlx::PgPool;

use super::steps::rows_changed;
use super::{QueryContext, StoreError};
use crate::StandId;
use crate::camera::CameraUrl;

/// The camera URL installed for `stand`, or `None` when the stand is unknown or has none.
pub async fn get(pool: &PgPool, stand: &StandId) -> Result<Option<String>, StoreError> {
    let url: Option<Option<String>> =
        sqlx::query_scalar("SELECT camera_url FROM stands WHERE id = $1")
            .bind(stand.as_str())
            .fetch_optional(pool)
            .await
            .query("stands.camera_url.get")?;
    Ok(url.flatten())
}

/// Installs `url` as the camera of `stand`, creating the stand (named after its id) when it is
/// not known yet.
pub async fn install(pool: &PgPool, stand: &StandId, url: &CameraUrl) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO stands (id, name, camera_url) VALUES ($1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET camera_url = EXCLUDED.camera_url",
    )
    .bind(stand.as_str())
    .bind(url.as_str())
    .execute(pool)
    .await
    .query("stands.camera_url.install")?;
    Ok(())
}

/// Removes the camera of `stand`; returns whether one was installed.
pub async fn remove(pool: &PgPool, stand: &StandId) -> Result<bool, StoreError> {
    let query =
        sqlx::query("UPDATE stands SET camera_url = NULL WHERE id = $1 AND camera_url IS NOT NULL")
            .bind(stand.as_str());
    Ok(rows_changed(pool, query, "stands.camera_url.remove").await? > 0)
}
