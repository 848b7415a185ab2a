//! Extractors: the roles ([`Viewer`], [`Operator`], [`Admin`]), so a handler cannot run
//! without the role it names; [`MaybeUser`] for public pages; [`RemoteAddr`] for rate limits.
//! A refusal is an [`Error`]: the API answers it as JSON, the page layer as HTML or a login
//! redirect.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use domain::store::users::Role;

use super::sessions::Authed;
use crate::error::Error;

fn role_check(parts: &Parts, need: Role) -> Result<Authed, Error> {
    let authed = parts
        .extensions
        .get::<Option<Authed>>()
        .cloned()
        .flatten()
        .ok_or(Error::Unauthorized)?;
    if authed.user.role < need {
        return Err(Error::Forbidden {
            have: authed.user.role.as_str(),
            need: need.as_str(),
        });
    }
    Ok(authed)
}

macro_rules! role_extractor {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone)]
        pub struct $name(pub Authed);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = Error;

            async fn from_request_parts(
                parts: &mut Parts,
                _state: &S,
            ) -> Result<Self, Self::Rejection> {
                role_check(parts, $role).map($name)
            }
        }
    };
}

role_extractor!(
    Viewer,
    Role::Viewer,
    "Any logged-in user (the `viewer` role or above)."
);
role_extractor!(
    Operator,
    Role::Operator,
    "A user who may start tests (`operator` or `admin`)."
);
role_extractor!(Admin, Role::Admin, "An `admin`.");

/// The user if logged in, without requiring it (the login page uses it).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<Authed>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts.extensions.get::<Option<Authed>>().cloned().flatten(),
        ))
    }
}

/// The peer's IP address (for rate limiting), empty when unknown.
#[derive(Debug, Clone)]
pub struct RemoteAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RemoteAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default(),
        ))
    }
}
