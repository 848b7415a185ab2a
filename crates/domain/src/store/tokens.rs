//! API bearer tokens: only their SHA-256 is stored; the token is shown once when made.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::steps::rows_changed;
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
    /// When it stops working (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Stores a token's hash for a user, valid until `expires_at` (`None`: no expiry); returns
/// the token's id.
pub async fn create(
    pool: &PgPool,
    user_id: i64,
    name: &str,
    token_hash: &[u8],
    expires_at: Option<DateTime<Utc>>,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, expires_at) VALUES ($1, $2, $3, $4)
         RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(expires_at)
    .fetch_one(pool)
    .await
    .query("api_tokens.create")
}

/// What a presented token is worth.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    /// Valid: its active owner (the token is marked used) and when it stops working.
    Valid {
        /// The owner.
        user: User,
        /// When the token expires (`None`: never); a token it makes may not outlive it.
        expires_at: Option<DateTime<Utc>>,
    },
    /// No token has this hash.
    Unknown,
    /// Revoked by an admin.
    Revoked,
    /// Expired at this time.
    Expired(DateTime<Utc>),
    /// Its owner is deactivated.
    Inactive,
}

/// The stored hash of an API token: its SHA-256. The one hashing of tokens, used by the web
/// interface when it makes and checks them and by the video relay when it checks them.
pub fn hash(token: &str) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// A token row with its owner, as [`check`] reads it (no password hash).
#[derive(sqlx::FromRow)]
struct TokenUserRow {
    token_id: i64,
    revoked: bool,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    id: i64,
    username: String,
    email: String,
    role: Role,
    active: bool,
    created_at: DateTime<Utc>,
    last_login: Option<DateTime<Utc>>,
    language: Option<String>,
}

/// Checks a token by its hash; a valid one is marked used (at most once a minute, so busy
/// scripts do not write per request).
pub async fn check(pool: &PgPool, token_hash: &[u8]) -> Result<TokenCheck, StoreError> {
    let row: Option<TokenUserRow> = sqlx::query_as(
        "SELECT t.id AS token_id, t.revoked, t.expires_at, t.last_used_at, u.id, u.username,
                u.email, u.role::text AS role, u.active, u.created_at, u.last_login,
                u.language
         FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
    .query("api_tokens.check")?;
    let Some(row) = row else {
        return Ok(TokenCheck::Unknown);
    };
    let now = Utc::now();
    if row.revoked {
        return Ok(TokenCheck::Revoked);
    }
    if let Some(at) = row.expires_at.filter(|at| *at <= now) {
        return Ok(TokenCheck::Expired(at));
    }
    if !row.active {
        return Ok(TokenCheck::Inactive);
    }
    if row
        .last_used_at
        .is_none_or(|at| at < now - chrono::Duration::minutes(1))
    {
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1")
            .bind(row.token_id)
            .execute(pool)
            .await
            .query("api_tokens.touch")?;
    }
    let user = User {
        id: row.id,
        username: row.username,
        email: row.email,
        password_hash: String::new(),
        role: row.role,
        active: row.active,
        created_at: row.created_at,
        last_login: row.last_login,
        language: row.language,
    };
    Ok(TokenCheck::Valid {
        user,
        expires_at: row.expires_at,
    })
}

/// The active user owning a valid (not revoked, not expired) token with this hash; marks the
/// token used.
pub async fn user_for(pool: &PgPool, token_hash: &[u8]) -> Result<Option<User>, StoreError> {
    Ok(match check(pool, token_hash).await? {
        TokenCheck::Valid { user, .. } => Some(user),
        _ => None,
    })
}

/// Every token, newest first.
pub async fn list(pool: &PgPool) -> Result<Vec<TokenInfo>, StoreError> {
    sqlx::query_as(
        "SELECT t.id, u.username, t.name, t.created_at, t.last_used_at, t.revoked, t.expires_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.created_at DESC, t.id DESC",
    )
    .fetch_all(pool)
    .await
    .query("api_tokens.list")
}

/// Revokes a token; returns whether it existed.
pub async fn revoke(pool: &PgPool, id: i64) -> Result<bool, StoreError> {
    let query = sqlx::query("UPDATE api_tokens SET revoked = true WHERE id = $1").bind(id);
    Ok(rows_changed(pool, query, "api_tokens.revoke").await? > 0)
}
