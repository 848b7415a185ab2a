//! The relay's one error enum and how it is shown: JSON for the install API, an HTML page for
//! the stream and page routes. 500s are logged with their cause and never shown.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::hub::WatchError;
use crate::pages;
use domain::StandId;
use domain::camera::CameraUrlError;
use domain::stand_id::StandIdError;
use domain::store::StoreError;

/// What went wrong with a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The stand id in the path is not valid.
    #[error("invalid stand id: {0}")]
    BadStand(#[from] StandIdError),
    /// The camera URL is not an http(s) URL with a host.
    #[error(transparent)]
    BadUrl(#[from] CameraUrlError),
    /// The install form is not `data=<camera URL>`.
    #[error("expected a form with the field `data` (the camera URL; empty removes it): {0}")]
    BadForm(String),
    /// The stand has no camera.
    #[error("no camera installed for stand {0}")]
    NoCamera(StandId),
    /// The camera cannot be watched.
    #[error("camera of stand {stand}: {cause}")]
    Camera {
        /// The stand.
        stand: StandId,
        /// Why.
        cause: WatchError,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] StoreError),
}

impl Error {
    /// The HTTP status of each variant.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadStand(_) | Self::BadUrl(_) | Self::BadForm(_) => StatusCode::BAD_REQUEST,
            Self::NoCamera(_) => StatusCode::NOT_FOUND,
            Self::Camera { cause, .. } => match cause {
                WatchError::Camera(_) => StatusCode::BAD_GATEWAY,
                WatchError::NoFrame(_) => StatusCode::GATEWAY_TIMEOUT,
                WatchError::ShuttingDown | WatchError::Removed => StatusCode::SERVICE_UNAVAILABLE,
            },
            Self::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user: the error itself, except for internal ones.
    fn public_message(&self) -> String {
        match self {
            Self::Database(e) => {
                tracing::error!(error = %e, "request failed");
                "internal error; the cause is in the relay's log".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// An error of the JSON API: `{"error": "<message>"}`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.0.public_message() });
        (self.0.status_code(), Json(body)).into_response()
    }
}

/// An error of the stream and page routes: an HTML page saying what happened.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = match &self.0 {
            Error::NoCamera(_) => "No camera installed",
            Error::Camera { .. } => "Camera not available",
            _ => "Error",
        };
        let page = pages::message(title, &self.0.public_message());
        (self.0.status_code(), Html(page)).into_response()
    }
}
