//! The pages' languages: Danish and English, from Fluent files a translator edits
//! (`locales/da/*.ftl`, `locales/en/*.ftl`, embedded at build time), and a pseudo-locale for
//! tests that marks every translated message.
//!
//! A request's language is the user's choice on the account page, else the browser's
//! `Accept-Language`, else the site's `DEFAULT_LANGUAGE` ([`negotiate`]); the `authenticate`
//! layer leaves it on the request as a [`Tr`], which also formats times (in the lab's
//! `TIME_ZONE`) and numbers. The JSON API and the logs stay English; an error's message key is
//! its stable `code`.
//!
//! - [`lang`]: [`Lang`] and the negotiation of a request's language;
//! - [`catalog`]: the Fluent bundles and the lookup, with English as the fallback;
//! - [`msg`]: [`Msg`], a message key with its arguments, translated when shown;
//! - [`tr`]: [`Tr`], one request's language and time zone, which templates call.

pub mod catalog;
pub mod lang;
pub mod msg;
pub mod tr;

pub use catalog::{FILES, keys};
pub use lang::{Lang, negotiate};
pub use msg::{Arg, Msg};
pub use tr::{DEFAULT_TIME_ZONE, Tr};
