//! Users, roles and passwords: the admin page (`/admin/users`, which also lists the API tokens
//! that [`super::tokens`] makes and revokes) and the API (`/api/users`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use domain::store::tokens;
use domain::store::users::{self, Role};

use crate::auth::password::hash_blocking;
use crate::auth::tokens::DEFAULT_EXPIRES_IN;
use crate::auth::{Admin, Authed};
use crate::error::{Error, ErrorBody, Result, msg_role};
use crate::extract::ApiJson;
use crate::i18n::Msg;
use crate::msg;
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;
use chrono::{DateTime, Utc};

/// `/admin/users…`.
pub fn pages() -> Routes {
    Routes::pages()
        .get("/admin/users", ADMIN, admin_users)
        .post("/admin/users", ADMIN, admin_user_create)
        .post("/admin/users/{id}", ADMIN, admin_user_save)
        .post("/admin/users/{id}/password", ADMIN, admin_user_password)
}

/// `/api/users`.
pub fn api() -> Routes {
    Routes::api()
        .get("/api/users", ADMIN, list_users)
        .post("/api/users", ADMIN, create_user)
}

fn parse_role(raw: &str) -> Result<Role> {
    Role::parse(raw).map_err(|e| Error::BadRequest(msg!("admin-user-unknown-role", role = e.0)))
}

/// Makes a user with a hashed password; returns the new id.
async fn add_user(
    state: &AppState,
    username: &str,
    email: &str,
    role: &str,
    password: String,
) -> Result<(i64, Role)> {
    let role = parse_role(role)?;
    let hash = hash_blocking(state, password).await?;
    let id = users::create(state.pool(), username.trim(), email.trim(), &hash, role).await?;
    Ok((id, role))
}

// ---------------------------------------------------------------------------------------------
// API

/// Every user, by name.
#[utoipa::path(get, path = "/api/users", tag = "admin",
    responses((status = 200, description = "The users", body = Vec<domain::store::users::User>)))]
async fn list_users(
    State(state): State<AppState>,
    _a: Admin,
) -> Result<Json<Vec<domain::store::users::User>>> {
    Ok(Json(users::list(state.pool()).await?))
}

/// A user to add.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Letters, digits and `@.+-_`, at most 150 characters.
    #[schema(example = "olga")]
    username: String,
    /// E-mail address (may be empty).
    #[serde(default)]
    email: String,
    /// `viewer`, `operator` or `admin`.
    #[schema(value_type = Role)]
    role: String,
    /// The password, at least 8 characters (stored as an argon2id hash).
    #[schema(min_length = 8)]
    password: String,
}

/// The user as added.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct NewUserAnswer {
    /// The new user's id.
    id: i64,
    /// The user name as stored (trimmed).
    username: String,
    /// The role.
    role: Role,
}

/// Adds a user.
#[utoipa::path(post, path = "/api/users", tag = "admin", request_body = NewUser,
    responses(
        (status = 201, description = "The user was added", body = NewUserAnswer),
        (status = 400, description = "A bad user name or role, or the body is not valid",
            body = ErrorBody),
        (status = 409, description = "The user name is taken", body = ErrorBody),
        (status = 503, description = "Too many passwords are being hashed at once \
            (`PASSWORD_HASH_CONCURRENCY`); nothing was added, try again after `Retry-After`",
            body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    ))]
