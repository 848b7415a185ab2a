//! The old (Django) stack's addresses, redirected to their new pages and downloads, so
//! bookmarks and scripts keep working: `/demo_module/…` and `/admin/…` (the Django admin's
//! pages), with or without the trailing slash Django would have added.
//!
//! A result id in an old address (`saved_data/<id>/`, `saved_data/csv/<id>/`,
//! `saved_data/excel/<id>/`) is looked up among the results `import-django` took over; an id
//! not found there answers a "not imported" page (404) — never our result of the same number,
//! which is another test's data. The Django admin's user pages (`/admin/auth/user/…`) lead to
//! the users page, its other pages to the stands.

use axum::extract::{Path, State};
use axum::response::Redirect;

use crate::error::{Error, Result};
use crate::msg;
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
        .get("/admin/{*rest}", PUBLIC, admin_page)
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

/// A Django admin page: its users and groups lead to our users page, the rest to the stands.
async fn admin_page(Path(rest): Path<String>) -> Redirect {
    if rest.starts_with("auth/user") || rest.starts_with("auth/group") {
        Redirect::permanent("/admin/users")
    } else {
        Redirect::permanent("/admin/stands")
    }
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

/// Our result id for an old one: the result `import-django` made of it, or a 404 saying it
/// was not imported (and where to look instead).
async fn ours(state: &AppState, old: &str) -> Result<i64> {
    let not_imported = || Error::NotFound(msg!("result-old-not-imported", old = old));
    let old_id = old.parse::<i64>().map_err(|_| not_imported())?;
    domain::store::imports::result_of_old_package(state.pool(), old_id)
        .await?
        .ok_or_else(not_imported)
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
