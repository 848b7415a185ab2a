//! Status and power codes of the protocol: three digits, below 600 a status, 600 and above power.

use std::fmt;

/// A code from a stand's `statusCode`: three digits, 100–699. Only [`StatusCode::parse`] and
/// [`StatusCode::from_stored`] make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct StatusCode(u16);

/// What a code does to the stand's shown state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// 1xx, 3xx and unknown codes: stored and shown, the state stays.
    None,
    /// 200: the stand is free.
    Ready,
    /// 202: the stand is working until a 200.
    Busy,
    /// 4xx, 5xx: the stand reported an error.
    Error,
    /// 600: power on.
    PowerOn,
    /// 610 (and other 6xx but 600): power off.
    PowerOff,
}

/// Why a `statusCode` is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("statusCode {0:?} is not a three-digit code from 100 to 699")]
pub struct StatusCodeError(pub String);

impl StatusCode {
    /// Power on.
    pub const POWER_ON: Self = Self(600);
    /// Power off.
    pub const POWER_OFF: Self = Self(610);
    /// OK, the stand is free.
    pub const OK: Self = Self(200);
    /// Accepted, still working.
    pub const ACCEPTED: Self = Self(202);

    /// Parses the protocol's string form: exactly three ASCII digits, 100–699.
    pub fn parse(raw: &str) -> Result<Self, StatusCodeError> {
        let bad = || StatusCodeError(raw.chars().take(40).collect());
        if raw.len() != 3 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u16 = raw.parse().map_err(|_| bad())?;
        if (100..=699).contains(&n) {
            Ok(Self(n))
        } else {
            Err(bad())
        }
    }

    /// Rebuilds a code read back from the database, where only parsed codes were written.
    pub fn from_stored(n: i16) -> Option<Self> {
        u16::try_from(n)
            .ok()
            .filter(|n| (100..=699).contains(n))
            .map(Self)
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }

    /// Whether this is a power code (600 and above).
    pub fn is_power(self) -> bool {
        self.0 >= 600
    }

    /// What the code does to the stand's state.
    pub fn effect(self) -> Effect {
        match self.0 {
            200 => Effect::Ready,
            202 => Effect::Busy,
            400..=599 => Effect::Error,
            600 => Effect::PowerOn,
            601..=699 => Effect::PowerOff,
            _ => Effect::None,
        }
    }

    /// Whether a run in progress fails when the stand sends this code.
    pub fn fails_run(self) -> bool {
        self.effect() == Effect::Error
    }

    /// The meaning shown to users: the code's own when the protocol names it, else its group's.
    pub fn meaning(self) -> &'static str {
        let named = match self.0 {
            200 => Some("OK, received and accepted; stand is free"),
            202 => Some("Accepted, still working"),
            400 => Some("Bad request: the message did not follow the protocol"),
            404 => Some("Not found: component not available"),
            405 => Some("Method not allowed: command not allowed or not understood"),
            500 => Some("Internal error on the stand"),
            600 => Some("Power on"),
            610 => Some("Power off (shutting down)"),
            _ => None,
        };
        named.unwrap_or(match self.0 / 100 {
            1 => "Information",
            2 => "Success",
            3 => "Redirection",
            4 => "Client error",
            5 => "Server error on the stand",
            _ => "Power",
        })
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<StatusCode> for i16 {
    fn from(c: StatusCode) -> i16 {
        // 100..=699 always fits.
        c.0 as i16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_three_digit_codes_only() {
        assert_eq!(StatusCode::parse("200").map(StatusCode::get), Ok(200));
        assert_eq!(StatusCode::parse("610").map(StatusCode::get), Ok(610));
        for bad in [
            "abc",
            "2020",
            "20",
            "",
            " 200",
            "099",
            "700",
            "+20",
            "2.0",
            "２００",
        ] {
            assert!(StatusCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn effects_and_meanings_follow_the_protocol_table() {
        let code = |s| StatusCode::parse(s).expect("valid code");
        assert_eq!(code("200").effect(), Effect::Ready);
        assert_eq!(code("202").effect(), Effect::Busy);
        assert_eq!(code("404").effect(), Effect::Error);
        assert_eq!(code("503").effect(), Effect::Error);
        assert_eq!(code("101").effect(), Effect::None);
        assert_eq!(code("302").effect(), Effect::None);
        assert_eq!(code("201").effect(), Effect::None);
        assert_eq!(code("600").effect(), Effect::PowerOn);
        assert_eq!(code("610").effect(), Effect::PowerOff);
        assert!(code("610").is_power() && !code("599").is_power());
        assert_eq!(code("418").meaning(), "Client error");
        assert_eq!(
            code("405").meaning(),
            "Method not allowed: command not allowed or not understood"
        );
        assert_eq!(code("150").meaning(), "Information");
        assert!(code("500").fails_run() && !code("202").fails_run());
    }

    #[test]
    fn stored_codes_round_trip() {
        assert_eq!(StatusCode::from_stored(404).map(StatusCode::get), Some(404));
        assert_eq!(StatusCode::from_stored(-1), None);
        assert_eq!(StatusCode::from_stored(2020), None);
    }
}
