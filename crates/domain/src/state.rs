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
        assert_eq!(
            StandSnapshot::default().state(now, limit),
            StandState::Unknown
        );
        assert_eq!(seen(now).state(now, limit), StandState::Unknown);

        let ready = StandSnapshot {
            effective_code: code("200"),
            ..seen(now)
        };
        assert_eq!(ready.state(now, limit), StandState::Ready);
        let busy = StandSnapshot {
            effective_code: code("202"),
            ..seen(now)
        };
        assert_eq!(busy.state(now, limit), StandState::Busy);
        let running = StandSnapshot {
            run_in_progress: true,
            ..ready.clone()
        };
        assert_eq!(running.state(now, limit), StandState::Busy);
        let error = StandSnapshot {
            effective_code: code("500"),
            ..seen(now)
        };
        assert_eq!(error.state(now, limit), StandState::Error);
        let off = StandSnapshot {
            power_code: code("610"),
            ..running.clone()
        };
        assert_eq!(off.state(now, limit), StandState::Off);
        let on = StandSnapshot {
            power_code: code("600"),
            ..ready.clone()
        };
        assert_eq!(on.state(now, limit), StandState::Ready);
        let will = StandSnapshot {
            offline_flag: true,
            ..off.clone()
        };
        assert_eq!(will.state(now, limit), StandState::Offline);
        let silent = StandSnapshot {
            last_seen: Some(now - Duration::seconds(301)),
            ..ready.clone()
        };
        assert_eq!(silent.state(now, limit), StandState::Offline);
        let just_in_time = StandSnapshot {
            last_seen: Some(now - Duration::seconds(300)),
            ..ready
        };
        assert_eq!(just_in_time.state(now, limit), StandState::Ready);
    }
}
