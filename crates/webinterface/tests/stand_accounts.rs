//! A stand's own account on the launcher's broker, made from the admin's stand page: the
//! password is shown once on a page no cache keeps, the store admits it for that stand only,
//! a new password replaces the old one, deleting ends it. Where the broker keeps its own
//! accounts (docker-compose's Mosquitto), the page says how to make one there instead.

mod common;

use common::{App, Session};
use domain::StandId;
use domain::store::mqtt_accounts;
use domain::store::users::Role;

async fn stand(app: &App, id: &str) {
    sqlx::query("INSERT INTO stands (id, name) VALUES ($1, $1)")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("stand");
}

/// The stand page's account form for `stand` sent by `who` with `action` (new, remove).
async fn account_form(who: &Session, stand: &str, action: &str) -> reqwest::Response {
    let path = format!("/admin/stands/{stand}/mqtt-account");
    who.post_form(&path, &[("action", action)]).await
}

/// The text between `<code id="{id}">` and `</code>`.
fn code(html: &str, id: &str) -> String {
    let start = format!("<code id=\"{id}\">");
    let from = html.find(&start).expect("shown") + start.len();
    html[from..]
        .split("</code>")
        .next()
        .expect("closed")
        .to_owned()
}

#[tokio::test]
async fn an_admin_makes_renews_and_deletes_a_stand_account_and_sees_the_password_once() {
    let app = App::start_with(|c| c.stand_accounts_here = true).await;
    stand(&app, "prøve_1").await;
    stand(&app, "rig2").await;
    let boss = app.session("boss", Role::Admin).await;
    let action = |what| account_form(&boss, "prøve_1", what);
    assert!(
        boss.page("/admin/stands/prøve_1")
            .await
            .contains("No account yet")
    );

    let r = action("new").await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let html = r.text().await.expect("text");
    assert_eq!(code(&html, "mqtt-user"), "prøve_1");
    let first = code(&html, "mqtt-password");
    assert_eq!(first.len(), 24, "{html}");
    let accounts = mqtt_accounts::all(&app.db.pool).await.expect("accounts");
    assert!(accounts.admits("prøve_1", first.as_bytes()));
    assert!(
        !accounts.admits("rig2", first.as_bytes()),
        "its own stand only"
    );
    let shown = boss.page("/admin/stands/prøve_1").await;
    assert!(shown.contains("password set"), "{shown}");
    assert!(!shown.contains(&first), "the password is shown only once");

    let second = code(
        &action("new").await.text().await.expect("text"),
        "mqtt-password",
    );
    let accounts = mqtt_accounts::all(&app.db.pool).await.expect("accounts");
    assert!(accounts.admits("prøve_1", second.as_bytes()));
    assert!(
        !accounts.admits("prøve_1", first.as_bytes()),
        "the old one ends"
    );

    assert_eq!(action("remove").await.status(), 200);
    let accounts = mqtt_accounts::all(&app.db.pool).await.expect("accounts");
    assert!(!accounts.contains("prøve_1"));
    assert_eq!(action("bogus").await.status(), 400);

    // Viewers and operators cannot.
    let olga = app.session("olga", Role::Operator).await;
    assert_eq!(account_form(&olga, "prøve_1", "new").await.status(), 403);
    let id = StandId::parse("prøve_1").expect("id");
    assert_eq!(
        mqtt_accounts::made_at(&app.db.pool, &id).await.expect("q"),
        None
    );
}

#[tokio::test]
async fn where_the_broker_keeps_its_own_accounts_the_page_says_how_to_make_one() {
    let app = App::start().await;
    stand(&app, "rig1").await;
    let boss = app.session("boss", Role::Admin).await;
    let html = boss.page("/admin/stands/rig1").await;
    assert!(html.contains("mosquitto/add-user.sh rig1"), "{html}");
    assert!(!html.contains("/mqtt-account\""), "no form");
    assert_eq!(account_form(&boss, "rig1", "new").await.status(), 400);
    assert!(
        mqtt_accounts::all(&app.db.pool)
            .await
            .expect("accounts")
            .is_empty()
    );
}
