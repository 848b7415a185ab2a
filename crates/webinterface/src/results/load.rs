//! Finding a result by the id in its path (a 404 otherwise), keeping or deleting it (the API
//! and the forms share these), and the slots that bound how much plot and download work runs
//! at once.

use domain::store::results::{self, ResultDetail};

use super::cache::PlotCache;
use crate::error::{Context, Error, Result};
use crate::extract::Lookup;
use crate::msg;
use crate::state::AppState;

/// How many plot computations, and how many downloads, run at a time: each holds whole
/// series in memory (8 bytes a point, and the FFT's buffers), so a crowd is queued instead of
/// all running at once. Separate pools, so slow download clients never hold up the plots.
pub const PLOTS_AT_ONCE: usize = 2;
/// See [`PLOTS_AT_ONCE`].
pub const DOWNLOADS_AT_ONCE: usize = 4;

/// A lazily made semaphore.
pub type Pool = std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>>;
/// Plot computations.
pub static PLOTS: Pool = std::sync::OnceLock::new();
/// Downloads.
pub static DOWNLOADS: Pool = std::sync::OnceLock::new();

/// Waits for a slot of `pool`.
pub async fn permit(pool: &'static Pool, size: usize) -> Result<tokio::sync::OwnedSemaphorePermit> {
    pool.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(size)))
        .clone()
        .acquire_owned()
        .await
        .context("waiting for a plot or download slot")
}

/// A response body of `bytes` that holds `permit` until it is written whole (or dropped with
/// its connection).
pub fn holding(permit: tokio::sync::OwnedSemaphorePermit, bytes: Vec<u8>) -> axum::body::Body {
    let chunk = futures::stream::once(std::future::ready(Ok::<_, std::io::Error>(
        axum::body::Bytes::from(bytes),
    )));
    axum::body::Body::from_stream(futures::StreamExt::map(chunk, move |c| {
        let _held = &permit;
        c
    }))
}

/// A result id from a path.
pub fn result_id(raw: &str) -> Result<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Error::NotFound(msg!("result-bad-id", id = raw)))
}

/// The result, or a 404.
pub async fn find(state: &AppState, id: i64) -> Result<ResultDetail> {
    results::get(state.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(msg!("result-not-found", id = id)))
}

impl Lookup for ResultDetail {
    type Id = i64;

    async fn find(state: &AppState, id: i64) -> Result<Self> {
        find(state, id).await
    }
}

/// Sets "keep forever"; a 404 when there is no such result.
pub async fn set_keep(state: &AppState, id: i64, keep: bool) -> Result<()> {
    if !results::set_keep(state.pool(), id, keep).await? {
        return Err(Error::NotFound(msg!("result-not-found", id = id)));
    }
    Ok(())
}

/// Deletes a result and forgets its plot data; a 404 when there is no such result.
pub async fn delete(state: &AppState, cache: &PlotCache, id: i64) -> Result<()> {
    if !results::delete(state.pool(), id).await? {
        return Err(Error::NotFound(msg!("result-not-found", id = id)));
    }
    cache.put(id, None);
    Ok(())
}
