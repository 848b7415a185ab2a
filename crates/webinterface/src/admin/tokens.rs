//! API tokens: making one for a user (`POST /api/tokens`, the form on `/admin/users`) and
//! revoking one (`/admin/tokens/{id}/revoke`). The page that lists them is [`super::users`]'s.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use domain::store::tokens;
use domain::store::users;

use super::users::{users_outcome, users_page};
use crate::auth::tokens::{DEFAULT_EXPIRES_IN, parse_expires_in};
use crate::auth::{Admin, Via, create_token_until};
use crate::error::{Error, ErrorBody, Result};
use crate::extract::ApiJson;
use crate::msg;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;

/// `/admin/tokens…`.
pub fn pages() -> Routes {
    Routes::pages()
        .post("/admin/tokens", ADMIN, admin_token_create)
        .post("/admin/tokens/{id}/revoke", ADMIN, admin_token_revoke)
}

/// `/api/tokens`.
pub fn api() -> Routes {
    Routes::api().post("/api/tokens", ADMIN, api_token_create)
}

// ---------------------------------------------------------------------------------------------
// API

/// A token to make.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Whose token it is (it has their role).
    #[schema(example = "olga")]
    username: String,
    /// A name to tell tokens apart.
    #[serde(default)]
    name: String,
    /// How long it works: days, hours or minutes (`90d`, `12h`, `30m`) or `never`;
    /// default `90d`. Made with a token that expires, it ends at that token's expiry at the
    /// latest, and `never` is refused.
    #[serde(default)]
    #[schema(example = "90d")]
    expires_in: Option<String>,
}

/// A new API token, shown this once.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NewTokenAnswer {
    /// The token, for `Authorization: Bearer <token>`; only its hash is stored.
    token: String,
    /// Whose it is.
    username: String,
    /// When it stops working (`null`: never).
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The expiry time of a token made now that works for `expires_in` (default `90d`), by a
/// request authenticated `via` (a token that expires makes none that outlives it).
fn token_expiry(
    expires_in: Option<&str>,
    via: &Via,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let lifetime =
        parse_expires_in(expires_in.unwrap_or(DEFAULT_EXPIRES_IN)).map_err(Error::BadRequest)?;
    let requested = lifetime.map(|d| chrono::Utc::now() + d);
    via.new_token_expiry(requested).map_err(Error::BadRequest)
}

/// Makes an API token for a user.
#[utoipa::path(post, path = "/api/tokens", tag = "admin", request_body = NewToken,
    responses(
        (status = 201, description = "The token (shown once)", body = NewTokenAnswer),
        (status = 400, description = "The body or the expiry is not valid, or `never` asked \
            by a token that expires (a new token never outlives the one making it)",
            body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
async fn api_token_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    ApiJson(new): ApiJson<NewToken>,
) -> Result<impl IntoResponse> {
    let expires_at = token_expiry(new.expires_in.as_deref(), &a.via)?;
    let user = users::by_username(state.pool(), &new.username)
        .await?
        .ok_or_else(|| Error::NotFound(msg!("user-not-found", name = &new.username)))?;
    let token = create_token_until(state.pool(), &user, &new.name, expires_at).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenAnswer {
            token,
            username: user.username,
            expires_at,
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(serde::Deserialize)]
struct TokenForm {
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in: Option<String>,
}

async fn admin_token_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<TokenForm>,
) -> Result<Response> {
    let expires_in = form.expires_in.as_deref().filter(|s| !s.trim().is_empty());
    let expires_at = match token_expiry(expires_in, &a.via) {
        Ok(at) => at,
        Err(e) => return users_outcome(&state, &a, Err(e)).await,
    };
    let user = users::by_username(state.pool(), form.username.trim()).await?;
    let Some(user) = user else {
        let missing = Error::NotFound(msg!("user-not-found", name = form.username.trim()));
        return users_outcome(&state, &a, Err(missing)).await;
    };
    let token = create_token_until(state.pool(), &user, form.name.trim(), expires_at).await?;
    Ok(users_page(&state, &a, a.layout(), Some(token))
        .await?
        .into_response())
}

async fn admin_token_revoke(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<i64>,
) -> Result<Response> {
    let found = tokens::revoke(state.pool(), id).await?;
    let outcome = if found {
        Ok(msg!("admin-token-revoked"))
    } else {
        Err(Error::NotFound(msg!("admin-token-not-found", id = id)))
    };
    users_outcome(&state, &a, outcome).await
}
