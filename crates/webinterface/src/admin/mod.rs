//! What admins do, by feature, lowest first:
//!
//! - [`stands`]: add and edit stands, pages and API;
//! - [`users`]: users, roles and passwords, pages and API; the users page also lists tokens;
//! - [`tokens`]: making and revoking API tokens, the page's forms and API;
//! - [`jobs`]: the scheduler's job runs.
//!
//! Every route here needs the `admin` role.

pub mod jobs;
pub mod stands;
pub mod tokens;
pub mod users;

use crate::routes::Routes;

/// The admin pages.
pub fn pages() -> Routes {
    stands::pages()
        .merge(users::pages())
        .merge(tokens::pages())
        .merge(jobs::pages())
}

/// The admin API.
pub fn api() -> Routes {
    stands::api()
        .merge(users::api())
        .merge(tokens::api())
        .merge(jobs::api())
}
