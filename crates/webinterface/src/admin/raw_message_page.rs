//! The raw message tool's page (`/admin/raw-messages`): a form of every field of the protocol's
//! message, its JSON fields as text areas, sent through [`super::raw_messages`]'s checks. A
//! refusal shows each problem next to its field and keeps the text as typed; the latest
//! messages sent are listed under the form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use domain::store::{raw_messages, stands};
use domain::{StandId, TopicLayouts};
use serde_json::Value;

use super::raw_messages::{Draft, FieldError, Refused, check, empty_list, joined, send};
use crate::auth::{Admin, Authed};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::msg;
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::runs::empty_object;
use crate::state::AppState;

/// How many sent messages the page lists.
const RECENT_SHOWN: i64 = 50;

/// `/admin/raw-messages`.
pub fn pages() -> Routes {
    Routes::pages()
        .get("/admin/raw-messages", ADMIN, show)
        .post("/admin/raw-messages", ADMIN, submit)
}

/// The form's fields as text, as typed (or as first filled in).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RawForm {
    stand: String,
    topic: String,
    protocol_version: String,
    sent_by: String,
    msg_type: String,
    status_code: String,
    command_list: String,
    parameter_obj: String,
    data_obj: String,
}

/// A JSON field's text as a value: empty is `default`; text that is not JSON is an error.
fn json_field(
    text: &str,
    default: Value,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Value {
    if text.trim().is_empty() {
        return default;
    }
    serde_json::from_str(text).unwrap_or_else(|e| {
        errors.push(FieldError {
            field,
            message: msg!("raw-not-json", detail = e.to_string()),
        });
        // The checks go on with the default, so only the JSON error is shown for it.
        default
    })
}

impl RawForm {
    /// The draft the form makes, and the fields whose text is not JSON.
    fn draft(&self) -> (Draft, Vec<FieldError>) {
        let mut errors = Vec::new();
        let draft = Draft {
            stand: self.stand.clone(),
            topic: self.topic.clone(),
            protocol_version: json_field(
                &self.protocol_version,
                Value::from(domain::protocol::PROTOCOL_VERSION),
                "protocolVersion",
                &mut errors,
            ),
            sent_by: self.sent_by.clone(),
            msg_type: self.msg_type.clone(),
            status_code: self.status_code.clone(),
            command_list: json_field(&self.command_list, empty_list(), "commandList", &mut errors),
            parameter_obj: json_field(
                &self.parameter_obj,
                empty_object(),
                "parameterObj",
                &mut errors,
            ),
            data_obj: json_field(&self.data_obj, empty_object(), "dataObj", &mut errors),
        };
        (draft, errors)
    }
}

/// Each field's problem, for the template.
#[derive(Default)]
struct Problems {
    stand: Option<Msg>,
    topic: Option<Msg>,
    protocol_version: Option<Msg>,
    sent_by: Option<Msg>,
    msg_type: Option<Msg>,
    status_code: Option<Msg>,
    command_list: Option<Msg>,
    parameter_obj: Option<Msg>,
    data_obj: Option<Msg>,
    message: Option<Msg>,
}

impl Problems {
    fn of(errors: &[FieldError]) -> Self {
        let mut p = Self::default();
        for e in errors {
            let slot = match e.field {
                "stand" => &mut p.stand,
                "topic" => &mut p.topic,
                "protocolVersion" => &mut p.protocol_version,
                "sentBy" => &mut p.sent_by,
                "msgType" => &mut p.msg_type,
                "statusCode" => &mut p.status_code,
                "commandList" => &mut p.command_list,
                "parameterObj" => &mut p.parameter_obj,
                "dataObj" => &mut p.data_obj,
                _ => &mut p.message,
            };
            *slot = Some(match slot.take() {
                Some(before) => joined(before, e.message.clone()),
                None => e.message.clone(),
            });
        }
        p
    }
}

struct SentRow {
    sent_at: chrono::DateTime<chrono::Utc>,
    username: String,
    stand: String,
    topic: String,
    payload: String,
    outcome: String,
    error: Option<String>,
}

impl SentRow {
    /// The message key of the outcome (`pending`, `sent`, `failed`).
    fn outcome_key(&self) -> &'static str {
        match self.outcome.as_str() {
            "sent" => "raw-outcome-sent",
            "failed" => "raw-outcome-failed",
            _ => "raw-outcome-pending",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_raw_messages.html")]
struct RawMessagesPage {
    layout: Layout,
    csrf: String,
    form: RawForm,
    problems: Problems,
    /// Every stand: its id and the outbound topic commands go to.
    stands: Vec<(String, String)>,
    /// The chosen stand's outbound topics, offered for the topic field.
    topics: Vec<String>,
    recent: Vec<SentRow>,
}

async fn render(
    state: &AppState,
    a: &Authed,
    form: RawForm,
    errors: &[FieldError],
    layout: Layout,
) -> Result<RawMessagesPage> {
    let all = stands::list(state.pool(), state.offline_after()).await?;
    let topics = StandId::parse(form.stand.trim())
        .map(|id| TopicLayouts::default().outbound_topics(&id))
        .unwrap_or_default();
    let recent = raw_messages::recent(state.pool(), RECENT_SHOWN)
        .await?
        .into_iter()
        .map(|m| SentRow {
            sent_at: m.sent_at,
            username: m.username,
            stand: m.stand_id,
            topic: m.topic,
            payload: m.payload,
            outcome: m.outcome,
            error: m.error,
        })
        .collect();
    Ok(RawMessagesPage {
        layout,
        csrf: a.csrf().to_owned(),
        form,
        problems: Problems::of(errors),
        stands: all
            .into_iter()
            .map(|s| (s.id.to_string(), s.outbound_topic))
            .collect(),
        topics,
        recent,
    })
}

#[derive(serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    stand: String,
}

/// The form, filled in for `?stand=`: its outbound topic, the admin as sender, a `command`
/// with status 200 and empty lists.
async fn show(
    State(state): State<AppState>,
    Admin(a): Admin,
    Query(q): Query<PageQuery>,
) -> Result<RawMessagesPage> {
    let stand = StandId::parse(q.stand.trim()).ok();
    let view = match &stand {
        Some(id) => stands::get(state.pool(), id, state.offline_after()).await?,
        None => None,
    };
    let form = RawForm {
        stand: view.as_ref().map(|v| v.id.to_string()).unwrap_or_default(),
        topic: view.map(|v| v.outbound_topic).unwrap_or_default(),
        protocol_version: domain::protocol::PROTOCOL_VERSION.to_string(),
        sent_by: a.user.username.clone(),
        msg_type: "command".into(),
        status_code: "200".into(),
        command_list: "[]".into(),
        parameter_obj: "{}".into(),
        data_obj: "{}".into(),
    };
    render(&state, &a, form, &[], a.layout()).await
}

async fn submit(
    State(state): State<AppState>,
    Admin(a): Admin,
    Form(form): Form<RawForm>,
) -> Result<Response> {
    let (draft, not_json) = form.draft();
    let checked = check(&state, &draft).await?;
    let refused = match checked {
        Ok(c) if not_json.is_empty() => {
            let (status, layout) = match send(&state, &a, c).await {
                Ok(sent) => (
                    StatusCode::OK,
                    a.layout()
                        .notice(Some(msg!("raw-sent", topic = sent.topic, id = sent.id))),
                ),
                Err(e @ Error::Unavailable(_)) => {
                    (e.status_code(), a.layout().problem(Some(e.message())))
                }
                Err(e) => return Err(e),
            };
            let page = render(&state, &a, form, &[], layout).await?;
            return Ok((status, page).into_response());
        }
        Ok(_) => Refused::default(),
        Err(refused) => refused,
    };
    let status = if not_json.is_empty() {
        refused.status()
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut errors = not_json;
    errors.extend(refused.errors);
    let layout = a
        .layout()
        .problem(Some(msg!("raw-nothing-sent-see-fields", n = errors.len())));
    let page = render(&state, &a, form, &errors, layout).await?;
    Ok((status, page).into_response())
}
