//! Passwords as argon2id PHC strings; hashing runs off the async workers, at most
//! `PASSWORD_HASH_CONCURRENCY` at once.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use tokio::sync::OwnedSemaphorePermit;

use crate::error::{Context, Error, Result};
use crate::msg;
use crate::state::AppState;

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Why a password cannot be set or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Shorter than [`MIN_PASSWORD_LEN`].
    #[error("the password must have at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes a password into an argon2id PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PasswordError::TooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a password nobody has, checked when the user does not exist so that a login for
/// an unknown name takes as long as one for a known name.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::random();
        hash_password(&hex::encode(random)).unwrap_or_default()
    })
}

/// How long a password check waits for a hashing permit before the request gets 503.
pub const PERMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A hashing permit (`PASSWORD_HASH_CONCURRENCY` of them), waiting at most [`PERMIT_WAIT`]:
/// argon2 takes ~19 MiB and tens of milliseconds of CPU per hash, so a flood of logins must
/// queue briefly and then be turned away, not run all at once.
pub async fn hashing_permit(state: &AppState) -> Result<OwnedSemaphorePermit> {
    let permits = state.password_permits().clone();
    match tokio::time::timeout(PERMIT_WAIT, permits.acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(closed)) => Err(Error::internal("password hashing permits", closed)),
        Err(_) => {
            tracing::warn!("password hashing is at its limit (PASSWORD_HASH_CONCURRENCY): 503");
            Err(Error::Busy)
        }
    }
}

/// Hashes a password off the async workers, holding a hashing permit; a short password is a
/// 400, no permit in time a 503.
pub async fn hash_blocking(state: &AppState, password: String) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::BadRequest(msg!(
            "password-too-short",
            min = MIN_PASSWORD_LEN
        )));
    }
    let permit = hashing_permit(state).await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        hash_password(&password)
    })
    .await
    .context("password hashing task")?
    .map_err(|e| match e {
        PasswordError::TooShort => {
            Error::BadRequest(msg!("password-too-short", min = MIN_PASSWORD_LEN))
        }
        other => Error::internal("hashing a password", other),
    })
}

/// Checks a password against a hash off the async workers, holding a hashing permit (argon2
/// takes tens of milliseconds of CPU); no permit in time is a 503.
pub async fn verify_blocking(state: &AppState, password: String, hash: String) -> Result<bool> {
    let permit = hashing_permit(state).await?;
    Ok(tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::TooShort)
        ));
    }
}
