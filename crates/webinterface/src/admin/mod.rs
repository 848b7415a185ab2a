//! What admins do, by feature: [`stands`] (add and edit stands, pages and API), [`users`]
//! (users, roles, passwords and API tokens, pages and API), [`jobs`] (the scheduler's job
//! runs). Every route here needs the `admin` role.

pub mod jobs;
pub mod stands;
pub mod users;

use crate::routes::Routes;

/// The admin pages.
pub fn pages() -> Routes {
    stands::pages().merge(users::pages()).merge(jobs::pages())
}

/// The admin API.
pub fn api() -> Routes {
    stands::api().merge(users::api()).merge(jobs::api())
}