async fn create_user(
    State(state): State<AppState>,
    _a: Admin,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<impl IntoResponse> {
    let (id, role) = add_user(&state, &new.username, &new.email, &new.role, new.password).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewUserAnswer {
            id,
            username: new.username.trim().to_owned(),
            role,
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages

struct UserRow {
    id: i64,
    username: String,
    email: String,
    options: Vec<RoleOption>,
    active: bool,
    last_login: Option<DateTime<Utc>>,
}

struct RoleOption {
    name: &'static str,
    /// The message key of the role's name.
    key: &'static str,
    selected: bool,
}

struct TokenRow {
    id: i64,
    username: String,
    name: String,
    created_at: DateTime<Utc>,
    last_used: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    expired: bool,
    revoked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub(super) struct AdminUsersPage {
    layout: Layout,
    csrf: String,
    users: Vec<UserRow>,
    tokens: Vec<TokenRow>,
    /// Each role: its name and the message key of its name as shown.
    roles: Vec<(&'static str, &'static str)>,
    new_token: Option<String>,
    default_expires_in: &'static str,
}

/// The users page: users, their roles, and every API token.
pub(super) async fn users_page(
    state: &AppState,
    a: &Authed,
    layout: Layout,
    new_token: Option<String>,
) -> Result<AdminUsersPage> {
    let all = users::list(state.pool()).await?;
    let toks = tokens::list(state.pool()).await?;
    let now = chrono::Utc::now();
    Ok(AdminUsersPage {
        layout,
        new_token,
        default_expires_in: DEFAULT_EXPIRES_IN,
        csrf: a.csrf().to_owned(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), msg_role(r.as_str()).key()))
            .collect(),
        users: all
            .into_iter()
            .map(|u| UserRow {
                id: u.id,
                username: u.username,
                email: u.email,
                options: Role::ALL
                    .iter()
                    .map(|r| RoleOption {
                        name: r.as_str(),
                        key: msg_role(r.as_str()).key(),
                        selected: *r == u.role,
                    })
                    .collect(),
                active: u.active,
                last_login: u.last_login,
            })
            .collect(),
        tokens: toks
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                username: t.username,
                name: t.name,
                created_at: t.created_at,
                last_used: t.last_used_at,
                expired: t.expires_at.is_some_and(|at| at <= now),
                expires_at: t.expires_at,
                revoked: t.revoked,
            })
            .collect(),
    })
}

/// Shows the users page with the outcome of a form: user errors on the page, others as errors.
pub(super) async fn users_outcome(
    state: &AppState,
    a: &Authed,
    outcome: Result<Msg>,
) -> Result<Response> {
    match outcome {
        Ok(notice) => Ok(users_page(state, a, a.layout().notice(Some(notice)), None)
            .await?
            .into_response()),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_) | Error::NotFound(_))) => {
            let status = e.status_code();
            let layout = a.layout().problem(Some(e.message()));
            Ok((status, users_page(state, a, layout, None).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn admin_users(State(state): State<AppState>, Admin(a): Admin) -> Result<AdminUsersPage> {
    users_page(&state, &a, a.layout(), None).await
}

#[derive(serde::Deserialize)]
struct NewUserForm {
    username: String,
    #[serde(default)]
    email: String,
    role: String,
    password: String,
}

async fn admin_user_create(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<NewUserForm>,
) -> Result<Response> {
    let outcome = add_user(
        &state,
        &form.username,
        &form.email,
        &form.role,
        form.password,
    )
    .await
    .map(|(_, role)| {
        msg!(
            "admin-user-added",
            name = form.username.trim(),
            role = msg_role(role.as_str())
        )
    });
    users_outcome(&state, &a, outcome).await
}

#[derive(serde::Deserialize)]
struct UserForm {
    role: String,
    #[serde(default)]
    active: Option<String>,
}

async fn admin_user_save(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    let outcome = async {
        let role = parse_role(&form.role)?;
        let active = form.active.is_some();
        if id == a.user.id && (role != Role::Admin || !active) {
            return Err(Error::BadRequest(msg!("admin-user-not-yourself")));
        }
        // Deactivating ends the user's sessions (the store does it with the change).
        users::set_role_active(state.pool(), id, role, active).await?;
        Ok(msg!("admin-saved"))
    }
    .await;
    users_outcome(&state, &a, outcome).await
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    password: String,
}

async fn admin_user_password(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<i64>,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let outcome = async {
        let user = users::by_id(state.pool(), id)
            .await?
            .ok_or_else(|| Error::NotFound(msg!("admin-user-id-not-found", id = id)))?;
        // Ends the user's sessions too (the store does it with the change).
        let hash = hash_blocking(&state, form.password).await?;
        users::set_password(state.pool(), &user.username, &hash).await?;
        Ok(msg!("admin-user-password-set", name = user.username))
    }
    .await;
    users_outcome(&state, &a, outcome).await
}
