//! [`Tr`]: a request's language and the lab's time zone. Templates call it for every text
//! (`{{ t.s("nav-results") }}`), time and number they show.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fluent_bundle::{FluentArgs, FluentValue};

use super::catalog;
use super::lang::Lang;
use super::msg::{Arg, Msg};

/// The lab's time zone when `TIME_ZONE` is not set.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Copenhagen;

impl Msg {
    /// In English (the API and logs).
    pub fn english(&self) -> String {
        Tr::english().msg(self)
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// One request's language and the time zone its pages show times in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tr {
    lang: Lang,
    zone: Tz,
}

impl Default for Tr {
    fn default() -> Self {
        Self::english()
    }
}

impl Tr {
    /// `lang`, times in `zone`.
    pub fn new(lang: Lang, zone: Tz) -> Self {
        Self { lang, zone }
    }

    /// English in the default time zone (the API, logs, tests).
    pub fn english() -> Self {
        Self::new(Lang::En, DEFAULT_TIME_ZONE)
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The page's `<html lang>`.
    pub fn html_lang(&self) -> &'static str {
        match self.lang {
            Lang::Da => "da",
            Lang::En | Lang::Pseudo => "en",
        }
    }

    /// The time zone's name (`Europe/Copenhagen`), which pages name.
    pub fn zone(&self) -> &'static str {
        self.zone.name()
    }

    /// Message `key`.
    pub fn s(&self, key: &str) -> String {
        catalog::format(self.lang, key, None)
    }

    /// Message `key` with one argument.
    pub fn a1(&self, key: &str, name: &'static str, value: impl Into<Arg>) -> String {
        self.format(key, &[(name, value.into())])
    }

    /// Message `key` with two arguments.
    pub fn a2(
        &self,
        key: &str,
        n1: &'static str,
        v1: impl Into<Arg>,
        n2: &'static str,
        v2: impl Into<Arg>,
    ) -> String {
        self.format(key, &[(n1, v1.into()), (n2, v2.into())])
    }

    /// A [`Msg`] in this language.
    pub fn msg(&self, m: &Msg) -> String {
        self.format(m.key(), m.args())
    }

    fn format(&self, key: &str, args: &[(&'static str, Arg)]) -> String {
        if key == Msg::UNTRANSLATED
            && let [(_, Arg::Text(text))] = args
        {
            return text.clone();
        }
        if args.is_empty() {
            return self.s(key);
        }
        let mut fluent = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(s) => FluentValue::from(s.clone()),
                Arg::Int(n) => FluentValue::from(*n),
                Arg::Num(x) => FluentValue::from(self.num(*x)),
                Arg::Time(t) => FluentValue::from(self.time(t)),
                Arg::Msg(m) => FluentValue::from(self.msg(m)),
            };
            fluent.set(*name, value);
        }
        catalog::format(self.lang, key, Some(&fluent))
    }

    /// A time as pages show it: `30.11.2026 19:13:05` (Danish), `2026-11-30 19:13:05`
    /// (English), in the lab's time zone.
    pub fn time(&self, t: &DateTime<Utc>) -> String {
        let local = t.with_timezone(&self.zone);
        match self.lang {
            Lang::Da => local.format("%d.%m.%Y %H:%M:%S").to_string(),
            Lang::En | Lang::Pseudo => local.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }

    /// A time that may not have happened yet ("never").
    pub fn time_or_never(&self, t: &Option<DateTime<Utc>>) -> String {
        t.as_ref()
            .map_or_else(|| self.s("time-never"), |t| self.time(t))
    }

    /// A number as pages show it: a decimal comma in Danish (`3,25`), a point in English.
    pub fn num(&self, x: f64) -> String {
        let text = x.to_string();
        match self.lang {
            Lang::Da => text.replace('.', ","),
            Lang::En | Lang::Pseudo => text,
        }
    }

    /// A number given as text (a stored value): re-written with the language's decimal mark
    /// when it is a plain decimal number, else as it is.
    pub fn num_text(&self, text: &str) -> String {
        let plain = text.trim().parse::<f64>().is_ok()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
        match self.lang {
            Lang::Da if plain => text.replace('.', ","),
            _ => text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn times_and_numbers_follow_the_language_in_the_labs_zone() {
        let t = Utc
            .with_ymd_and_hms(2026, 11, 30, 18, 13, 5)
            .single()
            .expect("time");
        let da = Tr::new(Lang::Da, DEFAULT_TIME_ZONE);
        let en = Tr::new(Lang::En, DEFAULT_TIME_ZONE);
        assert_eq!(da.time(&t), "30.11.2026 19:13:05");
        assert_eq!(en.time(&t), "2026-11-30 19:13:05");
        let summer = Utc
            .with_ymd_and_hms(2026, 7, 1, 12, 0, 0)
            .single()
            .expect("time");
        assert_eq!(
            da.time(&summer),
            "01.07.2026 14:00:00",
            "daylight saving time"
        );
        assert_eq!(da.num(3.25), "3,25");
        assert_eq!(en.num(3.25), "3.25");
        assert_eq!(da.num_text("-0.5"), "-0,5");
        assert_eq!(da.num_text("v1.2"), "v1.2");
        assert_eq!(da.zone(), "Europe/Copenhagen");
    }

    #[test]
    fn messages_are_translated_with_english_as_the_fallback_and_pseudo_marks() {
        let da = Tr::new(Lang::Da, DEFAULT_TIME_ZONE);
        let en = Tr::english();
        let pseudo = Tr::new(Lang::Pseudo, DEFAULT_TIME_ZONE);
        assert_eq!(en.s("time-never"), "never");
        assert_eq!(da.s("time-never"), "aldrig");
        assert_eq!(pseudo.s("time-never"), "⟦never⟧");
        assert_eq!(
            en.s("no-such-key"),
            "no-such-key",
            "a missing key shows itself, unmarked"
        );
        assert_eq!(pseudo.s("no-such-key"), "no-such-key");
    }
}
