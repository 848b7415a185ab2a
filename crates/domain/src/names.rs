//! The enums spelled by a fixed list of names (their values in SQL and the API: run states,
//! job outcomes, verdicts, topic choices): finding the one a text names.

/// The value among `all` that `name_of` spells `raw`, if any.
pub(crate) fn named<T: Copy>(all: &[T], name_of: fn(T) -> &'static str, raw: &str) -> Option<T> {
    all.iter().copied().find(|&value| name_of(value) == raw)
}

/// Asserts that each of `all` is read back from its name (`name_of`) by `parse`, and that serde
/// and `Display` spell it the same way.
#[cfg(test)]
pub(crate) fn assert_names_round_trip<T, E>(
    all: &[T],
    name_of: fn(T) -> &'static str,
    parse: fn(&str) -> Result<T, E>,
) where
    T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display + serde::Serialize,
    E: PartialEq + std::fmt::Debug,
{
    for &value in all {
        let name = name_of(value);
        assert_eq!(parse(name), Ok(value));
        assert_eq!(value.to_string(), name);
        let serialised = serde_json::to_string(&value).expect("serialises");
        assert_eq!(serialised, format!("\"{name}\""));
    }
}
