//! Topic access enforced in the broker: a stand account whose rules allow it to publish only to
//! `a/inbound` and to subscribe only to `a/outbound` (no shared subscriptions) is refused
//! everything else — a publish to another topic is acknowledged and dropped, a SUBSCRIBE gets
//! a failure code per refused filter, a CONNECT with a will on another topic gets "not
//! authorized" — while a full-access service account, subscribed to `#`, sees exactly what
//! was allowed. The broker runs in this process with the rules as the launcher passes them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use broker::{Access, Action, BrokerConfig, TopicAccess};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, LastWill, MqttOptions, Packet, QoS,
    SubscribeFilter, SubscribeReasonCode,
};
use test_support::mqtt::TestClient;
use test_support::{free_port, wait_for_port};
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(20);

/// A broker with the accounts `stand-a` and `service` and the rules of the module doc. Every
/// access the rules were asked about is recorded, as `Debug` text.
struct Stand {
    port: u16,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Stand {
    fn start() -> Self {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let record = asked.clone();
        let rules: TopicAccess = Arc::new(move |access: &Access<'_>| {
            record.lock().expect("lock").push(format!("{access:?}"));
            match access.user {
                Some("service") => true,
                Some("stand-a") => match access.action {
                    Action::Publish | Action::Will => access.topic == "a/inbound",
                    Action::Subscribe => {
                        access.share_group.is_none() && access.topic == "a/outbound"
                    }
                },
                _ => false,
            }
        });
        let port = free_port();
        let mut config = BrokerConfig::new(([127, 0, 0, 1], port).into(), None);
        config.users.insert("stand-a".into(), "stand-pw".into());
        config.users.insert("service".into(), "service-pw".into());
        config.service_users.insert("service".into());
        config.topic_access = Some(rules);
        broker::spawn(config).expect("spawn the broker");
        assert!(wait_for_port(port, WAIT), "the broker listens");
        Self { port, asked }
    }

    /// The service account, subscribed to everything.
    async fn service_watching_everything(&self) -> TestClient {
        let url = format!("mqtt://service:service-pw@127.0.0.1:{}", self.port);
        let mut service = TestClient::connect(&url, "service");
        service.subscribe(&["#"], QoS::AtLeastOnce).await;
        service
    }

    fn stand_a(&self, id: &str) -> MqttOptions {
        let mut options = MqttOptions::new(id, "127.0.0.1", self.port);
        options
            .set_credentials("stand-a", "stand-pw")
            .set_keep_alive(Duration::from_secs(30));
        options
    }

    /// A stand-a client that reports every event it gets.
    fn connect_stand_a(&self, options: MqttOptions) -> (AsyncClient, Events) {
        let (client, mut eventloop) = AsyncClient::new(options, 100);
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let event = eventloop.poll().await;
                let failed = event.is_err();
                if tx.send(event).is_err() || failed {
                    return;
                }
            }
        });
        (client, Events { rx, task })
    }

    fn asked_about(&self, needle: &str) -> Vec<String> {
        let asked = self.asked.lock().expect("lock");
        asked
            .iter()
            .filter(|a| a.contains(needle))
            .cloned()
            .collect()
    }
}

