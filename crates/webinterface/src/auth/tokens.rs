//! API tokens (`Authorization: Bearer …`): random, shown once, stored as their SHA-256, and
//! expiring ([`DEFAULT_TOKEN_DAYS`] unless asked otherwise).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::store::tokens;
use domain::store::users::User;

use crate::i18n::Msg;
use crate::msg;

/// A new random token and the hash to store for it.
pub fn new_api_token() -> (String, Vec<u8>) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("sht_{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored hash of an API token (the store's one hashing, shared with the video relay).
pub fn token_hash(token: &str) -> Vec<u8> {
    tokens::hash(token)
}

/// How long a new token works unless asked otherwise: long enough for a term's scripts,
/// short enough that a forgotten or leaked token stops working on its own.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

/// The longest lifetime `--expires-in` accepts (ten years); `never` is the explicit way to
/// make a token that does not expire.
pub const MAX_TOKEN_DAYS: i64 = 3650;

/// The expiry written as a default in the forms and the CLI.
pub const DEFAULT_EXPIRES_IN: &str = "90d";

/// Parses a token lifetime: a whole number with `d` (days), `h` (hours) or `m` (minutes),
/// e.g. `90d`, `12h`; or `never`. Returns `None` for `never`.
pub fn parse_expires_in(raw: &str) -> Result<Option<chrono::Duration>, Msg> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let bad = || msg!("auth-token-bad-expiry", value = raw, max = MAX_TOKEN_DAYS);
    let Some((at, _)) = raw.char_indices().last() else {
        return Err(bad());
    };
    let (number, unit) = raw.split_at(at);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let duration = match unit {
        "d" | "D" => chrono::Duration::try_days(n),
        "h" | "H" => chrono::Duration::try_hours(n),
        "m" | "M" => chrono::Duration::try_minutes(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    if n < 1 || duration > chrono::Duration::days(MAX_TOKEN_DAYS) {
        return Err(bad());
    }
    Ok(Some(duration))
}

/// Makes an API token for a user that works for [`DEFAULT_TOKEN_DAYS`]; returns the token
/// (shown once).
pub async fn create_token(
    state_pool: &sqlx::PgPool,
    user: &User,
    name: &str,
) -> Result<String, domain::store::StoreError> {
    let expires = Utc::now() + chrono::Duration::days(DEFAULT_TOKEN_DAYS);
    create_token_until(state_pool, user, name, Some(expires)).await
}

/// Makes an API token for a user that works until `expires_at` (`None`: no expiry); returns
/// the token (shown once).
pub async fn create_token_until(
    state_pool: &sqlx::PgPool,
    user: &User,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<String, domain::store::StoreError> {
    let (token, hash) = new_api_token();
    tokens::create(state_pool, user.id, name, &hash, expires_at).await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_api_token();
        let (b, _) = new_api_token();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), ha);
        assert!(a.starts_with("sht_") && a.len() > 40);
    }

    #[test]
    fn token_lifetimes_parse() {
        assert_eq!(
            parse_expires_in("90d"),
            Ok(Some(chrono::Duration::days(90)))
        );
        assert_eq!(
            parse_expires_in(" 12h "),
            Ok(Some(chrono::Duration::hours(12)))
        );
        assert_eq!(
            parse_expires_in("30m"),
            Ok(Some(chrono::Duration::minutes(30)))
        );
        assert_eq!(parse_expires_in("never"), Ok(None));
        assert_eq!(
            parse_expires_in(DEFAULT_EXPIRES_IN),
            Ok(Some(chrono::Duration::days(90)))
        );
        for bad in [
            "",
            "d",
            "90",
            "0d",
            "-1d",
            "3651d",
            "1y",
            "9999999999999999999d",
            "1.5d",
            "9é",
        ] {
            let e = parse_expires_in(bad).expect_err(bad);
            assert!(e.english().contains("90d"), "{e}");
        }
    }
}
