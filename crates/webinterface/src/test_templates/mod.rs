//! Test templates (issue 26): the tests a stand takes, defined by an admin as data
//! ([`domain::template::Template`], stored versioned by [`domain::store::templates`]), in place
//! of the old stack's hand-written start page per stand type.
//!
//! - [`messages`]: a template's and a value's refusals (the domain's English) as messages;
//! - [`fields`]: a template's start form on the stand page, and its posted values read back;
//! - [`api`]: `/api/stands/{id}/templates`, `/api/templates/{id}` (get, new version, retire)
//!   and its export, the same JSON the admin pages export and import;
//! - [`rows`]: the editor's form read into a template, and a template written into rows;
//! - [`editor`]: the admin's template editor and the stand admin page's list, import and
//!   retire.
//!
//! Starting a test through a template is the one start path of [`crate::runs`].

pub mod api;
pub mod editor;
pub mod fields;
pub mod messages;
pub mod rows;

use crate::routes::Routes;

/// The editor's pages.
pub fn pages() -> Routes {
    editor::pages()
}

/// The template API.
pub fn api() -> Routes {
    api::routes()
}
