//! The start-test form of the stand page (`POST /stands/{id}/runs`): parameter rows, commands
//! one per line, "keep"; refusals are shown on the stand page, and a stand whose state is
//! unknown or quiet gets the question "start anyway?" with the form ready to re-send.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use domain::StandId;
use serde_json::Value;

use super::{StartRun, Started};
use crate::auth::Operator;
use crate::error::{Error, Result};
use crate::extract::{find_stand, lines_of, path_segment, stand_id};
use crate::i18n::Msg;
use crate::msg;
use crate::routes::{OPERATOR, Routes};
use crate::stands::pages::{PendingStart, Posted, render_stand};
use crate::state::AppState;
use crate::test_templates::fields::TemplateInput;

/// The form's route.
pub fn routes() -> Routes {
    Routes::pages()
        .post("/stands/{id}/runs", OPERATOR, start_run)
        .post(
            "/stands/{id}/templates/{template}/runs",
            OPERATOR,
            start_template_run,
        )
        .post("/runs/{id}/cancel", OPERATOR, cancel_run)
}

/// A run's cancel button on the stand page: back to the stand page, where the run shows as
/// cancelled and a new test may be started.
async fn cancel_run(
    State(state): State<AppState>,
    Operator(by): Operator,
    Path(id): Path<String>,
) -> Result<Response> {
    let id = id
        .parse::<i64>()
        .map_err(|_| Error::NotFound(msg!("run-bad-id", id = id)))?;
    let run = super::cancel(&state, &by, id).await?;
    Ok(Redirect::to(&format!(
        "/stands/{}#runs",
        path_segment(run.stand.as_str())
    ))
    .into_response())
}

/// The start-test form: parameter rows, commands (one per line), keep.
#[derive(serde::Deserialize)]
struct StartForm {
    #[serde(default)]
    param_name: Vec<String>,
    #[serde(default)]
    param_value: Vec<String>,
    #[serde(default)]
    commands: String,
    #[serde(default)]
    keep: Option<String>,
    #[serde(default)]
    confirm: Option<String>,
}

/// A form value as JSON, by the rule of [`domain::parameters::PARAMETER_RULE`].
fn form_value(raw: &str) -> Value {
    domain::parameters::parameter_value(raw)
}

fn ticked(v: Option<&String>) -> bool {
    v.is_some_and(|k| k == "true" || k == "on")
}

impl StartForm {
    /// The form as typed, to ask "start anyway?" with.
    fn pending(&self, question: Msg) -> PendingStart {
        PendingStart {
            question,
            parameters: self
                .param_name
                .iter()
                .enumerate()
                .filter(|(_, n)| !n.trim().is_empty())
                .map(|(i, n)| {
                    (
                        n.clone(),
                        self.param_value.get(i).cloned().unwrap_or_default(),
                    )
                })
                .collect(),
            commands: self.commands.clone(),
            keep: ticked(self.keep.as_ref()),
        }
    }

    fn into_request(self) -> Result<StartRun> {
        let mut parameters = serde_json::Map::new();
        for (i, name) in self.param_name.iter().enumerate() {
            let name = name.trim();
            let value = self.param_value.get(i).map(String::as_str).unwrap_or("");
            if name.is_empty() {
                if !value.trim().is_empty() {
                    return Err(Error::BadRequest(msg!(
                        "run-form-value-without-name",
                        row = i + 1
                    )));
                }
                continue;
            }
            if parameters
                .insert(name.to_owned(), form_value(value))
                .is_some()
            {
                return Err(Error::BadRequest(msg!(
                    "run-form-parameter-twice",
                    name = name
                )));
            }
        }
        let commands = lines_of(&self.commands).map(str::to_owned).collect();
        Ok(StartRun {
            parameters: Value::Object(parameters),
            commands,
            keep: ticked(self.keep.as_ref()),
            confirm: ticked(self.confirm.as_ref()),
            template: None,
        })
    }
}

