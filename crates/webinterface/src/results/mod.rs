//! Results: the list and result pages, `/api/results…`, the plots, the CSV and Excel
//! downloads, "keep forever" and deletion.
//!
//! - [`load`]: a result by its path id, and the slots that bound plot and download work;
//! - [`params`]: the list's filters and paging, parsed at the edge;
//! - [`api`]: the JSON list, one result, keep and delete;
//! - [`plots`]: the plot data the page draws, and zoom windows at full resolution;
//! - [`xy`]: the x–y plot data (one series against another);
//! - [`cache`]: the plot data of recently opened results;
//! - [`downloads`]: CSV and `.xlsx` with every point;
//! - [`list_page`]: the filtered list page with its counts by verdict;
//! - [`pages`]: the result page, the keep and delete forms;
//! - [`signal`]: downsampling and the FFT power spectrum (pure);
//! - [`verdict`]: the verdict against the run's template limits, as pages and the API show it;
//! - [`export`]: writing CSV and `.xlsx` (pure, given the series).
//!
//! The page's plots are drawn by our own small script (`/static/plot.js`) from
//! `/api/results/{id}/plot`; zooming asks `/api/results/{id}/series/{position}` for the
//! window at full resolution, downsampled again.

pub mod api;
pub mod cache;
pub mod downloads;
pub mod export;
pub mod list_page;
pub mod load;
pub mod pages;
pub mod params;
pub mod plots;
pub mod signal;
pub mod verdict;
pub mod xy;

use crate::routes::Routes;

/// The results pages (and downloads).
pub fn pages() -> Routes {
    pages::routes()
}

/// The results API and plot data.
pub fn api() -> Routes {
    api::routes().merge(plots::routes()).merge(xy::routes())
}
