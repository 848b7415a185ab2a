//! HMAC-SHA256 signatures with the stack's `SECRET_KEY`, shared by the web interface (cookies,
//! CSRF) and the video relay (signed stream links), and the signed link itself: the stand page
//! embeds `?exp=<unix seconds>&sig=<hex>` and the relay checks it at connect time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of `parts` (each followed by a zero byte) under `key`, in hex.
pub fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    // HMAC accepts keys of any length: new_from_slice cannot fail.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return String::new();
    };
    for part in parts {
        mac.update(part);
        mac.update(b"\x00");
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Compares tokens in constant time, so timing does not reveal how much matched.
pub fn constant_eq(a: &str, b: &str) -> bool {
    constant_eq_bytes(a.as_bytes(), b.as_bytes())
}

/// [`constant_eq`] for bytes (digests, secrets): time depends on the lengths only.
pub fn constant_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How long a stream link made for a stand page stays valid (seconds). A stream opened with it
/// may go on after that; a new connection needs a new page.
pub const STREAM_LINK_SECONDS: i64 = 15 * 60;

/// What the signature covers: a purpose label, so no other signature of the stack can be
/// replayed as a stream link, the stand and the expiry.
fn stream_signature(key: &[u8], stand: &str, exp: i64) -> String {
    hmac_hex(
        key,
        &[
            b"videostream-link",
            stand.as_bytes(),
            exp.to_string().as_bytes(),
        ],
    )
}

/// The query string (`exp=…&sig=…`) of a link to `stand`'s camera valid until `now + lifetime`.
pub fn stream_link_query(key: &[u8], stand: &str, now: i64, lifetime: i64) -> String {
    let exp = now.saturating_add(lifetime);
    format!("exp={exp}&sig={}", stream_signature(key, stand, exp))
}

/// Why a stream link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// No `exp` or `sig`.
    #[error("this camera needs a signed link: open it from the stand's page in the web interface")]
    Missing,
    /// Signed for another stand, tampered with, or made with another key.
    #[error("the camera link is not valid: open it again from the stand's page")]
    BadSignature,
    /// Past its expiry.
    #[error("the camera link has expired: reload the stand's page")]
    Expired,
}

/// Checks a stream link's `exp` and `sig` for `stand` at unix time `now`.
pub fn verify_stream_link(
    key: &[u8],
    stand: &str,
    exp: Option<&str>,
    sig: Option<&str>,
    now: i64,
) -> Result<(), LinkError> {
    let (Some(exp), Some(sig)) = (exp, sig) else {
        return Err(LinkError::Missing);
    };
    let exp_value: i64 = exp.parse().map_err(|_| LinkError::BadSignature)?;
    // The signature covers the text as parsed back, so `exp=+1` cannot stand for `exp=1`.
    if exp_value.to_string() != exp || !constant_eq(&stream_signature(key, stand, exp_value), sig) {
        return Err(LinkError::BadSignature);
    }
    if exp_value < now {
        return Err(LinkError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(q: &str) -> (String, String) {
        let (e, s) = q.split_once('&').expect("two parts");
        (
            e.trim_start_matches("exp=").to_owned(),
            s.trim_start_matches("sig=").to_owned(),
        )
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }

    #[test]
    fn stream_links_verify_only_for_their_stand_key_and_time() {
        let key = b"k".repeat(32);
        let (exp, sig) = split(&stream_link_query(&key, "s1", 1000, 60));
        let check = |key: &[u8], stand, exp: Option<&str>, sig: Option<&str>, now| {
            verify_stream_link(key, stand, exp, sig, now)
        };
        assert_eq!(check(&key, "s1", Some(&exp), Some(&sig), 1000), Ok(()));
        assert_eq!(check(&key, "s1", Some(&exp), Some(&sig), 1060), Ok(()));
        assert_eq!(
            check(&key, "s1", Some(&exp), Some(&sig), 1061),
            Err(LinkError::Expired)
        );
        assert_eq!(
            check(&key, "s2", Some(&exp), Some(&sig), 1000),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            check(b"other", "s1", Some(&exp), Some(&sig), 1000),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            check(&key, "s1", Some("99999"), Some(&sig), 1000),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            check(&key, "s1", Some(&format!("+{exp}")), Some(&sig), 1000),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            check(&key, "s1", None, Some(&sig), 1000),
            Err(LinkError::Missing)
        );
        assert_eq!(
            check(&key, "s1", Some(&exp), None, 1000),
            Err(LinkError::Missing)
        );
    }
}
