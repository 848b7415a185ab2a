//! Migration mode on the launcher's broker (`MQTT_LEGACY_STAND_USER`): the old stack's shared
//! stand account speaks for old stands on their old topics, and nothing else; every refusal of
//! the broker is logged and counted on `/metrics`.

use std::time::Duration;

use rumqttc::{QoS, SubscribeReasonCode};
use test_support::messages::status;
use test_support::mqtt::TestClient;
use test_support::wait_for;

use crate::confinement::{status_history, subscribe_code};

/// `standhub_mqtt_refused_total{action=…,user=…}` on `/metrics` (0 when absent).
pub async fn refused(web: &str, client: &reqwest::Client, action: &str, user: &str) -> u64 {
    let text = client
        .get(format!("{web}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let series = format!("standhub_mqtt_refused_total{{action=\"{action}\",user=\"{user}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// The refusals of `user`'s publishes reached `/metrics` (at least `at_least`) and the log.
pub async fn refusals_are_counted_and_logged(
    web: &str,
    client: &reqwest::Client,
    user: &str,
    at_least: u64,
    output: impl Fn() -> String,
) {
    let n = refused(web, client, "publish", user).await;
    assert!(n >= at_least, "{user}: {n} refused publishes counted");
    let out = output();
    assert!(
        out.lines()
            .any(|l| l.contains("MQTT topic access refused") && l.contains(user)),
        "no log line for {user}'s refusal:\n{out}"
    );
}

/// In migration mode the shared `account` stores an old stand's status, reads its old outbound
/// topic, and is refused (counted, logged) everywhere else.
pub async fn the_shared_account_speaks_for_old_stands_only(
    web: &str,
    client: &reqwest::Client,
    port: u16,
    account: (&str, &str),
    output: impl Fn() -> String,
) {
    let (user, password) = account;
    let url = format!("mqtt://{user}:{password}@127.0.0.1:{port}");
    let mut old = TestClient::connect(&url, "gammel_stand4711");
    old.subscribe(&["Testdevice/gammel_stand/Outbound"], QoS::AtLeastOnce)
        .await;
    let inbound = "Testdevice/gammel_stand/Inbound";
    old.publish_status(inbound, QoS::AtLeastOnce, "200", "gammel_stand")
        .await;
    old.flush().await;
    wait_for(
        "the old stand's status",
        Duration::from_secs(30),
        || async { (!status_history(web, client, "gammel_stand").await.is_empty()).then_some(()) },
    )
    .await;

    // The current layout and the outbound topics are not the shared account's to write.
    let before = refused(web, client, "publish", user).await;
    for topic in ["gammel_stand/inbound", "Testdevice/gammel_stand/Outbound"] {
        old.publish_confirmed(topic, QoS::AtLeastOnce, status("404", "spoof").to_string())
            .await;
    }
    refusals_are_counted_and_logged(web, client, user, before + 2, &output).await;
    for filter in ["#", "Testdevice/+/Outbound", "gammel_stand/outbound"] {
        assert_eq!(
            subscribe_code(port, account, filter).await,
            SubscribeReasonCode::Failure,
            "{filter} was granted to the shared account"
        );
    }
    assert!(matches!(
        subscribe_code(port, account, "Testdevice/andet/outbound").await,
        SubscribeReasonCode::Success(_)
    ));
    let history = status_history(web, client, "gammel_stand").await;
    assert_eq!(
        history.len(),
        1,
        "a refused publish was stored: {history:?}"
    );
}
