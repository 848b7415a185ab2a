//! How a scheduler job run (one execution of a job, table `job_runs`; not a test run of a
//! stand) stands or ended: [`JobOutcome`], the one place its names are spelled.

use std::fmt;

use crate::names::named;

/// The outcome of a job run. The names are the values of the `job_runs.outcome` column and of
/// the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    /// Still running, or its scheduler died during the run (then it is marked `failed` when
    /// the next scheduler takes the lock).
    Running,
    /// It ended without error.
    Ok,
    /// It ended with an error, or was abandoned.
    Failed,
}

/// A job outcome name that is none of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job outcome {0:?}")]
pub struct UnknownJobOutcome(pub String);

impl JobOutcome {
    /// Every outcome.
    pub const ALL: [JobOutcome; 3] = [Self::Running, Self::Ok, Self::Failed];

    /// The name used in SQL and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Ok => "ok",
            Self::Failed => "failed",
        }
    }

    /// Parses a name as [`JobOutcome::as_str`] writes it.
    pub fn parse(raw: &str) -> Result<Self, UnknownJobOutcome> {
        named(&Self::ALL, Self::as_str, raw).ok_or_else(|| UnknownJobOutcome(raw.to_owned()))
    }
}

impl fmt::Display for JobOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        crate::names::assert_names_round_trip(
            &JobOutcome::ALL,
            JobOutcome::as_str,
            JobOutcome::parse,
        );
        assert_eq!(
            JobOutcome::parse("done"),
            Err(UnknownJobOutcome("done".into()))
        );
    }
}
