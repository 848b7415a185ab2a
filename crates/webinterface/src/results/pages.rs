//! The results pages: one result (`/results/{id}`, whose `.csv` and `.xlsx` siblings are the
//! downloads), and the keep and delete forms; the filtered list is [`super::list_page`].

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Extension, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use domain::store::Cancellable;
use domain::store::series;
use domain::store::users::Role;
use serde_json::Value;

use super::cache::PlotCache;
use super::downloads::{ExportLayout, csv_download, xlsx_download};
use super::load::{self, find, result_id};
use super::signal;
use crate::auth::{Authed, Operator, Viewer};
use crate::error::Result;
use crate::msg;
use crate::page::Layout;
use crate::routes::{OPERATOR, Routes, VIEWER};
use crate::state::AppState;

/// The results pages (and downloads).
pub fn routes() -> Routes {
    Routes::pages()
        .get("/results", VIEWER, super::list_page::list_page)
        // `/results/{id}`, `/results/{id}.csv` and `/results/{id}.xlsx` share one segment.
        .get("/results/{file}", VIEWER, result_file)
        .post("/results/{id}/keep", OPERATOR, keep_form)
        .post("/results/{id}/delete", OPERATOR, delete_form)
}

async fn result_file(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Path(file): Path<String>,
    Query(q): Query<PageNotice>,
) -> Result<Response> {
    if let Some(id) = file.strip_suffix(".csv") {
        return csv_download(&state, result_id(id)?, q.layout.unwrap_or_default()).await;
    }
    if let Some(id) = file.strip_suffix(".xlsx") {
        return xlsx_download(&state, result_id(id)?, q.layout.unwrap_or_default()).await;
    }
    let kept = q.kept.map(|k| k == "true");
    let page = result_page(&state, &a, result_id(&file)?, kept, q.series.unwrap_or(1)).await?;
    Ok(page.into_response())
}

struct ParamRow {
    name: String,
    value: String,
    structured: bool,
}

struct NumericRow {
    position: i32,
    name: String,
    len: i32,
}

/// A numeric series offered as the x axis.
struct AxisChoice {
    position: i32,
    name: String,
}

struct RawRow {
    name: String,
    len: i32,
    text: String,
    clipped: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "result.html")]
struct ResultPage {
    layout: Layout,
    id: i64,
    stand: domain::StandId,
    stand_name: String,
    run: String,
    /// The test template the run was started with: "Quick check v2".
    template: Option<String>,
    requested_by: String,
    requested_at: String,
    sent_by: String,
    received_at: String,
    status_code: i16,
    commands: Vec<String>,
    params: Vec<ParamRow>,
    rate: String,
    point_count: i64,
    keep: bool,
    can_edit: bool,
    csrf: String,
    numeric: Vec<NumericRow>,
    raw: Vec<RawRow>,
    axes: Vec<AxisChoice>,
    /// Whether the series take more than one page.
    series_paged: bool,
    /// The series shown: "Series 1–50 of 121".
    series_range: String,
    /// Links to the neighbouring pages of series (empty when there is none).
    series_newer: String,
    series_older: String,
    verdict: super::verdict::VerdictView,
}

/// Shown of a non-numeric series on the page, at most (the downloads have all of it).
const RAW_SHOWN: usize = 10_000;
/// Series on one page: with the text cut at [`RAW_SHOWN`] and names at [`NAME_SHOWN`], a
/// page stays well under a megabyte however many series a result has (one with 20,000 made a
/// page of 31 MB).
pub const SERIES_PER_PAGE: i64 = 50;
/// Numeric series offered as the x axis, at most (the first ones, then this page's).
const AXES_OFFERED: i64 = 200;
/// Shown of a series name, at most (in characters).
const NAME_SHOWN: usize = 200;

/// `text` cut to at most `max` bytes on a character boundary, and whether it was cut.
fn clip(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let end = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    (&text[..end], true)
}

/// A series name as the page shows it: at most [`NAME_SHOWN`] characters.
fn shown_name(name: String) -> String {
    match name.char_indices().nth(NAME_SHOWN) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name,
    }
}

#[derive(serde::Deserialize)]
struct PageNotice {
    kept: Option<String>,
    /// The CSV or xlsx layout (`classic` for the old stack's).
    layout: Option<ExportLayout>,
    /// The page of series shown, from 1.
    series: Option<i64>,
}