/// What a raw client got from the broker; dropped, its connection breaks (no DISCONNECT).
struct Events {
    rx: mpsc::UnboundedReceiver<Result<Event, ConnectionError>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Events {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Events {
    /// The next incoming packet that `pick` accepts; panics on a connection error.
    async fn next<T>(&mut self, what: &str, pick: impl Fn(Packet) -> Option<T>) -> T {
        let found = timeout(WAIT, async {
            loop {
                match self.rx.recv().await.expect("event loop alive") {
                    Ok(Event::Incoming(packet)) => {
                        if let Some(found) = pick(packet) {
                            return found;
                        }
                    }
                    Ok(Event::Outgoing(_)) => {}
                    Err(e) => panic!("connection failed while waiting for {what}: {e}"),
                }
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {what} within {WAIT:?}"))
    }

    /// The return codes of the next SUBACK.
    async fn suback(&mut self) -> Vec<SubscribeReasonCode> {
        self.next("SUBACK", |p| match p {
            Packet::SubAck(ack) => Some(ack.return_codes),
            _ => None,
        })
        .await
    }

    /// How the connection attempt ended: `Ok` on CONNACK "accepted", else the error.
    async fn connected(&mut self) -> Result<(), ConnectionError> {
        let outcome = timeout(WAIT, async {
            loop {
                match self.rx.recv().await.expect("event loop alive") {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
                    Ok(_) => {}
                    Err(e) => return Err(e),
                }
            }
        })
        .await;
        outcome.expect("CONNACK or an error")
    }
}

#[tokio::test]
async fn a_stand_publishes_only_to_its_own_inbound_topic() {
    let broker = Stand::start();
    let mut service = broker.service_watching_everything().await;
    let url = format!("mqtt://stand-a:stand-pw@127.0.0.1:{}", broker.port);
    let mut stand = TestClient::connect(&url, "stand-a-1");

    // Refused at every QoS: acknowledged (PUBACK, PUBREC/PUBCOMP), then dropped.
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        stand.publish_confirmed("b/inbound", qos, "forged").await;
        stand
            .publish_confirmed("a/inbound/extra", qos, "forged")
            .await;
    }
    // Allowed, after the refused ones: the first and only message the service sees.
    stand
        .publish_confirmed("a/inbound", QoS::ExactlyOnce, "own status")
        .await;

    let (topic, payload) = service.recv().await;
    assert_eq!(
        (topic.as_str(), payload.as_slice()),
        ("a/inbound", b"own status".as_slice()),
        "a refused publish reached a subscriber"
    );
    assert_eq!(
        broker.asked_about("b/inbound").len(),
        3,
        "one check per PUBLISH"
    );
}

#[tokio::test]
async fn a_stand_subscribes_only_to_its_own_outbound_topic() {
    let broker = Stand::start();
    let (stand, mut events) = broker.connect_stand_a(broker.stand_a("stand-a-1"));
    let filters = ["#", "+/outbound", "b/outbound", "a/#", "a/outbound"];
    stand
        .subscribe_many(
            filters
                .iter()
                .map(|f| SubscribeFilter::new((*f).to_owned(), QoS::AtLeastOnce)),
        )
        .await
        .expect("queue subscribe");
    let codes = events.suback().await;
    let refused = SubscribeReasonCode::Failure;
    assert_eq!(
        codes,
        [
            refused,
            refused,
            refused,
            refused,
            SubscribeReasonCode::Success(QoS::AtLeastOnce)
        ],
        "one code per filter of {filters:?}"
    );

    // Another stand's command, then its own: only its own arrives.
    let url = format!("mqtt://service:service-pw@127.0.0.1:{}", broker.port);
    let mut service = TestClient::connect(&url, "service");
    for topic in ["b/outbound", "c/outbound", "a/outbound"] {
        service
            .publish_confirmed(topic, QoS::AtLeastOnce, topic.as_bytes().to_vec())
            .await;
    }
    let received = events
        .next("a command", |p| match p {
            Packet::Publish(p) => Some(p.topic),
            _ => None,
        })
        .await;
    assert_eq!(
        received, "a/outbound",
        "a stand read another stand's command"
    );
}

#[tokio::test]
async fn shared_subscriptions_are_checked_with_their_filter_and_refusable_as_a_whole() {
    let broker = Stand::start();
    let (stand, mut events) = broker.connect_stand_a(broker.stand_a("stand-a-1"));
    // `$share/g/a/outbound`: its own filter, but shared subscriptions are not in its rules.
    for filter in ["$share/g/a/outbound", "$share/g/#"] {
        stand
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .expect("queue subscribe");
        let codes = events.suback().await;
        assert_eq!(codes, [SubscribeReasonCode::Failure], "{filter}");
    }
    // The rules saw the real filter and the group.
    for filter in ["a/outbound", "#"] {
        let asked = broker.asked_about(&format!("topic: \"{filter}\""));
        assert_eq!(asked.len(), 1, "{filter}: {asked:?}");
        assert!(
            asked[0].contains("share_group: Some(\"g\")"),
            "{}",
            asked[0]
        );
    }

    // Allowed to the service account: a shared subscription works.
    let url = format!("mqtt://service:service-pw@127.0.0.1:{}", broker.port);
    let mut service = TestClient::connect(&url, "service-1");
    service
        .subscribe(&["$share/g/a/outbound"], QoS::AtLeastOnce)
        .await;
    let mut publisher = TestClient::connect(&url, "service-2");
    publisher
        .publish_confirmed("a/outbound", QoS::AtLeastOnce, "command")
        .await;
    assert_eq!(service.recv().await.0, "a/outbound");
}

#[tokio::test]
async fn a_will_on_another_topic_refuses_the_connect_and_an_own_will_is_delivered() {
    let broker = Stand::start();
    let mut service = broker.service_watching_everything().await;

    let mut forged = broker.stand_a("stand-a-forged");
    forged.set_last_will(LastWill::new(
        "b/inbound",
        "forged power-off",
        QoS::AtLeastOnce,
        false,
    ));
    let (_client, mut events) = broker.connect_stand_a(forged);
    let outcome = events.connected().await;
    assert!(
        matches!(
            outcome,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::NotAuthorized
            ))
        ),
        "a will on another stand's topic: {outcome:?}"
    );

    // Its own will is accepted, and published when the connection breaks.
    let mut own = broker.stand_a("stand-a-1");
    own.set_last_will(LastWill::new("a/inbound", "gone", QoS::AtLeastOnce, false));
    let (client, mut events) = broker.connect_stand_a(own);
    events.connected().await.expect("its own will is accepted");
    drop(events);
    drop(client);
    let (topic, payload) = service.recv().await;
    assert_eq!(
        (topic.as_str(), payload.as_slice()),
        ("a/inbound", b"gone".as_slice()),
        "the refused will, or nothing, arrived first"
    );
}
