//! The handlers' error type: one variant per answer a user can get, mapped to a status code
//! in one place, answered as [`ErrorBody`] (`{"error": "…"}`, the one error shape of the whole
//! API, referenced by every error answer of the OpenAPI document). A leaf: it knows status codes and JSON, nothing
//! of pages. Every error response carries an [`ErrorShown`] extension, which the page routes'
//! response layer (`layout::html_errors`) turns into an HTML page. Internal causes are
//! logged (inside the request's span, so the log says where), never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::store::stands::StandAdminError;
use domain::store::users::UserError;

use crate::i18n::Msg;
use crate::msg;

/// What went wrong, as the user is told: each variant's message is a [`Msg`] (a key of
/// `locales/*/errors.ftl` and its arguments), shown to a person in their language and answered
/// by the API in English, with the key as the error's stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not logged in (or a bad token).
    #[error("{}", msg!("error-unauthorized"))]
    Unauthorized,
    /// Logged in, but the role does not allow it.
    #[error("{}", forbidden(have, need))]
    Forbidden {
        /// The user's role.
        have: &'static str,
        /// The role needed.
        need: &'static str,
    },
    /// A form or API call without a valid CSRF token.
    #[error("{}", msg!("error-csrf"))]
    Csrf,
    /// No such thing.
    #[error("{0}")]
    NotFound(Msg),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(Msg),
    /// The request is well-formed, but what it asks for is refused (a message the protocol
    /// schema refuses).
    #[error("{0}")]
    Unprocessable(Msg),
    /// The path exists but does not take this method (the router adds `Allow`).
    #[error("{}", msg!("error-method-not-allowed", method = .0.as_str()))]
    MethodNotAllowed(axum::http::Method),
    /// The body is larger than the server takes.
    #[error("{0}")]
    TooLarge(Msg),
    /// The request conflicts with the current state (e.g. stand not ready).
    #[error("{0}")]
    Conflict(Msg),
    /// Too many failed logins.
    #[error("{}", msg!("error-too-many-logins", minutes = *minutes))]
    TooManyAttempts {
        /// How long to wait.
        minutes: i64,
    },
    /// An API token that exists but no longer works (expired, revoked, owner deactivated).
    #[error("{0}")]
    TokenRefused(Msg),
    /// The client holds its whole share of something (live streams); answered with
    /// `Retry-After`.
    #[error("{0}")]
    TooMany(Msg),
    /// Too many passwords are being checked at once; answered with `Retry-After`.
    #[error("{}", msg!("error-busy"))]
    Busy,
    /// The broker could not be reached or did not confirm in time.
    #[error("{0}")]
    Unavailable(Msg),
    /// Anything else: logged with its cause, shown as a plain 500.
    #[error("{}", msg!("error-internal"))]
    Internal(#[source] anyhow::Error),
}

fn forbidden(have: &'static str, need: &'static str) -> Msg {
    msg!(
        "error-forbidden",
        have = msg_role(have),
        need = msg_role(need)
    )
}

/// A role's name as shown (`admin`, `operator`, `viewer` are also the API's names).
pub fn msg_role(role: &str) -> Msg {
    match role {
        "admin" => msg!("role-admin"),
        "operator" => msg!("role-operator"),
        _ => msg!("role-viewer"),
    }
}

/// The `Retry-After` of [`Error::Busy`], in seconds.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 5;

/// The handlers' result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of each variant.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::TokenRefused(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyAttempts { .. } | Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user (logs the cause chain of internal errors).
    pub fn message(&self) -> Msg {
        match self {
            Self::Unauthorized => msg!("error-unauthorized"),
            Self::Forbidden { have, need } => forbidden(have, need),
            Self::Csrf => msg!("error-csrf"),
            Self::NotFound(m)
            | Self::BadRequest(m)
            | Self::TooLarge(m)
            | Self::Unprocessable(m)
            | Self::Conflict(m)
            | Self::TokenRefused(m)
            | Self::TooMany(m)
            | Self::Unavailable(m) => m.clone(),
            Self::MethodNotAllowed(method) => {
                msg!("error-method-not-allowed", method = method.as_str())
            }
            Self::TooManyAttempts { minutes } => msg!("error-too-many-logins", minutes = *minutes),
            Self::Busy => msg!("error-busy"),
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                msg!("error-internal")
            }
        }
    }

    /// The stable `code` of the API's answer: the message's key, or for a message not (yet)
    /// translated, the kind of error.
    pub fn code(message: &Msg, status: StatusCode) -> &'static str {
        if message.key() != Msg::UNTRANSLATED {
            return message.key();
        }
        match status {
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::BAD_REQUEST => "bad-request",
            StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
            StatusCode::CONFLICT => "conflict",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::TOO_MANY_REQUESTS => "too-many",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => "error",
        }
    }

    /// An internal error with what was being done when it happened.
    pub fn internal(what: &'static str, cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into().context(what))
    }
}

/// Context on `?` at I/O: turns a foreign error into [`Error::Internal`] saying what failed.
pub trait Context<T> {
    /// `Err(e)` becomes an internal error with `what` as its context.
    fn context(self, what: &'static str) -> Result<T>;
}

impl<T, E: Into<anyhow::Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: &'static str) -> Result<T> {
        self.map_err(|e| Error::internal(what, e))
    }
}

impl From<domain::store::StoreError> for Error {
    fn from(e: domain::store::StoreError) -> Self {
        Self::internal("database", e)
    }
}

impl From<StandAdminError> for Error {
    fn from(e: StandAdminError) -> Self {
        match e {
            StandAdminError::Duplicate(id) => Self::Conflict(msg!("stand-exists", id = id)),
            StandAdminError::NotFound(id) => Self::NotFound(msg!("stand-not-found", id = id)),
            StandAdminError::BadDuration => Self::BadRequest(msg!("stand-bad-duration")),
            StandAdminError::Db(e) => e.into(),
        }
    }
}

impl From<UserError> for Error {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Duplicate(name) => Self::Conflict(msg!("user-exists", name = name)),
            UserError::BadName(name) => Self::BadRequest(msg!("user-bad-name", name = name)),
            UserError::NotFound(name) => Self::NotFound(msg!("user-not-found", name = name)),
            UserError::Db(e) => e.into(),
        }
    }
}

/// Left on every error response for the layers above: the message as the user is told, and
/// whether logging in would help. The page routes render it as HTML; the API keeps the JSON.
#[derive(Debug, Clone)]
pub struct ErrorShown {
    /// The user's message (translated when the page is drawn).
    pub message: Msg,
    /// The error was [`Error::Unauthorized`].
    pub unauthorized: bool,
}

/// The body of every error answer of the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": "no stand \"rig9\"", "code": "stand-not-found"}))]
pub struct ErrorBody {
    /// What went wrong and, where it helps, what to do; never an internal cause. In English
    /// (pages show it in the reader's language).
    pub error: String,
    /// What went wrong as a stable identifier for scripts to branch on
    /// (`stand-not-found`, `error-csrf`, …): it does not change when the wording does.
    pub code: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let message = self.message();
        let status = self.status_code();
        let body = ErrorBody {
            error: message.english(),
            code: Self::code(&message, status).to_owned(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, Self::Busy | Self::TooMany(_)) {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(BUSY_RETRY_AFTER_SECONDS),
            );
        }
        response.extensions_mut().insert(ErrorShown {
            message,
            unauthorized: matches!(self, Self::Unauthorized),
        });
        response
    }
}
