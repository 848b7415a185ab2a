//! The static files, compiled in: the stylesheet, the page script and the plot script.

use axum::handler::Handler;
use axum::http::header;

use crate::routes::{PUBLIC, Routes};
use crate::state::AppState;

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const HOUR: &str = "public, max-age=3600";
const FIVE_MINUTES: &str = "public, max-age=300";

/// `/static/…` (public).
pub fn routes() -> Routes {
    Routes::pages()
        .get(
            "/static/app.css",
            PUBLIC,
            file(CSS, HOUR, include_str!("../static/app.css")),
        )
        .get(
            "/static/app.js",
            PUBLIC,
            file(JS, HOUR, include_str!("../static/app.js")),
        )
        .get(
            "/static/plot.js",
            PUBLIC,
            file(JS, FIVE_MINUTES, include_str!("../static/plot.js")),
        )
}

/// A handler answering `body` as `content_type` with the `Cache-Control` value `cache`.
fn file(
    content_type: &'static str,
    cache: &'static str,
    body: &'static str,
) -> impl Handler<((),), AppState> {
    move || async move {
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, cache),
            ],
            body,
        )
    }
}
