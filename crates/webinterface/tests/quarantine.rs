//! The quarantine stays bounded (issue 11): lists read only the start of each payload, and
//! what is kept per message and per topic is capped, so a stand sending garbage can neither
//! take the web interface's memory nor fill the disk. The page and the downloads show
//! payloads safely (hex when not UTF-8, escaped), and the old `/rejected` paths still answer.

mod common;

use common::{App, error_of, ingest, ingest_within, location};
use domain::store::quarantine::QuarantineLimits;
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A `/proc/self/status` figure in KiB.
fn status_kib(field: &str) -> u64 {
    test_support::memory_kib(None, field)
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

#[tokio::test]
async fn a_quarantine_list_of_50_messages_of_16_mib_stays_small() {
    let app = App::start().await;
    let token = app.token("viola", Role::Viewer).await;
    app.user("vera", Role::Viewer).await;
    // Made inside PostgreSQL, so this process never holds them; 50 × 16 MiB (compressible,
    // so the test database stays small on disk).
    sqlx::query(
        "INSERT INTO quarantine (topic, reason, size, payload)
         SELECT 'rig1/inbound', 'not JSON', 16777216,
                convert_to(repeat('x', 16777216), 'UTF8')
         FROM generate_series(1, 50)",
    )
    .execute(&app.db.pool)
    .await
    .expect("insert");
    let (browser, _) = app.login("vera").await;

    // The web interface runs in this process: its peak resident memory is this process's.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    let before = status_kib("VmHWM:");
    let r = app
        .get_with_token("/api/quarantine?per_page=50", &token, "list")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.bytes().await.expect("body");
    let page = app.text(&browser, "/quarantine").await;
    let grown_mib = (status_kib("VmHWM:") - before) / 1024;

    assert!(
        body.len() < 512 * 1024,
        "the JSON list is {} bytes",
        body.len()
    );
    assert!(page.len() < 512 * 1024, "the page is {} bytes", page.len());
    assert!(grown_mib < 64, "listing took {grown_mib} MiB more memory");
    let list: Value = serde_json::from_slice(&body).expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 50);
    assert_eq!(list["total"], 50);
    for item in items {
        assert_eq!(item["size"], 16_777_216);
        assert_eq!(item["kept"], 16_777_216);
        assert_eq!(item["payload_base64"], Value::Null, "not whole in a list");
        let prefix = item["prefix_base64"].as_str().expect("prefix");
        assert_eq!(prefix.len(), 1368, "1,024 bytes in base64");
        assert!(
            item["payload_url"]
                .as_str()
                .expect("url")
                .ends_with("/payload")
        );
    }
    assert!(page.contains("16777216 bytes"));
    assert_eq!(page.matches("download raw bytes").count(), 50);
}

/// Topic, size, bytes kept, dropped, SHA-256.
type StoredRow = (String, i64, Option<i32>, bool, Option<Vec<u8>>);

