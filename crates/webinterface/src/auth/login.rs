//! Logging in and out: the login page and form (rate-limited where the guesses come from: per
//! user name and client address with back-off, per client address, and per user name only for
//! addresses that already failed at it, so nobody locks the owner out — see [`LIMITS`]; for a
//! shared client, `SHARED_CLIENTS`, the address is keyed with the user name; every attempt
//! recorded, parallel guesses counted atomically, password checks capped by
//! `PASSWORD_HASH_CONCURRENCY`) and the logout form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::Form;
use chrono::Utc;
use domain::store::users::User;
use domain::store::{login_attempts, users};

use super::csrf::login_form_token;
use super::extract::{MaybeUser, RemoteAddr, Viewer};
use super::password::{dummy_hash, verify_blocking};
use super::sessions::{end_session, start_session};
use crate::error::{BUSY_RETRY_AFTER_SECONDS, Error, Result};
use crate::i18n::Msg;
use crate::msg;
use crate::page::Layout;
use crate::routes::{PUBLIC, Routes, VIEWER};
use crate::state::AppState;

/// Failed logins at one user name from one client address within the window before each
/// further attempt from there waits [`BACKOFF_SECONDS`], doubled per further failure.
pub const FREE_FAILURES_PER_USER_AND_ADDRESS: i64 = 5;
/// The first back-off of a user name and address.
pub const BACKOFF_SECONDS: i64 = 30;
/// Failed logins from one address (from a shared client: for one user name) within the
/// window before logins from it are refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
/// Failed logins at one user name, from anywhere, within the window after which an address
/// that already failed at it is refused for the window (one guess per address); an address
/// with no failure at it is still checked, so the owner can log in.
pub const MAX_FAILURES_PER_USER: i64 = 20;
/// The rate-limiting window.
pub const RATE_WINDOW_MINUTES: i64 = 15;

/// The login limits.
pub const LIMITS: login_attempts::Limits = login_attempts::Limits {
    window: chrono::Duration::minutes(RATE_WINDOW_MINUTES),
    pair_free: FREE_FAILURES_PER_USER_AND_ADDRESS,
    backoff: chrono::Duration::seconds(BACKOFF_SECONDS),
    per_address: MAX_FAILURES_PER_ADDRESS,
    per_user: MAX_FAILURES_PER_USER,
};

/// The refusal of a login that must wait this long.
fn too_many(wait: chrono::Duration) -> Error {
    Error::TooManyAttempts {
        minutes: (wait.num_seconds() + 59).div_euclid(60).max(1),
    }
}

/// `GET`/`POST /login` (public; guarded by the login form's CSRF cookie).
pub fn login_pages() -> Routes {
    Routes::pages()
        .get("/login", PUBLIC, login_page)
        .post("/login", PUBLIC, login_submit)
}

/// `POST /logout`.
pub fn pages() -> Routes {
    Routes::pages().post("/logout", VIEWER, logout)
}

/// `GET /api/me`: who is asking, their role and the CSRF token for cookie API calls.
pub fn api() -> Routes {
    Routes::api().get("/api/me", VIEWER, me)
}

/// Who is asking.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The user name.
    username: String,
    /// The role.
    role: domain::store::users::Role,
    /// The session's CSRF token for state-changing calls made with the session cookie
    /// (header `X-CSRF-Token`); empty with a bearer token, which needs none.
    csrf: String,
}

/// Who is asking, their role, and the CSRF token for calls made with the session cookie.
#[utoipa::path(get, path = "/api/me", tag = "session",
    responses((status = 200, description = "The caller", body = Me)))]
async fn me(Viewer(a): Viewer) -> axum::Json<Me> {
    axum::Json(Me {
        csrf: a.csrf().to_owned(),
        username: a.user.username,
        role: a.user.role,
    })
}

/// Refuses a login from this address at this user name while [`LIMITS`] hold it back (a
/// check only: [`login`] reserves its attempt atomically instead).
pub async fn check_rate_limit(state: &AppState, username: &str, remote: &str) -> Result<()> {
    let now = Utc::now();
    let remote = address_key(state, remote, username).await;
    let failures =
        login_attempts::failures_since(state.pool(), username, &remote, now - LIMITS.window)
            .await?;
    match LIMITS.wait(&failures, now) {
        Some(wait) => Err(too_many(wait)),
        None => Ok(()),
    }
}

/// What the per-address limit counts failures under (the `remote` of `login_attempts`): the
/// client's address; for a shared client (`SHARED_CLIENTS`) the address and the user name in
/// lower case, `172.18.0.1 (alice)`. Everyone on the Docker host reaches the web interface
/// from one address (Docker's port proxy), so counting that address as one client would let
/// one person's wrong guesses lock out everybody there; the per-user limit still holds.
async fn address_key(state: &AppState, remote: &str, username: &str) -> String {
    let shared = &state.config().shared_clients;
    match remote.parse() {
        Ok(ip) if !shared.0.is_empty() && shared.contains(ip).await => {
            format!("{remote} ({})", username.to_lowercase())
        }
        _ => remote.to_owned(),
    }
}

