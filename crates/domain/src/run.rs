//! The run lifecycle: the states of a test run and the pure rules that move a run along when
//! its stand answers. The store applies these decisions; it does not make them.
//!
//! A run starts `sent` (the command was published), becomes `running` when the stand says it
//! is working (202), and ends `completed` (a data message came), `failed` (the stand reported
//! an error or powered off, or the command could not be published) or `timed_out` (the
//! scheduler gave up on it).

use std::fmt;

use crate::names::named;
use crate::status::{Effect, StatusCode};

/// The state of a run. The names are the values of the `run_state` SQL enum and of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// The command was published; the stand has not said it started.
    Sent,
    /// The stand said it is working on the run (202).
    Running,
    /// A data message ended the run.
    Completed,
    /// The stand reported an error or powered off, or the command was not published.
    Failed,
    /// The run took longer than its stand's `max_test_seconds`.
    TimedOut,
    /// An operator cancelled it (a stand that never answered); a result that arrives later
    /// is still stored with it.
    Cancelled,
}

/// A run state name that is none of the six.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown run state {0:?}")]
pub struct UnknownRunState(pub String);

impl RunState {
    /// Every state, in lifecycle order.
    pub const ALL: [RunState; 6] = [
        Self::Sent,
        Self::Running,
        Self::Completed,
        Self::Failed,
        Self::TimedOut,
        Self::Cancelled,
    ];

    /// The states of a run in progress (at most one per stand).
    pub const IN_PROGRESS: [RunState; 2] = [Self::Sent, Self::Running];

    /// The name used in SQL and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a name as [`RunState::as_str`] writes it.
    pub fn parse(raw: &str) -> Result<Self, UnknownRunState> {
        named(&Self::ALL, Self::as_str, raw).ok_or_else(|| UnknownRunState(raw.to_owned()))
    }

    /// Whether the run is still in progress (`sent` or `running`).
    pub fn is_in_progress(self) -> bool {
        Self::IN_PROGRESS.contains(&self)
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a message from its stand does to a run in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Nothing changes.
    Unchanged,
    /// The stand started working: the run becomes `running` (and records when).
    Started,
    /// The run ends in `state`; `error` says why when it failed.
    Ended {
        /// `completed` or `failed`.
        state: RunState,
        /// Why it failed.
        error: Option<String>,
    },
}

impl Step {
    /// The state the run is in after this step, from `current`.
    pub fn next_state(&self, current: RunState) -> RunState {
        match self {
            Self::Unchanged => current,
            Self::Started => RunState::Running,
            Self::Ended { state, .. } => *state,
        }
    }
}

/// Whether `code` fails a run in progress: 4xx and 5xx, and power off (610 and the other 6xx
/// but 600).
fn fails(code: StatusCode) -> bool {
    code.fails_run() || code.effect() == Effect::PowerOff
}

fn failure(code: StatusCode) -> Step {
    Step::Ended {
        state: RunState::Failed,
        error: Some(format!("stand reported {code}: {}", code.meaning())),
    }
}

/// What a status message with `code` does to a run in `current`: a failing code ends it
/// `failed`, 202 moves a `sent` run to `running`, anything else changes nothing. A run no
/// longer in progress never changes.
pub fn on_status(current: RunState, code: StatusCode) -> Step {
    if !current.is_in_progress() {
        Step::Unchanged
    } else if fails(code) {
        failure(code)
    } else if code.effect() == Effect::Busy && current == RunState::Sent {
        Step::Started
    } else {
        Step::Unchanged
    }
}

/// What a data message with `code` does to a run in `current`: it always ends a run in
/// progress, `failed` when its code fails runs, `completed` otherwise.
pub fn on_data(current: RunState, code: StatusCode) -> Step {
    if !current.is_in_progress() {
        Step::Unchanged
    } else if fails(code) {
        failure(code)
    } else {
        Step::Ended {
            state: RunState::Completed,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(n: u16) -> StatusCode {
        StatusCode::parse(&n.to_string()).expect("valid code")
    }

    #[test]
    fn names_round_trip_and_match_sql() {
        crate::names::assert_names_round_trip(&RunState::ALL, RunState::as_str, RunState::parse);
        assert_eq!(RunState::TimedOut.as_str(), "timed_out");
        assert_eq!(RunState::Cancelled.as_str(), "cancelled");
        assert!(!RunState::Cancelled.is_in_progress());
        assert_eq!(on_data(RunState::Cancelled, code(200)), Step::Unchanged);
        assert!(RunState::parse("done").is_err());
        assert!(RunState::Sent.is_in_progress() && RunState::Running.is_in_progress());
        assert!(!RunState::Completed.is_in_progress());
    }

    #[test]
    fn accepted_starts_a_sent_run_only() {
        assert_eq!(on_status(RunState::Sent, code(202)), Step::Started);
        assert_eq!(on_status(RunState::Running, code(202)), Step::Unchanged);
        assert_eq!(on_status(RunState::Sent, code(200)), Step::Unchanged);
        assert_eq!(on_status(RunState::Running, code(600)), Step::Unchanged);
    }

    #[test]
    fn errors_and_power_off_fail_a_run_with_the_reason() {
        assert_eq!(
            on_status(RunState::Running, code(404)),
            Step::Ended {
                state: RunState::Failed,
                error: Some("stand reported 404: Not found: component not available".into()),
            }
        );
        assert_eq!(
            on_status(RunState::Sent, code(610)).next_state(RunState::Sent),
            RunState::Failed
        );
        assert_eq!(
            on_data(RunState::Running, code(500)).next_state(RunState::Running),
            RunState::Failed
        );
    }

    #[test]
    fn finished_runs_never_change() {
        for s in [RunState::Completed, RunState::Failed, RunState::TimedOut] {
            assert_eq!(on_status(s, code(500)), Step::Unchanged);
            assert_eq!(on_data(s, code(200)), Step::Unchanged);
        }
    }

    fn in_progress() -> impl Strategy<Value = RunState> {
        prop_oneof![Just(RunState::Sent), Just(RunState::Running)]
    }

    proptest! {
        #[test]
        fn a_data_message_always_ends_a_run(state in in_progress(), n in 100u16..700) {
            let step = on_data(state, code(n));
            let ended = matches!(step, Step::Ended { .. });
            prop_assert!(ended, "{:?}", step);
            prop_assert!(!step.next_state(state).is_in_progress());
        }

        #[test]
        fn error_and_power_off_codes_fail_a_run(
            state in in_progress(),
            n in prop_oneof![400u16..600, Just(610u16), 601u16..700],
            data in any::<bool>(),
        ) {
            let step = if data { on_data(state, code(n)) } else { on_status(state, code(n)) };
            prop_assert_eq!(step.next_state(state), RunState::Failed);
        }

        #[test]
        fn informational_and_redirection_codes_change_nothing(
            state in in_progress(),
            n in prop_oneof![100u16..200, 300u16..400],
        ) {
            prop_assert_eq!(on_status(state, code(n)), Step::Unchanged);
        }
    }
}
