//! The web interface of the stand hub: pages, JSON API, live updates and the operator CLI.
//!
//! The modules, lowest first; each imports only modules above it in this list (no cycles):
//!
//! - [`i18n`]: the pages' languages (Danish, English; Fluent files under `locales/`), the
//!   language negotiation, messages with arguments, time and number formats (a leaf);
//! - [`error`]: the one error type of the handlers, its status map and JSON answer with its
//!   message key as `code`;
//! - [`api_doc`]: the API documentation's shared parts (path parameters, error answers);
//! - [`server`]: the HTTP server loop with its bounds: header, body and write time-outs, a
//!   connection cap (a leaf);
//! - [`config`]: the `Config` read from the environment (`WEB_BIND`, `SECRET_KEY`, …);
//! - [`metrics`]: the Prometheus registry (request latency, stored figures);
//! - [`publish`]: publishing a `command` at QoS 2 and awaiting the broker's confirmation;
//! - [`state`]: [`AppState`], what every handler shares;
//! - [`page`]: what every page shares (user menu, notice, problem, time format) and the one
//!   response layer that turns the page routes' errors into HTML or a login redirect;
//! - [`routes`]: the route builder that also writes the route table ([`route_table`]) and
//!   gives API routes the JSON 405;
//! - [`extract`]: request extractors and helpers the features share (JSON body, query and path extractors whose
//!   refusals are JSON errors, stand ids, the JSON 404 of unknown API paths);
//! - [`middleware`]: the request span (method, route, user), latency metric, security headers;
//! - [`auth`]: passwords, API tokens, sessions, CSRF, roles as extractors, login and logout,
//!   the account page (language, own password);
//! - [`assets`]: the static files;
//! - [`test_templates`]: a stand's test templates: their start forms, API, admin editor;
//! - [`stands`]: the stand API for viewers, the dashboard and stand pages;
//! - [`runs`]: starting a test (shared by the API and the stand page's form), runs in the API;
//! - [`results`]: the results list and result pages, plots (FFT), CSV and Excel downloads,
//!   keep/delete, `/api/results…`;
//! - [`quarantine`]: rejected messages, their reasons and raw bytes (`/quarantine`,
//!   `/api/quarantine`; the old `/rejected` pages redirect, `/api/rejected…` answers the same);
//! - [`admin`]: stands, users, tokens, the scheduler's job runs and the raw message tool, for
//!   admins;
//! - [`events`]: `LISTEN` on the store's channel, fanned out to server-sent-event clients;
//! - [`health`]: `/healthz`, `/readyz`, `/metrics`;
//! - [`old_addresses`]: the old stack's `/demo_module/…` and `/admin/` addresses, redirected
//!   (old result ids through `import-django`'s record);
//! - [`import_django`]: `import-django`, taking over the old (Django) stack's database;
//! - [`openapi`]: the OpenAPI document of `/api/…` (`/api/openapi.json`) from the handlers'
//!   annotations and the route table, and the docs page `/docs/api`;
//! - [`cli`]: the operator commands of the `webinterface` binary.
//!
//! [`router`] builds the whole application from the features' route groups; [`serve`] runs it
//! on a listener until shutdown.

pub mod admin;
pub mod api_doc;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod events;
pub mod extract;
pub mod health;
pub mod i18n;
pub mod import_django;
pub mod metrics;
pub mod middleware;
pub mod old_addresses;
pub mod openapi;
pub mod page;
pub mod publish;
pub mod quarantine;
pub mod results;
pub mod routes;
pub mod runs;
pub mod server;
pub mod stands;
pub mod state;
pub mod test_templates;

use std::future::Future;
use std::sync::Arc;

use axum::middleware::{from_fn, from_fn_with_state};
use axum::{Extension, Router};
use tokio::net::TcpListener;

pub use config::Config;
pub use error::{Error, Result};
pub use routes::{Kind, RouteInfo};
pub use state::AppState;

use routes::Routes;

/// Pages behind a session: errors as HTML, the session's CSRF token on every form.
fn page_routes() -> Routes {
    stands::pages::routes()
        .merge(runs::form::routes())
        .merge(results::pages())
        .merge(quarantine::pages())
        .merge(admin::pages())
        .merge(test_templates::pages())
        .merge(auth::login::pages())
        .merge(auth::account::pages())
        .merge(old_addresses::routes())
        .merge(openapi::pages())
}

/// The login form: errors as HTML, its own double-submit CSRF cookie.
fn login_routes() -> Routes {
    auth::login::login_pages()
}

/// The JSON API, the event stream and the health routes: errors as JSON.
fn api_routes() -> Routes {
    auth::login::api()
        .merge(stands::api::routes())
        .merge(runs::api::routes())
        .merge(results::api())
        .merge(quarantine::api())
        .merge(admin::api())
        .merge(test_templates::api())
        .merge(events::api())
        .merge(health::api())
        .merge(openapi::api())
        .merge(extract::api_not_found())
}

/// Every route of the application with its method, least role and kind, from the same
/// builders [`router`] uses.
pub fn route_table() -> Vec<RouteInfo> {
    [
        page_routes(),
        login_routes(),
        api_routes(),
        assets::routes(),
    ]
    .into_iter()
    .flat_map(|r| r.into_parts().1)
    .collect()
}

/// The whole application: pages, API, health and static files, with the CSRF, HTML error,
/// auth, request span, metrics and security header layers.
pub fn router(state: AppState) -> Router {
    let html_errors = from_fn(page::html_errors);
    let session_csrf = from_fn(auth::csrf::session_guard);
    let login_csrf = from_fn_with_state(state.clone(), auth::csrf::login_guard);
    let (pages, _) = page_routes().into_parts();
    let (login, _) = login_routes().into_parts();
    let (api, _) = api_routes().into_parts();
    let (assets, _) = assets::routes().into_parts();
    routes::with_not_found(Router::new())
        .merge(
            pages
                .route_layer(session_csrf.clone())
                .layer(html_errors.clone()),
        )
        .merge(login.route_layer(login_csrf).layer(html_errors))
        .merge(api.route_layer(session_csrf))
        .merge(assets)
        .route_layer(from_fn_with_state(state.clone(), middleware::track))
        .layer(Extension(Arc::new(results::cache::PlotCache::default())))
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn(middleware::request_span))
        .layer(from_fn(middleware::secure_headers))
        .with_state(state)
}

/// Serves the application on `listener` (within the configuration's server limits) until
/// `shutdown` completes, then ends the live event streams and waits for in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let token = state.shutdown_token().clone();
    let fanout = tokio::spawn(events::fan_out(state.clone()));
    let limits = state.config().server;
    let (trusted, shared) = (
        state.config().trusted_proxies.clone(),
        state.config().shared_clients.clone(),
    );
    let exempt: server::Exempt = Arc::new(move |ip| {
        let (trusted, shared) = (trusted.clone(), shared.clone());
        Box::pin(async move { shared.contains_net(ip) || trusted.contains(ip).await })
    });
    let app = router(state);
    let stop = token.clone();
    let result = server::run(listener, app, limits, exempt, async move {
        tokio::select! {
            () = shutdown => {}
            () = stop.cancelled() => {}
        }
        stop.cancel();
    })
    .await;
    token.cancel();
    let _ = fanout.await;
    result
}
