//! The scheduler's job runs (not to be confused with test runs): the admin page
//! (`/admin/jobs`) and `GET /api/jobs`, newest first.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::State;

use crate::auth::Admin;
use crate::error::Result;
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;

/// How many job runs the page and the API list.
const JOB_RUNS_SHOWN: i64 = 200;

/// `/admin/jobs`.
pub fn pages() -> Routes {
    Routes::pages().get("/admin/jobs", ADMIN, admin_jobs)
}

/// `/api/jobs`.
pub fn api() -> Routes {
    Routes::api().get("/api/jobs", ADMIN, api_jobs)
}

/// The scheduler's latest job runs.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JobRunList {
    /// At most 200, newest first.
    items: Vec<domain::store::job_runs::JobRun>,
}

/// The scheduler's latest job runs (not test runs), newest first.
#[utoipa::path(get, path = "/api/jobs", tag = "admin",
    responses((status = 200, description = "Job runs", body = JobRunList)))]
async fn api_jobs(State(state): State<AppState>, _a: Admin) -> Result<Json<JobRunList>> {
    let items = domain::store::job_runs::recent(state.pool(), JOB_RUNS_SHOWN).await?;
    Ok(Json(JobRunList { items }))
}

struct JobRunRow {
    job: String,
    instance: String,
    started_at: chrono::DateTime<chrono::Utc>,
    took_ms: Option<i64>,
    outcome: domain::JobOutcome,
    rows_touched: i64,
    error: Option<String>,
}

impl JobRunRow {
    /// The message key of the outcome's name.
    fn outcome_key(&self) -> &'static str {
        match self.outcome {
            domain::JobOutcome::Running => "jobs-outcome-running",
            domain::JobOutcome::Ok => "jobs-outcome-ok",
            domain::JobOutcome::Failed => "jobs-outcome-failed",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_jobs.html")]
struct AdminJobsPage {
    layout: Layout,
    job_runs: Vec<JobRunRow>,
}

async fn admin_jobs(State(state): State<AppState>, Admin(a): Admin) -> Result<AdminJobsPage> {
    let job_runs = domain::store::job_runs::recent(state.pool(), JOB_RUNS_SHOWN).await?;
    Ok(AdminJobsPage {
        layout: a.layout(),
        job_runs: job_runs
            .into_iter()
            .map(|r| JobRunRow {
                took_ms: r
                    .finished_at
                    .map(|end| (end - r.started_at).num_milliseconds()),
                started_at: r.started_at,
                job: r.job,
                instance: r.instance,
                outcome: r.outcome,
                rows_touched: r.rows_touched,
                error: r.error,
            })
            .collect(),
    })
}
