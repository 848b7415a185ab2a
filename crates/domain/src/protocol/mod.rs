//! The v1.1 wire protocol: schema validation and parsing of inbound payloads.
//!
//! Every inbound payload becomes either a [`Message`] or a [`Rejection`] that says why, so the
//! handler can put it in exactly one place. Nothing here panics on any input (a property test
//! in `validation` feeds it arbitrary bytes).
//!
//! The files, each depending only on those above it:
//! - `types`: the parsed messages and the rejection reasons;
//! - `visitors`: hand-written serde visitors for the one-pass parse of `dataObj`;
//! - `validation`: the compiled schema and both parse paths (one pass and full);
//! - `command`: the outbound `command` message (depends on none of the others).

mod command;
mod types;
mod validation;
mod visitors;

pub use command::{KEY_ORDER, PROTOCOL_VERSION, command_message, message};
pub use types::{
    DEFAULT_MAX_SERIES, DataMessage, Inbound, MAX_DATA_DEPTH, Message, Rejection, Series,
    StatusMessage,
};
pub use validation::{BUNDLED_SCHEMA, ProtocolValidator, SchemaError};
