//! The static files, compiled in: the stylesheet, the page script and the plot script.

use axum::http::header;
use axum::response::IntoResponse;

use crate::routes::{PUBLIC, Routes};

/// `/static/…` (public).
pub fn routes() -> Routes {
    Routes::pages()
        .get("/static/app.css", PUBLIC, css)
        .get("/static/app.js", PUBLIC, js)
        .get("/static/plot.js", PUBLIC, plot_js)
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.js"),
    )
}

async fn plot_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../static/plot.js"),
    )
}
