//! How the domain's own types are read from text columns: a [`StandId`], a [`RunState`], a
//! [`JobOutcome`] or a [`Role`] decodes straight from its column (selected as `text`), so the read models
//! hold them and nothing past the store parses them again. A value the type does not know
//! fails the query with an error naming it — a row the code cannot read is never skipped.
//!
//! Writing goes the other way through `as_str()`, bound as text and cast in SQL where the
//! column is an enum (`$1::run_state`).

use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::{Decode, Postgres, Type};

use crate::StandId;
use crate::job_run::JobOutcome;
use crate::run::RunState;
use crate::store::users::Role;
use crate::verdict::Verdict;

/// A stored stand id that [`StandId::parse`] refuses (the table's check is looser than the
/// rule, or the row predates it).
#[derive(Debug, thiserror::Error)]
#[error("stored stand id {raw:?} is not valid: {cause}")]
struct UnreadableStandId {
    raw: String,
    cause: crate::stand_id::StandIdError,
}

/// `Type` and `Decode` for a type read from a text column with `$parse`.
macro_rules! text_column {
    ($ty:ty, $parse:expr) => {
        impl Type<Postgres> for $ty {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl Decode<'_, Postgres> for $ty {
            fn decode(value: PgValueRef<'_>) -> Result<Self, BoxDynError> {
                let raw = <&str as Decode<Postgres>>::decode(value)?;
                let parse: fn(&str) -> Result<$ty, BoxDynError> = $parse;
                parse(raw)
            }
        }
    };
}

text_column!(StandId, |raw| {
    StandId::parse(raw).map_err(|cause| {
        UnreadableStandId {
            raw: raw.to_owned(),
            cause,
        }
        .into()
    })
});
text_column!(RunState, |raw| Ok(RunState::parse(raw)?));
text_column!(JobOutcome, |raw| Ok(JobOutcome::parse(raw)?));
text_column!(Role, |raw| Ok(Role::parse(raw)?));
text_column!(Verdict, |raw| Ok(raw.parse::<Verdict>()?));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_stand_id_names_itself() {
        let cause = StandId::parse(&"x".repeat(65)).expect_err("too long");
        let e = UnreadableStandId {
            raw: "x".repeat(65),
            cause,
        };
        assert!(e.to_string().contains(&"x".repeat(65)), "{e}");
    }
}
