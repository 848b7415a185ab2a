//! The state a stand is shown in, derived from what it last said.

use chrono::{DateTime, Duration, Utc};

use crate::status::{Effect, StatusCode};

/// The shown state of a stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandState {
    /// Nothing heard for the offline limit, or its last will said so.
    Offline,
    /// It sent power off (610).
    Off,
    /// It sent 202, or a run is in progress.
    Busy,
    /// Its latest effective code is 4xx/5xx.
    Error,
    /// Its latest effective code is 200.
    Ready,
    /// Never heard, or heard nothing that says its state.
    Unknown,
}

impl StandState {
    /// The lower-case name used in the API and pages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Off => "off",
            Self::Busy => "busy",
            Self::Error => "error",
            Self::Ready => "ready",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for StandState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the state is derived from.
#[derive(Debug, Clone, Default)]
pub struct StandSnapshot {
    /// When anything was last heard from the stand.
    pub last_seen: Option<DateTime<Utc>>,
    /// Set by the stand's last will or offline detection.
    pub offline_flag: bool,
    /// Its latest power code.
    pub power_code: Option<StatusCode>,
    /// Its latest code that has an effect (200, 202, 4xx, 5xx).
    pub effective_code: Option<StatusCode>,
    /// Whether a run is in progress (`sent` or `running`).
    pub run_in_progress: bool,
}

impl StandSnapshot {
    /// Derives the state: offline, off, busy, error, ready, unknown — the first that holds.
    pub fn state(&self, now: DateTime<Utc>, offline_after: Duration) -> StandState {
        let Some(last_seen) = self.last_seen else {
            return StandState::Unknown;
        };
        if self.offline_flag || now - last_seen > offline_after {
            return StandState::Offline;
        }
        if self.power_code.map(StatusCode::effect) == Some(Effect::PowerOff) {
            return StandState::Off;
        }
        let effect = self.effective_code.map(StatusCode::effect);
        if self.run_in_progress || effect == Some(Effect::Busy) {
            return StandState::Busy;
        }
        match effect {
            Some(Effect::Error) => StandState::Error,
            Some(Effect::Ready) => StandState::Ready,
            _ => StandState::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<StatusCode> {
        StatusCode::parse(s).ok()
    }

    fn seen(now: DateTime<Utc>) -> StandSnapshot {
        StandSnapshot {
            last_seen: Some(now),
            ..Default::default()
        }
    }

    #[test]
    fn derives_in_the_documented_order() {
        let now = Utc::now();
        let limit = Duration::seconds(300);
        let status = |c| StandSnapshot {
            effective_code: code(c),
            ..seen(now)
        };
        let power = |base: &StandSnapshot, c| StandSnapshot {
            power_code: code(c),
            ..base.clone()
        };
        let ready = status("200");
        let seen_ago = |seconds| StandSnapshot {
            last_seen: Some(now - Duration::seconds(seconds)),
            ..ready.clone()
        };
        let running = StandSnapshot {
            run_in_progress: true,
            ..ready.clone()
        };
        let off = power(&running, "610");
        let will = StandSnapshot {
            offline_flag: true,
            ..off.clone()
        };
        let cases = [
            (
                "nothing heard",
                StandSnapshot::default(),
                StandState::Unknown,
            ),
            ("seen, no code", seen(now), StandState::Unknown),
            ("200", ready.clone(), StandState::Ready),
            ("202", status("202"), StandState::Busy),
            ("a run in progress", running, StandState::Busy),
            ("500", status("500"), StandState::Error),
            ("610 while running", off, StandState::Off),
            ("600", power(&ready, "600"), StandState::Ready),
            ("its will", will, StandState::Offline),
            ("silent 301 s", seen_ago(301), StandState::Offline),
            ("silent 300 s", seen_ago(300), StandState::Ready),
        ];
        for (what, snapshot, want) in cases {
            assert_eq!(snapshot.state(now, limit), want, "{what}");
        }
    }
}
