//! Stand ids: 1–64 Unicode letters or digits, `_` or `-` (e.g. `prøvestand_3`), checked once
//! at the edge.

use std::fmt;

/// The id of a test stand, e.g. `teststand1` or `prøvestand_3`. Only [`StandId::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct StandId(String);

/// Why a string is not a stand id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StandIdError {
    /// The id is empty.
    #[error("stand id is empty")]
    Empty,
    /// The id is longer than 64 characters.
    #[error("stand id is {0} characters long; at most 64 are allowed")]
    TooLong(usize),
    /// The id holds a character that is not a letter, a digit, `_` or `-`.
    #[error("stand id {0:?} may only contain letters, digits, '_' and '-'")]
    BadCharacter(String),
}

impl StandId {
    /// The longest id allowed, in characters (at most 256 bytes of UTF-8).
    pub const MAX_LEN: usize = 64;

    /// Whether `c` may appear in a stand id: a Unicode letter or digit, `_` or `-`. This keeps
    /// out what would break a topic (`/`, `+`, `#`), whitespace, control and format characters.
    pub fn allowed_char(c: char) -> bool {
        c.is_alphanumeric() || c == '_' || c == '-'
    }

    /// Checks `raw` and wraps it.
    pub fn parse(raw: &str) -> Result<Self, StandIdError> {
        if raw.is_empty() {
            return Err(StandIdError::Empty);
        }
        let chars = raw.chars().count();
        if chars > Self::MAX_LEN {
            return Err(StandIdError::TooLong(chars));
        }
        if !raw.chars().all(Self::allowed_char) {
            return Err(StandIdError::BadCharacter(raw.to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for StandId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// In the OpenAPI document: a string of 1–64 characters. The allowed alphabet is said in words,
/// not as a `pattern`: it takes Unicode letters and digits (`\p{…}` classes), which the
/// regular expressions of the document's readers (Python's `re` in schemathesis) do not know.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for StandId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A stand's id: 1–64 Unicode letters or digits, `_` or `-` (e.g. `prøvestand_3`).",
            ))
            .min_length(Some(1))
            .max_length(Some(Self::MAX_LEN))
            .examples(["rig1"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for StandId {}

impl<'de> serde::Deserialize<'de> for StandId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_alphabet() {
        for ok in [
            "teststand1",
            "A",
            "a-b_c",
            &"x".repeat(64),
            "prøvestand_3",
            "Æblegård-2",
            "ä",
            &"ø".repeat(64),
        ] {
            assert_eq!(StandId::parse(ok).map(|s| s.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(StandId::parse(""), Err(StandIdError::Empty));
        assert_eq!(
            StandId::parse(&"x".repeat(65)),
            Err(StandIdError::TooLong(65))
        );
        assert_eq!(
            StandId::parse(&"ø".repeat(65)),
            Err(StandIdError::TooLong(65))
        );
        for bad in [
            "a b",
            "a/b",
            "+",
            "#",
            "stand.1",
            "a\0",
            "a\u{200b}",
            "tab\t",
            "ø/",
            "🙂",
            "a\u{a0}",
        ] {
            assert!(
                matches!(StandId::parse(bad), Err(StandIdError::BadCharacter(_))),
                "{bad}"
            );
        }
    }
}
