//! [`TestClient`], the one MQTT client every test publishes and subscribes with.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::mpsc;

/// How long a [`TestClient`] waits for the broker before the test fails.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// An MQTT client for tests: publishes and knows what the broker confirmed, subscribes and
/// collects what arrives. It reconnects on its own (a test may restart the broker); every wait
/// has a timeout whose panic names the last connection error.
pub struct TestClient {
    client: AsyncClient,
    confirmed: mpsc::UnboundedReceiver<u16>,
    subscribed: mpsc::UnboundedReceiver<()>,
    received: mpsc::UnboundedReceiver<(String, Vec<u8>)>,
    last_error: Arc<Mutex<Option<String>>>,
    unconfirmed: usize,
}

impl TestClient {
    /// Connects (in the background) to `url` (`mqtt://[user:password@]host:port`) as client
    /// `id`, with a clean session.
    pub fn connect(url: &str, id: &str) -> Self {
        let url: domain::config::MqttUrl = url.parse().expect("broker url");
        let mut options = MqttOptions::new(id, url.host, url.port);
        if let Some((user, password)) = &url.credentials {
            options.set_credentials(user, password.expose());
        }
        options
            .set_keep_alive(Duration::from_secs(30))
            .set_max_packet_size(64 << 20, 64 << 20)
            .set_inflight(100);
        let (client, mut eventloop) = AsyncClient::new(options, 10_000);
        let (confirmed_tx, confirmed) = mpsc::unbounded_channel();
        let (subscribed_tx, subscribed) = mpsc::unbounded_channel();
        let (received_tx, received) = mpsc::unbounded_channel();
        let last_error = Arc::new(Mutex::new(None));
        let error_slot = last_error.clone();
        let keep = client.clone();
        tokio::spawn(async move {
            // The connection lives as long as the test's runtime, not as long as the handle.
            let _keep = keep;
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::PubAck(a))) => {
                        let _ = confirmed_tx.send(a.pkid);
                    }
                    Ok(Event::Incoming(Packet::PubComp(c))) => {
                        let _ = confirmed_tx.send(c.pkid);
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        let _ = subscribed_tx.send(());
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let _ = received_tx.send((p.topic.clone(), p.payload.to_vec()));
                    }
                    Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
                    Ok(_) => {}
                    Err(e) => {
                        if let Ok(mut slot) = error_slot.lock() {
                            *slot = Some(e.to_string());
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Self {
            client,
            confirmed,
            subscribed,
            received,
            last_error,
            unconfirmed: 0,
        }
    }

    /// The underlying client (for what this wrapper does not offer).
    pub fn client(&self) -> &AsyncClient {
        &self.client
    }

    /// Queues a publication (not waiting for the broker; see [`TestClient::flush`]).
    pub async fn publish(&mut self, topic: &str, qos: QoS, payload: impl Into<Vec<u8>>) {
        self.client
            .publish(topic, qos, false, payload.into())
            .await
            .expect("queue publish");
        if qos != QoS::AtMostOnce {
            self.unconfirmed += 1;
        }
    }

    /// Queues a status message `code` from `sent_by` ([`crate::messages::status`]) on `topic`.
    pub async fn publish_status(&mut self, topic: &str, qos: QoS, code: &str, sent_by: &str) {
        let message = crate::messages::status(code, sent_by).to_string();
        self.publish(topic, qos, message).await;
    }

    /// Waits until the broker confirmed (PUBACK, PUBCOMP) everything published so far.
    pub async fn flush(&mut self) {
        while self.unconfirmed > 0 {
            let confirmed = tokio::time::timeout(CLIENT_TIMEOUT, self.confirmed.recv()).await;
            self.check(
                confirmed.is_ok(),
                "the broker's confirmation of a publication",
            );
            self.unconfirmed -= 1;
        }
    }

    /// Publishes and waits for the broker's confirmation.
    pub async fn publish_confirmed(&mut self, topic: &str, qos: QoS, payload: impl Into<Vec<u8>>) {
        self.publish(topic, qos, payload).await;
        self.flush().await;
    }

    /// Subscribes to `filters` at `qos` and waits for the broker's SUBACKs.
    pub async fn subscribe(&mut self, filters: &[&str], qos: QoS) {
        for f in filters {
            self.client
                .subscribe(*f, qos)
                .await
                .expect("queue subscribe");
        }
        for _ in filters {
            let acked = tokio::time::timeout(CLIENT_TIMEOUT, self.subscribed.recv()).await;
            self.check(acked.is_ok(), "the broker's SUBACK");
        }
    }

    /// The next message that arrived on a subscription: (topic, payload).
    pub async fn recv(&mut self) -> (String, Vec<u8>) {
        let got = tokio::time::timeout(CLIENT_TIMEOUT, self.received.recv()).await;
        self.check(matches!(got, Ok(Some(_))), "a message on the subscription");
        got.ok().flatten().expect("checked above")
    }

    /// The messages that arrive, as a channel (the connection stays up while the test runs).
    pub fn into_inbox(self) -> mpsc::UnboundedReceiver<(String, Vec<u8>)> {
        self.received
    }

    fn check(&self, ok: bool, what: &str) {
        if !ok {
            let error = self.last_error.lock().ok().and_then(|e| e.clone());
            panic!(
                "no {what} within {CLIENT_TIMEOUT:?} (last connection error: {})",
                error.as_deref().unwrap_or("none")
            );
        }
    }
}
