//! The protocol's parsed messages ([`Message`], [`Inbound`]) and why a payload is refused
//! ([`Rejection`]).

use serde_json::Value;

use crate::status::{StatusCode, StatusCodeError};
use crate::topics::TopicError;

/// A message a stand sent, parsed and valid.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `msgType` `status`.
    Status(StatusMessage),
    /// `msgType` `data` or `result`.
    Data(DataMessage),
}

/// A status report.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    /// `sentBy`.
    pub sent_by: String,
    /// `protocolVersion`.
    pub protocol_version: f64,
    /// `statusCode`.
    pub code: StatusCode,
    /// `"lastWill": true`: the broker published the stand's last will; it is offline.
    pub last_will: bool,
}

/// Test results.
#[derive(Debug, Clone, PartialEq)]
pub struct DataMessage {
    /// `sentBy`.
    pub sent_by: String,
    /// `protocolVersion`.
    pub protocol_version: f64,
    /// `statusCode`.
    pub code: StatusCode,
    /// `commandList`, when present.
    pub commands: Option<Value>,
    /// `parameterObj`, when present.
    pub parameters: Option<Value>,
    /// `dataObj` exactly as it came, as JSON text.
    pub data_raw: String,
    /// The series of `dataObj`, in the order they came.
    pub series: Vec<Series>,
}

/// One entry of `dataObj`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series name (the key in `dataObj`).
    pub name: String,
    /// The values when every one is a number; `None` for anything else (kept raw in `dataObj`).
    pub values: Option<Vec<f64>>,
    /// The number of values (array length; 1 for a single non-array value).
    pub len: usize,
}

impl DataMessage {
    /// Number of numeric points in all series.
    pub fn point_count(&self) -> usize {
        self.series
            .iter()
            .filter(|s| s.values.is_some())
            .map(|s| s.len)
            .sum()
    }
}

impl Message {
    /// The status code the message carries.
    pub fn code(&self) -> StatusCode {
        match self {
            Self::Status(s) => s.code,
            Self::Data(d) => d.code,
        }
    }

    /// `sentBy`.
    pub fn sent_by(&self) -> &str {
        match self {
            Self::Status(s) => &s.sent_by,
            Self::Data(d) => &d.sent_by,
        }
    }
}

/// A message that matched a stand's topic and parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    /// The stand, from the topic.
    pub stand: crate::StandId,
    /// Whether it came on a legacy topic.
    pub legacy: bool,
    /// The message.
    pub message: Message,
}

/// The default of `MAX_SERIES_PER_MESSAGE`: the most series one data message may carry
/// (see [`crate::ProtocolValidator::with_max_series`]).
pub const DEFAULT_MAX_SERIES: usize = 4096;

/// How deep `dataObj` may nest arrays and objects, `dataObj` itself counting as 1 (a series of
/// numbers is 2, a series of arrays 3). The pages, plots and exports read a stored `dataObj`
/// back with serde_json, which refuses more than 128 levels; a payload of 200,000 levels was
/// stored and then answered 500 everywhere.
pub const MAX_DATA_DEPTH: usize = 32;

/// Why an inbound message went to the quarantine. The `Display` form is the stored reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    /// Zero bytes.
    #[error("empty payload")]
    Empty,
    /// Larger than `MAX_PAYLOAD_BYTES`; the bytes are not kept.
    #[error("payload of {size} bytes is larger than the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Not valid UTF-8.
    #[error("payload is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// Not JSON.
    #[error("payload is not JSON: {0}")]
    NotJson(String),
    /// JSON that does not follow the schema.
    #[error("payload does not follow the protocol schema: {0}")]
    Schema(String),
    /// A `msgType` the protocol does not know.
    #[error("unknown msgType {0:?} (expected status, data or result)")]
    UnknownMsgType(String),
    /// A `command` sent to the server.
    #[error("msgType \"command\" is server-to-stand only and is not accepted inbound")]
    InboundCommand,
    /// A bad `statusCode`.
    #[error("{0}")]
    StatusCode(#[from] StatusCodeError),
    /// A data message without `dataObj`.
    #[error("data message without dataObj")]
    MissingData,
    /// A topic that does not name a stand.
    #[error("{0}")]
    Topic(#[from] TopicError),
    /// A well-formed stand id that is not registered while auto-registration is off.
    #[error("stand {0:?} is not registered and AUTO_REGISTER is off")]
    UnknownStand(String),
    /// A new stand's message while `per_minute` stands registered themselves in the last
    /// minute already: a flood of made-up stand ids stops there.
    #[error(
        "stand {stand:?} is new, and {per_minute} stands registered themselves in the last \
         minute already (HANDLER_MAX_NEW_STANDS_PER_MINUTE); it registers with a message after \
         that, or an admin adds it"
    )]
    RegistrationLimit {
        /// The stand id.
        stand: String,
        /// The cap.
        per_minute: u32,
    },
    /// A data message with more distinct series names than `MAX_SERIES_PER_MESSAGE`.
    #[error("dataObj has more than {limit} series (the limit, MAX_SERIES_PER_MESSAGE)")]
    TooManySeries {
        /// The configured limit.
        limit: usize,
    },
    /// A `dataObj` nested deeper than [`MAX_DATA_DEPTH`].
    #[error(
        "dataObj is nested deeper than {limit} levels of arrays and objects (the protocol's \
         limit)"
    )]
    TooDeep {
        /// The limit, [`MAX_DATA_DEPTH`].
        limit: usize,
    },
    /// A message the database refused to store (e.g. a NUL character in a text field).
    #[error("the database refused to store it: {0}")]
    Unstorable(String),
}

impl Rejection {
    /// [`Rejection::kind`] of [`Rejection::RegistrationLimit`], which `/metrics` counts.
    pub const REGISTRATION_LIMIT: &'static str = "registration_limit";

    /// A short stable name for metrics and filters.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::NotUtf8(_) => "not_utf8",
            Self::NotJson(_) => "not_json",
            Self::Schema(_) => "schema",
            Self::UnknownMsgType(_) => "unknown_msg_type",
            Self::InboundCommand => "inbound_command",
            Self::StatusCode(_) => "bad_status_code",
            Self::MissingData => "missing_data",
            Self::Topic(_) => "bad_topic",
            Self::UnknownStand(_) => "unknown_stand",
            Self::RegistrationLimit { .. } => Self::REGISTRATION_LIMIT,
            Self::TooManySeries { .. } => "too_many_series",
            Self::TooDeep { .. } => "too_deep",
            Self::Unstorable(_) => "unstorable",
        }
    }
}
