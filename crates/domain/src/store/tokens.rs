//! API bearer tokens: only their SHA-256 is stored; the token is shown once when made.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{QueryContext, StoreError};

use super::users::{Role, User};

/// A token as listed (never the token itself).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct TokenInfo {
    /// Its id.
    pub id: i64,
    /// The owner's name.
    pub username: String,
    /// A label.
    pub name: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked tokens are refused.
    pub revoked: bool,
}

/// Stores a token's hash for a user; returns the token's id.
pub async fn create(
    pool: &PgPool,
    user_id: i64,
    name: &str,
    token_hash: &[u8],
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .fetch_one(pool)
    .await
    .query("api_tokens.create")
}

/// A user row as the token query returns it (no password hash).
type TokenUserRow = (
    i64,
    String,
    String,
    String,
    bool,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// The stored hash of an API token: its SHA-256. The one hashing of tokens, used by the web
/// interface when it makes and checks them and by the video relay when it checks them.
pub fn hash(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// The active user owning a valid token with this hash; marks the token used.
pub async fn user_for(pool: &PgPool, token_hash: &[u8]) -> Result<Option<User>, StoreError> {
    let row: Option<TokenUserRow> =
        // Marks the token used at most once a minute, so busy scripts do not write per request.
        sqlx::query_as(
            "WITH found AS (
               SELECT t.id AS token_id, u.id, u.username, u.email, u.role::text AS role, u.active,
                      u.created_at, u.last_login, t.last_used_at
               FROM api_tokens t JOIN users u ON u.id = t.user_id
               WHERE t.token_hash = $1 AND NOT t.revoked AND u.active),
             touched AS (
               UPDATE api_tokens SET last_used_at = now()
               WHERE id IN (SELECT token_id FROM found
                            WHERE last_used_at IS NULL
                               OR last_used_at < now() - interval '1 minute'))
             SELECT id, username, email, role, active, created_at, last_login FROM found",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await
        .query("api_tokens.user_for")?;
    Ok(row.map(
        |(id, username, email, role, active, created_at, last_login)| User {
            id,
            username,
            email,
            password_hash: String::new(),
            // The column is the `user_role` enum: it holds only the three names.
            role: Role::parse(&role).unwrap_or(Role::Viewer),
            active,
            created_at,
            last_login,
        },
    ))
}

/// Every token, newest first.
pub async fn list(pool: &PgPool) -> Result<Vec<TokenInfo>, StoreError> {
    sqlx::query_as(
        "SELECT t.id, u.username, t.name, t.created_at, t.last_used_at, t.revoked
         FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id DESC",
    )
    .fetch_all(pool)
    .await
    .query("api_tokens.list")
}

/// Revokes a token; returns whether it existed.
pub async fn revoke(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE api_tokens SET revoked = true WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("api_tokens.revoke")?;
    Ok(done.rows_affected() > 0)
}
