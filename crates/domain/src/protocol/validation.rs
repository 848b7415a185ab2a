//! The compiled protocol schema and both validation paths: the one-pass parse of the usual
//! message and the full parse of anything unusual, which give the same verdict.

use serde_json::Value;
use serde_json::value::RawValue;

use super::types::{
    DEFAULT_MAX_SERIES, DataMessage, MAX_DATA_DEPTH, Message, Rejection, Series, StatusMessage,
};
use super::visitors::{Envelope, parse_series};
use crate::status::StatusCode;

/// The protocol schema as committed in `schemas/`, compiled into the binaries.
pub const BUNDLED_SCHEMA: &str = include_str!("../../../../schemas/protocol_v1_1.schema.json");

/// A compiled protocol schema.
pub struct ProtocolValidator {
    validator: jsonschema::Validator,
    /// The schema says nothing of `dataObj` but "an object" (see [`ProtocolValidator::parse`]).
    data_obj_opaque: bool,
    /// The most series in one data message ([`ProtocolValidator::with_max_series`]).
    max_series: usize,
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
            max_series: DEFAULT_MAX_SERIES,
        })
    }

    /// Quarantines data messages with more than `max_series` series (default
    /// [`DEFAULT_MAX_SERIES`]; the handler's `MAX_SERIES_PER_MESSAGE`).
    pub fn with_max_series(self, max_series: usize) -> Self {
        Self { max_series, ..self }
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

    /// The schema's errors for a JSON value (at most 10): each the JSON pointer of the value
    /// at fault (empty for the whole message) and what is wrong.
    pub fn errors(&self, value: &Value) -> Vec<(String, String)> {
        self.validator
            .iter_errors(value)
            .take(10)
            .map(|e| {
                let msg: String = e.to_string().chars().take(200).collect();
                (e.instance_path().to_string(), msg)
            })
            .collect()
    }

    /// Validates a JSON value, listing every error with its path.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .errors(value)
            .into_iter()
            .map(|(path, msg)| {
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
    /// inside `dataObj`) takes the full path, so the verdict and its reason are the same. So
    /// does a `dataObj` past a limit (more series than [`Self::with_max_series`] allows,
    /// deeper than [`MAX_DATA_DEPTH`]): the one-pass parse stops as soon as it sees it.
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
            Some(raw) => Some(parse_series(raw.get(), self.max_series).ok()?),
            None => None,
        };
        Some(build(&mut fields, data.map(|r| r.get().to_owned()), series))
    }

    /// Parses the whole payload into a JSON value and validates all of it.
    fn parse_full(&self, text: &str) -> Result<Message, Rejection> {
        // The depth first, on the text: serde_json refuses values deeper than 128 levels with
        // a reason that names no limit of ours (and skipping them needs no recursion).
        if let Ok(RawData {
            data_obj: Some(raw),
        }) = serde_json::from_str(text)
            && nests_deeper_than(raw.get(), MAX_DATA_DEPTH)
        {
            return Err(Rejection::TooDeep {
                limit: MAX_DATA_DEPTH,
            });
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| Rejection::NotJson(e.to_string()))?;
        self.check(&value).map_err(Rejection::Schema)?;
        // Not an object only when a schema file allows that: the fields below are then missing.
        let mut fields = match value {
            Value::Object(fields) => fields,
            _ => serde_json::Map::new(),
        };
        let (data_raw, series) = match fields.get("dataObj") {
            Some(Value::Object(data)) if data.len() > self.max_series => {
                return Err(Rejection::TooManySeries {
                    limit: self.max_series,
                });
            }
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

/// Whether JSON text nests arrays and objects deeper than `limit` levels.
fn nests_deeper_than(json: &str, limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in json.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    false
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

#[cfg(test)]
mod tests;
