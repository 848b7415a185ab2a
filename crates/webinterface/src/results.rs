//! The slot for results: the list and result pages, `/api/results…` and the CSV/Excel
//! downloads. Empty until the results work lands; [`crate::router`] already merges it.

use axum::Router;

use crate::AppState;

/// The results routes (none yet).
pub fn router() -> Router<AppState> {
    Router::new()
}
