//! The module guide's stand end to end: a Danish id on the lowercase topics through the broker,
//! the handler, the pages, the API and the exports; a stand added with the guide's topics.

use crate::common::{Api, App, next_message, read_csv, start_handler, stop_handler, subscriber};
use crate::*;
use calamine::{Data, Reader, Xlsx};
use domain::store::users::Role;
use reqwest::Method;
use rumqttc::QoS;
use serde_json::{Value, json};
use std::io::Cursor;
use test_support::messages;
use test_support::mqtt::TestClient;

#[tokio::test]
async fn a_danish_stand_on_the_module_guides_lowercase_topics_works_end_to_end() {
    let app = App::start().await;
    let (stop, handler) = start_handler(&app).await;
    let token = app.token("olga", Role::Operator).await;
    let stand = "prøvestand_3";
    let inbound = format!("Testdevice/{stand}/inbound");
    let mut inbox = subscriber(&app.broker.url(), &["Testdevice/+/outbound"]).await;
    // The stand publishes at QoS 2 and waits for the broker's PUBCOMP each time.
    let mut device = TestClient::connect(
        &app.broker.url(),
        &format!("compat-{}", test_support::uuid_like()),
    );
    let mut send = async |message: String| {
        device
            .publish_confirmed(&inbound, QoS::ExactlyOnce, message)
            .await
    };
    let status = |code| messages::status(code, stand).to_string();

    // The stand reports itself on the lowercase topic and is registered under its Danish id.
    send(status("600")).await;
    send(status("200")).await;
    let view = api_until(&app, &token, &format!("/api/stands/{stand}"), |v| {
        v["state"] == "ready"
    })
    .await;
    assert_eq!(view["id"], stand);

    // A test started from the API reaches it on the matching lowercase outbound topic, with
    // every key of v1.1 in the schema's order.
    let run_id = start_run(
        &app,
        &token,
        stand,
        json!({"parameters": {"gain": "007", "n": 3}, "commands": ["start"]}),
    )
    .await;
    let (topic, payload) = next_message(&mut inbox).await;
    assert_eq!(topic, format!("Testdevice/{stand}/outbound"));
    let command: Value = serde_json::from_str(&payload).expect("json");
    assert_eq!(keys(&command), KEY_ORDER);
    assert_eq!(command["dataObj"], json!({}));
    assert_eq!(command["parameterObj"], json!({"gain": "007", "n": 3}));

    // It answers 202, then its data and 200, on the lowercase topic.
    send(status("202")).await;
    let data = messages::data_text(
        stand,
        &["start"],
        &json!({"gain": "007", "n": 3}),
        r#"{"tid": [0.0, 0.5, 1.0], "spænding": [1.25, -2.5, 3.75]}"#,
    );
    send(data).await;
    let run = api_until(&app, &token, &format!("/api/runs/{run_id}"), |v| {
        v["state"] == "completed"
    })
    .await;
    let result = run["result"].as_i64().expect("the run's result");

    // Its page, through the percent-encoded path a browser sends.
    let vera = app.session("vera", Role::Viewer).await;
    let html = vera.page("/stands/pr%C3%B8vestand_3").await;
    assert!(html.contains(stand), "the page names the stand");
    assert!(
        html.contains(&format!("Testdevice/{stand}/outbound")),
        "{html}"
    );
    let dashboard = vera.page("/").await;
    assert!(dashboard.contains(&format!("/stands/{stand}")));
    let olga = Api::new(&app, &token);
    let listed = olga.json("/api/stands").await;
    assert!(
        listed
            .as_array()
            .expect("array")
            .iter()
            .any(|s| s["id"] == stand),
        "{listed}"
    );

    // The exports.
    let csv = olga
        .download(&format!("/results/{result}.csv"), "text/csv")
        .await;
    let (header, rows) = read_csv(&csv.body);
    assert_eq!(header, ["tid", "spænding"]);
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(String::from).collect())
        .collect();
    assert_eq!(rows, [["0", "1.25"], ["0.5", "-2.5"], ["1", "3.75"]]);

    let xlsx = olga
        .download(&format!("/results/{result}.xlsx"), "application/")
        .await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.body)).expect("an xlsx file");
    let info = wb.worksheet_range("Info").expect("Info");
    let stand_row = info
        .rows()
        .find(|r| r.first() == Some(&Data::String("Stand".into())))
        .expect("a Stand row");
    assert_eq!(stand_row[1], Data::String(stand.into()));
    let data_sheet = wb.worksheet_range("Data").expect("Data");
    assert_eq!(
        data_sheet.rows().next().expect("header")[1],
        Data::String("spænding".into())
    );

    stop_handler(stop, handler).await;
}

