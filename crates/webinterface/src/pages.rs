//! The askama pages: login, dashboard, stand (with the start-test form), rejected messages,
//! and the admin pages for stands, users and tokens. Static files are compiled in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::Form;
use chrono::{DateTime, Utc};
use domain::store::stands::{self, StandSettings, StandView};
use domain::store::users::{self, Role};
use domain::store::{quarantine, results, runs, status_history, tokens};
use serde_json::Value;

use crate::api::{check_camera_url, hash_blocking, settings_of};
use crate::auth::{self, Admin, Authed, MaybeUser, Operator, Viewer};
use crate::error::PageError;
use crate::runs::{StartRun, stand_id};
use crate::{AppState, Error};

type PageResult<T> = Result<T, PageError>;

/// The page routes and static files.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/stands/{id}", get(stand_page))
        .route("/stands/{id}/runs", post(start_run))
        .route("/rejected", get(rejected_page))
        .route("/admin/stands", get(admin_stands).post(admin_stand_create))
        .route(
            "/admin/stands/{id}",
            get(admin_stand).post(admin_stand_save),
        )
        .route("/admin/users", get(admin_users).post(admin_user_create))
        .route("/admin/users/{id}", post(admin_user_save))
        .route("/admin/users/{id}/password", post(admin_user_password))
        .route("/admin/tokens", post(admin_token_create))
        .route("/admin/tokens/{id}/revoke", post(admin_token_revoke))
        .route("/admin/jobs", get(admin_jobs))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
}

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

/// The header's user menu for a logged-in user.
pub(crate) fn nav(a: &Authed) -> Option<Nav> {
    Some(Nav {
        username: a.user.username.clone(),
        role: a.user.role.as_str(),
        is_admin: a.user.role == Role::Admin,
        csrf: a.csrf().to_owned(),
    })
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "never".into())
}

// ---------------------------------------------------------------------------------------------
// Errors and login redirect

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    title: String,
    message: String,
}

/// An error as an HTML page with the right status.
pub fn error_page(e: Error) -> Response {
    let status = e.status_code();
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    let page = ErrorPage {
        nav: None,
        notice: None,
        problem: None,
        title,
        message: e.user_message(),
    };
    (status, page).into_response()
}

/// A redirect to the login page that comes back to `path` afterwards.
pub fn login_redirect(path: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

// ---------------------------------------------------------------------------------------------
// Login

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
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
        return Redirect::to(&next).into_response();
    }
    login_form(&state, &headers, next, String::new(), None, StatusCode::OK)
}

