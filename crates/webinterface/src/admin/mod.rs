//! What admins do, by feature, lowest first:
//!
//! - [`messages`]: the domain's refusals (stand ids, camera URLs, roles) as messages;
//! - [`stand_account`]: a stand's own account on the launcher's broker (a leaf of [`stands`]'s page);
//! - [`stands`]: add and edit stands, pages and API;
//! - [`users`]: users, roles and passwords, pages and API; the users page also lists tokens;
//! - [`tokens`]: making and revoking API tokens, the page's forms and API;
//! - [`jobs`]: the scheduler's job runs;
//! - [`raw_messages`]: sending a raw message to a stand's outbound topic (firmware bring-up):
//!   the checks and the record;
//! - [`raw_message_page`]: its page, `/admin/raw-messages`;
//! - [`raw_message_api`]: its API, `POST /api/admin/raw-messages`.
//!
//! Every route here needs the `admin` role.

pub mod jobs;
pub mod messages;
pub mod raw_message_api;
pub mod raw_message_page;
pub mod raw_messages;
pub mod stand_account;
pub mod stands;
pub mod tokens;
pub mod users;

use crate::routes::Routes;

/// The admin pages.
pub fn pages() -> Routes {
    stands::pages()
        .merge(stand_account::pages())
        .merge(users::pages())
        .merge(tokens::pages())
        .merge(jobs::pages())
        .merge(raw_message_page::pages())
}

/// The admin API.
pub fn api() -> Routes {
    stands::api()
        .merge(users::api())
        .merge(tokens::api())
        .merge(jobs::api())
        .merge(raw_message_api::api())
}