#[tokio::test]
async fn the_quarantine_keeps_a_prefix_per_message_and_a_quota_per_topic() {
    let app = App::start().await;
    let token = app.token("viola", Role::Viewer).await;
    let limits = QuarantineLimits {
        message_bytes: 1000,
        topic_bytes: 3000,
        ..QuarantineLimits::default()
    };
    let message = |n: u8| {
        let mut m = vec![0xff, n];
        m.resize(2500, n);
        m
    };
    // Not JSON: quarantined. 2,500 bytes each, 1,000 kept; the topic holds 3 of them.
    for n in 1..=4 {
        assert!(
            ingest_within(&app.db.pool, "rig1", &message(n), limits)
                .await
                .is_none()
        );
    }
    assert!(
        ingest_within(&app.db.pool, "rig2", &message(9), limits)
            .await
            .is_none()
    );
    let small = b"{not json".to_vec();
    assert!(
        ingest_within(&app.db.pool, "rig2", &small, limits)
            .await
            .is_none()
    );

    let rows: Vec<StoredRow> = sqlx::query_as(
        "SELECT topic, size, octet_length(payload), payload_dropped, payload_sha256
         FROM quarantine ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("rows");
    let kept: Vec<_> = rows.iter().map(|r| (r.0.as_str(), r.1, r.2, r.3)).collect();
    assert_eq!(
        kept,
        [
            ("rig1/inbound", 2500, None, true),
            ("rig1/inbound", 2500, Some(1000), false),
            ("rig1/inbound", 2500, Some(1000), false),
            ("rig1/inbound", 2500, Some(1000), false),
            ("rig2/inbound", 2500, Some(1000), false),
            ("rig2/inbound", 9, Some(9), false),
        ],
        "the oldest payload of rig1 dropped, rig2 untouched"
    );
    for (row, n) in rows.iter().zip([1u8, 2, 3, 4, 9]) {
        assert_eq!(
            row.4,
            Some(Sha256::digest(message(n)).to_vec()),
            "the hash is of the whole message"
        );
    }

    let list: Value = app
        .get_with_token("/api/quarantine", &token, "list")
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    let whole = &items[0];
    assert_eq!(whole["size"], 9);
    assert_eq!(whole["payload_base64"], "e25vdCBqc29u");
    let cut = &items[2];
    assert_eq!(cut["kept"], 1000);
    assert_eq!(cut["payload_base64"], Value::Null);
    let r = app
        .get_with_token(
            cut["payload_url"].as_str().expect("url"),
            &token,
            "download",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), message(4)[..1000]);
    let dropped = &items[5];
    assert_eq!(dropped["payload_dropped"], true);
    assert_eq!(dropped["kept"], Value::Null);
    assert_eq!(dropped["payload_url"], Value::Null);
    let id = dropped["id"].as_i64().expect("id");
    let r = app
        .get_with_token(&format!("/api/quarantine/{id}/payload"), &token, "download")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_quarantine_shows_payloads_safely_and_gives_the_raw_bytes() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let binary: Vec<u8> = vec![0xff, 0xfe, 0x00, b'<', b'b', b'>', 0x80];
    let text = br#"{"msgType": "<b>bold</b>"}"#.to_vec();
    assert!(ingest(&app.db.pool, "rig1", &binary).await.is_none());
    assert!(ingest(&app.db.pool, "rig1", &text).await.is_none());
    let viola = app.session("viola", Role::Viewer).await;
    let html = viola.page("/quarantine").await;
    assert!(html.contains("ff fe 00 3c 62 3e 80"), "binary shown as hex");
    assert!(html.contains("not UTF-8"));
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;") || html.contains("&#60;b&#62;bold"));
    assert!(!html.contains("<b>bold</b>"));
    assert!(html.contains("rig1/inbound"));
    let listed = viola.json("/api/quarantine").await;
    assert_eq!(listed["total"], 2);
    for item in listed["items"].as_array().expect("items") {
        let qid = item["id"].as_i64().expect("id");
        let payload = viola
            .download(
                &format!("/quarantine/{qid}/payload"),
                "application/octet-stream",
            )
            .await;
        assert_eq!(payload.header("content-type"), "application/octet-stream");
        assert!(
            payload
                .header("content-disposition")
                .starts_with("attachment")
        );
        assert!(payload.body == binary || payload.body == text);
        assert_eq!(item["size"].as_u64(), Some(payload.body.len() as u64));
    }
    let missing = viola.get("/quarantine/99999/payload").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    // Too large to keep: the page says so and the download explains.
    let big: i64 = sqlx::query_scalar(
        "INSERT INTO quarantine (topic, reason, size, payload)
         VALUES ('rig1/inbound', 'too big', 99999999, NULL) RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("insert");
    let html = viola.page("/quarantine").await;
    assert!(html.contains("payload not kept: larger than MAX_PAYLOAD_BYTES"));
    let r = viola.get(&format!("/api/quarantine/{big}/payload")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(error_of(r).await.contains("its bytes are not kept"));
}

#[tokio::test]
async fn the_old_quarantine_pages_redirect_and_its_old_api_paths_answer_the_same() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    assert!(ingest(&app.db.pool, "rig1", b"not json").await.is_none());
    // The old page paths point to the new ones (308 keeps the method), query and all.
    let c = app.client();
    for (old, new) in [
        ("/rejected", "/quarantine"),
        ("/rejected?page=2", "/quarantine?page=2"),
        ("/rejected/7/payload", "/quarantine/7/payload"),
        (
            "/rejected/7/payload?x=%C3%A9",
            "/quarantine/7/payload?x=%C3%A9",
        ),
    ] {
        let r = c.get(app.url(old)).send().await.expect("get");
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT, "{old}");
        assert_eq!(location(&r), new, "{old}");
    }
    // The old API paths are aliases (API clients need not follow redirects).
    let viola = app.api("viola", Role::Viewer).await;
    let new = viola.json("/api/quarantine").await;
    assert_eq!(new["total"], 1);
    assert_eq!(viola.json("/api/rejected").await, new);
    let qid = new["items"][0]["id"].as_i64().expect("id");
    for path in [
        format!("/api/quarantine/{qid}/payload"),
        format!("/api/rejected/{qid}/payload"),
    ] {
        let r = viola.get(&path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            r.bytes().await.expect("bytes").as_ref(),
            b"not json",
            "{path}"
        );
    }
}