/// Checks a user name and password; returns the user. The attempt is reserved (counted and
/// recorded as failed, atomically, so parallel guesses cannot pass the limit together) before
/// the password is checked, and marked succeeded after; a server too busy to check it takes
/// the reservation back and answers 503.
pub async fn login(state: &AppState, username: &str, password: &str, remote: &str) -> Result<User> {
    let remote = address_key(state, remote, username).await;
    let remote = remote.as_str();
    let attempt = match login_attempts::reserve(state.pool(), username, remote, LIMITS).await? {
        login_attempts::Reservation::Granted(id) => id,
        login_attempts::Reservation::Refused { failures, wait } => {
            tracing::warn!(
                username,
                remote,
                by_user = failures.by_user,
                by_address = failures.by_address,
                by_user_and_address = failures.by_pair,
                wait_seconds = wait.num_seconds(),
                "login rate limit hit"
            );
            return Err(too_many(wait));
        }
    };
    let user = users::by_username(state.pool(), username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let matches = match verify_blocking(state, password.to_owned(), hash).await {
        Ok(matches) => matches,
        Err(e) => {
            login_attempts::release(state.pool(), attempt).await?;
            return Err(e);
        }
    };
    match user {
        Some(user) if matches && user.active => {
            login_attempts::succeeded(state.pool(), attempt).await?;
            users::touch_login(state.pool(), user.id).await?;
            Ok(user)
        }
        _ => Err(Error::Unauthorized),
    }
}

/// Only paths of this site are followed after login (no open redirect). Browsers drop tabs
/// and newlines from URLs and read `\\` as `/`, so `/\t/evil.example` would become
/// `//evil.example` (another host): any control character, white space or backslash is
/// refused, and what is left must resolve to this site's origin.
fn safe_next(next: &str) -> &str {
    const HERE: &str = "http://this-site.invalid/";
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let same_site = || {
        url::Url::parse(HERE)
            .and_then(|base| base.join(next).map(|u| (base, u)))
            .is_ok_and(|(base, u)| u.origin() == base.origin())
    };
    if plain && same_site() { next } else { "/" }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    csrf: String,
    next: String,
    username: String,
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/")).to_owned();
    if user.is_some() {
        return Redirect::to(&crate::extract::location(&next)).into_response();
    }
    login_form(&state, &headers, next, String::new(), None, StatusCode::OK)
}

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    next: String,
    username: String,
    problem: Option<Msg>,
    status: StatusCode,
) -> Response {
    let (cookie, csrf) = login_form_token(state, headers);
    // Nobody is logged in: the page follows the browser.
    let t = super::sessions::language(state, None, headers);
    let page = LoginPage {
        layout: Layout::new(t).problem(problem),
        csrf,
        next,
        username,
    };
    (status, CookieJar::new().add(cookie), page).into_response()
}

#[derive(serde::Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    RemoteAddr(remote): RemoteAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let next = safe_next(&form.next).to_owned();
    match login(&state, form.username.trim(), &form.password, &remote).await {
        Ok(user) => {
            let cookie = start_session(&state, &headers, &user).await?;
            Ok((
                CookieJar::new().add(cookie),
                Redirect::to(&crate::extract::location(&next)),
            )
                .into_response())
        }
        Err(Error::Unauthorized) => Ok(login_form(
            &state,
            &headers,
            next,
            form.username,
            Some(msg!("login-wrong-password")),
            StatusCode::UNAUTHORIZED,
        )),
        Err(e @ (Error::TooManyAttempts { .. } | Error::Busy)) => {
            let status = e.status_code();
            let mut page = login_form(
                &state,
                &headers,
                next,
                form.username,
                Some(e.message()),
                status,
            );
            if matches!(e, Error::Busy) {
                page.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(BUSY_RETRY_AFTER_SECONDS),
                );
            }
            Ok(page)
        }
        Err(e) => Err(e),
    }
}

async fn logout(State(state): State<AppState>, Viewer(a): Viewer) -> Result<Response> {
    let removal = end_session(&state, &a).await?;
    Ok((CookieJar::new().add(removal), Redirect::to("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_redirects() {
        for local in [
            "/stands/x",
            "/results?stand=a&page=2",
            "/stands/pr%C3%B8vestand_3",
        ] {
            assert_eq!(safe_next(local), local);
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            // `next=/%09/evil.example` arrives decoded: a tab that browsers drop.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "evil.example",
            "",
            "/\u{0}/evil.example",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
