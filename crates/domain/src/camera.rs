//! Camera URLs: the one check a stand's MJPEG camera URL passes, whether the web admin or the
//! video relay's install API sets it (both write `stands.camera_url`).

use std::fmt;

/// An absolute `http` or `https` URL with a host, kept as given (only white space around it
/// dropped), as the old relay stored it: `http://cam:80` stays `http://cam:80`. Only [`CameraUrl::parse`] makes one
/// (and [`CameraUrl::from_stored`] rebuilds one read back from the database).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CameraUrl(String);

/// Why a string is not a camera URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid camera URL {url:?}: {reason}")]
pub struct CameraUrlError {
    /// What was given (at most 200 characters of it).
    pub url: String,
    /// What is wrong.
    pub reason: String,
}

impl CameraUrl {
    /// Checks `raw` (surrounding white space ignored); the text is kept as given.
    pub fn parse(raw: &str) -> Result<Self, CameraUrlError> {
        let bad = |reason: &str| CameraUrlError {
            url: raw.chars().take(200).collect(),
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

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CameraUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