fn login_form(
    state: &AppState,
    headers: &HeaderMap,
    next: String,
    username: String,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let (cookie, csrf) = auth::login_form_token(state, headers);
    let page = LoginPage {
        nav: None,
        notice: None,
        problem,
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
    auth::RemoteAddr(remote): auth::RemoteAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(&form.next).to_owned();
    match auth::login(&state, form.username.trim(), &form.password, &remote).await {
        Ok(user) => match auth::start_session(&state, &headers, &user).await {
            Ok(cookie) => (CookieJar::new().add(cookie), Redirect::to(&next)).into_response(),
            Err(e) => error_page(e),
        },
        Err(Error::Unauthorized) => login_form(
            &state,
            &headers,
            next,
            form.username,
            Some("Wrong user name or password.".into()),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e @ Error::TooManyAttempts { .. }) => {
            let status = e.status_code();
            login_form(
                &state,
                &headers,
                next,
                form.username,
                Some(e.user_message()),
                status,
            )
        }
        Err(e) => error_page(e),
    }
}

async fn logout(State(state): State<AppState>, Viewer(a): Viewer) -> PageResult<Response> {
    let removal = auth::end_session(&state, &a).await?;
    Ok((CookieJar::new().add(removal), Redirect::to("/login")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Dashboard and stand page

/// A stand's row as shown.
pub struct StandRow {
    id: String,
    name: String,
    state: &'static str,
    status: String,
    power: String,
    last_seen: String,
    run: String,
}

impl From<&StandView> for StandRow {
    fn from(v: &StandView) -> Self {
        Self {
            id: v.id.clone(),
            name: v.name.clone(),
            state: v.state.as_str(),
            status: match (v.status_code, v.status_meaning) {
                (Some(c), Some(m)) => format!("{c} {m}"),
                _ => "—".into(),
            },
            power: match v.power_code {
                Some(610) => "610 off".into(),
                Some(600) => "600 on".into(),
                Some(c) => c.to_string(),
                None => "—".into(),
            },
            last_seen: time(v.last_seen),
            run: v.run.map(|r| format!("#{r}")).unwrap_or_else(|| "—".into()),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    nav_admin: bool,
    stands: Vec<StandRow>,
}

async fn dashboard(State(state): State<AppState>, Viewer(a): Viewer) -> PageResult<DashboardPage> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(DashboardPage {
        nav_admin: a.user.role == Role::Admin,
        nav: nav(&a),
        notice: None,
        problem: None,
        stands: all.iter().map(StandRow::from).collect(),
    })
}

struct RunRow {
    id: i64,
    state: String,
    requested_by: String,
    requested_at: String,
    error: String,
}

struct ResultRow {
    id: i64,
    run: String,
    received_at: String,
    point_count: i64,
    keep: bool,
}

struct HistoryRow {
    code: u16,
    meaning: &'static str,
    received_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "stand.html")]
struct StandPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    s: StandRow,
    description: String,
    max_test_seconds: i32,
    outbound_topic: String,
    camera: Option<String>,
    can_start: bool,
    ready: bool,
    role: &'static str,
    csrf: String,
    runs: Vec<RunRow>,
    results: Vec<ResultRow>,
    history: Vec<HistoryRow>,
}

#[derive(serde::Deserialize)]
struct StandQuery {
    started: Option<i64>,
}

async fn stand_page(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<StandQuery>,
) -> PageResult<Response> {
    let notice = q
        .started
        .map(|r| format!("Run {r} was sent to the stand; the broker confirmed it."));
    render_stand(&state, &a, &id, &headers, notice, None, StatusCode::OK).await
}

async fn render_stand(
    state: &AppState,
    a: &Authed,
    raw_id: &str,
    headers: &HeaderMap,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let id = stand_id(raw_id)?;
    let v = stands::get(state.pool(), &id, state.offline_after())
        .await?
        .ok_or_else(|| Error::NotFound(format!("no stand {id}")))?;
    let runs = runs::recent(state.pool(), &id, 10).await?;
    let results = results::recent(state.pool(), &id, 10).await?;
    let history = status_history::list(state.pool(), &id, 20).await?;
    let camera = v
        .camera_url
        .as_ref()
        .map(|_| camera_src(state, headers, id.as_str()));
    let page = StandPage {
        nav: nav(a),
        notice,
        problem,
        s: StandRow::from(&v),
        description: v.description.clone(),
        max_test_seconds: v.max_test_seconds,
        outbound_topic: domain::topics::outbound_topic(&id, v.legacy_topics),
        camera,
        can_start: a.user.role >= Role::Operator,
        ready: v.state == domain::StandState::Ready,
        role: a.user.role.as_str(),
        csrf: a.csrf().to_owned(),
        runs: runs
            .into_iter()
            .map(|r| RunRow {
                id: r.id,
                state: r.state.to_string(),
                requested_by: r.requested_by,
                requested_at: time(Some(r.requested_at)),
                error: r.error.unwrap_or_default(),
            })
            .collect(),
        results: results
            .into_iter()
            .map(|r| ResultRow {
                id: r.id,
                run: r
                    .run_id
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "—".into()),
                received_at: time(Some(r.received_at)),
                point_count: r.point_count,
                keep: r.keep,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryRow {
                code: h.code,
                meaning: h.meaning,
                received_at: time(Some(h.received_at)),
            })
            .collect(),
    };
    Ok((status, page).into_response())
}

/// The relay's stream of a stand, as the browser reaches it.
fn camera_src(state: &AppState, headers: &HeaderMap, stand: &str) -> String {
    let base = match &state.config().videostream_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            // Strip the web port; the relay listens on its own (5555 by default).
            let host = match host.rsplit_once(':') {
                Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
                _ => host,
            };
            format!("//{host}:5555")
        }
    };
    format!("{base}/vstream-direct/test-stand/{stand}")
}

/// The start-test form: parameter rows, commands (one per line), keep.
#[derive(serde::Deserialize)]
struct StartForm {
    #[serde(default)]
    param_name: Vec<String>,
    #[serde(default)]
    param_value: Vec<String>,
    #[serde(default)]
    commands: String,
    #[serde(default)]
    keep: Option<String>,
}

/// A form value as JSON: numbers and booleans as such, anything else as text.
fn form_value(raw: &str) -> Value {
    let t = raw.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    match t {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(raw.to_owned()),
    }
}

impl StartForm {
    fn into_request(self) -> Result<StartRun, Error> {
        let mut parameters = serde_json::Map::new();
        for (i, name) in self.param_name.iter().enumerate() {
            let name = name.trim();
            let value = self.param_value.get(i).map(String::as_str).unwrap_or("");
            if name.is_empty() {
                if !value.trim().is_empty() {
                    return Err(Error::BadRequest(format!(
                        "parameter row {} has a value but no name",
                        i + 1
                    )));
                }
                continue;
            }
            if parameters
                .insert(name.to_owned(), form_value(value))
                .is_some()
            {
                return Err(Error::BadRequest(format!(
                    "parameter {name:?} is given twice"
                )));
            }
        }
        let commands = self
            .commands
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Value::String(l.to_owned()))
            .collect();
        Ok(StartRun {
            parameters: Value::Object(parameters),
            commands: Value::Array(commands),
            keep: self.keep.is_some_and(|k| k == "true" || k == "on"),
        })
    }
}