#[tokio::test]
async fn a_stand_added_with_the_module_guides_topics_gets_its_first_command_on_lowercase_outbound()
{
    let mut app = App::start().await;
    let ada = app.session("ada", Role::Admin).await;
    let mut inbox = subscriber(&app.broker.url(), &["+/outbound", "Testdevice/+/+"]).await;
    // The admin adds a stand built after the module guide, never heard yet.
    let page = ada.page("/admin/stands").await;
    assert!(
        page.contains(r#"<option value="guide">module guide: commands on Testdevice/&#60;id&#62;/outbound</option>"#),
        "{page}"
    );
    let to = ada
        .post_form_redirect(
            "/admin/stands",
            &[("id", "prøvestand_7"), ("name", ""), ("topics", "guide")],
        )
        .await;
    let page = ada.page(&to).await;
    assert!(
        page.contains(r#"<option value="guide" selected>module guide: commands on Testdevice/prøvestand_7/outbound</option>"#),
        "{page}"
    );
    let token = app.token("olga", Role::Operator).await;
    let detail = api_until(&app, &token, "/api/stands/prøvestand_7", |_| true).await;
    assert_eq!(
        (&detail["topics"], &detail["legacy_topics"]),
        (&json!("guide"), &json!(true))
    );

    // A confirmed start reaches the stand where the guide has it listen.
    let run = start_run(&app, &token, "prøvestand_7", json!({"confirm": true})).await;
    let (topic, payload) = next_message(&mut inbox).await;
    assert_eq!(topic, "Testdevice/prøvestand_7/outbound");
    let message: Value = serde_json::from_str(&payload).expect("json");
    assert_eq!(keys(&message), KEY_ORDER);
    let stored = api_until(&app, &token, &format!("/api/runs/{run}"), |_| true).await;
    assert_eq!(stored["confirmed_unheard"], true);

    // Saved again without changes, the edit form keeps the choice; the API can switch back.
    let r = ada
        .post_form(
            "/admin/stands/prøvestand_7",
            &[
                ("name", "Prøvestand 7"),
                ("max_test_seconds", "60"),
                ("topics", "guide"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let detail = api_until(&app, &token, "/api/stands/prøvestand_7", |_| true).await;
    assert_eq!(detail["topics"], "guide");
    let root = app.api("root", Role::Admin).await;
    let stand_path = "/api/stands/prøvestand_7";
    let (status, detail) = root
        .call(
            Method::PATCH,
            stand_path,
            Some(&json!({"topics": "standard"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&detail["topics"], &detail["legacy_topics"]),
        (&json!("standard"), &json!(false))
    );
    // Only the exact names: an empty or padded one is refused, not read as the default
    // (schemathesis found `{"topics": "", "legacy_topics": true}` creating a standard stand).
    for bad in ["Guide", "", " guide"] {
        let edit = json!({"topics": bad, "legacy_topics": true});
        let r = root.patch(stand_path, &edit).await;
        assert_eq!(r.status(), 400, "topics {bad:?} is refused");
        let r = root
            .post("/api/stands", &json!({"id": "prøvestand_8", "topics": bad}))
            .await;
        assert_eq!(
            r.status(),
            400,
            "a new stand with topics {bad:?} is refused"
        );
    }
    let detail = api_until(&app, &token, "/api/stands/prøvestand_7", |_| true).await;
    assert_eq!(
        detail["topics"], "standard",
        "a refused edit changes nothing"
    );
    let r = root.get("/api/stands/prøvestand_8").await;
    assert_eq!(r.status(), 404, "a refused stand is not created");
    app.shutdown().await;
}
