//! The one way routes are added: [`Routes`] builds an axum router and, from the same calls, the
//! route table ([`RouteInfo`]: method, path, least role, page or API) that the role × route
//! test walks, so a new route cannot escape it. On API routes a method the path does not take
//! is the JSON 405 ([`Error::MethodNotAllowed`]), not axum's empty one.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, any, delete, get, patch, post, put};
use domain::store::users::Role;

use crate::error::Error;
use crate::state::AppState;

/// Anyone, logged in or not.
pub const PUBLIC: Option<Role> = None;
/// Any logged-in user.
pub const VIEWER: Option<Role> = Some(Role::Viewer);
/// Operators and admins.
pub const OPERATOR: Option<Role> = Some(Role::Operator);
/// Admins.
pub const ADMIN: Option<Role> = Some(Role::Admin);

/// How a route answers errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A page: errors are HTML, "log in" is a redirect to the login page.
    Page,
    /// JSON API (also `/events` and `/metrics`): errors are `{"error": …}`.
    Api,
}

/// One method on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    /// The method (`ANY` routes are listed as `GET`).
    pub method: Method,
    /// The path as given to the router, with `{placeholders}`.
    pub path: &'static str,
    /// The least role that may use it; `None`: public.
    pub least: Option<Role>,
    /// Page or API.
    pub kind: Kind,
}

/// Routes of one kind, and their table.
pub struct Routes {
    kind: Kind,
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Routes {
    /// Page routes.
    pub fn pages() -> Self {
        Self::new(Kind::Page)
    }

    /// API routes.
    pub fn api() -> Self {
        Self::new(Kind::Api)
    }

    fn new(kind: Kind) -> Self {
        Self {
            kind,
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        least: Option<Role>,
        route: MethodRouter<AppState>,
    ) -> Self {
        // axum merges the method routers of one path.
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            method,
            path,
            least,
            kind: self.kind,
        });
        self
    }

    /// `GET path`, for `least` and above (`None`: public).
    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        least: Option<Role>,
        handler: H,
    ) -> Self {
        self.add(Method::GET, path, least, get(handler))
    }

    /// `POST path`.
    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        least: Option<Role>,
        handler: H,
    ) -> Self {
        self.add(Method::POST, path, least, post(handler))
    }

    /// `PATCH path`.
    pub fn patch<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        least: Option<Role>,
        handler: H,
    ) -> Self {
        self.add(Method::PATCH, path, least, patch(handler))
    }

    /// `PUT path`.
    pub fn put<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        least: Option<Role>,
        handler: H,
    ) -> Self {
        self.add(Method::PUT, path, least, put(handler))
    }

    /// `DELETE path`.
    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        least: Option<Role>,
        handler: H,
    ) -> Self {
        self.add(Method::DELETE, path, least, delete(handler))
    }

    /// Every method on `path` (listed as `GET`).
    pub fn any<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        least: Option<Role>,
        handler: H,
    ) -> Self {
        self.add(Method::GET, path, least, any(handler))
    }

    /// These routes and `other`'s (of the same kind).
    pub fn merge(mut self, other: Routes) -> Self {
        debug_assert_eq!(self.kind, other.kind, "merging pages with API routes");
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// The table.
    pub fn table(&self) -> &[RouteInfo] {
        &self.table
    }

    /// The router and the table. API routes answer a method their path does not take with
    /// the JSON 405 (axum adds the `Allow` header); call it once all routes are merged, as
    /// axum sets that answer on the routes present.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        let router = match self.kind {
            Kind::Page => self.router,
            Kind::Api => self.router.method_not_allowed_fallback(method_not_allowed),
        };
        (router, self.table)
    }
}

async fn method_not_allowed(method: Method) -> Error {
    Error::MethodNotAllowed(method)
}

/// `router` answering a path no route takes with [`crate::page::not_found`] (an HTML page for
/// a browser, JSON for a script): the one fallback of the application, added here so the
/// route table stays the only place routes come from.
pub fn with_not_found(router: Router<AppState>) -> Router<AppState> {
    router.fallback(crate::page::not_found)
}
