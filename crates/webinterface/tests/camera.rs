//! The camera as the web interface shows it: its password never appears (API JSON, admin
//! pages), editing with the redacted URL keeps the stored password, and the stand page embeds
//! a signed stream link the video relay accepts.

mod common;

use common::App;
use domain::store::users::Role;
use serde_json::{Value, json};

const CAMERA: &str = "http://admin:s3cretpw@10.0.0.7:8080/video.mjpg?pwd=s3cretpw";
const SHOWN: &str = "http://admin:***@10.0.0.7:8080/video.mjpg?pwd=***";

async fn stored(app: &App, id: &str) -> Option<String> {
    sqlx::query_scalar("SELECT camera_url FROM stands WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("stand")
}

#[tokio::test]
async fn the_camera_password_never_shows_and_survives_edits() {
    let mut app = App::start().await;
    let token = app.token("admin1", Role::Admin).await;
    let c = app.client();

    let r = c
        .post(app.url("/api/stands"))
        .bearer_auth(&token)
        .json(&json!({"id": "rig1", "camera_url": CAMERA}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["camera_url"], SHOWN);
    let detail: Value = app.json_of_token("/api/stands/rig1", &token).await;
    assert_eq!(detail["camera_url"], SHOWN);

    // Sending the shown (redacted) URL back keeps the password; a new URL replaces it.
    let r = c
        .patch(app.url("/api/stands/rig1"))
        .bearer_auth(&token)
        .json(&json!({"camera_url": SHOWN, "description": "edited"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    assert_eq!(stored(&app, "rig1").await.as_deref(), Some(CAMERA));

    app.user("boss", Role::Admin).await;
    let (browser, csrf) = app.login("boss").await;
    for path in [
        "/admin/stands",
        "/admin/stands/rig1",
        "/stands/rig1",
        "/api/stands",
    ] {
        let text = app.text(&browser, path).await;
        assert!(!text.contains("s3cretpw"), "{path}: the password shows");
    }
    let admin_page = app.text(&browser, "/admin/stands/rig1").await;
    assert!(admin_page.contains("admin:***@10.0.0.7"), "{admin_page}");
    // Saving the admin form as shown keeps the password too.
    let r = app
        .post_form(
            &browser,
            "/admin/stands/rig1",
            &csrf,
            &[
                ("name", "Rig one"),
                ("description", ""),
                ("camera_url", SHOWN),
                ("max_test_seconds", "60"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(stored(&app, "rig1").await.as_deref(), Some(CAMERA));
    app.shutdown().await;
}

#[tokio::test]
async fn the_stand_page_embeds_a_signed_stream_link() {
    let mut app = App::start().await;
    app.user("v", Role::Viewer).await;
    let admin = app.token("admin1", Role::Admin).await;
    let r = app
        .client()
        .post(app.url("/api/stands"))
        .bearer_auth(&admin)
        .json(&json!({"id": "rig1", "camera_url": "http://10.0.0.7/video"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let (browser, _) = app.login("v").await;
    let page = app.text(&browser, "/stands/rig1").await;
    let src = page
        .split("vstream-direct/test-stand/rig1?")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the stream's link")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let param = |name: &str| {
        src.split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
    };
    let key = app.state.config().secret_key.expose().as_bytes().to_owned();
    let now = chrono::Utc::now().timestamp();
    let check = |stand: &str, now: i64| {
        domain::signing::verify_stream_link(
            &key,
            stand,
            param("exp").as_deref(),
            param("sig").as_deref(),
            now,
        )
    };
    assert_eq!(check("rig1", now), Ok(()), "{src}");
    assert!(check("rig2", now).is_err());
    assert!(check("rig1", now + domain::signing::STREAM_LINK_SECONDS + 5).is_err());
    app.shutdown().await;
}
