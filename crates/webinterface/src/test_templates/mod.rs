//! Test templates (issue 26): the tests a stand takes, defined by an admin as data
//! ([`domain::template::Template`], stored versioned by [`domain::store::templates`]), in place
//! of the old stack's hand-written start page per stand type.
//!
//! - [`fields`]: a template's start form on the stand page, and its posted values read back;
//! - [`api`]: `/api/stands/{id}/templates`, `/api/templates/{id}` (get, new version, retire)
//!   and its export, the same JSON the admin pages export and import;
//! - [`editor`]: the admin's template editor and the stand admin page's list, import and
//!   retire.
//!
//! Starting a test through a template is the one start path of [`crate::runs`].

pub mod api;
pub mod editor;
pub mod fields;

use domain::store::templates::TemplateStoreError;
use domain::template::TemplateError;

use crate::error::Error;
use crate::routes::Routes;

/// The editor's pages.
pub fn pages() -> Routes {
    editor::pages()
}

/// The template API.
pub fn api() -> Routes {
    api::routes()
}

/// A store refusal as the answer the caller gets.
pub fn store_error(e: TemplateStoreError) -> Error {
    match e {
        TemplateStoreError::NoStand(_) | TemplateStoreError::NotFound(_) => {
            Error::NotFound(e.to_string())
        }
        TemplateStoreError::Retired(_) | TemplateStoreError::Concurrent(_) => {
            Error::Conflict(e.to_string())
        }
        TemplateStoreError::Unreadable { .. } => Error::internal("reading a template", e),
        TemplateStoreError::Db(e) => e.into(),
    }
}

/// A template that is not usable, as a 400 naming the place.
pub fn template_error(e: TemplateError) -> Error {
    Error::BadRequest(format!("the template is not valid: {e}"))
}
