//! Sending a raw message to a stand, for admins bringing up new stand firmware (the old
//! stack's start form doubled as such a sender): the admin picks the stand or one of its
//! outbound topics and every field of the protocol (`protocolVersion`, `sentBy`, `msgType`,
//! `commandList`, `statusCode`, `parameterObj`, `dataObj`). The message is checked like this
//! whichever way it comes (the page, [`super::raw_message_page`], or the API,
//! [`super::raw_message_api`]):
//!
//! - the topic must be an outbound topic of a stand that exists ([`TopicLayouts::outbound_stand`]):
//!   an inbound topic, a wildcard, `$SYS/…` or any other topic is refused;
//! - the message, its keys in the protocol's order, must pass the protocol schema, and its
//!   `statusCode` must be a code of the protocol (100–699);
//! - it is recorded (who, topic, payload as sent, when) in `raw_messages`, published at QoS 2
//!   with the web interface's publisher, and marked sent or failed by the broker's answer.
//!
//! Nothing is sent when any check fails; each refusal names the field at fault.

use std::sync::LazyLock;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use domain::protocol::{ProtocolValidator, message};
use domain::store::raw_messages::{self, NewRawMessage};
use domain::store::stands;
use domain::{StandId, TopicLayouts};
use serde_json::Value;

use crate::auth::Authed;
use crate::error::{Context, Error, Result};
use crate::i18n::Msg;
use crate::msg;
use crate::state::AppState;

/// The largest payload sent (well below the publisher's packet limit).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

static VALIDATOR: LazyLock<std::result::Result<ProtocolValidator, String>> =
    LazyLock::new(|| ProtocolValidator::bundled().map_err(|e| e.to_string()));

/// What an admin asks to send: the page has read its text areas as JSON already.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The stand's id; may be empty when `topic` is given.
    pub stand: String,
    /// The topic; empty: the stand's outbound topic (the one commands go to).
    pub topic: String,
    /// `protocolVersion`.
    pub protocol_version: Value,
    /// `sentBy`.
    pub sent_by: String,
    /// `msgType`.
    pub msg_type: String,
    /// `statusCode`.
    pub status_code: String,
    /// `commandList`.
    pub command_list: Value,
    /// `parameterObj`.
    pub parameter_obj: Value,
    /// `dataObj`.
    pub data_obj: Value,
}

/// What is wrong with one field (`stand`, `topic`, a protocol key, or `message` for the whole).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub message: Msg,
}

/// Two problems as one: `first; second`.
pub fn joined(first: Msg, second: Msg) -> Msg {
    msg!("raw-problems-joined", first = first, second = second)
}

/// The fields of the form and the API, in the page's order.
pub const FIELDS: [&str; 10] = [
    "stand",
    "topic",
    "protocolVersion",
    "sentBy",
    "msgType",
    "statusCode",
    "commandList",
    "parameterObj",
    "dataObj",
    "message",
];

fn field_named(name: &str) -> &'static str {
    FIELDS
        .iter()
        .find(|f| **f == name)
        .copied()
        .unwrap_or("message")
}

/// A message that passed every check, ready to send.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The stand whose outbound topic it goes to.
    pub stand: StandId,
    /// The topic.
    pub topic: String,
    /// The message, keys in the protocol's order.
    pub message: Value,
    /// The message as sent.
    pub payload: String,
}

/// Why a draft is not sent: the errors by field, and whether the message itself (not where it
/// goes) is at fault (422, else 400).
#[derive(Debug, Clone, Default)]
pub struct Refused {
    /// Each field's problem.
    pub errors: Vec<FieldError>,
}

impl Refused {
    fn add(&mut self, field: &'static str, message: Msg) {
        self.errors.push(FieldError { field, message });
    }

    /// Whether only the message's fields are at fault (not the stand or topic).
    pub fn message_only(&self) -> bool {
        self.errors
            .iter()
            .all(|e| !matches!(e.field, "stand" | "topic"))
    }

    /// The HTTP status: 422 when the message is at fault, 400 for the stand or topic.
    pub fn status(&self) -> StatusCode {
        if self.message_only() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        }
    }

    /// Every problem, `field: what`, in one sentence.
    pub fn summary(&self) -> Msg {
        let each = self
            .errors
            .iter()
            .map(|e| {
                msg!(
                    "raw-field-problem",
                    field = e.field,
                    problem = e.message.clone()
                )
            })
            .reduce(joined)
            .unwrap_or_else(|| Msg::new("raw-no-problem"));
        msg!("raw-nothing-sent", problems = each)
    }
}

