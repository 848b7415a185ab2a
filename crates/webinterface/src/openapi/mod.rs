//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' `#[utoipa::path]`
//! annotations, served at `/api/openapi.json` (public: it describes shapes, not data, and
//! client generators fetch it without a login), and the docs page `/docs/api` that shows it.
//!
//! - [`document`]: the document, from the annotations and the route table;
//! - [`page`]: the docs page.

pub mod document;
pub mod page;

pub use document::{document, documented};

use crate::routes::{PUBLIC, Routes, VIEWER};

/// The path of the document.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";
/// The path of the docs page.
pub const PAGE_PATH: &str = "/docs/api";

/// `/api/openapi.json` (public).
pub fn api() -> Routes {
    Routes::api().get(DOCUMENT_PATH, PUBLIC, document::openapi_json)
}

/// `/docs/api`.
pub fn pages() -> Routes {
    Routes::pages().get(PAGE_PATH, VIEWER, page::page)
}
