//! API tokens (`Authorization: Bearer …`): random, shown once, stored as their SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::store::tokens;
use domain::store::users::User;

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

/// Makes an API token for a user; returns the token (shown once).
pub async fn create_token(
    state_pool: &sqlx::PgPool,
    user: &User,
    name: &str,
) -> Result<String, domain::store::StoreError> {
    let (token, hash) = new_api_token();
    tokens::create(state_pool, user.id, name, &hash).await?;
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
}
