//! The web interface over real HTTP against a real database and a real broker, one module a
//! feature: access per role and CSRF (`access`), logging in and out (`login`), starting tests
//! and their refusals (`runs`), the API's shapes, metrics and job runs (`api`). The live
//! events are in `tests/live.rs`.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod api;
mod login;
mod runs;
