//! Environment helpers shared by the binaries' config structs: every error names its variable.

use std::fmt;
use std::str::FromStr;

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("{0} is not set; set it in the environment or in .env (see .env.example)")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value (never a secret's).
        value: String,
        /// What is wrong.
        reason: String,
    },
}

/// Loads `.env` from the working directory when there is one; variables already set win.
pub fn load_dotenv() {
    let _ = dotenvy::dotenv();
}

/// Defaults given by the program itself (see [`provide_default`]).
static PROVIDED: std::sync::Mutex<Vec<(&'static str, String)>> = std::sync::Mutex::new(Vec::new());

/// Gives `name` a default used when the environment does not set it. The all-in-one launcher
/// hands its private database and embedded broker to the services it runs this way, without
/// changing the process environment (which is not safe once threads run).
pub fn provide_default(name: &'static str, value: impl Into<String>) {
    let mut provided = PROVIDED.lock().unwrap_or_else(|e| e.into_inner());
    provided.retain(|(n, _)| *n != name);
    provided.push((name, value.into()));
}

/// The variable's value, or `None` when unset or empty (then a [`provide_default`] value).
pub fn var(name: &'static str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            let provided = PROVIDED.lock().unwrap_or_else(|e| e.into_inner());
            provided
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        })
}

/// A required variable.
pub fn required(name: &'static str) -> Result<String, ConfigError> {
    var(name).ok_or(ConfigError::Missing(name))
}

/// A variable parsed with `FromStr`, or `default` when unset.
pub fn parse_or<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(value) => value
            .trim()
            .parse()
            .map_err(|e: T::Err| ConfigError::Invalid {
                name,
                reason: e.to_string(),
                value,
            }),
    }
}

/// A whole number from 1 to `max`, or `default` when unset (counts, sizes, ages in whole units).
pub fn bounded<T>(name: &'static str, default: T, max: T) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + From<u8> + Copy + fmt::Display,
    T::Err: fmt::Display,
{
    let n: T = parse_or(name, default)?;
    if (T::from(1)..=max).contains(&n) {
        Ok(n)
    } else {
        Err(ConfigError::Invalid {
            name,
            value: n.to_string(),
            reason: format!("must be a whole number from 1 to {max}"),
        })
    }
}

/// A boolean variable: `true/false`, `1/0`, `yes/no`, `on/off`.
pub fn bool_or(name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(value) => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(ConfigError::Invalid {
                name,
                value,
                reason: "expected true or false".into(),
            }),
        },
    }
}

/// A secret: shown as `***` in logs and debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where the MQTT broker is: `mqtt://[user:password@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttUrl {
    /// Host name or address.
    pub host: String,
    /// Port (default 8000, the lab's broker port).
    pub port: u16,
    /// User name and password, when the broker needs them.
    pub credentials: Option<(String, Secret)>,
}

/// The default broker.
pub const DEFAULT_MQTT_URL: &str = "mqtt://127.0.0.1:8000";

impl FromStr for MqttUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(s)
            .map_err(|e| format!("{e}; expected mqtt://[user:password@]host:port"))?;
        if !matches!(url.scheme(), "mqtt" | "tcp") {
            return Err(format!(
                "scheme {:?} is not supported; use mqtt://",
                url.scheme()
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the URL has no host")?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let credentials = (!url.username().is_empty()).then(|| {
            (
                decode(url.username()),
                Secret::new(decode(url.password().unwrap_or(""))),
            )
        });
        Ok(Self {
            host,
            port: url.port().unwrap_or(8000),
            credentials,
        })
    }
}

impl MqttUrl {
    /// Reads `MQTT_URL`, defaulting to [`DEFAULT_MQTT_URL`].
    pub fn from_env() -> Result<Self, ConfigError> {
        let raw = var("MQTT_URL").unwrap_or_else(|| DEFAULT_MQTT_URL.to_owned());
        raw.parse().map_err(|reason| ConfigError::Invalid {
            name: "MQTT_URL",
            // The value may hold a password: show only what is safe.
            value: "(hidden)".into(),
            reason,
        })
    }
}

impl fmt::Display for MqttUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.credentials {
            Some((user, _)) => write!(f, "mqtt://{user}:***@{}:{}", self.host, self.port),
            None => write!(f, "mqtt://{}:{}", self.host, self.port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_numbers_stay_from_1_to_max() {
        // Names no other test or binary uses: `provide_default` is process-wide.
        assert_eq!(
            bounded("DOMAIN_TEST_BOUNDED_UNSET", 7_u32, 10).ok(),
            Some(7)
        );
        provide_default("DOMAIN_TEST_BOUNDED_MAX", "10");
        assert_eq!(bounded("DOMAIN_TEST_BOUNDED_MAX", 7_u32, 10).ok(), Some(10));
        provide_default("DOMAIN_TEST_BOUNDED_ZERO", "0");
        let zero = bounded("DOMAIN_TEST_BOUNDED_ZERO", 7_i64, 10).expect_err("0 < 1");
        assert_eq!(
            zero.to_string(),
            "DOMAIN_TEST_BOUNDED_ZERO=\"0\" is not valid: must be a whole number from 1 to 10"
        );
        provide_default("DOMAIN_TEST_BOUNDED_OVER", "11");
        assert!(bounded("DOMAIN_TEST_BOUNDED_OVER", 7_u32, 10).is_err());
        provide_default("DOMAIN_TEST_BOUNDED_NEGATIVE", "-1");
        assert!(bounded("DOMAIN_TEST_BOUNDED_NEGATIVE", 7_i64, 10).is_err());
        assert!(bounded("DOMAIN_TEST_BOUNDED_NEGATIVE", 7_u32, 10).is_err());
    }

    #[test]
    fn parses_mqtt_urls() {
        let u: MqttUrl = "mqtt://127.0.0.1:8000".parse().expect("plain");
        assert_eq!(
            (u.host.as_str(), u.port, u.credentials.is_none()),
            ("127.0.0.1", 8000, true)
        );
        let u: MqttUrl = "mqtt://handler:p%40ss@broker".parse().expect("auth");
        assert_eq!((u.host.as_str(), u.port), ("broker", 8000));
        let (user, pass) = u.credentials.clone().expect("credentials");
        assert_eq!((user.as_str(), pass.expose()), ("handler", "p@ss"));
        assert_eq!(u.to_string(), "mqtt://handler:***@broker:8000");
        assert!(format!("{u:?}").contains("***") && !format!("{u:?}").contains("p@ss"));
        assert!("http://x".parse::<MqttUrl>().is_err());
        assert!("nonsense".parse::<MqttUrl>().is_err());
        assert!("mqtt://h:99999".parse::<MqttUrl>().is_err());
    }
}
