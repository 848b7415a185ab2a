//! The account page (`/account`): a user's own language (Danish, English or the browser's)
//! and own password. A language change shows on the next page, in the same session.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use domain::store::users;

use super::extract::Viewer;
use super::password::{MIN_PASSWORD_LEN, hash_blocking, verify_blocking};
use super::sessions::{Authed, Via, language, session_key};
use crate::error::{Error, Result, msg_role};
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::page::Layout;
use crate::routes::{Routes, VIEWER};
use crate::state::AppState;

/// `/account` and its two forms.
pub fn pages() -> Routes {
    Routes::pages()
        .get("/account", VIEWER, account)
        .post("/account/language", VIEWER, set_language)
        .post("/account/password", VIEWER, change_password)
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    username: String,
    role_key: &'static str,
    /// `da`, `en`, or empty (the browser's).
    chosen: String,
    csrf: String,
    min_password: usize,
}

fn page(a: &Authed, layout: Layout) -> AccountPage {
    AccountPage {
        layout,
        username: a.user.username.clone(),
        role_key: msg_role(a.user.role.as_str()).key(),
        chosen: a.user.language.clone().unwrap_or_default(),
        csrf: a.csrf().to_owned(),
        min_password: MIN_PASSWORD_LEN,
    }
}

#[derive(serde::Deserialize)]
struct AccountQuery {
    /// `password` after a password change.
    changed: Option<String>,
}

async fn account(Viewer(a): Viewer, Query(q): Query<AccountQuery>) -> AccountPage {
    let notice =
        (q.changed.as_deref() == Some("password")).then(|| msg!("account-password-changed"));
    page(&a, a.layout().notice(notice))
}

#[derive(serde::Deserialize)]
struct LanguageForm {
    /// `da`, `en`, or empty for the browser's.
    #[serde(default)]
    language: String,
}

async fn set_language(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    headers: axum::http::HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Result<Response> {
    let chosen = match form.language.trim() {
        "" => None,
        code => Some(
            Lang::parse(code)
                .filter(|l| Lang::CHOICES.contains(l))
                .ok_or_else(|| Error::BadRequest(msg!("account-language-unknown", code = code)))?,
        ),
    };
    users::set_language(state.pool(), a.user.id, chosen.map(Lang::code)).await?;
    // This answer already speaks the new language; so does every later page.
    let t = language(&state, chosen, &headers);
    let mut a = a;
    a.t = t;
    a.user.language = chosen.map(|l| l.code().to_owned());
    let layout = a.layout().notice(Some(msg!("account-language-saved")));
    Ok(page(&a, layout).into_response())
}

#[derive(serde::Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

async fn change_password(
    State(state): State<AppState>,
    Viewer(a): Viewer,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let outcome = async {
        let Via::Session { token, .. } = &a.via else {
            return Err(Error::BadRequest(msg!("account-password-needs-session")));
        };
        if form.new != form.repeat {
            return Err(Error::BadRequest(msg!("account-password-mismatch")));
        }
        let current = users::by_id(state.pool(), a.user.id)
            .await?
            .ok_or(Error::Unauthorized)?;
        if !verify_blocking(&state, form.current, current.password_hash).await? {
            return Err(Error::BadRequest(msg!("account-password-wrong")));
        }
        let hash = hash_blocking(&state, form.new).await?;
        users::change_own_password(state.pool(), a.user.id, &hash, &session_key(token)).await?;
        Ok(())
    }
    .await;
    Ok(match outcome {
        Ok(()) => Redirect::to("/account?changed=password").into_response(),
        Err(e @ (Error::Internal(_) | Error::Busy | Error::Unauthorized)) => return Err(e),
        Err(e) => {
            let problem: Msg = e.message();
            (e.status_code(), page(&a, a.layout().problem(Some(problem)))).into_response()
        }
    })
}
