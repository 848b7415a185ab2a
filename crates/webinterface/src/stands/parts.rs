//! The parts of the dashboard and stand page that live updates replace, each drawn by one
//! askama partial that both the first page (`{% include %}`) and the live event (`events`,
//! rendering it once per change for every open page) use: a stand's row
//! (`stand_row.html`, dashboard and stand page), the start form's hint
//! (`stand_start_hint.html`), the status history (`stand_history.html`) and the recent results
//! (`stand_results.html`). The browser only puts the rendered HTML in place, so what a stand
//! looks like — and its later translation — lives in these templates alone.

use askama::Template;
use domain::store::results::ResultSummary;
use domain::store::stands::StandView;
use domain::store::status_history::StatusEntry;
use domain::{RunState, StandState};

use crate::i18n::Tr;

/// How many status history rows the stand page shows.
pub const HISTORY_ROWS: i64 = 20;

/// How many recent results the stand page shows.
pub const RECENT_RESULTS: i64 = 10;

/// A stand's live fields as shown, in the reader's language `t`: its row and the start form's
/// hint.
pub struct StandRow {
    pub(super) t: Tr,
    pub(super) id: String,
    pub(super) name: String,
    /// The state's name in the API (`busy`), for the CSS class.
    pub(super) state: &'static str,
    /// The state's name as shown.
    pub(super) state_shown: String,
    pub(super) status: String,
    pub(super) power: String,
    pub(super) last_seen: String,
    pub(super) run: String,
    /// The verdict of its newest judged result (`pass`, `fail`, `error`), or empty.
    pub(super) verdict: &'static str,
    pub(super) ready: bool,
    /// The message key of what the start form says about the state (empty when ready).
    pub(super) start_hint: &'static str,
}

impl StandRow {
    /// The stand as shown to a reader of `t`.
    pub fn new(v: &StandView, t: Tr) -> Self {
        Self {
            t,
            // `to_string`: the same whether the read model holds a `String` or a `StandId`.
            id: v.id.to_string(),
            name: v.name.clone(),
            state: v.state.as_str(),
            state_shown: t.s(state_key(v.state)),
            status: match v.status_code {
                Some(c) => t.a2(
                    "status-with-meaning",
                    "code",
                    i64::from(c),
                    "meaning",
                    t.s(&status_key(c)),
                ),
                None => "—".into(),
            },
            power: match v.power_code {
                Some(610) => t.a1("power-off", "code", 610),
                Some(600) => t.a1("power-on", "code", 600),
                Some(c) => c.to_string(),
                None => "—".into(),
            },
            last_seen: t.time_or_never(&v.last_seen),
            run: v.run.map(|r| format!("#{r}")).unwrap_or_else(|| "—".into()),
            verdict: v.last_verdict.map_or("", |v| v.as_str()),
            ready: v.state == StandState::Ready,
            start_hint: start_hint(v.state),
        }
    }
}

impl StandRow {
    /// The message key of the verdict's name (empty verdict: none).
    pub fn verdict_key(&self) -> &'static str {
        match self.verdict {
            "pass" => "verdict-pass",
            "fail" => "verdict-fail",
            "error" => "verdict-error",
            _ => "verdict-pending",
        }
    }
}

/// The message key of a state's name.
pub fn state_key(state: StandState) -> &'static str {
    use StandState as S;
    match state {
        S::Offline => "state-offline",
        S::Off => "state-off",
        S::Busy => "state-busy",
        S::Error => "state-error",
        S::Ready => "state-ready",
        S::Unknown => "state-unknown",
    }
}

/// The message key of a run state's name (`run-state-sent`).
pub fn run_state_key(state: RunState) -> &'static str {
    match state {
        RunState::Sent => "run-state-sent",
        RunState::Running => "run-state-running",
        RunState::Completed => "run-state-completed",
        RunState::Failed => "run-state-failed",
        RunState::TimedOut => "run-state-timed-out",
        RunState::Cancelled => "run-state-cancelled",
    }
}

/// The message key of a status code's meaning: the protocol's named codes, else the class.
pub fn status_key(code: impl Into<i64>) -> String {
    match code.into() {
        c @ (200 | 202 | 400 | 404 | 405 | 500 | 600 | 610) => format!("status-{c}"),
        c @ 100..=599 => format!("status-{}xx", c / 100),
        _ => "status-power".into(),
    }
}

/// What the start form says about a stand in this state, before anything is submitted.
fn start_hint(state: StandState) -> &'static str {
    use StandState as S;
    match state {
        S::Ready => "",
        S::Busy => "start-hint-busy",
        S::Off => "start-hint-off",
        S::Unknown | S::Offline | S::Error => "start-hint-unsure",
    }
}

/// One status history entry as shown.
pub struct HistoryRow {
    pub(super) code: u16,
    pub(super) meaning: String,
    pub(super) received_at: String,
}

impl HistoryRow {
    /// The entry as shown to a reader of `t`.
    pub fn new(h: StatusEntry, t: Tr) -> Self {
        Self {
            code: h.code,
            meaning: t.s(&status_key(h.code)),
            received_at: t.time(&h.received_at),
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

impl ResultRow {
    /// The result as shown to a reader of `t`.
    pub fn new(r: ResultSummary, t: Tr) -> Self {
        Self {
            id: r.id,
            run: r
                .run_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| "—".into()),
            received_at: t.time(&r.received_at),
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
    t: Tr,
    history: &'a [HistoryRow],
}

#[derive(Template)]
#[template(path = "stand_results.html")]
struct ResultsPart<'a> {
    t: Tr,
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

/// The status history's table body (`stand_history.html`) for a reader of `t`.
pub fn history_html(entries: &[StatusEntry], t: Tr) -> askama::Result<String> {
    let history = &rows(entries, t, HistoryRow::new);
    Ok(HistoryPart { t, history }.render()?.trim().to_owned())
}

/// The recent results (`stand_results.html`) for a reader of `t`.
pub fn results_html(recent: &[ResultSummary], t: Tr) -> askama::Result<String> {
    let results = &rows(recent, t, ResultRow::new);
    Ok(ResultsPart { t, results }.render()?.trim().to_owned())
}

/// `items` as the rows a reader of `t` sees (`row`: one row's constructor).
fn rows<T: Clone, R>(items: &[T], t: Tr, row: fn(T, Tr) -> R) -> Vec<R> {
    items.iter().cloned().map(|i| row(i, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> StandRow {
        StandRow {
            t: Tr::english(),
            id: "rig1".into(),
            name: name.into(),
            state: "busy",
            state_shown: "busy".into(),
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
