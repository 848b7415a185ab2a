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

/// What went wrong, as the user is told.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not logged in (or a bad token).
    #[error("authentication required: log in or send Authorization: Bearer <token>")]
    Unauthorized,
    /// Logged in, but the role does not allow it.
    #[error("your role ({have}) may not do this; it needs {need}")]
    Forbidden {
        /// The user's role.
        have: &'static str,
        /// The role needed.
        need: &'static str,
    },
    /// A form or API call without a valid CSRF token.
    #[error("CSRF token missing or wrong: reload the page and try again")]
    Csrf,
    /// No such thing.
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well-formed, but what it asks for is refused (a message the protocol
    /// schema refuses).
    #[error("{0}")]
    Unprocessable(String),
    /// The path exists but does not take this method (the router adds `Allow`).
    #[error(
        "{0} is not a method this path takes; the Allow header lists those it takes \
         (the API is described at /docs/api)"
    )]
    MethodNotAllowed(axum::http::Method),
    /// The request conflicts with the current state (e.g. stand not ready).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed logins.
    #[error("too many failed logins for this name from here; wait {minutes} min and try again")]
    TooManyAttempts {
        /// How long to wait.
        minutes: i64,
    },
    /// An API token that exists but no longer works (expired, revoked, owner deactivated).
    #[error("{0}")]
    TokenRefused(String),
    /// The client holds its whole share of something (live streams); answered with
    /// `Retry-After`.
    #[error("{0}")]
    TooMany(String),
    /// Too many passwords are being checked at once; answered with `Retry-After`.
    #[error("the server is busy checking other logins; try again in a few seconds")]
    Busy,
    /// The broker could not be reached or did not confirm in time.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged with its cause, shown as a plain 500.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
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
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyAttempts { .. } | Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user (logs the cause chain of internal errors).
    pub fn user_message(&self) -> String {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        self.to_string()
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
            StandAdminError::Duplicate(_) => Self::Conflict(e.to_string()),
            StandAdminError::NotFound(_) => Self::NotFound(e.to_string()),
            StandAdminError::BadDuration => Self::BadRequest(e.to_string()),
            StandAdminError::Db(e) => e.into(),
        }
    }
}

impl From<UserError> for Error {
    fn from(e: UserError) -> Self {
        match e {
            UserError::Duplicate(_) => Self::Conflict(e.to_string()),
            UserError::BadName(_) => Self::BadRequest(e.to_string()),
            UserError::NotFound(_) => Self::NotFound(e.to_string()),
            UserError::Db(e) => e.into(),
        }
    }
}

/// Left on every error response for the layers above: the message as the user is told, and
/// whether logging in would help. The page routes render it as HTML; the API keeps the JSON.
#[derive(Debug, Clone)]
pub struct ErrorShown {
    /// The user's message.
    pub message: String,
    /// The error was [`Error::Unauthorized`].
    pub unauthorized: bool,
}

/// The body of every error answer of the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": "no stand \"rig9\""}))]
pub struct ErrorBody {
    /// What went wrong and, where it helps, what to do; never an internal cause.
    pub error: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let message = self.user_message();
        let body = ErrorBody {
            error: message.clone(),
        };
        let mut response = (self.status_code(), axum::Json(body)).into_response();
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
