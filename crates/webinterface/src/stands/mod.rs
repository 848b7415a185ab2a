//! Stands as viewers see them: the JSON API (list, one stand, its status history) and the
//! dashboard and stand pages. Editing stands is in `admin::stands`; starting tests in `runs`.
//!
//! - [`api`]: `GET /api/stands…` and the stand JSON with its settings;
//! - [`pages`]: the dashboard and a stand's page;
//! - [`parts`]: the parts of those pages a live update replaces, one askama partial each.

pub mod api;
pub mod pages;
pub mod parts;

use chrono::{DateTime, Utc};
use domain::StandId;
use domain::store::stands::StandView;

/// A stand as the API shows it (`GET /api/stands` and the live `stand` events).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Stand)]
pub struct StandJson {
    /// Its id.
    pub id: StandId,
    /// Display name.
    pub name: String,
    /// `offline`, `off`, `busy`, `error`, `ready` or `unknown`.
    #[schema(value_type = String, pattern = "^(offline|off|busy|error|ready|unknown)$")]
    pub state: &'static str,
    /// Latest status code below 600.
    pub status_code: Option<u16>,
    /// Its meaning.
    #[schema(value_type = Option<String>)]
    pub status_meaning: Option<&'static str>,
    /// Latest power code.
    pub power_code: Option<u16>,
    /// Last time anything was heard (RFC 3339 UTC).
    pub last_seen: Option<DateTime<Utc>>,
    /// The id of the run in progress, or null.
    pub run: Option<i64>,
}

impl From<StandView> for StandJson {
    fn from(v: StandView) -> Self {
        Self {
            id: v.id,
            name: v.name,
            state: v.state.as_str(),
            status_code: v.status_code,
            status_meaning: v.status_meaning,
            power_code: v.power_code,
            last_seen: v.last_seen,
            run: v.run,
        }
    }
}
