//! The v1.1 wire protocol: schema validation and parsing of inbound payloads.
//!
//! Every inbound payload becomes either a [`Message`] or a [`Rejection`] that says why, so the
//! handler can put it in exactly one place. Nothing here panics on any input (a property test
//! below feeds it arbitrary bytes).

use serde_json::Value;
use serde_json::value::RawValue;

use crate::status::{StatusCode, StatusCodeError};
use crate::topics::TopicError;

/// The protocol schema as committed in `schemas/`, compiled into the binaries.
pub const BUNDLED_SCHEMA: &str = include_str!("../../../schemas/protocol_v1_1.schema.json");

/// The protocol version the server speaks.
pub const PROTOCOL_VERSION: f64 = 1.1;

/// A compiled protocol schema.
pub struct ProtocolValidator {
    validator: jsonschema::Validator,
    /// The schema says nothing of `dataObj` but "an object" (see [`ProtocolValidator::parse`]).
    data_obj_opaque: bool,
}

/// Why a schema file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file cannot be read.
    #[error("cannot read the protocol schema {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("the protocol schema is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON is not a usable schema.
    #[error("the protocol schema does not compile: {0}")]
    Compile(String),
}

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
    /// A message the database refused to store (e.g. a NUL character in a text field).
    #[error("the database refused to store it: {0}")]
    Unstorable(String),
}

impl Rejection {
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
            Self::Unstorable(_) => "unstorable",
        }
    }
}

/// The fields read from the raw text a second time: `dataObj` exactly as it was written.
#[derive(serde::Deserialize)]
struct RawData<'a> {
    #[serde(rename = "dataObj", borrow)]
    data_obj: Option<&'a RawValue>,
}

impl ProtocolValidator {
    /// Compiles a schema document. Its `$schema` is a label (`"AUTeam2 JSONschema"`), not a
    /// draft URI, so the draft is chosen here: 2020-12, which accepts the label as it is.
    pub fn new(schema: &Value) -> Result<Self, SchemaError> {
        let validator = jsonschema::draft202012::new(schema)
            .map_err(|e| SchemaError::Compile(e.to_string()))?;
        Ok(Self {
            validator,
            data_obj_opaque: data_obj_is_opaque(schema),
        })
    }

    /// The schema compiled into the binary from `schemas/protocol_v1_1.schema.json`.
    pub fn bundled() -> Result<Self, SchemaError> {
        Self::new(&serde_json::from_str(BUNDLED_SCHEMA)?)
    }