async fn start_run(
    State(state): State<AppState>,
    Operator(a): Operator,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> PageResult<Response> {
    let stand = stand_id(&id)?;
    let outcome = match form.into_request() {
        Ok(request) => crate::runs::start(&state, &a, &stand, request).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(started) => {
            Ok(Redirect::to(&format!("/stands/{stand}?started={}", started.id)).into_response())
        }
        Err(e @ (Error::Conflict(_) | Error::Unavailable(_) | Error::BadRequest(_))) => {
            let status = e.status_code();
            render_stand(
                &state,
                &a,
                &id,
                &headers,
                None,
                Some(e.user_message()),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Rejected messages

struct RejectedRow {
    id: i64,
    /// `text` (UTF-8), `hex`, or `none` (too large to keep).
    shown_as: &'static str,
    received_at: String,
    topic: String,
    reason: String,
    size: i64,
    payload: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rejected.html")]
struct RejectedPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    items: Vec<RejectedRow>,
    total: i64,
    page: i64,
    has_more: bool,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

const REJECTED_PER_PAGE: i64 = 50;

async fn rejected_page(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Query(q): Query<PageQuery>,
) -> PageResult<RejectedPage> {
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = quarantine::page(
        state.pool(),
        (page - 1) * REJECTED_PER_PAGE,
        REJECTED_PER_PAGE,
    )
    .await?;
    Ok(RejectedPage {
        nav: nav(&a),
        notice: None,
        problem: None,
        has_more: page * REJECTED_PER_PAGE < total,
        total,
        page,
        items: items
            .into_iter()
            .map(|r| {
                let (shown_as, payload) = match &r.payload {
                    None => ("none", "(too large: not kept)".into()),
                    Some(p) => show_payload(p),
                };
                RejectedRow {
                    id: r.id,
                    shown_as,
                    received_at: time(Some(r.received_at)),
                    topic: r.topic,
                    reason: r.reason,
                    size: r.size,
                    payload,
                }
            })
            .collect(),
    })
}

/// Bytes of a payload shown on the page, at most.
const PAYLOAD_SHOWN: usize = 4096;

/// A payload as text when it is UTF-8, else as hex bytes (16 to a line); the template
/// escapes either. Long payloads are cut (the download has them whole).
fn show_payload(p: &[u8]) -> (&'static str, String) {
    let cut = p.len() > PAYLOAD_SHOWN;
    let shown = &p[..p.len().min(PAYLOAD_SHOWN)];
    let (kind, mut text) = match std::str::from_utf8(shown) {
        Ok(t) => ("text", t.to_owned()),
        // A multi-byte character cut at the limit is still text.
        Err(e) if cut && e.error_len().is_none() => (
            "text",
            String::from_utf8_lossy(&shown[..e.valid_up_to()]).into_owned(),
        ),
        Err(_) => (
            "hex",
            shown
                .chunks(16)
                .map(|line| {
                    line.iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    if cut {
        text.push_str(" …");
    }
    (kind, text)
}

// ---------------------------------------------------------------------------------------------
// Admin: stands

struct AdminStandRow {
    id: String,
    name: String,
    camera: String,
    max_test_seconds: i32,
    legacy: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stands.html")]
struct AdminStandsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    csrf: String,
    stands: Vec<AdminStandRow>,
}

async fn admin_stands_page(
    state: &AppState,
    a: &Authed,
    notice: Option<String>,
    problem: Option<String>,
) -> PageResult<AdminStandsPage> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(AdminStandsPage {
        nav: nav(a),
        notice,
        problem,
        csrf: a.csrf().to_owned(),
        stands: all
            .into_iter()
            .map(|s| AdminStandRow {
                camera: s.camera_url.unwrap_or_else(|| "—".into()),
                id: s.id,
                name: s.name,
                max_test_seconds: s.max_test_seconds,
                legacy: s.legacy_topics,
            })
            .collect(),
    })
}

async fn admin_stands(
    State(state): State<AppState>,
    Admin(a): Admin,
) -> PageResult<AdminStandsPage> {
    admin_stands_page(&state, &a, None, None).await
}

#[derive(serde::Deserialize)]
struct NewStandForm {
    id: String,
    #[serde(default)]
    name: String,
}

async fn admin_stand_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<NewStandForm>,
) -> PageResult<Response> {
    let outcome = async {
        let id =
            domain::StandId::parse(form.id.trim()).map_err(|e| Error::BadRequest(e.to_string()))?;
        let name = if form.name.trim().is_empty() {
            id.to_string()
        } else {
            form.name.trim().to_owned()
        };
        let settings = StandSettings {
            name,
            description: String::new(),
            camera_url: None,
            max_test_seconds: 3600,
            legacy_topics: false,
        };
        stands::create(state.pool(), &id, &settings).await?;
        stands::notify_stand(state.pool(), &id).await?;
        Ok::<_, Error>(id)
    }
    .await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/admin/stands/{id}")).into_response()),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let status = e.status_code();
            Ok((
                status,
                admin_stands_page(&state, &a, None, Some(e.user_message())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stand.html")]
struct AdminStandPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    csrf: String,
    id: String,
    name: String,
    description: String,
    camera_url: String,
    max_test_seconds: i32,
    legacy_topics: bool,
}

fn admin_stand_view(
    a: &Authed,
    id: &str,
    s: StandSettings,
    notice: Option<String>,
    problem: Option<String>,
) -> AdminStandPage {
    AdminStandPage {
        nav: nav(a),
        notice,
        problem,
        csrf: a.csrf().to_owned(),
        id: id.to_owned(),
        name: s.name,
        description: s.description,
        camera_url: s.camera_url.map(|u| u.to_string()).unwrap_or_default(),
        max_test_seconds: s.max_test_seconds,
        legacy_topics: s.legacy_topics,
    }
}

async fn admin_stand(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
) -> PageResult<AdminStandPage> {
    let sid = stand_id(&id)?;
    let v = stands::get(state.pool(), &sid, state.offline_after())
        .await?
        .ok_or_else(|| Error::NotFound(format!("no stand {sid}")))?;
    Ok(admin_stand_view(
        &a,
        sid.as_str(),
        settings_of(&v),
        None,
        None,
    ))
}

#[derive(serde::Deserialize)]
struct StandForm {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    camera_url: String,
    max_test_seconds: String,
    #[serde(default)]
    legacy_topics: Option<String>,
}

async fn admin_stand_save(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<StandForm>,
) -> PageResult<Response> {
    let sid = stand_id(&id)?;
    let settings = StandSettings {
        name: form.name.trim().to_owned(),
        description: form.description.clone(),
        camera_url: None,
        max_test_seconds: form.max_test_seconds.trim().parse().unwrap_or(0),
        legacy_topics: form.legacy_topics.is_some(),
    };
    let checked = check_camera_url(&form.camera_url).and_then(|camera_url| {
        if settings.name.is_empty() {
            return Err(Error::BadRequest("the name cannot be empty".into()));
        }
        Ok(StandSettings {
            camera_url,
            ..settings.clone()
        })
    });
    let outcome = match checked {
        Ok(s) => stands::update(state.pool(), &sid, &s)
            .await
            .map(|()| s)
            .map_err(Error::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(s) => {
            Ok(admin_stand_view(&a, sid.as_str(), s, Some("Saved.".into()), None).into_response())
        }
        Err(e @ Error::BadRequest(_)) => {
            // The form is shown again as it was sent, camera URL included.
            let mut shown =
                admin_stand_view(&a, sid.as_str(), settings, None, Some(e.user_message()));
            shown.camera_url = form.camera_url;
            Ok((StatusCode::BAD_REQUEST, shown).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Admin: users and tokens

struct UserRow {
    id: i64,
    username: String,
    email: String,
    options: Vec<RoleOption>,
    active: bool,
    last_login: String,
}

struct RoleOption {
    name: &'static str,
    selected: bool,
}

struct TokenRow {
    id: i64,
    username: String,
    name: String,
    created_at: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct AdminUsersPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    csrf: String,
    users: Vec<UserRow>,
    tokens: Vec<TokenRow>,
    roles: Vec<&'static str>,
    new_token: Option<String>,
}

async fn users_page(
    state: &AppState,
    a: &Authed,
    notice: Option<String>,
    problem: Option<String>,
    new_token: Option<String>,
) -> PageResult<AdminUsersPage> {
    let all = users::list(state.pool()).await?;
    let toks = tokens::list(state.pool()).await?;
    Ok(AdminUsersPage {
        nav: nav(a),
        notice,
        problem,
        new_token,
        csrf: a.csrf().to_owned(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        users: all
            .into_iter()
            .map(|u| UserRow {
                id: u.id,
                username: u.username,
                email: u.email,
                options: Role::ALL
                    .iter()
                    .map(|r| RoleOption {
                        name: r.as_str(),
                        selected: *r == u.role,
                    })
                    .collect(),
                active: u.active,
                last_login: time(u.last_login),
            })
            .collect(),
        tokens: toks
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                username: t.username,
                name: t.name,
                created_at: time(Some(t.created_at)),
                last_used: time(t.last_used_at),
                revoked: t.revoked,
            })
            .collect(),
    })
}

/// Shows the users page with the outcome of a form: user errors on the page, others as errors.
async fn users_outcome(
    state: &AppState,
    a: &Authed,
    outcome: Result<String, Error>,
) -> PageResult<Response> {
    match outcome {
        Ok(notice) => Ok(users_page(state, a, Some(notice), None, None)
            .await?
            .into_response()),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_) | Error::NotFound(_))) => {
            let status = e.status_code();
            Ok((
                status,
                users_page(state, a, None, Some(e.user_message()), None).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn admin_users(State(state): State<AppState>, Admin(a): Admin) -> PageResult<AdminUsersPage> {
    users_page(&state, &a, None, None, None).await
}

#[derive(serde::Deserialize)]
struct NewUserForm {
    username: String,
    #[serde(default)]
    email: String,
    role: String,
    password: String,
}

async fn admin_user_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<NewUserForm>,
) -> PageResult<Response> {
    let outcome = async {
        let role = Role::parse(&form.role).map_err(|e| Error::BadRequest(e.to_string()))?;
        let hash = hash_blocking(form.password).await?;
        users::create(
            state.pool(),
            form.username.trim(),
            form.email.trim(),
            &hash,
            role,
        )
        .await?;
        Ok(format!("User {} added as {role}.", form.username.trim()))
    }
    .await;
    users_outcome(&state, &a, outcome).await
}

#[derive(serde::Deserialize)]
struct UserForm {
    role: String,
    #[serde(default)]
    active: Option<String>,
}

async fn admin_user_save(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> PageResult<Response> {
    let outcome = async {
        let role = Role::parse(&form.role).map_err(|e| Error::BadRequest(e.to_string()))?;
        let active = form.active.is_some();
        if id == a.user.id && (role != Role::Admin || !active) {
            return Err(Error::BadRequest(
                "you cannot remove your own admin role or deactivate yourself".into(),
            ));
        }
        users::set_role_active(state.pool(), id, role, active).await?;
        Ok("Saved.".to_owned())
    }
    .await;
    users_outcome(&state, &a, outcome).await
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    password: String,
}

async fn admin_user_password(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> PageResult<Response> {
    let outcome = async {
        let user = users::by_id(state.pool(), id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user {id}")))?;
        let hash = hash_blocking(form.password).await?;
        users::set_password(state.pool(), &user.username, &hash).await?;
        Ok(format!("Password of {} changed.", user.username))
    }
    .await;
    users_outcome(&state, &a, outcome).await
}

#[derive(serde::Deserialize)]
struct TokenForm {
    username: String,
    #[serde(default)]
    name: String,
}

async fn admin_token_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<TokenForm>,
) -> PageResult<Response> {
    let user = users::by_username(state.pool(), form.username.trim()).await?;
    let Some(user) = user else {
        return users_outcome(
            &state,
            &a,
            Err(Error::NotFound(format!(
                "no user {:?}",
                form.username.trim()
            ))),
        )
        .await;
    };
    let token = auth::create_token(state.pool(), &user, form.name.trim()).await?;
    Ok(users_page(&state, &a, None, None, Some(token))
        .await?
        .into_response())
}

async fn admin_token_revoke(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let found = tokens::revoke(state.pool(), id).await?;
    let outcome = if found {
        Ok("Token revoked.".to_owned())
    } else {
        Err(Error::NotFound(format!("no token {id}")))
    };
    users_outcome(&state, &a, outcome).await
}

// ---------------------------------------------------------------------------------------------
// Static files

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

// ---------------------------------------------------------------------------------------------
// Scheduler job runs

/// How many job runs the admin page lists.
const JOB_RUNS_SHOWN: i64 = 200;

struct JobRunRow {
    job: String,
    instance: String,
    started_at: String,
    took: String,
    outcome: String,
    rows_touched: i64,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_jobs.html")]
struct AdminJobsPage {
    nav: Option<Nav>,
    notice: Option<String>,
    problem: Option<String>,
    runs: Vec<JobRunRow>,
}

async fn admin_jobs(State(state): State<AppState>, Admin(a): Admin) -> PageResult<AdminJobsPage> {
    let runs = domain::store::job_runs::recent(state.pool(), JOB_RUNS_SHOWN).await?;
    Ok(AdminJobsPage {
        nav: nav(&a),
        notice: None,
        problem: None,
        runs: runs
            .into_iter()
            .map(|r| JobRunRow {
                took: match r.finished_at {
                    Some(end) => format!("{} ms", (end - r.started_at).num_milliseconds()),
                    None => "—".into(),
                },
                started_at: time(Some(r.started_at)),
                job: r.job,
                instance: r.instance,
                outcome: r.outcome,
                rows_touched: r.rows_touched,
                error: r.error,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_keep_their_type() {
        assert_eq!(form_value("1000"), Value::from(1000));
        assert_eq!(form_value(" 2.5 "), Value::from(2.5));
        assert_eq!(form_value("true"), Value::Bool(true));
        assert_eq!(form_value("sine"), Value::from("sine"));
        assert_eq!(form_value("NaN"), Value::from("NaN"));
    }

    #[test]
    fn start_form_builds_the_request() {
        let form = StartForm {
            param_name: vec!["fs".into(), "".into(), "wave".into()],
            param_value: vec!["100".into(), "".into(), "sine".into()],
            commands: "start\n\n stop \n".into(),
            keep: Some("true".into()),
        };
        let r = form.into_request().expect("valid");
        assert_eq!(r.parameters, serde_json::json!({"fs": 100, "wave": "sine"}));
        assert_eq!(r.commands, serde_json::json!(["start", "stop"]));
        assert!(r.keep);
        let dup = StartForm {
            param_name: vec!["a".into(), "a".into()],
            param_value: vec!["1".into(), "2".into()],
            commands: String::new(),
            keep: None,
        };
        assert!(dup.into_request().is_err());
    }

    #[test]
    fn payloads_shown_as_text_or_hex() {
        assert_eq!(show_payload(b"<b>hi</b>"), ("text", "<b>hi</b>".into()));
        assert_eq!(
            show_payload(&[0xff, 0x00, 0x41]),
            ("hex", "ff 00 41".into())
        );
        let long = vec![0u8; 20];
        let (kind, text) = show_payload(&[&[0xfe][..], &long].concat());
        assert_eq!(kind, "hex");
        assert_eq!(text.lines().count(), 2);
        let mut big = "é".repeat(PAYLOAD_SHOWN).into_bytes();
        big.truncate(PAYLOAD_SHOWN + 1);
        let (kind, text) = show_payload(&big);
        assert_eq!(kind, "text");
        assert!(text.ends_with(" …"));
    }

    #[test]
    fn only_local_redirects() {
        assert_eq!(safe_next("/stands/x"), "/stands/x");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
    }
}
