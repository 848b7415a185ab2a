//! The old (Django) stack's addresses, redirected to their new pages and downloads, so
//! bookmarks and scripts keep working: `/demo_module/…` and `/admin/…` (the Django admin's
//! pages), with or without the trailing slash Django would have added.
//!
//! A result id in an old address (`saved_data/<id>/`, `saved_data/csv/<id>/`,
//! `saved_data/excel/<id>/`) is looked up among the results `import-django` took over; an id
//! not found there is taken as one of ours.

use axum::extract::{Path, State};
use axum::response::Redirect;

use crate::error::Result;
use crate::routes::{PUBLIC, Routes};
use crate::state::AppState;

/// The stand the old demo module's pages (start a test, running test, stream) were about.
const DEMO_STAND: &str = "demo_module";

/// The old addresses' routes (public: each only points elsewhere).
pub fn routes() -> Routes {
    Routes::pages()
        .get("/demo_module", PUBLIC, home)
        .get("/demo_module/", PUBLIC, home)
        .get("/demo_module/saved_data", PUBLIC, results)
        .get("/demo_module/saved_data/", PUBLIC, results)
        .get("/demo_module/saved_data/{id}", PUBLIC, result_page)
        .get("/demo_module/saved_data/{id}/", PUBLIC, result_page)
        .get("/demo_module/saved_data/csv/{id}", PUBLIC, csv)
        .get("/demo_module/saved_data/csv/{id}/", PUBLIC, csv)
        .get("/demo_module/saved_data/excel/{id}", PUBLIC, excel)
        .get("/demo_module/saved_data/excel/{id}/", PUBLIC, excel)
        .get("/demo_module/{*rest}", PUBLIC, demo_page)
        .get("/admin/", PUBLIC, admin)
        // Our admin pages are matched first; any other (Django admin) page leads to them.
        .get("/admin/{*rest}", PUBLIC, admin)
}

async fn home() -> Redirect {
    Redirect::permanent("/")
}

async fn results() -> Redirect {
    Redirect::permanent("/results")
}

async fn admin() -> Redirect {
    Redirect::permanent("/admin/stands")
}

/// The demo module's other pages (`start_test/`, `running_test/`, `busy/`, `stream/`,
/// `show_info`, …) were about its one stand; anything unknown goes to the dashboard.
async fn demo_page(Path(rest): Path<String>) -> Redirect {
    let page = rest.trim_end_matches('/');
    match page {
        "start_test" | "test_middle_link" | "running_test" | "busy" | "stream" | "show_info"
        | "gui_demo" => Redirect::permanent(&format!("/stands/{DEMO_STAND}")),
        _ => Redirect::permanent("/"),
    }
}

/// Our result id for an old one: the imported result when there is one, else the id itself.
async fn ours(state: &AppState, old: &str) -> Result<String> {
    let Ok(old_id) = old.parse::<i64>() else {
        return Ok(crate::extract::path_segment(old));
    };
    let mapped = domain::store::imports::result_of_old_package(state.pool(), old_id).await?;
    Ok(mapped.unwrap_or(old_id).to_string())
}

async fn result_page(State(state): State<AppState>, Path(id): Path<String>) -> Result<Redirect> {
    let id = ours(&state, &id).await?;
    Ok(Redirect::permanent(&format!("/results/{id}")))
}

async fn csv(State(state): State<AppState>, Path(id): Path<String>) -> Result<Redirect> {
    let id = ours(&state, &id).await?;
    Ok(Redirect::permanent(&format!(
        "/results/{id}.csv?layout=classic"
    )))
}

async fn excel(State(state): State<AppState>, Path(id): Path<String>) -> Result<Redirect> {
    let id = ours(&state, &id).await?;
    Ok(Redirect::permanent(&format!("/results/{id}.xlsx")))
}
