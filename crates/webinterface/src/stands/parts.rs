//! The parts of the dashboard and stand page that live updates replace, each drawn by one
//! askama partial that both the first page (`{% include %}`) and the live event (`events`,
//! rendering it once per change for every open page) use: a stand's row
//! (`stand_row.html`, dashboard and stand page), the start form's hint
//! (`stand_start_hint.html`), the status history (`stand_history.html`) and the recent results
//! (`stand_results.html`). The browser only puts the rendered HTML in place, so what a stand
//! looks like — and its later translation — lives in these templates alone.

use askama::Template;
use domain::StandState;
use domain::store::results::ResultSummary;
use domain::store::stands::StandView;
use domain::store::status_history::StatusEntry;

use crate::page::{time, time_or_never};

/// How many status history rows the stand page shows.
pub const HISTORY_ROWS: i64 = 20;

/// How many recent results the stand page shows.
pub const RECENT_RESULTS: i64 = 10;

/// A stand's live fields as shown: its row and the start form's hint.
pub struct StandRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) state: &'static str,
    pub(super) status: String,
    pub(super) power: String,
    pub(super) last_seen: String,
    pub(super) run: String,
    /// The verdict of its newest judged result (`pass`, `fail`, `error`), or empty.
    pub(super) verdict: &'static str,
    pub(super) ready: bool,
    pub(super) start_hint: &'static str,
}

impl From<&StandView> for StandRow {
    fn from(v: &StandView) -> Self {
        Self {
            // `to_string`: the same whether the read model holds a `String` or a `StandId`.
            id: v.id.to_string(),
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
            last_seen: time_or_never(v.last_seen),
            run: v.run.map(|r| format!("#{r}")).unwrap_or_else(|| "—".into()),
            verdict: v.last_verdict.map_or("", |v| v.as_str()),
            ready: v.state == StandState::Ready,
            start_hint: start_hint(v.state),
        }
    }
}

/// What the start form says about a stand in this state, before anything is submitted.
fn start_hint(state: StandState) -> &'static str {
    use StandState as S;
    match state {
        S::Ready => "",
        S::Busy => {
            "a test cannot start until it is ready. A run that waits for a stand that does not \
             answer can be cancelled under Recent runs."
        }
        S::Off => "a test cannot start until it is ready.",
        S::Unknown | S::Offline | S::Error => {
            "it may still take a test; you will be asked to confirm."
        }
    }
}

/// One status history entry as shown.
pub struct HistoryRow {
    pub(super) code: u16,
    pub(super) meaning: &'static str,
    pub(super) received_at: String,
}

impl From<StatusEntry> for HistoryRow {
    fn from(h: StatusEntry) -> Self {
        Self {
            code: h.code,
            meaning: h.meaning,
            received_at: time(h.received_at),
        }
    }
}

/// One of a stand's recent results as shown.
pub struct ResultRow {
    pub(super) id: i64,
    pub(super) run: String,
    pub(super) received_at: String,
    pub(super) point_count: i64,
    pub(super) keep: bool,
}

impl From<ResultSummary> for ResultRow {
    fn from(r: ResultSummary) -> Self {
        Self {
            id: r.id,
            run: r
                .run_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| "—".into()),
            received_at: time(r.received_at),
            point_count: r.point_count,
            keep: r.keep,
        }
    }
}

#[derive(Template)]
#[template(path = "stand_row.html")]
struct RowPart<'a> {
    s: &'a StandRow,
}

#[derive(Template)]
#[template(path = "stand_start_hint.html")]
struct StartHintPart<'a> {
    s: &'a StandRow,
}

#[derive(Template)]
#[template(path = "stand_history.html")]
struct HistoryPart<'a> {
    history: &'a [HistoryRow],
}

#[derive(Template)]
#[template(path = "stand_results.html")]
struct ResultsPart<'a> {
    results: &'a [ResultRow],
}

impl StandRow {
    /// The stand's row (`stand_row.html`), as the pages include it.
    pub fn row_html(&self) -> askama::Result<String> {
        Ok(RowPart { s: self }.render()?.trim().to_owned())
    }

    /// The start form's hint (`stand_start_hint.html`).
    pub fn start_hint_html(&self) -> askama::Result<String> {
        Ok(StartHintPart { s: self }.render()?.trim().to_owned())
    }
}

/// The status history's table body (`stand_history.html`).
pub fn history_html(history: &[HistoryRow]) -> askama::Result<String> {
    Ok(HistoryPart { history }.render()?.trim().to_owned())
}

/// The recent results (`stand_results.html`).
pub fn results_html(results: &[ResultRow]) -> askama::Result<String> {
    Ok(ResultsPart { results }.render()?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> StandRow {
        StandRow {
            id: "rig1".into(),
            name: name.into(),
            state: "busy",
            status: "202 busy".into(),
            power: "600 on".into(),
            last_seen: "2024-05-01 12:00:00 UTC".into(),
            run: "#7".into(),
            verdict: "fail",
            ready: false,
            start_hint: start_hint(StandState::Busy),
        }
    }

    #[test]
    fn a_stand_name_is_escaped_in_its_row() {
        let html = row("<script>alert(1)</script> & \"co\"")
            .row_html()
            .expect("render");
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
            "{html}"
        );
        assert!(html.starts_with("<tr id=\"stand-rig1\""), "{html}");
        assert!(html.ends_with("</tr>"), "{html}");
    }

    #[test]
    fn the_hint_says_why_a_stand_that_is_not_ready_cannot_start() {
        let html = row("Rig").start_hint_html().expect("render");
        assert!(html.contains("The stand is <strong>busy</strong>: a test cannot start"));
        let ready = StandRow {
            ready: true,
            start_hint: start_hint(StandState::Ready),
            ..row("Rig")
        };
        assert!(
            ready
                .start_hint_html()
                .expect("render")
                .ends_with("data-live-part></p>")
        );
    }
}
