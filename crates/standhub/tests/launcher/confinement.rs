//! One stand's account, tried as an intruder holding it would try it against the launcher's
//! broker: every other topic refused or dropped, while the handler and the web interface keep
//! working (the web's command reaches the stand on its own outbound topic).

use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, LastWill, MqttOptions,
    Packet, QoS, SubscribeReasonCode,
};
use serde_json::Value;
use test_support::messages::status;
use test_support::wait_for;

fn options(port: u16, id: &str, (user, password): (&str, &str)) -> MqttOptions {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_credentials(user, password)
        .set_keep_alive(Duration::from_secs(30));
    o
}

/// Polls until `pick` finds what it wants in an incoming packet (10 s at most).
async fn next<T>(events: &mut EventLoop, what: &str, pick: impl Fn(&Packet) -> Option<T>) -> T {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::Incoming(p)) = events.poll().await
                && let Some(t) = pick(&p)
            {
                return t;
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("no {what} within 10 s"))
}

/// The SUBACK code of one filter.
pub async fn subscribe_code(port: u16, me: (&str, &str), filter: &str) -> SubscribeReasonCode {
    let (client, mut events) = AsyncClient::new(options(port, "sub-probe", me), 10);
    client
        .subscribe(filter, QoS::AtLeastOnce)
        .await
        .expect("subscribe queued");
    let codes = next(&mut events, "SUBACK", |p| match p {
        Packet::SubAck(a) => Some(a.return_codes.clone()),
        _ => None,
    })
    .await;
    let _ = client.disconnect().await;
    codes[0]
}

/// A client of `me` subscribed to `filter`, and the messages it receives.
async fn subscriber(
    port: u16,
    me: (&str, &str),
    id: &str,
    filter: &str,
) -> tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)> {
    let (client, mut events) = AsyncClient::new(options(port, id, me), 100);
    client
        .subscribe(filter, QoS::AtLeastOnce)
        .await
        .expect("subscribe queued");
    let code = next(&mut events, "SUBACK", |p| match p {
        Packet::SubAck(a) => Some(a.return_codes[0]),
        _ => None,
    })
    .await;
    assert!(
        matches!(code, SubscribeReasonCode::Success(_)),
        "{filter}: {code:?}"
    );
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let _keep = client;
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = tx.send((p.topic.clone(), p.payload.to_vec()));
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    rx
}

pub async fn status_history(web: &str, client: &reqwest::Client, stand: &str) -> Vec<Value> {
    let r = client
        .get(format!("{web}/api/stands/{stand}/status?limit=50"))
        .send()
        .await
        .expect("history");
    if r.status() == reqwest::StatusCode::NOT_FOUND {
        // Not heard yet.
        return Vec::new();
    }
    r.json().await.expect("json")
}

/// `me` may publish to its own inbound topics and read its own outbound ones; nothing of
/// `other`'s, no wildcard, no shared subscription, no will on another stand's topic.
pub async fn a_stand_account_speaks_only_for_its_own_stand(
    web: &str,
    client: &reqwest::Client,
    port: u16,
    me: (&str, &str),
    other: (&str, &str),
) {
    let (mine, theirs) = (me.0, other.0);

    // Subscriptions: only its own outbound topics, exactly.
    for filter in [
        "#".to_owned(),
        "+/outbound".to_owned(),
        "Testdevice/+/Outbound".to_owned(),
        format!("{theirs}/outbound"),
        format!("{mine}/#"),
        format!("{mine}/inbound"),
        format!("$share/g/{mine}/outbound"),
        "$share/g/#".to_owned(),
    ] {
        assert_eq!(
            subscribe_code(port, me, &filter).await,
            SubscribeReasonCode::Failure,
            "{filter} was granted"
        );
    }
    for filter in [
        format!("{mine}/outbound"),
        format!("Testdevice/{mine}/Outbound"),
    ] {
        assert!(
            matches!(
                subscribe_code(port, me, &filter).await,
                SubscribeReasonCode::Success(_)
            ),
            "{filter} was refused"
        );
    }

    // A will on another stand's topic (a forged power-off) refuses the connection.
    let mut forged = options(port, "forged-will", me);
    forged.set_last_will(LastWill::new(
        format!("{theirs}/inbound"),
        status("604", "forged").to_string(),
        QoS::AtLeastOnce,
        false,
    ));
    let (_c, mut events) = AsyncClient::new(forged, 10);
    let outcome = tokio::time::timeout(Duration::from_secs(10), events.poll())
        .await
        .expect("an answer to the CONNECT");
    assert!(
        matches!(
            outcome,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::NotAuthorized
            ))
        ),
        "a will on {theirs}/inbound: {outcome:?}"
    );

    // Publishes: the other stand's inbound topics (a status, a power-off) and its outbound
    // topic (an injected command) are dropped; the other stand, listening, hears nothing.
    let mut heard = subscriber(port, other, "other-listens", &format!("{theirs}/outbound")).await;
    let before = status_history(web, client, theirs).await.len();
    let mut stand = test_support::mqtt::TestClient::connect(
        &format!("mqtt://{}:{}@127.0.0.1:{port}", me.0, me.1),
        "intruder",
    );
    for (topic, payload) in [
        (format!("{theirs}/inbound"), status("404", "spoof")),
        (
            format!("Testdevice/{theirs}/Inbound"),
            status("404", "spoof"),
        ),
        (
            format!("Testdevice/{theirs}/inbound"),
            status("604", "spoof"),
        ),
        (
            format!("{theirs}/outbound"),
            serde_json::json!({"msgType": "command", "commandList": ["stop"]}),
        ),
    ] {
        stand
            .publish_confirmed(&topic, QoS::AtLeastOnce, payload.to_string())
            .await;
    }
    // Its own message, sent after them, is stored: by then the dropped ones would have been.
    let own = format!("{mine}/inbound");
    stand
        .publish_status(&own, QoS::AtLeastOnce, "200", "marker")
        .await;
    stand.flush().await;
    wait_for(
        "the stand's own message",
        Duration::from_secs(30),
        || async {
            let h = status_history(web, client, mine).await;
            (h.len() >= 2).then_some(())
        },
    )
    .await;
    assert_eq!(
        status_history(web, client, theirs).await.len(),
        before,
        "a spoofed status reached {theirs}"
    );
    assert!(
        heard.try_recv().is_err(),
        "an injected command reached {theirs}"
    );

    // The web interface still commands the stand, which reads it on its own outbound topic.
    let mut commands = subscriber(port, me, "me-listens", &format!("{mine}/outbound")).await;
    let csrf = client
        .get(format!("{web}/api/me"))
        .send()
        .await
        .expect("me")
        .json::<Value>()
        .await
        .expect("json")["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let r = client
        .post(format!("{web}/api/stands/{mine}/runs"))
        .header("X-CSRF-Token", csrf)
        .json(&serde_json::json!({"parameters": {"fs": 10}, "commands": ["start"]}))
        .send()
        .await
        .expect("start a run");
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
    let (topic, _) = tokio::time::timeout(Duration::from_secs(10), commands.recv())
        .await
        .expect("the command within 10 s")
        .expect("a command");
    assert_eq!(topic, format!("{mine}/outbound"));
}
