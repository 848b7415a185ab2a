//! The camera as the web interface shows it: its password never appears (API JSON, admin
//! pages), editing with the redacted URL keeps the stored password, and the stand page embeds
//! a signed stream link the video relay accepts.

mod common;

use common::App;
use domain::store::users::Role;
use serde_json::json;

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
    let admin = app.api("admin1", Role::Admin).await;

    let (status, created) = admin
        .post_call("/api/stands", &json!({"id": "rig1", "camera_url": CAMERA}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(created["camera_url"], SHOWN);
    let detail = admin.json("/api/stands/rig1").await;
    assert_eq!(detail["camera_url"], SHOWN);

    // Sending the shown (redacted) URL back keeps the password; a new URL replaces it.
    let edit = json!({"camera_url": SHOWN, "description": "edited"});
    assert_eq!(admin.patch("/api/stands/rig1", &edit).await.status(), 200);
    assert_eq!(stored(&app, "rig1").await.as_deref(), Some(CAMERA));

    let boss = app.session("boss", Role::Admin).await;
    for path in [
        "/admin/stands",
        "/admin/stands/rig1",
        "/stands/rig1",
        "/api/stands",
    ] {
        let text = boss.page(path).await;
        assert!(!text.contains("s3cretpw"), "{path}: the password shows");
    }
    let admin_page = boss.page("/admin/stands/rig1").await;
    assert!(admin_page.contains("admin:***@10.0.0.7"), "{admin_page}");
    // Saving the admin form as shown keeps the password too.
    let r = boss
        .post_form(
            "/admin/stands/rig1",
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
    let admin = app.api("admin1", Role::Admin).await;
    let stand = json!({"id": "rig1", "camera_url": "http://10.0.0.7/video"});
    assert_eq!(admin.post("/api/stands", &stand).await.status(), 201);
    let page = app
        .session("v", Role::Viewer)
        .await
        .page("/stands/rig1")
        .await;
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
