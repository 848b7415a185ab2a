//! The dashboard (`/`) and a stand's page (`/stands/{id}`: state, camera, the start-test
//! form for operators, recent runs, results and status history).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::store::stands;
use domain::store::users::Role;
use domain::store::{results, runs, status_history, templates};

use super::parts::{HISTORY_ROWS, HistoryRow, RECENT_RESULTS, ResultRow, StandRow};
use crate::auth::{Authed, Viewer};
use crate::error::Result;
use crate::extract::{find_stand, stand_id};
use crate::i18n::{Msg, Tr};
use crate::msg;
use crate::page::Layout;
use crate::routes::{Routes, VIEWER};
use crate::state::AppState;
use crate::test_templates::fields::{TemplateForm, TemplateInput, forms_in};

/// The dashboard and stand pages.
pub fn routes() -> Routes {
    Routes::pages()
        .get("/", VIEWER, dashboard)
        .get("/stands/{id}", VIEWER, stand_page)
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    nav_admin: bool,
    stands: Vec<StandRow>,
}

async fn dashboard(State(state): State<AppState>, Viewer(a): Viewer) -> Result<DashboardPage> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    Ok(DashboardPage {
        nav_admin: a.user.role == Role::Admin,
        layout: a.layout(),
        stands: all.iter().map(|v| StandRow::new(v, a.t)).collect(),
    })
}

struct RunRow {
    id: i64,
    /// The state's name in the API (`sent`), for the CSS class.
    state: &'static str,
    /// The message key of its name as shown.
    state_key: &'static str,
    requested_by: String,
    requested_at: String,
    error: String,
    confirmed_unheard: bool,
    /// In progress: how long it has waited (the stand page offers to cancel it).
    waiting: Option<String>,
}

/// How long since `since`, as a reader of `t` reads it ("4 min 12 s").
pub fn waited(
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    t: &Tr,
) -> String {
    let s = (now - since).num_seconds().max(0);
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => t.a1("run-waited-s", "s", s),
        (0, m, s) => t.a2("run-waited-min-s", "m", m, "s", s),
        (h, m, _) => t.a2("run-waited-h-min", "h", h, "m", m),
    }
}

/// A start the operator is asked to confirm ("start anyway"): the question, and the submitted
/// form, shown again as hidden fields to be re-sent with `confirm`.
pub struct PendingStart {
    /// Why confirmation is asked.
    pub question: Msg,
    /// The parameter rows as typed (name, value).
    pub parameters: Vec<(String, String)>,
    /// The commands as typed.
    pub commands: String,
    /// Whether "keep" was ticked.
    pub keep: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "stand.html")]
struct StandPage {
    layout: Layout,
    s: StandRow,
    description: String,
    max_test_seconds: i32,
    outbound_topic: String,
    camera: Option<String>,
    can_start: bool,
    /// The start forms of the stand's test templates.
    templates: Vec<TemplateForm>,
    /// Whether the free-form start is offered: no templates, or an admin.
    free_form: bool,
    pending: Option<PendingStart>,
    role: Msg,
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
) -> Result<Response> {
    let notice = q.started.map(|r| msg!("run-started", run = r));
    let layout = a.layout().notice(notice);
    render_stand(
        &state,
        &a,
        &id,
        &headers,
        layout,
        StatusCode::OK,
        Posted::Nothing,
    )
    .await
}

/// What a start form posted to the stand's page brings back on it.
pub enum Posted {
    /// Nothing: the page as it is.
    Nothing,
    /// The free form, with the operator asked to confirm ("start anyway?").
    Asking(PendingStart),
    /// A template's start form as posted: its text, its refusals or its "start anyway?".
    Template(TemplateInput),
}

/// A stand's page with this layout (the start form shows its refusals on it) and status,
/// showing what a start form posted.
pub async fn render_stand(
    state: &AppState,
    a: &Authed,
    raw_id: &str,
    headers: &HeaderMap,
    layout: Layout,
    status: StatusCode,
    posted: Posted,
) -> Result<Response> {
    let (pending, input) = match posted {
        Posted::Nothing => (None, None),
        Posted::Asking(p) => (Some(p), None),
        Posted::Template(i) => (None, Some(i)),
    };
    let id = stand_id(raw_id)?;
    let v = find_stand(state, raw_id).await?;
    let runs = runs::recent(state.pool(), &id, 10).await?;
    let results = results::recent(state.pool(), &id, RECENT_RESULTS).await?;
    let history = status_history::list(state.pool(), &id, HISTORY_ROWS).await?;
    let stored = templates::list(state.pool(), &id)
        .await
        .map_err(crate::test_templates::api::store_error)?;
    let camera = v
        .camera_url
        .as_ref()
        .map(|_| camera_src(state, headers, id.as_str()));
    let page = StandPage {
        layout,
        s: StandRow::new(&v, a.t),
        description: v.description.clone(),
        max_test_seconds: v.max_test_seconds,
        outbound_topic: v.outbound_topic.clone(),
        camera,
        can_start: a.user.role >= Role::Operator,
        free_form: stored.is_empty() || a.user.role == Role::Admin,
        templates: forms_in(&a.t, &stored, input.as_ref()),
        pending,
        role: crate::error::msg_role(a.user.role.as_str()),
        csrf: a.csrf().to_owned(),
        runs: runs
            .into_iter()
            .map(|r| RunRow {
                id: r.id,
                state: r.state.as_str(),
                state_key: super::parts::run_state_key(r.state),
                waiting: r
                    .state
                    .is_in_progress()
                    .then(|| waited(r.requested_at, chrono::Utc::now(), &a.t)),
                requested_by: r.requested_by,
                requested_at: a.t.time(&r.requested_at),
                error: r.error.unwrap_or_default(),
                confirmed_unheard: r.confirmed_unheard,
            })
            .collect(),
        results: results
            .into_iter()
            .map(|r| ResultRow::new(r, a.t))
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryRow::new(h, a.t))
            .collect(),
    };
    Ok((status, page).into_response())
}

/// The relay's stream of a stand, as the browser reaches it, with a signed link.
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
    // A short-lived link signed with SECRET_KEY: the relay lets only its holders watch.
    let query = domain::signing::stream_link_query(
        state.config().secret_key.expose().as_bytes(),
        stand,
        chrono::Utc::now().timestamp(),
        domain::signing::STREAM_LINK_SECONDS,
    );
    format!("{base}/vstream-direct/test-stand/{stand}?{query}")
}
