//! API tokens (`Authorization: Bearer …`): random, shown once, stored as their SHA-256, and
//! expiring ([`DEFAULT_TOKEN_DAYS`] unless asked otherwise).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use domain::store::tokens;
use domain::store::users::User;

use super::sessions::Via;

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
pub fn parse_expires_in(raw: &str) -> Result<Option<chrono::Duration>, String> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let bad = || {
        format!(
            "expiry {raw:?} is not valid: use a number of days, hours or minutes such as 90d, \
             12h or 30m (at most {MAX_TOKEN_DAYS}d), or never"
        )
    };
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

/// The expiry of a token a request makes (`requested`; `None`: never). A request authenticated
/// by a token that expires cannot make a token that outlives it, or a leaked short-lived token
/// would be swapped for a lasting one: the new expiry is capped at the minting token's, and
/// `never` is refused.
pub fn expiry_within_minting_token(
    requested: Option<DateTime<Utc>>,
    via: &Via,
) -> Result<Option<DateTime<Utc>>, String> {
    let Via::Token {
        expires_at: Some(limit),
    } = via
    else {
        return Ok(requested);
    };
    match requested {
        Some(at) => Ok(Some(at.min(*limit))),
        None => Err(format!(
            "the API token of this request expires at {} UTC, so it cannot make a token that \
             never expires: give an expiry such as 90d (capped at that time), or make it from \
             a login session or with `webinterface createtoken`",
            limit.format("%Y-%m-%d %H:%M")
        )),
    }
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
    fn a_token_that_expires_makes_none_that_outlives_it() {
        let now = Utc::now();
        let limit = now + chrono::Duration::hours(1);
        let by_token = Via::Token {
            expires_at: Some(limit),
        };
        let later = Some(now + chrono::Duration::days(90));
        let sooner = Some(now + chrono::Duration::minutes(5));
        assert_eq!(
            expiry_within_minting_token(later, &by_token),
            Ok(Some(limit))
        );
        assert_eq!(expiry_within_minting_token(sooner, &by_token), Ok(sooner));
        let refused = expiry_within_minting_token(None, &by_token).expect_err("never");
        assert!(refused.contains("never expires"), "{refused}");

        let lasting = Via::Token { expires_at: None };
        assert_eq!(expiry_within_minting_token(None, &lasting), Ok(None));
        let session = Via::Session {
            csrf: String::new(),
            token: String::new(),
        };
        assert_eq!(expiry_within_minting_token(None, &session), Ok(None));
        assert_eq!(expiry_within_minting_token(later, &session), Ok(later));
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
            assert!(e.contains("90d"), "{e}");
        }
    }
}
