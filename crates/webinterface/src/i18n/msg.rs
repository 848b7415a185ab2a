//! [`Msg`]: what a handler tells a person, as a message key and its arguments, translated only
//! when shown (a page in the reader's language; the API's `error` in English, with the key as
//! its stable `code`).

use chrono::{DateTime, Utc};

/// An argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Text shown as it is (a name, a value).
    Text(String),
    /// A count (plural rules apply).
    Int(i64),
    /// A number, shown with the language's decimal mark.
    Num(f64),
    /// A time, shown in the language's format and the lab's time zone.
    Time(DateTime<Utc>),
    /// Another message, translated too (a state's name inside a sentence).
    Msg(Box<Msg>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}

macro_rules! int_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Self::Int(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
        impl From<&$t> for Arg {
            fn from(v: &$t) -> Self {
                Self::from(*v)
            }
        }
    )*};
}
int_args!(i16, i32, i64, u16, u32, u64, usize);

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Self::Num(v)
    }
}

impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Self::Time(v)
    }
}

impl From<&DateTime<Utc>> for Arg {
    fn from(v: &DateTime<Utc>) -> Self {
        Self::Time(*v)
    }
}

impl From<Msg> for Arg {
    fn from(v: Msg) -> Self {
        Self::Msg(Box::new(v))
    }
}

/// A message key (of `locales/*/*.ftl`) with its arguments. Made with [`msg!`](crate::msg).
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// The key of [`Msg::untranslated`].
    pub const UNTRANSLATED: &'static str = "untranslated";

    /// Text shown as it is in every language, for text that has no message yet (the
    /// pseudo-locale test finds it: it is never marked).
    pub fn untranslated(text: String) -> Self {
        Self::new(Self::UNTRANSLATED).arg("text", text)
    }

    /// A message without arguments.
    pub const fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    /// With one more argument.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// Its key: also the stable `code` of an API error.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// Its arguments.
    pub fn args(&self) -> &[(&'static str, Arg)] {
        &self.args
    }
}

/// A [`Msg`]: `msg!("stand-not-found", id = id)`.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::msg::Msg::new($key)$(.arg(stringify!($name), $value))*
    };
}
