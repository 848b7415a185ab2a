//! Starting a test on a stand: the one path the API and the start-test form share.
//!
//! Refused (409, nothing published) when the stand is known not to take a test: busy, powered
//! off, or a run in progress. Protocol v1.1 does not make stands report every few minutes, so
//! a stand whose state is unknown (never heard), quiet (offline by silence) or that last
//! reported an error may be started, but only when the operator confirms (`"confirm": true`
//! in the API, the "start anyway" button on the page); such a run records
//! `confirmed_unheard`. Otherwise the run is stored as `sent`, its `command` message recorded and published at QoS 2 on the stand's outbound
//! topic, and the broker's confirmation awaited. No confirmation: the run is `failed` and the
//! caller gets 503. The handler moves the run on (`running`, `completed`, `failed`) as the
//! stand answers.
//!
//!
//! An operator can cancel a run in progress ([`cancel`]): a stand that never answers then no
//! longer blocks new starts until its `max_test_seconds`; who and when are recorded, and a
//! result the stand sends afterwards is still stored with the run.
//!
//! - [`api`]: `POST /api/stands/{id}/runs`, a stand's runs, one run, cancelling one;
//! - [`form`]: the start-test form of the stand page, and its runs' cancel buttons.

pub mod api;
pub mod form;

use domain::store::runs::{self, CreateRunError, NewRun};
use domain::store::templates::{self, StoredTemplate};
use domain::store::users::Role;
use domain::store::{cancel, outbound, stands};
use domain::{RunState, StandId, StandState};
use serde_json::Value;

use crate::auth::Authed;
use crate::error::{Context, Error};
use crate::i18n::Msg;
use crate::msg;
use crate::stands::parts::{run_state_key, state_key};
use crate::state::AppState;

/// A test to start.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// Parameters sent as `parameterObj` (name/value pairs), JSON values sent as given. (The
    /// stand page's form, where values are typed as text, sends a value as a number only when
    /// it is written back exactly as typed — `42`, `-3`, `2.5` — and `true`/`false` as booleans;
    /// everything else, `007` and `1.10` included, as the text typed.)
    #[serde(default = "empty_object")]
    #[schema(value_type = Object, example = json!({"fs": 1000}))]
    pub parameters: Value,
    /// Commands sent as `commandList`, in order: each one a string (the stand page's form
    /// sends one per line).
    #[serde(default)]
    #[schema(example = json!(["start"]))]
    pub commands: Vec<String>,
    /// Keep the result forever.
    #[serde(default)]
    pub keep: bool,
    /// Start even though the stand's state is unknown or quiet (see the module doc).
    #[serde(default)]
    pub confirm: bool,
    /// Start through this test template (a version's id, from
    /// `GET /api/stands/{id}/templates`): `parameters` are checked and typed by it and sent
    /// in its order, its commands are sent (leave `commands` out), and the run records the
    /// version. On a stand with templates only admins may start without one.
    #[serde(default)]
    #[schema(example = json!(null))]
    pub template: Option<i64>,
}

/// `{}`.
pub fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// A run that was sent.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The run's id.
    pub id: i64,
    /// Its state: `sent`, as the broker confirmed the command.
    #[schema(example = "sent")]
    pub state: RunState,
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
        return Err(Error::BadRequest(msg!("run-parameters-not-object")));
    }
    let view = stands::get(state.pool(), stand, state.offline_after())
        .await?
        .ok_or_else(|| Error::NotFound(msg!("stand-not-found", id = stand.as_str())))?;
    let template = match request.template {
        Some(id) => Some(usable_template(state, stand, id).await?),
        None => {
            if by.user.role < Role::Admin && templates::any(state.pool(), stand).await? {
                return Err(Error::Conflict(msg!(
                    "run-needs-template",
                    stand = stand.as_str()
                )));
            }
            None
        }
    };
    let (parameters, commands) = match &template {
        Some(t) => {
            if !request.commands.is_empty() {
                return Err(Error::BadRequest(msg!("run-template-sends-commands")));
            }
            let given = request.parameters.as_object().cloned().unwrap_or_default();
            let values = t
                .template
                .values(&given)
                .map_err(|e| Error::BadRequest(crate::test_templates::messages::refusals(&e)))?;
            (
                Value::Object(values),
                Value::from(t.template.commands.clone()),
            )
        }
        None => (request.parameters, Value::from(request.commands)),
    };
    let confirmed_unheard = match admission(view.state) {
        Admission::Ready => false,
        Admission::Refused => return Err(not_ready(stand, view.state)),
        Admission::AskFirst if request.confirm => true,
        Admission::AskFirst => return Err(unconfirmed(stand, view.state)),
    };
    let run_id = runs::create(
        state.pool(),
        NewRun {
            stand,
            requested_by: &by.user.username,
            user_id: Some(by.user.id),
            parameters: &parameters,
            commands: &commands,
            keep: request.keep,
        },
    )
    .await
    .map_err(|e| match e {
        CreateRunError::InProgress(_) => not_ready(stand, StandState::Busy),
        CreateRunError::NoStand(s) => Error::NotFound(msg!("stand-not-found", id = s.to_string())),
        CreateRunError::Db(e) => e.into(),
    })?;
    if confirmed_unheard {
        runs::mark_confirmed_unheard(state.pool(), run_id).await?;
    }
    if let Some(t) = &template {
        templates::attach(state.pool(), run_id, t.id).await?;
    }
    let message = domain::protocol::command_message(&by.user.username, &commands, &parameters);
    let topic = view.outbound_topic;
    let outbound_id = outbound::record(state.pool(), Some(run_id), stand, &topic, &message).await?;
    let payload = serde_json::to_vec(&message).context("encoding the command")?;
    match state.publisher().publish(&topic, payload).await {
        Ok(()) => {
            outbound::confirmed(state.pool(), outbound_id).await?;
            runs::notify_state(state.pool(), run_id, stand, RunState::Sent).await?;
            tracing::info!(run = run_id, topic, "command sent");
            Ok(Started {
                id: run_id,
                state: RunState::Sent,
            })
        }
        Err(e) => {
            let reason = e.to_string();
            tracing::warn!(run = run_id, error = reason, "command not confirmed");
            outbound::failed(state.pool(), outbound_id, &reason).await?;
            runs::fail(state.pool(), run_id, &reason).await?;
            runs::notify_state(state.pool(), run_id, stand, RunState::Failed).await?;
            Err(Error::Unavailable(msg!(
                "run-not-confirmed",
                reason = reason,
                run = run_id
            )))
        }
    }
}

