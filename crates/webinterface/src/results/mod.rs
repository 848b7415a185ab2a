//! Results: the list and result pages, `/api/results…`, the plots, the CSV and Excel
//! downloads, "keep forever" and deletion.
//!
//! - [`load`]: a result by its path id, and the slots that bound plot and download work;
//! - [`params`]: the list's filters and paging, parsed at the edge;
//! - [`api`]: the JSON list, one result, keep and delete;
//! - [`plots`]: the plot data the page draws, and zoom windows at full resolution;
//! - [`cache`]: the plot data of recently opened results;
//! - [`downloads`]: CSV and `.xlsx` with every point;
//! - [`pages`]: the list page, the result page, the keep and delete forms;
//! - [`plot`]: downsampling and the FFT power spectrum (pure);
//! - [`export`]: writing CSV and `.xlsx` (pure, given the series).
//!
//! The page's plots are drawn by our own small script (`/static/plot.js`) from
//! `/api/results/{id}/plot`; zooming asks `/api/results/{id}/series/{position}` for the
//! window at full resolution, downsampled again.

pub mod api;
pub mod cache;
pub mod downloads;
pub mod export;
pub mod load;
pub mod pages;
pub mod params;
pub mod plot;
pub mod plots;

use domain::store::users::Role;

use crate::routes::Routes;

const VIEWER: Option<Role> = Some(Role::Viewer);
const OPERATOR: Option<Role> = Some(Role::Operator);

/// The results pages (and downloads).
pub fn pages() -> Routes {
    Routes::pages()
        .get("/results", VIEWER, pages::list_page)
        // `/results/{id}`, `/results/{id}.csv` and `/results/{id}.xlsx` share one segment.
        .get("/results/{file}", VIEWER, pages::result_file)
        .post("/results/{id}/keep", OPERATOR, pages::keep_form)
        .post("/results/{id}/delete", OPERATOR, pages::delete_form)
}

/// The results API.
pub fn api() -> Routes {
    Routes::api()
        .get("/api/results", VIEWER, api::api_list)
        .get("/api/results/{id}", VIEWER, api::api_get)
        .patch("/api/results/{id}", OPERATOR, api::api_patch)
        .delete("/api/results/{id}", OPERATOR, api::api_delete)
        .get("/api/results/{id}/plot", VIEWER, plots::api_plot)
        .get(
            "/api/results/{id}/series/{position}",
            VIEWER,
            plots::api_window,
        )
        .get(
            "/api/results/{id}/series/{position}/spectrum",
            VIEWER,
            plots::api_spectrum_window,
        )
}