    /// Loads and compiles a schema file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::new(&serde_json::from_str(&text)?)
    }

    /// Validates a JSON value, listing every error with its path.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(value)
            .take(10)
            .map(|e| {
                let path = e.instance_path().to_string();
                let msg: String = e.to_string().chars().take(200).collect();
                if path.is_empty() {
                    msg
                } else {
                    format!("{path}: {msg}")
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Parses one inbound payload (the size limit is checked by the caller, before this).
    ///
    /// One pass over the bytes for the usual message: the envelope's small fields become JSON
    /// values, `dataObj` is only scanned (its exact text is kept) and its series are decoded
    /// straight to `f64` arrays, and the schema checks the envelope (with `dataObj` as an empty
    /// object, when the schema says no more of `dataObj` than "an object"). Anything unusual
    /// (not an object, a schema error, a `dataObj` that is not an object, a schema that looks
    /// inside `dataObj`) takes the full path, so the verdict and its reason are the same.
    pub fn parse(&self, payload: &[u8]) -> Result<Message, Rejection> {
        if payload.is_empty() {
            return Err(Rejection::Empty);
        }
        let text = std::str::from_utf8(payload).map_err(|e| Rejection::NotUtf8(e.valid_up_to()))?;
        if text.trim().is_empty() {
            return Err(Rejection::Empty);
        }
        if self.data_obj_opaque
            && let Some(parsed) = self.parse_fast(text)
        {
            return parsed;
        }
        self.parse_full(text)
    }

    /// The one-pass path; `None` when the message needs the full path.
    fn parse_fast(&self, text: &str) -> Option<Result<Message, Rejection>> {
        let mut de = serde_json::Deserializer::from_str(text);
        let Envelope { mut fields, data } = serde::Deserialize::deserialize(&mut de).ok()?;
        de.end().ok()?;
        let data = match data {
            Some(raw) if !raw.get().starts_with('{') => return None,
            Some(raw) => {
                fields.insert("dataObj".into(), Value::Object(serde_json::Map::new()));
                Some(raw)
            }
            None => None,
        };
        let envelope = Value::Object(fields);
        if !self.validator.is_valid(&envelope) {
            return None;
        }
        let Value::Object(mut fields) = envelope else {
            return None;
        };
        let series = match data {
            Some(raw) => Some(parse_series(raw.get()).ok()?),
            None => None,
        };
        Some(build(&mut fields, data.map(|r| r.get().to_owned()), series))
    }

    /// Parses the whole payload into a JSON value and validates all of it.
    fn parse_full(&self, text: &str) -> Result<Message, Rejection> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| Rejection::NotJson(e.to_string()))?;
        self.check(&value).map_err(Rejection::Schema)?;
        // Not an object only when a schema file allows that: the fields below are then missing.
        let mut fields = match value {
            Value::Object(fields) => fields,
            _ => serde_json::Map::new(),
        };
        let (data_raw, series) = match fields.get("dataObj") {
            Some(Value::Object(data)) => {
                let raw: RawData<'_> =
                    serde_json::from_str(text).map_err(|e| Rejection::NotJson(e.to_string()))?;
                let series = data.iter().map(|(name, v)| series_of(name, v)).collect();
                (raw.data_obj.map(|r| r.get().to_owned()), Some(series))
            }
            _ => (None, None),
        };
        build(&mut fields, data_raw, series)
    }
}

/// A message from its validated envelope fields, `dataObj`'s text and its series.
fn build(
    fields: &mut serde_json::Map<String, Value>,
    data_raw: Option<String>,
    series: Option<Vec<Series>>,
) -> Result<Message, Rejection> {
    // The schema guarantees an object with these fields and types; a schema file edited to
    // drop them still cannot make this panic, it only gives a clear rejection.
    let str_field = |fields: &serde_json::Map<String, Value>, name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Rejection::Schema(format!("{name} must be a string")))
    };
    let msg_type = str_field(fields, "msgType")?;
    let sent_by = str_field(fields, "sentBy")?;
    let code = StatusCode::parse(&str_field(fields, "statusCode")?)?;
    let protocol_version = fields
        .get("protocolVersion")
        .and_then(Value::as_f64)
        .ok_or_else(|| Rejection::Schema("protocolVersion must be a number".into()))?;
    match msg_type.to_ascii_lowercase().as_str() {
        "status" => Ok(Message::Status(StatusMessage {
            sent_by,
            protocol_version,
            code,
            last_will: fields
                .get("lastWill")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })),
        "data" | "result" => {
            let (Some(data_raw), Some(series)) = (data_raw, series) else {
                return Err(Rejection::MissingData);
            };
            Ok(Message::Data(DataMessage {
                sent_by,
                protocol_version,
                code,
                commands: fields.remove("commandList"),
                parameters: fields.remove("parameterObj"),
                data_raw,
                series,
            }))
        }
        "command" => Err(Rejection::InboundCommand),
        _ => Err(Rejection::UnknownMsgType(
            msg_type.chars().take(64).collect(),
        )),
    }
}

/// Whether the schema says nothing of `dataObj` beyond "an object" and has no keyword that
/// could look inside it, so the envelope can be validated with `dataObj` left out.
fn data_obj_is_opaque(schema: &Value) -> bool {
    const ANNOTATIONS: [&str; 4] = ["description", "title", "$comment", "examples"];
    let Some(root) = schema.as_object() else {
        return false;
    };
    let root_ok = root.keys().all(|k| {
        ANNOTATIONS.contains(&k.as_str())
            || ["$schema", "$id", "type", "properties", "required"].contains(&k.as_str())
    });
    let data_ok = schema
        .pointer("/properties/dataObj")
        .and_then(Value::as_object)
        .is_some_and(|d| {
            d.get("type") == Some(&Value::String("object".into()))
                && d.keys()
                    .all(|k| k == "type" || ANNOTATIONS.contains(&k.as_str()))
        });
    root_ok && data_ok && root.get("type") == Some(&Value::String("object".into()))
}