async fn start_run(
    State(state): State<AppState>,
    Operator(a): Operator,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Result<Response> {
    let stand = stand_id(&id)?;
    if !ticked(form.confirm.as_ref()) {
        let view = find_stand(&state, &id).await?;
        if super::admission(view.state) == super::Admission::AskFirst {
            let question = super::ask_first(&stand, view.state);
            let layout = a.layout();
            let pending = Posted::Asking(form.pending(question));
            let conflict = StatusCode::CONFLICT;
            return render_stand(&state, &a, &id, &headers, layout, conflict, pending).await;
        }
    }
    let outcome = match form.into_request() {
        Ok(request) => super::start(&state, &a, &stand, request).await,
        Err(e) => Err(e),
    };
    answer_start(&stand, outcome, |e| {
        let layout = a.layout().problem(Some(e.message()));
        let status = e.status_code();
        render_stand(&state, &a, &id, &headers, layout, status, Posted::Nothing)
    })
    .await
}

/// The answer to a start from a form: the stand's page with the run's number, or `again` with
/// the refusal (a conflict, no confirmation from the broker, a bad value) to show it on the
/// page; other errors as they are.
async fn answer_start<F, Fut>(
    stand: &StandId,
    outcome: Result<Started>,
    again: F,
) -> Result<Response>
where
    F: FnOnce(Error) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    match outcome {
        Ok(started) => Ok(Redirect::to(&format!(
            "/stands/{}?started={}",
            path_segment(stand.as_str()),
            started.id
        ))
        .into_response()),
        Err(e @ (Error::Conflict(_) | Error::Unavailable(_) | Error::BadRequest(_))) => {
            again(e).await
        }
        Err(e) => Err(e),
    }
}

/// A template's start form: its values checked by the template (each refusal shown next to
/// its field, the text kept), "start anyway?" asked as on the free form, then the one start
/// path with the template's id.
async fn start_template_run(
    State(state): State<AppState>,
    Operator(a): Operator,
    Path((id, template)): Path<(String, String)>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let stand = stand_id(&id)?;
    let tid = template
        .parse::<i64>()
        .map_err(|_| Error::NotFound(msg!("run-template-bad-id", id = &template)))?;
    let stored = super::usable_template(&state, &stand, tid).await?;
    let mut input = TemplateInput::from_form(&stored, &pairs);
    let again = |input: TemplateInput, status: StatusCode| {
        let layout = a.layout();
        let (state, a, id, headers) = (&state, &a, &id, &headers);
        let posted = Posted::Template(input);
        async move { render_stand(state, a, id, headers, layout, status, posted).await }
    };
    if let Err(errors) = stored.template.values(&input.values) {
        input.errors = errors.into_iter().map(|e| (e.field, e.message)).collect();
        input.problem = Some(a.t.s("run-template-values-refused"));
        return again(input, StatusCode::BAD_REQUEST).await;
    }
    if !input.confirm {
        let view = find_stand(&state, &id).await?;
        if super::admission(view.state) == super::Admission::AskFirst {
            input.question = Some(a.t.msg(&super::ask_first(&stand, view.state)));
            return again(input, StatusCode::CONFLICT).await;
        }
    }
    let request = StartRun {
        parameters: Value::Object(input.values.clone()),
        commands: Vec::new(),
        keep: input.keep,
        confirm: input.confirm,
        template: Some(tid),
    };
    let outcome = super::start(&state, &a, &stand, request).await;
    answer_start(&stand, outcome, |e| {
        input.problem = Some(a.t.msg(&e.message()));
        again(input, e.status_code())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_keep_their_type() {
        assert_eq!(form_value("1000"), Value::from(1000));
        assert_eq!(form_value(" 2.5 "), Value::from(2.5));
        assert_eq!(form_value("true"), Value::Bool(true));
        assert_eq!(form_value("sine"), Value::from("sine"));
        assert_eq!(form_value("NaN"), Value::from("NaN"));
    }

    #[test]
    fn the_parameter_rule_reads_as_the_domain_states_it() {
        let en = crate::i18n::Tr::english();
        assert_eq!(en.s("param-rule"), domain::parameters::PARAMETER_RULE);
    }

    #[test]
    fn start_form_builds_the_request() {
        let form = StartForm {
            param_name: vec!["fs".into(), "".into(), "wave".into()],
            param_value: vec!["100".into(), "".into(), "sine".into()],
            commands: "start\n\n stop \n".into(),
            keep: Some("true".into()),
            confirm: None,
        };
        let r = form.into_request().expect("valid");
        assert_eq!(r.parameters, serde_json::json!({"fs": 100, "wave": "sine"}));
        assert_eq!(r.commands, ["start", "stop"]);
        assert!(r.keep);
        let dup = StartForm {
            param_name: vec!["a".into(), "a".into()],
            param_value: vec!["1".into(), "2".into()],
            commands: String::new(),
            keep: None,
            confirm: None,
        };
        assert!(dup.into_request().is_err());
    }
}