/// The topic and stand a draft goes to, or the problems found.
async fn destination(
    state: &AppState,
    d: &Draft,
    r: &mut Refused,
) -> Result<Option<(StandId, String)>> {
    let layouts = TopicLayouts::default();
    let (stand_raw, topic) = (d.stand.trim(), d.topic.trim());
    let named = if stand_raw.is_empty() {
        None
    } else {
        match StandId::parse(stand_raw) {
            Ok(id) => match stands::get(state.pool(), &id, state.offline_after()).await? {
                Some(view) => Some(view),
                None => {
                    r.add("stand", msg!("raw-no-such-stand", id = id.to_string()));
                    return Ok(None);
                }
            },
            Err(e) => {
                r.add(
                    "stand",
                    msg!(
                        "raw-not-a-stand-id",
                        problem = super::messages::stand_id(&e)
                    ),
                );
                return Ok(None);
            }
        }
    };
    if topic.is_empty() {
        return Ok(match named {
            Some(view) => Some((view.id, view.outbound_topic)),
            None => {
                r.add("stand", msg!("raw-choose-stand"));
                None
            }
        });
    }
    // The topic the stand is answered on is its outbound topic, whatever layout it came from.
    if let Some(view) = &named
        && view.outbound_topic == topic
    {
        return Ok(Some((view.id.clone(), topic.to_owned())));
    }
    let Some(owner) = layouts.outbound_stand(topic) else {
        r.add("topic", msg!("raw-topic-not-outbound", topic = topic));
        return Ok(None);
    };
    match named {
        Some(view) if view.id != owner => {
            r.add(
                "topic",
                msg!(
                    "raw-topic-other-stand",
                    topic = topic,
                    owner = owner.to_string(),
                    stand = view.id.to_string()
                ),
            );
            Ok(None)
        }
        Some(view) => Ok(Some((view.id, topic.to_owned()))),
        None => match stands::get(state.pool(), &owner, state.offline_after()).await? {
            Some(view) => Ok(Some((view.id, topic.to_owned()))),
            None => {
                r.add(
                    "topic",
                    msg!(
                        "raw-topic-no-stand",
                        topic = topic,
                        owner = owner.to_string()
                    ),
                );
                Ok(None)
            }
        },
    }
}

/// The message a draft makes, keys in the protocol's order, or the problems found.
fn build(d: &Draft, r: &mut Refused) -> Result<Option<Value>> {
    let validator = VALIDATOR
        .as_ref()
        .map_err(|e| Error::internal("the protocol schema", anyhow::anyhow!(e.clone())))?;
    let mut m = message(
        &d.sent_by,
        &d.msg_type,
        &d.command_list,
        &d.status_code,
        &d.parameter_obj,
        &d.data_obj,
    );
    if let Value::Object(fields) = &mut m {
        // An existing key keeps its place (`preserve_order`).
        fields.insert("protocolVersion".into(), d.protocol_version.clone());
    }
    let before = r.errors.len();
    for (path, what) in validator.errors(&m) {
        let top = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        r.add(field_named(top), msg!("raw-schema-problem", detail = what));
    }
    if !r.errors[before..].iter().any(|e| e.field == "statusCode")
        && let Err(e) = domain::StatusCode::parse(&d.status_code)
    {
        r.add("statusCode", msg!("raw-status-code-bad", value = e.0));
    }
    if r.errors.len() > before {
        return Ok(None);
    }
    Ok(Some(m))
}

/// Checks a draft (see the module doc): the message ready to send, or every problem found.
pub async fn check(state: &AppState, d: &Draft) -> Result<std::result::Result<Checked, Refused>> {
    let mut refused = Refused::default();
    let to = destination(state, d, &mut refused).await?;
    let built = build(d, &mut refused)?;
    let (Some((stand, topic)), Some(message)) = (to, built) else {
        return Ok(Err(refused));
    };
    let payload = serde_json::to_string(&message).context("encoding the raw message")?;
    if payload.len() > MAX_PAYLOAD_BYTES {
        refused.add(
            "message",
            msg!(
                "raw-too-large",
                bytes = payload.len(),
                max = MAX_PAYLOAD_BYTES
            ),
        );
        return Ok(Err(refused));
    }
    Ok(Ok(Checked {
        stand,
        topic,
        message,
        payload,
    }))
}

/// A raw message that was sent.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RawMessageSent {
    /// Its record's id.
    pub id: i64,
    /// The stand.
    #[schema(example = "rig1")]
    pub stand: String,
    /// The topic it was published on.
    #[schema(example = "rig1/outbound")]
    pub topic: String,
    /// The message as published, keys in the order sent.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
}

/// Records a checked message, publishes it at QoS 2 and records the broker's answer.
#[tracing::instrument(skip_all, fields(user = %by.user.username, topic = %c.topic))]
pub async fn send(state: &AppState, by: &Authed, c: Checked) -> Result<RawMessageSent> {
    let (id, sent_at) = raw_messages::record(
        state.pool(),
        NewRawMessage {
            user_id: by.user.id,
            username: &by.user.username,
            stand: &c.stand,
            topic: &c.topic,
            payload: &c.payload,
        },
    )
    .await?;
    let outcome = state
        .publisher()
        .publish(&c.topic, c.payload.clone().into_bytes())
        .await;
    match outcome {
        Ok(()) => {
            raw_messages::finish(state.pool(), id, Ok(())).await?;
            tracing::info!(id, stand = %c.stand, "raw message sent");
            Ok(RawMessageSent {
                id,
                stand: c.stand.to_string(),
                topic: c.topic,
                payload: c.message,
                sent_at,
            })
        }
        Err(e) => {
            let reason = e.to_string();
            tracing::warn!(id, error = reason, "raw message not confirmed");
            raw_messages::finish(state.pool(), id, Err(&reason)).await?;
            Err(Error::Unavailable(msg!(
                "raw-not-confirmed",
                reason = e.message()
            )))
        }
    }
}

/// `[]`.
pub fn empty_list() -> Value {
    Value::Array(Vec::new())
}
