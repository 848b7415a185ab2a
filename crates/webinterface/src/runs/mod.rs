//! Starting a test on a stand: the one path the API and the start-test form share.
//!
//! Refused (409, nothing published) unless the stand is `ready`; otherwise the run is stored
//! as `sent`, its `command` message recorded and published at QoS 2 on the stand's outbound
//! topic, and the broker's confirmation awaited. No confirmation: the run is `failed` and the
//! caller gets 503. The handler moves the run on (`running`, `completed`, `failed`) as the
//! stand answers.
//!
//! - [`api`]: `POST /api/stands/{id}/runs`, a stand's runs, one run;
//! - [`form`]: the start-test form of the stand page.

pub mod api;
pub mod form;

use domain::store::runs::{self, CreateRunError, NewRun};
use domain::store::{outbound, stands};
use domain::{StandId, StandState};
use serde_json::Value;

use crate::auth::Authed;
use crate::error::{Context, Error};
use crate::state::AppState;

/// A test to start.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// Parameters sent as `parameterObj` (name/value pairs).
    #[serde(default = "empty_object")]
    #[schema(value_type = Object, example = json!({"fs": 1000}))]
    pub parameters: Value,
    /// Commands sent as `commandList`.
    #[serde(default = "empty_array")]
    #[schema(value_type = Vec<Object>)]
    pub commands: Value,
    /// Keep the result forever.
    #[serde(default)]
    pub keep: bool,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

fn empty_array() -> Value {
    Value::Array(Vec::new())
}

/// A run that was sent.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The run's id.
    pub id: i64,
    /// Its state (`sent`).
    #[schema(value_type = String, example = "sent")]
    pub state: &'static str,
}

/// Starts a test; see the module documentation.
#[tracing::instrument(skip_all, fields(stand = %stand, user = %by.user.username))]
pub async fn start(
    state: &AppState,
    by: &Authed,
    stand: &StandId,
    request: StartRun,
) -> Result<Started, Error> {
    if !request.parameters.is_object() {
        return Err(Error::BadRequest(
            "parameters must be a JSON object of name/value pairs".into(),
        ));
    }
    if !request.commands.is_array() {
        return Err(Error::BadRequest("commands must be a JSON array".into()));
    }
    let view = stands::get(state.pool(), stand.as_str(), state.offline_after())
        .await?
        .ok_or_else(|| Error::NotFound(format!("no stand {stand}")))?;
    if view.state != StandState::Ready {
        return Err(not_ready(stand, view.state));
    }
    let run_id = runs::create(
        state.pool(),
        NewRun {
            stand,
            requested_by: &by.user.username,
            user_id: Some(by.user.id),
            parameters: &request.parameters,
            commands: &request.commands,
            keep: request.keep,
        },
    )
    .await
    .map_err(|e| match e {
        CreateRunError::InProgress(_) => not_ready(stand, StandState::Busy),
        CreateRunError::NoStand(s) => Error::NotFound(format!("no stand {s}")),
        CreateRunError::Db(e) => e.into(),
    })?;
    let message = domain::protocol::command_message(
        &by.user.username,
        &request.commands,
        &request.parameters,
    );
    let topic = domain::topics::outbound_topic(stand, view.legacy_topics);
    let outbound_id =
        outbound::record(state.pool(), Some(run_id), stand.as_str(), &topic, &message).await?;
    let payload = serde_json::to_vec(&message).context("encoding the command")?;
    match state.publisher().publish(&topic, payload).await {
        Ok(()) => {
            outbound::confirmed(state.pool(), outbound_id).await?;
            outbound::notify_run(state.pool(), run_id, stand.as_str(), "sent").await?;
            tracing::info!(run = run_id, topic, "command sent");
            Ok(Started {
                id: run_id,
                state: "sent",
            })
        }
        Err(e) => {
            let reason = e.to_string();
            tracing::warn!(run = run_id, error = reason, "command not confirmed");
            outbound::failed(state.pool(), outbound_id, &reason).await?;
            runs::fail(state.pool(), run_id, &reason).await?;
            outbound::notify_run(state.pool(), run_id, stand.as_str(), "failed").await?;
            Err(Error::Unavailable(format!(
                "{reason}; run {run_id} is marked failed"
            )))
        }
    }
}

fn not_ready(stand: &StandId, state: StandState) -> Error {
    let why = match state {
        StandState::Busy => "it is busy with a test",
        StandState::Off => "it is powered off",
        StandState::Offline => "it is offline (nothing heard from it recently)",
        StandState::Error => "it reported an error",
        StandState::Unknown => "it has never reported its state",
        StandState::Ready => "it is not ready",
    };
    Error::Conflict(format!(
        "stand {stand} is {state}: {why}. A test can only start on a ready stand; nothing was sent."
    ))
}
