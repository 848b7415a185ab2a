//! What every page shares: the [`Layout`] (language, user menu, notice, problem) the base
//! template draws, and the one response layer ([`html_errors`]) that turns the error
//! responses of page routes into HTML pages or a login redirect.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::{Error, ErrorShown};
use crate::i18n::{Msg, Tr};
use crate::msg;

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

impl Nav {
    /// The message key of the role's name.
    pub fn role_key(&self) -> &'static str {
        crate::error::msg_role(self.role).key()
    }
}

/// The parts of `base.html` every page fills.
pub struct Layout {
    /// The reader's language: every text of the page comes from `t` (`{{ t.s("key") }}`
    /// after `{% let t = layout.t %}` in a block).
    pub t: Tr,
    /// The user menu (none when logged out).
    pub nav: Option<Nav>,
    /// Good news at the top of the page.
    pub notice: Option<Msg>,
    /// What went wrong, at the top of the page.
    pub problem: Option<Msg>,
}

impl Layout {
    /// A layout in this language, without a user menu (the login and error pages).
    pub fn new(t: Tr) -> Self {
        Self {
            t,
            nav: None,
            notice: None,
            problem: None,
        }
    }

    /// A layout with this user menu.
    pub fn with_nav(t: Tr, nav: Nav) -> Self {
        Self {
            nav: Some(nav),
            ..Self::new(t)
        }
    }

    /// With a notice.
    pub fn notice(mut self, notice: Option<Msg>) -> Self {
        self.notice = notice;
        self
    }

    /// With a problem.
    pub fn problem(mut self, problem: Option<Msg>) -> Self {
        self.problem = problem;
        self
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

/// The name of a status as an error page's title, in the reader's language.
fn status_title(t: &Tr, status: StatusCode) -> String {
    let key = match status.as_u16() {
        400 => "http-400",
        401 => "http-401",
        403 => "http-403",
        404 => "http-404",
        405 => "http-405",
        409 => "http-409",
        413 => "http-413",
        415 => "http-415",
        422 => "http-422",
        429 => "http-429",
        500 => "http-500",
        502 => "http-502",
        503 => "http-503",
        504 => "http-504",
        _ => return t.a1("http-other", "code", status.as_u16()),
    };
    t.s(key)
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
    let t = req.extensions().get::<Tr>().copied().unwrap_or_default();
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
    let mut page = error_page(t, status, &shown.message);
    if let Some(value) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, value);
    }
    page
}

fn error_page(t: Tr, status: StatusCode, message: &Msg) -> Response {
    let page = ErrorPage {
        layout: Layout::new(t),
        title: status_title(&t, status),
        message: t.msg(message),
    };
    (status, page).into_response()
}

/// The answer to a path no route takes: an HTML "not found" page in the reader's language for
/// a browser, the JSON error for anything else.
pub async fn not_found(req: Request) -> Response {
    let t = req.extensions().get::<Tr>().copied().unwrap_or_default();
    let error = Error::NotFound(msg!("page-not-found", path = req.uri().path()));
    if takes_html(req.headers()) {
        error_page(t, StatusCode::NOT_FOUND, &error.message())
    } else {
        error.into_response()
    }
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
