//! Accounts of the web interface: users, their roles and password hashes.
//!
//! Hashing is the web interface's business; this module only stores the PHC strings.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::steps::rows_changed;
use super::{QueryContext, StoreError};

/// What a user may do: `viewer` reads, `operator` also starts tests and keeps or deletes
/// results, `admin` does everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Read everything.
    Viewer,
    /// Also start tests, keep and delete results.
    Operator,
    /// Everything, including stands and users.
    Admin,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    /// The name stored in the `user_role` enum.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    /// Parses `admin`, `operator` or `viewer`.
    pub fn parse(raw: &str) -> Result<Self, UnknownRole> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Self::Viewer),
            "operator" => Ok(Self::Operator),
            "admin" => Ok(Self::Admin),
            _ => Err(UnknownRole(raw.to_owned())),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A role name that is none of `admin`, `operator`, `viewer`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; use admin, operator or viewer")]
pub struct UnknownRole(pub String);

/// A user of the web interface (its password hash is never shown).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Its id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// E-mail address (may be empty).
    pub email: String,
    /// The argon2 PHC string.
    #[serde(skip)]
    pub password_hash: String,
    /// What the user may do.
    pub role: Role,
    /// Inactive users cannot log in or use tokens.
    pub active: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Last successful login.
    pub last_login: Option<DateTime<Utc>>,
    /// The language chosen on the account page (`da`, `en`); `None` follows the browser.
    pub language: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    email: String,
    password_hash: String,
    role: Role,
    active: bool,
    created_at: DateTime<Utc>,
    last_login: Option<DateTime<Utc>>,
    language: Option<String>,
}

impl UserRow {
    fn user(self) -> User {
        User {
            role: self.role,
            id: self.id,
            username: self.username,
            email: self.email,
            password_hash: self.password_hash,
            active: self.active,
            created_at: self.created_at,
            last_login: self.last_login,
            language: self.language,
        }
    }
}

macro_rules! select_user {
    () => {
        "SELECT id, username, email, password_hash, role::text AS role, active, created_at,
        last_login, language FROM users"
    };
}

/// Why a user cannot be created or changed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The name is taken (names are compared case-insensitively).
    #[error("a user named {0:?} already exists")]
    Duplicate(String),
    /// The name breaks the allowed pattern.
    #[error("user name {0:?} is not valid: use 1-150 characters of letters, digits and _ . @ + -")]
    BadName(String),
    /// No such user.
    #[error("no user {0:?}")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] StoreError),
}

/// Creates a user; returns its id.
pub async fn create(
    pool: &PgPool,
    username: &str,
    email: &str,
    password_hash: &str,
    role: Role,
) -> Result<i64, UserError> {
    let res = sqlx::query_scalar(
        "INSERT INTO users (username, email, password_hash, role)
         VALUES ($1, $2, $3, $4::user_role) RETURNING id",
    )
    .bind(username)
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_one(pool)
    .await
    .query("users.create");
    match res {
        Ok(id) => Ok(id),
        Err(e) => Err(match e.constraint() {
            Some("users_username_key") => UserError::Duplicate(username.to_owned()),
            Some("users_username_check") => UserError::BadName(username.to_owned()),
            _ => e.into(),
        }),
    }
}

/// A user by name (case-insensitive).
pub async fn by_username(pool: &PgPool, username: &str) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        select_user!(),
        " WHERE lower(username) = lower($1)"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await
    .query("users.by_username")?;
    Ok(row.map(UserRow::user))
}

/// A user by id.
pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = sqlx::query_as(concat!(select_user!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
        .query("users.by_id")?;
    Ok(row.map(UserRow::user))
}

/// Every user, by name.
pub async fn list(pool: &PgPool) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = sqlx::query_as(concat!(select_user!(), " ORDER BY lower(username)"))
        .fetch_all(pool)
        .await
        .query("users.list")?;
    Ok(rows.into_iter().map(UserRow::user).collect())
}

/// Replaces a user's password hash, ends all of the user's sessions and revokes all of the
/// user's API tokens (in one transaction): whoever knew the old password is logged out at their
/// next request, and a token made with it stops working.
pub async fn set_password(pool: &PgPool, username: &str, hash: &str) -> Result<(), UserError> {
    let mut tx = pool.begin().await.query("users.set_password begin")?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET password_hash = $2 WHERE lower(username) = lower($1) RETURNING id",
    )
    .bind(username)
    .bind(hash)
    .fetch_optional(&mut *tx)
    .await
    .query("users.set_password")?;
    let Some(id) = id else {
        return Err(UserError::NotFound(username.to_owned()));
    };
    super::sessions::delete_for_user(&mut *tx, id).await?;
    revoke_tokens(&mut tx, id, "users.set_password revoke tokens").await?;
    tx.commit().await.query("users.set_password commit")?;
    Ok(())
}

/// Changes a user's role and whether it is active; deactivating ends all of the user's
/// sessions (in the same transaction). The user's API tokens are refused while inactive.
pub async fn set_role_active(
    pool: &PgPool,
    id: i64,
    role: Role,
    active: bool,
) -> Result<(), UserError> {
    let mut tx = pool.begin().await.query("users.set_role_active begin")?;
    let query = sqlx::query("UPDATE users SET role = $2::user_role, active = $3 WHERE id = $1")
        .bind(id)
        .bind(role.as_str())
        .bind(active);
    if rows_changed(&mut *tx, query, "users.set_role_active").await? == 0 {
        return Err(UserError::NotFound(id.to_string()));
    }
    if !active {
        super::sessions::delete_for_user(&mut *tx, id).await?;
    }
    tx.commit().await.query("users.set_role_active commit")?;
    Ok(())
}

/// Sets the language a user reads the pages in (`None`: the browser's); the caller checks
/// the code (the column takes `da` and `en`).
pub async fn set_language(
    pool: &PgPool,
    id: i64,
    language: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET language = $2 WHERE id = $1")
        .bind(id)
        .bind(language)
        .execute(pool)
        .await
        .query("users.set_language")?;
    Ok(())
}

/// A user's own password change: replaces the hash, ends the user's other sessions (not
/// `keep_session`, the one changing it) and revokes the user's API tokens, in one transaction.
pub async fn change_own_password(
    pool: &PgPool,
    id: i64,
    hash: &str,
    keep_session: &str,
) -> Result<(), StoreError> {
    let mut tx = pool
        .begin()
        .await
        .query("users.change_own_password begin")?;
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(&mut *tx)
        .await
        .query("users.change_own_password")?;
    super::sessions::delete_others_of_user(&mut *tx, id, keep_session).await?;
    revoke_tokens(&mut tx, id, "users.change_own_password revoke tokens").await?;
    tx.commit()
        .await
        .query("users.change_own_password commit")?;
    Ok(())
}

/// Revokes every API token of user `id` not yet revoked; `name` names the query in errors.
/// Here rather than in `tokens`, which reads `users`' types (no import circle).
async fn revoke_tokens(
    conn: &mut PgConnection,
    id: i64,
    name: &'static str,
) -> Result<u64, StoreError> {
    let query =
        sqlx::query("UPDATE api_tokens SET revoked = true WHERE user_id = $1 AND NOT revoked")
            .bind(id);
    rows_changed(conn, query, name).await
}

/// Records a successful login.
pub async fn touch_login(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET last_login = now() WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("users.touch_login")?;
    Ok(())
}

/// How many users there are.
pub async fn count(pool: &PgPool) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await
        .query("users.count")
}
