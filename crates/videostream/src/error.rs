//! The relay's one error enum and how it is shown: JSON for the install API, an HTML page for
//! the stream and page routes. 500s and camera failures are logged with their cause (camera
//! URLs redacted) and never shown: a viewer sees only that the camera is not available, so the
//! relay cannot be used to learn what answers where on the network.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::hub::WatchError;
use crate::pages;
use domain::StandId;
use domain::camera::CameraUrlError;
use domain::camera_policy::CameraRefused;
use domain::signing::LinkError;
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
    /// The camera URL points somewhere a camera may not be.
    #[error("camera URL refused: {0}")]
    Refused(#[from] CameraRefused),
    /// The install form is not `data=<camera URL>`.
    #[error("expected a form with the field `data` (the camera URL; empty removes it): {0}")]
    BadForm(String),
    /// No (valid) admin token.
    #[error(
        "installing a camera takes an admin: send `Authorization: Bearer <token>` with a token \
         from `webinterface createtoken`"
    )]
    Unauthorized,
    /// A valid token of a user who is not an admin.
    #[error("installing a camera takes an admin; this token's user is not one")]
    Forbidden,
    /// No valid signed link to watch with.
    #[error(transparent)]
    Link(LinkError),
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
            Self::BadStand(_) | Self::BadUrl(_) | Self::Refused(_) | Self::BadForm(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized | Self::Link(LinkError::Missing) => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Link(_) => StatusCode::FORBIDDEN,
            Self::NoCamera(_) => StatusCode::NOT_FOUND,
            Self::Camera { cause, .. } => match cause {
                WatchError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
                // One status for every camera failure: what failed how is for the log.
                _ => StatusCode::BAD_GATEWAY,
            },
            Self::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user: the error itself, except for internal ones and camera
    /// failures, which are logged.
    fn public_message(&self) -> String {
        match self {
            Self::Database(e) => {
                tracing::error!(error = %e, "request failed");
                "internal error; the cause is in the relay's log".to_owned()
            }
            Self::Camera { stand, cause } => {
                tracing::warn!(%stand, cause = %cause, "a viewer got no stream");
                "The camera is not available right now. Try again later; if it stays so, an \
                 admin finds the cause in the video relay's log."
                    .to_owned()
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
        let status = self.0.status_code();
        if status == StatusCode::UNAUTHORIZED {
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], Json(body)).into_response();
        }
        (status, Json(body)).into_response()
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
            Error::Link(_) => "Login needed",
            _ => "Error",
        };
        let page = pages::message(title, &self.0.public_message());
        (self.0.status_code(), Html(page)).into_response()
    }
}
