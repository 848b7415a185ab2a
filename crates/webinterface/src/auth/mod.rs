//! Who is asking, and may they: passwords, API tokens, sessions, CSRF, login and roles.
//!
//! - [`password`]: argon2id PHC strings, hashed off the async workers, at most
//!   `PASSWORD_HASH_CONCURRENCY` at once (then 503);
//! - [`tokens`]: API tokens (`Authorization: Bearer …`), random, shown once, stored as SHA-256,
//!   expiring (90 days unless asked otherwise);
//! - [`signing`]: HMAC signatures, constant-time comparison and the cookie settings;
//! - [`sessions`]: a login makes a session: a random token in an `HttpOnly`, `SameSite=Lax`
//!   cookie signed with `SECRET_KEY`; the `sessions` table holds only the token's SHA-256, so a
//!   copy of the table cannot be replayed. [`authenticate`] resolves the caller once per
//!   request;
//! - [`csrf`]: every state-changing request made with a session cookie must carry the
//!   session's CSRF token (form field `csrf` or header `X-CSRF-Token`); the guard is layered on
//!   every route group in `lib.rs`, so no form can forget it. The login form uses a signed
//!   double-submit cookie;
//! - [`extract`]: roles as extractors ([`Viewer`], [`Operator`], [`Admin`]): a handler cannot
//!   run without the role it names;
//! - [`login`]: the login and logout pages; failed logins are throttled per user name and
//!   client address with back-off, per client address, and per user name only for addresses
//!   that failed at it ([`check_rate_limit`]), each attempt reserved atomically before its
//!   password is checked, and the client's address taken from a trusted proxy's headers
//!   ([`extract::client_addr`], `TRUSTED_PROXIES`);
//! - [`account`]: the account page: a user's own language and password.

pub mod account;
pub mod csrf;
pub mod extract;
pub mod login;
pub mod password;
pub mod sessions;
pub mod signing;
pub mod tokens;

pub use extract::{Admin, MaybeUser, Operator, RemoteAddr, Viewer};
pub use login::check_rate_limit;
pub use password::{PasswordError, hash_password, verify_password};
pub use sessions::{Authed, Via, authenticate};
pub use tokens::{create_token, create_token_until, new_api_token, parse_expires_in, token_hash};
