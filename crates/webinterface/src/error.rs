//! The handlers' error type: one variant per answer a user can get, mapped to a status code
//! in one place. API requests get `{"error": "…"}`; pages get an HTML page. Internal causes
//! are logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
    /// The request conflicts with the current state (e.g. stand not ready).
    #[error("{0}")]
    Conflict(String),
    /// Too many failed logins.
    #[error("too many failed logins; wait {minutes} minutes and try again")]
    TooManyAttempts {
        /// How long to wait.
        minutes: i64,
    },
    /// The broker could not be reached or did not confirm in time.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged with its cause, shown as a plain 500.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// The handlers' result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of each variant.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user (logs the cause of internal errors).
    pub fn user_message(&self) -> String {
        if let Self::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        self.to_string()
    }
}

impl From<domain::store::StoreError> for Error {
    fn from(e: domain::store::StoreError) -> Self {
        Self::Internal(anyhow::Error::new(e).context("database"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.user_message() });
        (self.status_code(), axum::Json(body)).into_response()
    }
}

/// An error on a page: the same variants, shown as HTML (and a redirect to the login page
/// for [`Error::Unauthorized`]).
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        crate::pages::error_page(self.0)
    }
}