/// The top-level object: every field but `dataObj` as a JSON value, `dataObj` as its text.
struct Envelope<'a> {
    fields: serde_json::Map<String, Value>,
    data: Option<&'a RawValue>,
}

impl<'de> serde::Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Envelope<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Envelope<'de>, A::Error> {
                let mut fields = serde_json::Map::new();
                let mut data = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "dataObj" {
                        if data.is_some() {
                            // The full path names this error exactly.
                            return Err(serde::de::Error::custom("duplicate field `dataObj`"));
                        }
                        data = Some(map.next_value::<&'de RawValue>()?);
                    } else {
                        fields.insert(key.into_owned(), map.next_value::<Value>()?);
                    }
                }
                Ok(Envelope { fields, data })
            }
        }
        d.deserialize_map(V)
    }
}

/// `dataObj`'s series, in order, numeric ones decoded straight to `f64` (a repeated name keeps
/// its first place and its last value, as a JSON value would).
fn parse_series(text: &str) -> Result<Vec<Series>, serde_json::Error> {
    struct Entries(Vec<Series>);
    impl<'de> serde::Deserialize<'de> for Entries {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Entries;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Entries, A::Error> {
                    let mut out: Vec<Series> = Vec::new();
                    while let Some(name) = map.next_key::<String>()? {
                        let SeriesValue { values, len } = map.next_value()?;
                        match out.iter_mut().find(|s| s.name == name) {
                            Some(s) => {
                                s.values = values;
                                s.len = len;
                            }
                            None => out.push(Series { name, values, len }),
                        }
                    }
                    Ok(Entries(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let Entries(series) = serde::Deserialize::deserialize(&mut de)?;
    de.end()?;
    Ok(series)
}

/// One `dataObj` value: numbers only (decoded) or anything else (only counted).
struct SeriesValue {
    values: Option<Vec<f64>>,
    len: usize,
}

impl<'de> serde::Deserialize<'de> for SeriesValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        /// One array element: a number, or something else (skipped).
        struct Item(Option<f64>);
        impl<'de> serde::Deserialize<'de> for Item {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct IV;
                impl<'de> Visitor<'de> for IV {
                    type Value = Item;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a JSON value")
                    }
                    fn visit_f64<E>(self, v: f64) -> Result<Item, E> {
                        Ok(Item(Some(v)))
                    }
                    fn visit_i64<E>(self, v: i64) -> Result<Item, E> {
                        Ok(Item(Some(v as f64)))
                    }
                    fn visit_u64<E>(self, v: u64) -> Result<Item, E> {
                        Ok(Item(Some(v as f64)))
                    }
                    fn visit_bool<E>(self, _: bool) -> Result<Item, E> {
                        Ok(Item(None))
                    }
                    fn visit_str<E>(self, _: &str) -> Result<Item, E> {
                        Ok(Item(None))
                    }
                    fn visit_unit<E>(self) -> Result<Item, E> {
                        Ok(Item(None))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item, A::Error> {
                        while seq.next_element::<IgnoredAny>()?.is_some() {}
                        Ok(Item(None))
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                        Ok(Item(None))
                    }
                }
                d.deserialize_any(IV)
            }
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeriesValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeriesValue, A::Error> {
                let mut values = Some(Vec::with_capacity(seq.size_hint().unwrap_or(0)));
                let mut len = 0;
                while let Some(Item(v)) = seq.next_element()? {
                    len += 1;
                    match (v, &mut values) {
                        (Some(x), Some(vs)) => vs.push(x),
                        _ => values = None,
                    }
                }
                Ok(SeriesValue { values, len })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SeriesValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(SeriesValue::single())
            }
            fn visit_f64<E>(self, _: f64) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_i64<E>(self, _: i64) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_u64<E>(self, _: u64) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_bool<E>(self, _: bool) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_str<E>(self, _: &str) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
            fn visit_unit<E>(self) -> Result<SeriesValue, E> {
                Ok(SeriesValue::single())
            }
        }
        d.deserialize_any(V)
    }
}

impl SeriesValue {
    fn single() -> Self {
        Self {
            values: None,
            len: 1,
        }
    }
}

/// One `dataObj` entry: numeric when it is an array of numbers only.
fn series_of(name: &str, value: &Value) -> Series {
    match value {
        Value::Array(items) => {
            let values: Option<Vec<f64>> = items.iter().map(Value::as_f64).collect();
            Series {
                name: name.to_owned(),
                values,
                len: items.len(),
            }
        }
        _ => Series {
            name: name.to_owned(),
            values: None,
            len: 1,
        },
    }
}

/// Builds the `command` message the server publishes to start a test: every key of v1.1 in
/// the schema's order, `dataObj` included (empty), because stands written for the old stack
/// read `msg["dataObj"]` without checking that it is there.
pub fn command_message(sent_by: &str, commands: &Value, parameters: &Value) -> Value {
    // serde_json's `preserve_order` feature (workspace) keeps the keys in insertion order.
    let mut message = serde_json::Map::new();
    message.insert("protocolVersion".into(), Value::from(PROTOCOL_VERSION));
    message.insert("sentBy".into(), Value::from(sent_by));
    message.insert("msgType".into(), Value::from("command"));
    message.insert("commandList".into(), commands.clone());
    message.insert("statusCode".into(), Value::from("200"));
    message.insert("parameterObj".into(), parameters.clone());
    message.insert("dataObj".into(), Value::Object(serde_json::Map::new()));
    Value::Object(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn validator() -> ProtocolValidator {
        ProtocolValidator::bundled().expect("bundled schema compiles")
    }

    fn parse(v: &Value) -> Result<Message, Rejection> {
        validator().parse(v.to_string().as_bytes())
    }

    fn status(code: &str) -> Value {
        json!({"protocolVersion": 1.1, "sentBy": "s1", "msgType": "status", "statusCode": code})
    }

    #[test]
    fn the_bundled_schema_keeps_its_label() {
        let schema: Value = serde_json::from_str(BUNDLED_SCHEMA).expect("json");
        assert_eq!(schema["$schema"], "AUTeam2 JSONschema");
        assert_eq!(schema["title"], "PayloadSchema");
        assert_eq!(
            schema["required"],
            json!(["protocolVersion", "sentBy", "msgType", "statusCode"])
        );
    }

    #[test]
    fn parses_a_status() {
        let Ok(Message::Status(s)) = parse(&status("202")) else {
            panic!("status expected")
        };
        assert_eq!(
            (s.code.get(), s.sent_by.as_str(), s.last_will),
            (202, "s1", false)
        );
    }

    #[test]
    fn parses_data_keeping_dataobj_text_exactly() {
        let text = r#"{"protocolVersion":1.1,"sentBy":"s1","msgType":"result","statusCode":"200",
            "commandList":["go"],"parameterObj":{"fs":1000,"nested":{"a":[1,2]}},
            "dataObj":{"b":[1.0, 2.50, 3e2],"a":["x",1],"c":"raw"}}"#;
        let Ok(Message::Data(d)) = validator().parse(text.as_bytes()) else {
            panic!("data")
        };
        assert_eq!(
            d.data_raw,
            r#"{"b":[1.0, 2.50, 3e2],"a":["x",1],"c":"raw"}"#
        );
        assert_eq!(d.series[0].name, "b");
        assert_eq!(d.series[0].values.as_deref(), Some(&[1.0, 2.5, 300.0][..]));
        assert_eq!((d.series[1].values.is_none(), d.series[1].len), (true, 2));
        assert_eq!((d.series[2].values.is_none(), d.series[2].len), (true, 1));
        assert_eq!(d.point_count(), 3);
        assert_eq!(d.commands, Some(json!(["go"])));
    }

    /// The inputs that killed the handler of the stack we replace.
    #[test]
    fn old_killers_are_rejected_or_accepted_never_panic() {
        let v = validator();
        assert_eq!(v.parse(b""), Err(Rejection::Empty));
        assert_eq!(v.parse(b"  \n"), Err(Rejection::Empty));
        assert!(matches!(v.parse(b"hello"), Err(Rejection::NotJson(_))));
        assert_eq!(v.parse(b"{\"a\":\"\xff\xfe\"}"), Err(Rejection::NotUtf8(6)));
        let mut no_code = status("200");
        no_code.as_object_mut().map(|o| o.remove("statusCode"));
        assert!(matches!(parse(&no_code), Err(Rejection::Schema(m)) if m.contains("statusCode")));
        assert!(matches!(
            parse(&status("abc")),
            Err(Rejection::StatusCode(_))
        ));
        assert!(matches!(
            parse(&status("2020")),
            Err(Rejection::StatusCode(_))
        ));
        // A data message without commandList, and a parameter of 150 characters, are fine.
        let data = json!({"protocolVersion": 1.1, "sentBy": "s1", "msgType": "data",
            "statusCode": "200", "parameterObj": {"p": "x".repeat(150)}, "dataObj": {"a": [1]}});
        let Ok(Message::Data(d)) = parse(&data) else {
            panic!("data")
        };
        assert_eq!(d.commands, None);
        assert_eq!(d.parameters, Some(json!({"p": "x".repeat(150)})));
    }

    #[test]
    fn rejects_every_kind_of_bad_message() {
        let mut m = status("200");
        m["protocolVersion"] = json!("1.1");
        assert!(matches!(parse(&m), Err(Rejection::Schema(e)) if e.contains("protocolVersion")));
        let mut m = status("200");
        m["msgType"] = json!("gossip");
        assert_eq!(parse(&m), Err(Rejection::UnknownMsgType("gossip".into())));
        m["msgType"] = json!("command");
        assert_eq!(parse(&m), Err(Rejection::InboundCommand));
        m["msgType"] = json!("data");
        assert_eq!(parse(&m), Err(Rejection::MissingData));
        m["dataObj"] = json!([1, 2]);
        assert!(matches!(parse(&m), Err(Rejection::Schema(_))));
        assert!(matches!(parse(&json!([1, 2])), Err(Rejection::Schema(_))));
        assert!(matches!(parse(&json!(null)), Err(Rejection::Schema(_))));
        let mut m = status("200");
        m["statusCode"] = json!(200);
        assert!(matches!(parse(&m), Err(Rejection::Schema(_))));
    }

    #[test]
    fn extra_properties_and_last_will_are_allowed() {
        let mut m = status("500");
        m["lastWill"] = json!(true);
        m["firmware"] = json!("2.1");
        let Ok(Message::Status(s)) = parse(&m) else {
            panic!("status")
        };
        assert!(s.last_will);
    }

    #[test]
    fn command_messages_follow_the_schema() {
        let cmd = command_message("alice", &json!(["start"]), &json!({"fs": 10}));
        validator().check(&cmd).expect("schema-valid");
        assert_eq!(cmd["msgType"], "command");
        let text = serde_json::to_string(&cmd).expect("serialises");
        assert_eq!(
            text,
            r#"{"protocolVersion":1.1,"sentBy":"alice","msgType":"command","commandList":["start"],"statusCode":"200","parameterObj":{"fs":10},"dataObj":{}}"#
        );
    }

    /// The one-pass path and the full parse give the same verdict for the same bytes.
    fn same_on_both_paths(text: &str) {
        let v = validator();
        assert!(v.data_obj_opaque, "the bundled schema takes the fast path");
        let full = v.parse_full(text);
        if let Some(fast) = v.parse_fast(text) {
            assert_eq!(fast, full, "{text}");
        }
        assert_eq!(v.parse(text.as_bytes()), full, "{text}");
    }

    #[test]
    fn the_one_pass_parse_agrees_with_the_full_parse() {
        let head = r#""protocolVersion":1.1,"sentBy":"s1","msgType":"data","statusCode":"200""#;
        for data in [
            r#"{"b":[1.0, 2.50, 3e2, -0, 18446744073709551615, -9223372036854775808],"a":["x",1]}"#,
            r#"{"a":[1,2],"a":[3],"b":[]}"#,
            r#"{"n":null,"o":{"x":[1]},"t":true,"s":"raw","e":[[1],[2]],"m":[1,{"a":2}]}"#,
            r#"{"kéy":[1e-320, 1.7976931348623157e308]}"#,
            r#"{}"#,
        ] {
            same_on_both_paths(&format!("{{{head},\"dataObj\":{data}}}"));
            same_on_both_paths(&format!(
                " {{ \"dataObj\" : {data} , {head}, \"dataObj\":{data} }} "
            ));
        }
        for text in [
            format!("{{{head}}}"),
            format!("{{{head},\"dataObj\":[1]}}"),
            format!("{{{head},\"dataObj\":null}}"),
            format!("{{{head},\"dataObj\":{{\"a\":[1,]}}}}"),
            format!("{{{head},\"commandList\":\"x\",\"dataObj\":{{}}}}"),
            format!("{{{head},\"dataObj\":{{}}}} trailing"),
            r#"{"protocolVersion":1.1,"sentBy":"s1","msgType":"status","statusCode":"200","lastWill":true}"#.into(),
            r#"{"protocolVersion":"1.1","sentBy":"s1","msgType":"status","statusCode":"200"}"#.into(),
            r#"[1,2]"#.into(),
            r#""text""#.into(),
        ] {
            same_on_both_paths(&text);
        }
    }

    #[test]
    fn a_schema_that_looks_inside_dataobj_takes_the_full_path() {
        let mut schema: Value = serde_json::from_str(BUNDLED_SCHEMA).expect("json");
        schema["properties"]["dataObj"]["maxProperties"] = json!(1);
        let v = ProtocolValidator::new(&schema).expect("compiles");
        assert!(!v.data_obj_opaque);
        let two = r#"{"protocolVersion":1.1,"sentBy":"s","msgType":"data","statusCode":"200","dataObj":{"a":[1],"b":[2]}}"#;
        assert!(matches!(v.parse(two.as_bytes()), Err(Rejection::Schema(_))));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = validator().parse(&bytes);
        }

        #[test]
        fn arbitrary_json_never_panics(
            code in "\\PC{0,6}",
            kind in prop_oneof![Just("status".to_owned()), Just("data".to_owned()), Just("result".to_owned()), Just("command".to_owned()), "\\PC{0,8}"],
            version in prop_oneof![Just(json!(1.1)), Just(json!("1.1")), Just(json!(null))],
            data in prop_oneof![Just(json!({"a": [1, 2.5]})), Just(json!({"a": "x"})), Just(json!([1])), Just(json!(null))],
        ) {
            let msg = json!({"protocolVersion": version, "sentBy": "p", "msgType": kind,
                "statusCode": code, "dataObj": data});
            let _ = validator().parse(msg.to_string().as_bytes());
        }

        #[test]
        fn both_paths_agree_on_arbitrary_series(
            values in proptest::collection::vec(prop_oneof![
                any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
                any::<i64>().prop_map(|i| json!(i)),
                any::<u64>().prop_map(|i| json!(i)),
                Just(json!(null)), Just(json!("x")), Just(json!([1])), Just(json!({"a": 1})),
            ], 0..20),
            numeric_only in any::<bool>(),
        ) {
            let values: Vec<Value> = if numeric_only {
                values.into_iter().filter(Value::is_number).collect()
            } else {
                values
            };
            let msg = json!({"protocolVersion": 1.1, "sentBy": "p", "msgType": "data",
                "statusCode": "200", "dataObj": {"s": values, "t": values.first()}});
            same_on_both_paths(&msg.to_string());
        }
    }
}
