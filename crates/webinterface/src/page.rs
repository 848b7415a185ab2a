//! What every page shares: the [`Layout`] (user menu, notice, problem) the base template
//! draws, the time format, and the one response layer ([`html_errors`]) that turns the error
//! responses of page routes into HTML pages or a login redirect.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use crate::error::ErrorShown;

/// The header's user menu.
pub struct Nav {
    /// Who.
    pub username: String,
    /// Their role.
    pub role: &'static str,
    /// Show the admin links.
    pub is_admin: bool,
    /// For the logout form.
    pub csrf: String,
}

/// The parts of `base.html` every page fills.
#[derive(Default)]
pub struct Layout {
    /// The user menu (none when logged out).
    pub nav: Option<Nav>,
    /// Good news at the top of the page.
    pub notice: Option<String>,
    /// What went wrong, at the top of the page.
    pub problem: Option<String>,
}

impl Layout {
    /// A layout with this user menu.
    pub fn with_nav(nav: Nav) -> Self {
        Self {
            nav: Some(nav),
            ..Self::default()
        }
    }

    /// With a notice.
    pub fn notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    /// With a problem.
    pub fn problem(mut self, problem: Option<String>) -> Self {
        self.problem = problem;
        self
    }
}

/// A time as pages show it.
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A time that may not have happened yet.
pub fn time_or_never(t: Option<DateTime<Utc>>) -> String {
    t.map(time).unwrap_or_else(|| "never".into())
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

/// Response layer of the page routes: an error response (marked with [`ErrorShown`]) becomes
/// an HTML page with the same status, or, for "log in first", a redirect to the login page
/// that comes back here afterwards — query included (`?layout=classic`). A client that does
/// not take HTML (a script: `curl -L`, urllib; no `text/html` in `Accept`) gets the 401 with
/// its JSON error naming the token header instead, so it never saves a login page as the
/// download it asked for.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let here = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let browser = takes_html(req.headers());
    let mut response = next.run(req).await;
    let Some(shown) = response.extensions().get::<ErrorShown>() else {
        return response;
    };
    if shown.unauthorized {
        if browser {
            return login_redirect(&here);
        }
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let status = response.status();
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut page = error_page(status, shown.message.clone());
    if let Some(value) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, value);
    }
    page
}

fn error_page(status: StatusCode, message: String) -> Response {
    let page = ErrorPage {
        layout: Layout::default(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message,
    };
    (status, page).into_response()
}

/// Whether the client takes HTML (`text/html` in its `Accept`): a browser's navigation.
fn takes_html(headers: &header::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/html"))
}

/// A redirect to the login page that comes back to `path` (and query) afterwards.
pub fn login_redirect(path: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}
