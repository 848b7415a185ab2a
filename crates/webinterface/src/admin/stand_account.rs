//! A stand's own account on the all-in-one launcher's embedded broker, from the admin's stand
//! page: made or given a new password (shown once, on a page of its own that is not cached),
//! or deleted. Under docker-compose Mosquitto keeps its own accounts, and the stand page says
//! how to make one there (`mosquitto/add-user.sh`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::Form;
use domain::store::mqtt_accounts;

use crate::auth::Admin;
use crate::error::{Error, Result};
use crate::extract::find_stand;
use crate::msg;
use crate::page::Layout;
use crate::routes::{ADMIN, Routes};
use crate::state::AppState;

/// `/admin/stands/{id}/mqtt-account`.
pub fn pages() -> Routes {
    Routes::pages().post("/admin/stands/{id}/mqtt-account", ADMIN, change)
}

/// The stand page's account section.
pub struct AccountPart {
    /// The stands log in with the accounts made here (the launcher's broker).
    pub here: bool,
    /// When its account was made (or last given a new password), if it has one.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The account section of `id`'s page.
pub async fn part(state: &AppState, id: &domain::StandId) -> Result<AccountPart> {
    let here = state.config().stand_accounts_here;
    let since = if here {
        mqtt_accounts::made_at(state.pool(), id).await?
    } else {
        None
    };
    Ok(AccountPart { here, since })
}

#[derive(serde::Deserialize)]
struct Change {
    action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_stand_account.html")]
struct PasswordPage {
    layout: Layout,
    id: String,
    password: Option<String>,
}

async fn change(
    State(state): State<AppState>,
    Admin(a): Admin,
    Path(id): Path<String>,
    Form(form): Form<Change>,
) -> Result<Response> {
    let stand = find_stand(&state, &id).await?;
    if !state.config().stand_accounts_here {
        return Err(Error::BadRequest(msg!(
            "admin-account-elsewhere",
            id = stand.id.to_string()
        )));
    }
    let password = match form.action.as_str() {
        "new" => Some(mqtt_accounts::replace(state.pool(), &stand.id).await?),
        "remove" => {
            mqtt_accounts::remove(state.pool(), &stand.id).await?;
            None
        }
        other => {
            return Err(Error::BadRequest(msg!(
                "admin-account-unknown-action",
                action = other
            )));
        }
    };
    tracing::info!(stand = %stand.id, by = %a.user.username, made = password.is_some(), "stand MQTT account changed");
    let page = PasswordPage {
        layout: a.layout(),
        id: stand.id.to_string(),
        password,
    };
    // The password is on this page only: never kept by a cache or the browser's history.
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}