async fn result_page(
    state: &AppState,
    a: &Authed,
    id: i64,
    kept: Option<bool>,
    series_page: i64,
) -> Result<ResultPage> {
    let d = find(state, id).await?;
    let template = match d.run {
        Some(run) => domain::store::templates::of_run(state.pool(), run).await?,
        None => None,
    };
    // Cancelled in PostgreSQL when the viewer leaves before the page is made.
    let mut db = Cancellable::acquire(state.pool()).await?;
    let (series_total, first_axes) = series::outline(db.conn(), id, AXES_OFFERED).await?;
    let last_page = ((series_total + SERIES_PER_PAGE - 1) / SERIES_PER_PAGE).max(1);
    let series_page = series_page.clamp(1, last_page);
    let first = (series_page - 1) * SERIES_PER_PAGE;
    let position = i32::try_from(first).unwrap_or(i32::MAX);
    let series = series::page(db.conn(), id, position, SERIES_PER_PAGE).await?;
    db.finish();
    let verdict = super::verdict::of(state.pool(), id).await?;
    let link = |p: i64| {
        if (1..=last_page).contains(&p) && p != series_page {
            format!("/results/{id}?series={p}#series")
        } else {
            String::new()
        }
    };
    let t = a.t;
    let shown = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let commands = match &d.commands {
        Some(Value::Array(items)) => items.iter().map(shown).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.to_string()],
    };
    let params = match &d.parameters {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| ParamRow {
                name: k.clone(),
                structured: v.is_object() || v.is_array(),
                value: if v.is_object() || v.is_array() {
                    serde_json::to_string_pretty(v).unwrap_or_default()
                } else if let Value::Number(n) = v {
                    // A number with the reader's decimal mark (`2,5` in Danish).
                    t.num_text(&n.to_string())
                } else {
                    shown(v)
                },
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![ParamRow {
            name: "(parameterObj)".into(),
            value: other.to_string(),
            structured: true,
        }],
    };
    let rate = signal::sample_rate(d.parameters.as_ref())
        .map(|r| t.a1("result-rate-hz", "rate", r))
        .unwrap_or_else(|| t.s("result-rate-none"));
    let mut numeric = Vec::new();
    let mut raw = Vec::new();
    let mut axes: Vec<AxisChoice> = first_axes
        .into_iter()
        .map(|(position, name)| AxisChoice {
            position,
            name: shown_name(name),
        })
        .collect();
    let series_to = first + series.len() as i64;
    // Past the first AXES_OFFERED, this page's numeric series are offered too.
    let more_axes = axes.len() as i64 == AXES_OFFERED;
    for s in series {
        if s.numeric {
            if more_axes && axes.iter().all(|a| a.position != s.position) {
                axes.push(AxisChoice {
                    position: s.position,
                    name: shown_name(s.name.clone()),
                });
            }
            numeric.push(NumericRow {
                position: s.position,
                name: shown_name(s.name),
                len: s.len,
            });
        } else {
            let text = s.raw.unwrap_or_default();
            let (text, clipped) = clip(&text, RAW_SHOWN);
            raw.push(RawRow {
                name: shown_name(s.name),
                len: s.len,
                text: text.to_owned(),
                clipped,
            });
        }
    }
    Ok(ResultPage {
        layout: a.layout().notice(kept.map(|k| {
            if k {
                msg!("result-now-kept")
            } else {
                msg!("result-no-longer-kept")
            }
        })),
        id: d.id,
        stand: d.stand,
        stand_name: d.stand_name,
        run: match (d.run, &d.run_cancelled_by, d.run_cancelled_at) {
            (Some(r), Some(by), Some(at)) => {
                t.msg(&msg!("result-run-cancelled", run = r, by = by, at = at))
            }
            (Some(r), ..) => r.to_string(),
            (None, ..) => t.s("result-run-unsolicited"),
        },
        template: template.map(|t| t.to_string()),
        requested_by: d.requested_by.unwrap_or_else(|| "—".into()),
        requested_at: d
            .requested_at
            .map(|at| t.time(&at))
            .unwrap_or_else(|| "—".into()),
        sent_by: d.sent_by,
        received_at: t.time(&d.received_at),
        status_code: d.status_code,
        commands,
        params,
        rate,
        point_count: d.point_count,
        keep: d.keep,
        can_edit: a.user.role >= Role::Operator,
        csrf: a.csrf().to_owned(),
        numeric,
        raw,
        axes,
        series_paged: last_page > 1,
        series_range: t.msg(&msg!(
            "result-series-range",
            from = (first + 1).min(series_total),
            to = series_to,
            total = series_total
        )),
        series_newer: link(series_page - 1),
        series_older: link(series_page + 1),
        verdict,
    })
}

#[derive(serde::Deserialize)]
struct KeepForm {
    keep: String,
}

async fn keep_form(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
    Form(f): Form<KeepForm>,
) -> Result<Response> {
    let id = result_id(&id)?;
    let keep = f.keep == "true";
    load::set_keep(&state, id, keep).await?;
    Ok(Redirect::to(&format!("/results/{id}?kept={keep}")).into_response())
}

async fn delete_form(
    State(state): State<AppState>,
    _o: Operator,
    Path(id): Path<String>,
    Extension(cache): Extension<Arc<PlotCache>>,
) -> Result<Response> {
    let id = result_id(&id)?;
    load::delete(&state, &cache, id).await?;
    Ok(Redirect::to(&format!("/results?deleted={id}")).into_response())
}
