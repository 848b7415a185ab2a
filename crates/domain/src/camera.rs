//! Camera URLs: the one check a stand's MJPEG camera URL passes, whether the web admin or the
//! video relay's install API sets it (both write `stands.camera_url`), and the one way a camera
//! URL is shown to people or logs: [`CameraUrl::redacted`] / [`redact`], with the password gone.
//! Which addresses a camera may be fetched from is [`crate::camera_policy`]'s business.

use std::fmt;

/// An absolute `http` or `https` URL with a host, kept as given (only white space around it
/// dropped), as the old relay stored it: `http://cam:80` stays `http://cam:80`. Only [`CameraUrl::parse`] makes one
/// (and [`CameraUrl::from_stored`] rebuilds one read back from the database).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CameraUrl(String);

/// Debug output is redacted too, so `?url` in a log line cannot leak the password.
impl fmt::Debug for CameraUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CameraUrl").field(&self.redacted()).finish()
    }
}

/// Why a string is not a camera URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid camera URL {url:?}: {reason}")]
pub struct CameraUrlError {
    /// What was given (at most 200 characters of it, redacted).
    pub url: String,
    /// What is wrong.
    pub reason: String,
}

impl CameraUrl {
    /// Checks `raw` (surrounding white space ignored); the text is kept as given.
    pub fn parse(raw: &str) -> Result<Self, CameraUrlError> {
        let bad = |reason: &str| CameraUrlError {
            url: redact(raw).chars().take(200).collect(),
            reason: reason.to_owned(),
        };
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("only http:// and https:// cameras are supported"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("the URL has no host"));
        }
        Ok(Self(raw.trim().to_owned()))
    }

    /// An empty (or blank) form field means "no camera"; anything else must be a camera URL.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, CameraUrlError> {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(raw).map(Some)
        }
    }

    /// Rebuilds a URL read back from `stands.camera_url`, where only checked URLs are written.
    pub fn from_stored(url: String) -> Self {
        Self(url)
    }

    /// The URL as text, password included: only for fetching and storing it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL as shown in logs, pages and API answers: see [`redact`].
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

/// What a removed secret is replaced with.
pub const REDACTED: &str = "***";

/// Query parameters whose values are secrets (some cameras take `?user=…&pwd=…`); a name
/// matches when it contains one of these, ignoring case.
const SECRET_PARAMETERS: [&str; 5] = ["pass", "pwd", "token", "secret", "key"];

/// A camera URL (or any text stored as one) with its secrets replaced by [`REDACTED`]: the
/// password of the user-info part (`http://user:***@cam/`) and the values of query parameters
/// named like passwords or keys. The rest stays as given, so people recognise their camera.
/// Text that is no URL at all is shown as [`REDACTED`] entirely: it might be anything.
pub fn redact(raw: &str) -> String {
    let raw = raw.trim();
    let Some(scheme_end) = raw.find("://") else {
        return REDACTED.to_owned();
    };
    let rest_start = scheme_end + 3;
    let rest = &raw[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = String::with_capacity(raw.len());
    out.push_str(&raw[..rest_start]);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push(':');
                    out.push_str(REDACTED);
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    let (before_fragment, fragment) = match tail.find('#') {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if is_secret_parameter(name) => format!("{name}={REDACTED}"),
                    _ => pair.to_owned(),
                })
                .collect();
            out.push_str(&pairs.join("&"));
        }
        None => out.push_str(before_fragment),
    }
    out.push_str(fragment);
    out
}

/// What an edit form or API call that shows camera URLs redacted means: a submitted URL equal
/// to the redacted stored one keeps the stored one (password included); anything else is new.
pub fn unredact<'a>(submitted: &'a str, stored: Option<&'a str>) -> &'a str {
    match stored {
        Some(stored) if submitted.trim() == redact(stored) && stored.trim() != submitted.trim() => {
            stored
        }
        _ => submitted,
    }
}

fn is_secret_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMETERS.iter().any(|s| name.contains(s))
}

/// Shows the redacted URL: a `CameraUrl` printed anywhere (logs included) never shows its
/// password. [`CameraUrl::as_str`] is the way to the real text.
impl fmt::Display for CameraUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_with_a_host() {
        for ok in [
            "http://10.0.0.7:8080/video.mjpg",
            "https://cam.lab.example/stream",
            "  http://cam/  ",
        ] {
            let url = CameraUrl::parse(ok).expect(ok);
            assert_eq!(url.as_str(), ok.trim());
        }
        assert_eq!(
            CameraUrl::parse("HTTP://Cam.Example:80").map(|u| u.to_string()),
            Ok("HTTP://Cam.Example:80".to_owned())
        );
    }

    #[test]
    fn the_password_is_never_shown() {
        for (raw, shown) in [
            (
                "http://admin:s3cret@cam:80/video",
                "http://admin:***@cam:80/video",
            ),
            ("http://admin@cam/v", "http://admin@cam/v"),
            ("http://:s3cret@cam/v", "http://:***@cam/v"),
            ("http://a:b:s3cret@cam?x=1", "http://a:***@cam?x=1"),
            ("http://a:p@ss@s3cret@cam/v", "http://a:***@cam/v"),
            (
                "http://cam/cgi?user=admin&pwd=s3cret&PassWord=s3cret#f",
                "http://cam/cgi?user=admin&pwd=***&PassWord=***#f",
            ),
            ("http://cam/v?x=1", "http://cam/v?x=1"),
            ("not a url with s3cret", "***"),
        ] {
            assert_eq!(redact(raw), shown, "{raw}");
        }
        let url =
            CameraUrl::parse("http://admin:s3cret@10.0.0.7/video?api_key=s3cret").expect("valid");
        for shown in [url.to_string(), format!("{url:?}"), url.redacted()] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        assert!(url.as_str().contains("s3cret"));
        let stored = Some("http://admin:s3cret@cam/v");
        assert_eq!(
            unredact("http://admin:***@cam/v", stored),
            "http://admin:s3cret@cam/v"
        );
        assert_eq!(
            unredact("http://admin:new@cam/v", stored),
            "http://admin:new@cam/v"
        );
        assert_eq!(unredact("", stored), "");
        assert_eq!(
            unredact("http://admin:***@cam/v", None),
            "http://admin:***@cam/v"
        );
        let e = CameraUrl::parse("ftp://admin:s3cret@cam/").expect_err("ftp");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn refuses_other_schemes_and_no_host() {
        for bad in [
            "ftp://cam/x",
            "not a url",
            "file:///etc/passwd",
            "http://",
            "javascript:alert(1)",
            "",
        ] {
            let e = CameraUrl::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("invalid camera URL"), "{e}");
        }
    }

    #[test]
    fn blank_means_no_camera() {
        assert_eq!(CameraUrl::parse_optional("  "), Ok(None));
        assert!(CameraUrl::parse_optional("ftp://x").is_err());
        assert!(CameraUrl::parse_optional("http://cam/").is_ok_and(|u| u.is_some()));
    }
}
