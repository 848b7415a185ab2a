//! The parts of the API's documentation that many handlers share, written once: the path
//! parameters that name a stand, result, run or template version, and the error answers that
//! go with them (`#[utoipa::path(params(StandIdParam), responses(…, NoSuchStand))]`).
//!
//! These types only describe: the handlers read the path with the `ApiPath` or `Found`
//! extractors and answer their errors through [`Error`](crate::error::Error).

use crate::error::ErrorBody;

/// A path's `{id}`: the type, its description, and its schema attributes.
macro_rules! path_id {
    ($(#[$doc:meta])* $name:ident: $ty:ty, $description:literal, $($param:tt)*) => {
        $(#[$doc])*
        #[derive(utoipa::IntoParams)]
        #[into_params(parameter_in = Path)]
        pub struct $name {
            #[doc = $description]
            #[param($($param)*)]
            pub id: $ty,
        }
    };
}

/// An error answer with the JSON error body: its status and description.
macro_rules! error_answer {
    ($(#[$doc:meta])* $name:ident, $status:literal, $description:literal) => {
        $(#[$doc])*
        #[derive(utoipa::IntoResponses)]
        #[response(status = $status, description = $description)]
        pub struct $name(pub ErrorBody);
    };
}

path_id!(
    /// `{id}`: a stand's id.
    StandIdParam: String, "The stand's id", example = "rig1"
);
path_id!(
    /// `{id}`: a result's id.
    ResultIdParam: i64, "The result's id", minimum = 1, example = 1
);
path_id!(
    /// `{id}`: a run's id.
    RunIdParam: i64, "The run's id", example = 1
);
path_id!(
    /// `{id}`: a template version's id.
    VersionIdParam: i64, "The version's id", example = 1
);

error_answer!(
    /// 404: the stand the path names does not exist.
    NoSuchStand, 404, "No such stand"
);
error_answer!(
    /// 404: the result the path names does not exist.
    NoSuchResult, 404, "No such result"
);
error_answer!(
    /// 404: the result, or the numeric series the path names, does not exist.
    NoSuchSeries, 404, "No such result or numeric series"
);
error_answer!(
    /// 404: the run the path names does not exist.
    NoSuchRun, 404, "No such run"
);
error_answer!(
    /// 404: the template version the path names does not exist.
    NoSuchTemplate, 404, "No such template"
);
error_answer!(
    /// 400: a query value (`limit`, `page`, …) is not a number.
    BadQuery, 400, "A query value is not a number"
);
error_answer!(
    /// 400: a series window's `from` or `to` is not a number.
    BadWindow, 400, "`from` or `to` is not a number"
);