/// Template `id`, when it is a current template of `stand` (an old version may not be started:
/// its form has changed).
pub async fn usable_template(
    state: &AppState,
    stand: &StandId,
    id: i64,
) -> Result<StoredTemplate, Error> {
    let stored = templates::get(state.pool(), id)
        .await
        .map_err(crate::test_templates::api::store_error)?
        .filter(|t| &t.stand == stand)
        .ok_or_else(|| {
            Error::NotFound(msg!(
                "run-template-not-found",
                stand = stand.as_str(),
                id = id
            ))
        })?;
    if stored.retired_at.is_some() {
        return Err(Error::Conflict(msg!(
            "run-template-deleted",
            id = id,
            name = &stored.template.name
        )));
    }
    let current = templates::list(state.pool(), stand)
        .await
        .map_err(crate::test_templates::api::store_error)?;
    if let Some(newer) = current
        .iter()
        .find(|t| t.family == stored.family && t.id != id)
    {
        return Err(Error::Conflict(
            msg!("run-template-edited", id = id, name = &stored.template.name)
                .arg("version", stored.version)
                .arg("newer_version", newer.version)
                .arg("newer", newer.id),
        ));
    }
    Ok(stored)
}

/// Whether a stand in this state takes a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It said it is ready.
    Ready,
    /// Its state is unknown or quiet: start only when the operator confirms.
    AskFirst,
    /// Known not to take one: busy or powered off.
    Refused,
}

/// The admission rule of the module doc.
pub fn admission(state: StandState) -> Admission {
    match state {
        StandState::Ready => Admission::Ready,
        StandState::Unknown | StandState::Offline | StandState::Error => Admission::AskFirst,
        StandState::Busy | StandState::Off => Admission::Refused,
    }
}

/// Why a stand in this state needs the operator's confirmation (for the page's question).
pub fn why_ask(state: StandState) -> Msg {
    match state {
        StandState::Unknown => msg!("run-ask-never-reported"),
        StandState::Offline => msg!("run-ask-quiet"),
        StandState::Error => msg!("run-ask-error"),
        StandState::Ready | StandState::Busy | StandState::Off => msg!("run-ask-not-ready"),
    }
}

/// "Start anyway?": the stand page's question for a stand in this state.
pub fn ask_first(stand: &StandId, state: StandState) -> Msg {
    msg!(
        "run-ask-start-anyway",
        stand = stand.as_str(),
        state = Msg::new(state_key(state)),
        why = why_ask(state)
    )
}

fn unconfirmed(stand: &StandId, state: StandState) -> Error {
    Error::Conflict(msg!(
        "run-stand-unconfirmed",
        stand = stand.as_str(),
        state = Msg::new(state_key(state)),
        why = why_ask(state)
    ))
}

fn not_ready(stand: &StandId, state: StandState) -> Error {
    let why = match state {
        StandState::Busy => msg!("run-not-ready-busy"),
        StandState::Off => msg!("run-not-ready-off"),
        StandState::Offline => msg!("run-not-ready-offline"),
        StandState::Error => msg!("run-not-ready-error"),
        StandState::Unknown => msg!("run-ask-never-reported"),
        StandState::Ready => msg!("run-not-ready"),
    };
    Error::Conflict(msg!(
        "run-stand-not-ready",
        stand = stand.as_str(),
        state = Msg::new(state_key(state)),
        why = why
    ))
}

/// Cancels a run in progress on behalf of `by` (see [`cancel::cancel`]).
#[tracing::instrument(skip_all, fields(run = id, user = %by.user.username))]
pub async fn cancel(state: &AppState, by: &Authed, id: i64) -> Result<runs::Run, Error> {
    match cancel::cancel(state.pool(), id, &by.user.username).await {
        Ok(run) => {
            tracing::info!(stand = %run.stand, "run cancelled");
            Ok(run)
        }
        Err(cancel::CancelError::NotFound(id)) => {
            Err(Error::NotFound(msg!("run-not-found", id = id)))
        }
        Err(cancel::CancelError::Ended { id, state }) => Err(Error::Conflict(msg!(
            "run-ended",
            id = id,
            state = Msg::new(run_state_key(state))
        ))),
        Err(cancel::CancelError::Db(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_wrong_states_are_refused() {
        assert_eq!(admission(StandState::Ready), Admission::Ready);
        for s in [StandState::Unknown, StandState::Offline, StandState::Error] {
            assert_eq!(admission(s), Admission::AskFirst, "{s}");
        }
        for s in [StandState::Busy, StandState::Off] {
            assert_eq!(admission(s), Admission::Refused, "{s}");
        }
    }
}
