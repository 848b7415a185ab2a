//! `POST /api/admin/raw-messages`: the raw message tool for scripts, with the checks of
//! [`super::raw_messages`]; the refusals name the field at fault (400 for the stand or topic,
//! 422 for the message).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::protocol::PROTOCOL_VERSION;
use serde_json::Value;

use super::raw_messages::{Draft, RawMessageSent, check, empty_list, send};
use crate::auth::Admin;
use crate::error::{Error, ErrorBody, Result};
use crate::extract::ApiJson;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;

/// `POST /api/admin/raw-messages`.
pub fn api() -> Routes {
    Routes::api().post("/api/admin/raw-messages", ADMIN, api_send)
}

/// A raw message to send: where, and every field of the protocol's message.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawMessageRequest {
    /// The stand; its outbound topic is used when `topic` is left out.
    #[schema(example = "rig1")]
    pub stand: Option<String>,
    /// One of a stand's outbound topics (`{stand}/outbound`, `Testdevice/{stand}/Outbound`,
    /// `Testdevice/{stand}/outbound`); any other topic is refused.
    #[schema(example = "rig1/outbound")]
    pub topic: Option<String>,
    /// `protocolVersion` (default 1.1).
    #[serde(default = "version")]
    #[schema(value_type = f64, example = 1.1)]
    pub protocol_version: Value,
    /// `sentBy` (default: the admin's user name, as commands are sent).
    pub sent_by: Option<String>,
    /// `msgType`: `command` to a stand (the schema takes any text).
    #[schema(example = "command")]
    pub msg_type: String,
    /// `statusCode`: three digits, 100 to 699.
    #[schema(example = "200", pattern = "^[1-6][0-9][0-9]$")]
    pub status_code: String,
    /// `commandList` (default `[]`).
    #[serde(default = "empty_list")]
    #[schema(value_type = Vec<Value>, example = json!(["start"]))]
    pub command_list: Value,
    /// `parameterObj` (default `{}`), sent with its keys in the order given.
    #[serde(default = "crate::runs::empty_object")]
    #[schema(value_type = Object, example = json!({"fs": 1000}))]
    pub parameter_obj: Value,
    /// `dataObj` (default `{}`).
    #[serde(default = "crate::runs::empty_object")]
    #[schema(value_type = Object)]
    pub data_obj: Value,
}

fn version() -> Value {
    Value::from(PROTOCOL_VERSION)
}

/// Sends a raw message to a stand's outbound topic, for bringing up stand firmware: checked
/// against the protocol schema, recorded (who, what, when) and published at QoS 2.
#[utoipa::path(post, path = "/api/admin/raw-messages", tag = "admin",
    request_body = RawMessageRequest,
    responses(
        (status = 201, description = "The broker confirmed the message", body = RawMessageSent),
        (status = 400, description = "The body is not valid, no such stand, or the topic is \
            not a stand's outbound topic (inbound, a wildcard, `$SYS/…`, another prefix); \
            nothing was sent", body = ErrorBody),
        (status = 422, description = "The protocol schema refuses the message, or its \
            `statusCode` is not a code of the protocol; nothing was sent", body = ErrorBody),
        (status = 503, description = "The broker did not confirm in time; recorded as failed",
            body = ErrorBody),
    ))]
async fn api_send(
    State(state): State<AppState>,
    Admin(a): Admin,
    ApiJson(body): ApiJson<RawMessageRequest>,
) -> Result<impl IntoResponse> {
    let draft = Draft {
        stand: body.stand.unwrap_or_default(),
        topic: body.topic.unwrap_or_default(),
        protocol_version: body.protocol_version,
        sent_by: body.sent_by.unwrap_or_else(|| a.user.username.clone()),
        msg_type: body.msg_type,
        status_code: body.status_code,
        command_list: body.command_list,
        parameter_obj: body.parameter_obj,
        data_obj: body.data_obj,
    };
    match check(&state, &draft).await? {
        Ok(checked) => Ok((StatusCode::CREATED, Json(send(&state, &a, checked).await?))),
        Err(refused) if refused.message_only() => Err(Error::Unprocessable(refused.summary())),
        Err(refused) => Err(Error::BadRequest(refused.summary())),
    }
}
