//! The OpenAPI document of the JSON API: it lists every `/api/` route the router serves (no
//! more, no fewer, methods too), every error answer is the one `ErrorBody` shape, it is served
//! with the docs page, and schemathesis attacks every operation of a running web interface
//! (with an admin token, over seeded data), tests all of them and finds no server error and no
//! answer that differs from the document. Where the router answers (a wrong method, a path
//! segment that cannot be read, `/api` itself) the error is the same JSON.

#[path = "../common/mod.rs"]
mod common;

mod answers;
mod document;
mod schemathesis;

use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(webinterface::openapi::document()).expect("document as JSON")
}

const METHODS: [&str; 5] = ["get", "post", "patch", "put", "delete"];

/// `path` with every placeholder `{…}` replaced by `fill(name)`.
fn fill(path: &str, fill: impl Fn(&str) -> String) -> String {
    path.split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => fill(name.trim_start_matches('*')),
                None => seg.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}
