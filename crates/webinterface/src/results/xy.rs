//! The x–y plot of a result (as the old result page drew the second series against the first):
//! `/api/results/{id}/xy?x={position}&y={position}`, the pairs `(x[i], y[i])` in sample order,
//! thinned evenly to at most [`signal::PLOT_POINTS`] pairs.

use axum::Json;
use axum::extract::State;
use domain::store::series;

use super::load::{PLOTS, PLOTS_AT_ONCE, find, permit};
use super::signal::{self, Points};
use crate::api_doc::{NoSuchSeries, ResultIdParam};
use crate::auth::Viewer;
use crate::error::{Error, ErrorBody, Result};
use crate::extract::{ApiPath, ApiQuery};
use crate::msg;
use crate::routes::{Routes, VIEWER};
use crate::state::AppState;

/// The x–y plot's route.
pub fn routes() -> Routes {
    Routes::api().get("/api/results/{id}/xy", VIEWER, api_xy)
}

/// Which series are x and y; strings so a bad one is our JSON 400 that names it.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Axes {
    /// The position of the series drawn along x (required: without it the answer is a 400).
    #[param(required = true, pattern = "^\\s*-?[0-9]+\\s*$", example = "0")]
    x: Option<String>,
    /// The position of the series drawn along y (required, as `x`).
    #[param(required = true, pattern = "^\\s*-?[0-9]+\\s*$", example = "1")]
    y: Option<String>,
}

fn position(name: &str, raw: Option<&str>) -> Result<i32> {
    raw.and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Error::BadRequest(msg!("result-bad-position", name = name)))
}

/// The pairs of two equally long runs of values, every `len / target`-th one (both ends
/// kept); the shorter series sets the length.
pub fn pairs(x: &[f64], y: &[f64], target: usize) -> Points {
    let n = x.len().min(y.len());
    let target = target.max(2);
    if n <= target {
        return Points {
            x: x[..n].to_vec(),
            y: y[..n].to_vec(),
        };
    }
    let last = n - 1;
    let picks = (0..target).map(|k| k * last / (target - 1));
    let (mut px, mut py) = (Vec::with_capacity(target), Vec::with_capacity(target));
    for i in picks {
        px.push(x[i]);
        py.push(y[i]);
    }
    Points { x: px, y: py }
}

/// One numeric series against another (x–y plot): the pairs in sample order, thinned evenly
/// to at most 2,000; the shorter series sets the length.
#[utoipa::path(get, path = "/api/results/{id}/xy", tag = "results", params(ResultIdParam, Axes),
    responses((status = 200, description = "The pairs (x, y)", body = signal::Points),
        (status = 400, description = "`x` or `y` missing or not a series position",
            body = ErrorBody), NoSuchSeries))]
pub(crate) async fn api_xy(
    State(state): State<AppState>,
    _u: Viewer,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(axes): ApiQuery<Axes>,
) -> Result<Json<Points>> {
    let (xp, yp) = (
        position("x", axes.x.as_deref())?,
        position("y", axes.y.as_deref())?,
    );
    find(&state, id).await?;
    let _permit = permit(&PLOTS, PLOTS_AT_ONCE).await?;
    let pool = state.pool();
    let values = |p: i32| async move {
        series::series_values(pool, id, p)
            .await?
            .ok_or_else(|| Error::NotFound(msg!("result-series-not-found", id = id, position = p)))
    };
    let x = values(xp).await?;
    let y = values(yp).await?;
    Ok(Json(pairs(&x, &y, signal::PLOT_POINTS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_keep_order_and_both_ends() {
        let p = pairs(&[3.0, 1.0, 2.0], &[30.0, 10.0, 20.0, 40.0], 10);
        assert_eq!(p.x, [3.0, 1.0, 2.0]);
        assert_eq!(p.y, [30.0, 10.0, 20.0]);
        let x: Vec<f64> = (0..1001).map(f64::from).collect();
        let p = pairs(&x, &x, 11);
        assert_eq!(p.x.len(), 11);
        assert_eq!(p.x[0], 0.0);
        assert_eq!(p.x[10], 1000.0);
        assert_eq!(p.x[1], 100.0);
    }
}
