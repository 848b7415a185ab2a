//! The document itself: the handlers' `#[utoipa::path]` annotations, the old names of two
//! routes, and from the route table ([`crate::route_table`]) what the annotations do not say:
//! each operation's least role (`x-required-role`, the description and the bearer security
//! requirement) and the error answers every route can give (400 for a path segment that
//! cannot be read, 401 for a missing or wrong token, 403 for a role too low or a cookie call
//! without its CSRF token, 500). Every error answer is an [`ErrorBody`].

use std::collections::BTreeMap;

use axum::Json;
use axum::http::Method;
use domain::store::users::Role;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as Document, PathItem, Ref, RefOr, Response, ResponseBuilder,
};

use crate::error::ErrorBody;
use crate::extract::API_NOT_FOUND_PATHS;
use crate::routes::VIEWER;
use crate::{RouteInfo, admin, auth, quarantine, results, runs, stands, test_templates};

/// The old names of API routes, answered by the same handlers: (old, new).
const ALIASES: [(&str, &str); 2] = [
    ("/api/rejected", "/api/quarantine"),
    ("/api/rejected/{id}/payload", "/api/quarantine/{id}/payload"),
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stand hub JSON API",
        description = "The JSON API of the stand hub's web interface: stands, test runs, \
results, the quarantine, and (for admins) stands, users and tokens.\n\n\
**Authentication:** scripts send `Authorization: Bearer <token>` (an admin makes tokens with \
`webinterface createtoken USER`, the admin page or `POST /api/tokens`). A browser's session \
cookie works too; then every call but GET needs the session's CSRF token in `X-CSRF-Token` \
(from `GET /api/me`). A wrong token is refused (401) even on public routes.\n\n\
**Roles:** `viewer` reads, `operator` also starts tests and keeps or deletes results, `admin` \
does everything. Each operation names its least role (`x-required-role`).\n\n\
**Errors:** every error answer, on every route, is JSON of one shape, `ErrorBody`: \
`{\"error\": \"what went wrong and what to do\"}`. Unknown paths under `/api` (`/api` and \
`/api/` included) are 404s of the same shape. A method a path does not take is a 405 of the \
same shape, with an `Allow` header listing the methods it takes. A path segment that cannot \
be read (not UTF-8 once percent-decoded, or not a whole number where the path takes one) is \
a 400 of the same shape."
    ),
    paths(
        auth::login::me,
        stands::api::list_stands,
        stands::api::get_stand,
        stands::api::status_history,
        runs::api::start_run,
        runs::api::stand_runs,
        runs::api::get_run,
        runs::api::cancel_run,
        results::api::api_list,
        results::api::api_get,
        results::api::api_patch,
        results::api::api_delete,
        results::plots::api_plot,
        results::plots::api_window,
        results::plots::api_spectrum_window,
        results::xy::api_xy,
        quarantine::list,
        quarantine::payload,
        admin::stands::create_stand,
        admin::stands::update_stand,
        admin::users::list_users,
        admin::users::create_user,
        admin::tokens::api_token_create,
        admin::jobs::api_jobs,
        admin::raw_message_api::api_send,
        test_templates::api::list,
        test_templates::api::create,
        test_templates::api::get_one,
        test_templates::api::new_version,
        test_templates::api::retire,
        test_templates::api::export,
        openapi_json,
    ),
    components(schemas(ErrorBody, Role)),
    tags(
        (name = "session", description = "Who is asking"),
        (name = "stands", description = "Stands and their status"),
        (name = "runs", description = "Starting tests and following them"),
        (name = "results", description = "Results, their series, plots, keep and delete"),
        (name = "quarantine", description = "Messages the handler rejected"),
        (name = "templates", description = "Test templates: the tests a stand takes, their \
            typed parameters; export and import"),
        (name = "admin", description = "Stands, users, tokens and raw messages to stands (admins)"),
        (name = "docs", description = "This document"),
    )
)]
struct ApiDoc;

/// The OpenAPI 3.1 document of the API.
#[utoipa::path(get, path = "/api/openapi.json", tag = "docs",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub(super) async fn openapi_json() -> Json<Document> {
    Json(document())
}

/// The whole document: the annotations, the aliases, and from the route table each
/// operation's role and the errors every route can answer.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "An API token: `webinterface createtoken USER` or `POST /api/tokens`",
                ))
                .build(),
        ),
    );
    for (old, new) in ALIASES {
        if let Some(item) = doc.paths.paths.get(new).cloned() {
            doc.paths.paths.insert(old.to_owned(), alias(item, new));
        }
    }
    for route in crate::route_table() {
        if !documented(&route) {
            continue;
        }
        let Some(item) = doc.paths.paths.get_mut(route.path) else {
            continue;
        };
        if let Some(op) = operation_mut(item, &route.method) {
            add_route_facts(op, &route);
        }
    }
    doc
}

/// Whether a route belongs in the document: the API under `/api/`, except the routes that
/// answer unknown paths with a 404.
pub fn documented(route: &RouteInfo) -> bool {
    route.kind == crate::Kind::Api
        && route.path.starts_with("/api/")
        && !API_NOT_FOUND_PATHS.contains(&route.path)
}

fn alias(mut item: PathItem, new: &str) -> PathItem {
    for op in operations_mut(&mut item) {
        op.deprecated = Some(utoipa::openapi::Deprecated::True);
        op.operation_id = op.operation_id.take().map(|id| format!("{id}_old_name"));
        let said = op.description.take().unwrap_or_default();
        op.description = Some(format!(
            "The old name of `{new}`, answered the same.\n\n{said}"
        ));
    }
    item
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.patch.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn operation_mut<'a>(item: &'a mut PathItem, method: &Method) -> Option<&'a mut Operation> {
    match *method {
        Method::GET => item.get.as_mut(),
        Method::POST => item.post.as_mut(),
        Method::PATCH => item.patch.as_mut(),
        Method::PUT => item.put.as_mut(),
        Method::DELETE => item.delete.as_mut(),
        _ => None,
    }
}

fn error_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// What a route with placeholders answers when a segment cannot be read.
const BAD_PATH: &str = "A path segment cannot be read: not UTF-8 once percent-decoded, or not \
a whole number where the path takes one";

/// The 400 of a path segment that cannot be read: added, or joined to the operation's own 400.
fn add_bad_path(responses: &mut BTreeMap<String, RefOr<Response>>) {
    match responses.get_mut("400") {
        Some(RefOr::T(own)) => {
            own.description = format!("{}; or: {}", own.description, BAD_PATH.to_lowercase());
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses.insert("400".into(), error_response(BAD_PATH));
        }
    }
}

fn add_route_facts(op: &mut Operation, route: &RouteInfo) {
    let role = route.least.map_or("public", Role::as_str);
    let who = match route.least {
        None => "Public: no login needed.".to_owned(),
        Some(Role::Admin) => "Role: `admin`.".to_owned(),
        Some(r) => format!("Role: `{}` or above.", r.as_str()),
    };
    let said = op.description.take().unwrap_or_default();
    op.description = Some(if said.is_empty() {
        who
    } else {
        format!("{said}\n\n{who}")
    });
    op.extensions
        .get_or_insert_with(Default::default)
        .insert("x-required-role".into(), role.into());
    if route.least.is_some() {
        op.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
    let responses = &mut op.responses.responses;
    responses.insert(
        "401".into(),
        error_response(if route.least.is_some() {
            "Not logged in, or a wrong token"
        } else {
            "A wrong token (a request without one is let through)"
        }),
    );
    let writes = route.method != Method::GET;
    let forbidden = match (route.least > VIEWER, writes) {
        (true, true) => {
            Some("The role is too low, or a call with the session cookie lacks its CSRF token")
        }
        (true, false) => Some("The role is too low"),
        (false, true) => Some("A call with the session cookie lacks its CSRF token"),
        (false, false) => None,
    };
    if let Some(why) = forbidden {
        responses.insert("403".into(), error_response(why));
    }
    if route.path.contains('{') {
        add_bad_path(responses);
    }
    responses.insert(
        "500".into(),
        error_response("Internal error (logged; the answer says only \"internal error\")"),
    );
}
