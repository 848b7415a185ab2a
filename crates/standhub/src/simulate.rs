//! `standhub simulate`: a test stand without hardware, for demos, newcomers and tests.
//!
//! It connects to the broker as a real stand does, reports itself ready (`600`, then `200`),
//! answers each command with `202`, and after `--busy-seconds` publishes a data message built
//! from the command's parameters (a sine wave) with `200`, then reports `200` (ready) again.
//! Commands are worked off one after the other, as a real stand would.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use domain::StandId;
use domain::config::MqttUrl;
use domain::protocol;
use domain::topics::StandTopics;
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Packet, QoS};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// `standhub simulate`'s command line.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateOptions {
    /// The stand id to play (1–64 letters or digits, `_` or `-`).
    #[arg(long, default_value = "demo_module")]
    pub stand: String,
    /// Use the old stack's topics, `Testdevice/<stand>/Inbound` and `Testdevice/<stand>/Outbound`.
    #[arg(long)]
    pub legacy: bool,
    /// Use the module guide's lowercase topics, `Testdevice/<stand>/inbound` and
    /// `Testdevice/<stand>/outbound` (implies `--legacy`).
    #[arg(long)]
    pub guide_topics: bool,
    /// Seconds between accepting a command (202) and sending its data (200).
    #[arg(long, default_value_t = 3)]
    pub busy_seconds: u64,
    /// The broker, `mqtt://[user:password@]host:port`.
    #[arg(long, env = "MQTT_URL", default_value = domain::config::DEFAULT_MQTT_URL, hide_env_values = true)]
    pub mqtt_url: MqttUrl,
}

/// The most samples a command may ask for (`samples`).
pub const MAX_SAMPLES: usize = 100_000;

/// The topics of the simulated stand: (inbound, outbound).
pub fn topics(stand: &StandId, options: &SimulateOptions) -> (String, String) {
    if options.guide_topics {
        let outbound = StandTopics::Guide.outbound(stand);
        let inbound = outbound.replace("/outbound", "/inbound");
        return (inbound, outbound);
    }
    (
        domain::topics::inbound_topic(stand, options.legacy),
        domain::topics::outbound_topic(stand, options.legacy),
    )
}

/// A status message of `stand`, with all seven keys of the protocol in the order the old
/// stack wrote them (its parser, `unpack(**obj)`, takes nothing less).
pub fn status_message(stand: &StandId, code: &str) -> Value {
    protocol::message(
        stand.as_str(),
        "status",
        &json!([]),
        code,
        &json!({}),
        &json!({}),
    )
}

/// The last will: power off (610). On the old stack's topics it is a plain seven-key status
/// message, as the old parser takes nothing else; otherwise it is marked `"lastWill": true`,
/// so the handler shows the stand offline rather than switched off.
pub fn last_will(stand: &StandId, legacy: bool) -> Value {
    let mut will = status_message(stand, "610");
    if !legacy {
        will["lastWill"] = json!(true);
    }
    will
}

/// The MQTT client id the protocol document asks a stand to use: its name and four random
/// digits (so a stand that restarts does not wait for its old session to be dropped).
pub fn client_id(stand: &StandId) -> String {
    format!("{stand}{:04}", rand::random_range(0..10_000u32))
}

/// A number from a parameter: a JSON number or text holding one.
fn number(parameters: &Value, names: &[&str]) -> Option<f64> {
    names
        .iter()
        .find_map(|name| match parameters.get(*name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .filter(|v: &f64| v.is_finite())
}

/// The data a command asks for: a sine wave `amplitude·sin(2π·frequency·t) + offset` sampled
/// `samples` times at `fs` samples per second (defaults: 1, 1 Hz, 0, 100 samples, 50 per
/// second). Parameters may be numbers or text holding numbers; others are ignored.
pub fn data_for(parameters: &Value) -> Value {
    let amplitude = number(parameters, &["amplitude", "amp"]).unwrap_or(1.0);
    let frequency = number(parameters, &["frequency", "freq", "f"]).unwrap_or(1.0);
    let offset = number(parameters, &["offset"]).unwrap_or(0.0);
    let samples = number(parameters, &["samples", "n"])
        .map(|n| n.clamp(1.0, MAX_SAMPLES as f64) as usize)
        .unwrap_or(100);
    let fs = number(parameters, &["fs", "sample_rate"])
        .filter(|fs| *fs > 0.0)
        .unwrap_or(50.0);
    let time: Vec<f64> = (0..samples).map(|i| i as f64 / fs).collect();
    let signal: Vec<f64> = time
        .iter()
        .map(|t| amplitude * (2.0 * std::f64::consts::PI * frequency * t).sin() + offset)
        .collect();
    json!({"time": time, "signal": signal})
}

/// The data message answering `command`.
pub fn data_message(stand: &StandId, command: &Value) -> Value {
    let parameters = command
        .get("parameterObj")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let commands = command
        .get("commandList")
        .cloned()
        .unwrap_or_else(|| json!([]));
    protocol::message(
        stand.as_str(),
        "data",
        &commands,
        "200",
        &parameters,
        &data_for(&parameters),
    )
}

/// Runs the simulated stand until `shutdown` completes; reconnects when the broker goes away.
pub async fn run(
    options: SimulateOptions,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let stand = StandId::parse(&options.stand).context("--stand is not a valid stand id")?;
    let (inbound, outbound) = topics(&stand, &options);
    let mut mqtt = MqttOptions::new(
        client_id(&stand),
        options.mqtt_url.host.clone(),
        options.mqtt_url.port,
    );
    mqtt.set_keep_alive(Duration::from_secs(30))
        .set_clean_session(true)
        .set_max_packet_size(16 << 20, 16 << 20);
    let will = last_will(&stand, options.legacy || options.guide_topics);
    mqtt.set_last_will(LastWill::new(
        &inbound,
        will.to_string(),
        QoS::AtLeastOnce,
        false,
    ));
    if let Some((user, password)) = &options.mqtt_url.credentials {
        mqtt.set_credentials(user.clone(), password.expose());
    }
    let (client, mut eventloop) = AsyncClient::new(mqtt, 100);
    println!(
        "simulated stand {stand}: broker {}, listening on {outbound}, answering on {inbound}",
        options.mqtt_url
    );

    // Commands go to one worker, so they are answered one after the other.
    let (commands, queue) = mpsc::unbounded_channel::<Value>();
    let worker = tokio::spawn(work(
        client.clone(),
        stand.clone(),
        inbound.clone(),
        Duration::from_secs(options.busy_seconds),
        queue,
    ));
    let publish = |message: Value| {
        let client = client.clone();
        let topic = inbound.clone();
        async move {
            client
                .publish(topic, QoS::ExactlyOnce, false, message.to_string())
                .await
        }
    };

    tokio::pin!(shutdown);
    loop {
        let event = tokio::select! {
            () = &mut shutdown => break,
            event = eventloop.poll() => event,
        };
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                client
                    .subscribe(outbound.as_str(), QoS::ExactlyOnce)
                    .await
                    .context("subscribe")?;
            }
            Ok(Event::Incoming(Packet::SubAck(_))) => {
                for code in ["600", "200"] {
                    publish(status_message(&stand, code))
                        .await
                        .context("publish")?;
                }
                println!("simulated stand {stand}: ready");
            }
            Ok(Event::Incoming(Packet::Publish(p))) if p.topic == outbound => {
                match serde_json::from_slice::<Value>(&p.payload) {
                    Ok(command) if command["msgType"] == "command" => {
                        publish(status_message(&stand, "202"))
                            .await
                            .context("publish")?;
                        println!(
                            "simulated stand {stand}: command {} accepted (202)",
                            command["commandList"]
                        );
                        let _ = commands.send(command);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        println!("simulated stand {stand}: not a JSON command ({e}): 400");
                        publish(status_message(&stand, "400"))
                            .await
                            .context("publish")?;
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                println!("simulated stand {stand}: broker connection: {e}; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    worker.abort();
    // A polite goodbye: the last will is for stands that vanish, not for one that is stopped.
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(event) = eventloop.poll().await {
            if matches!(event, Event::Outgoing(rumqttc::Outgoing::Disconnect)) {
                break;
            }
        }
    })
    .await;
    Ok(())
}

/// Answers the queued commands one by one: wait, data with 200, then ready (200).
async fn work(
    client: AsyncClient,
    stand: StandId,
    inbound: String,
    busy: Duration,
    mut queue: mpsc::UnboundedReceiver<Value>,
) {
    while let Some(command) = queue.recv().await {
        tokio::time::sleep(busy).await;
        let data = data_message(&stand, &command);
        for message in [data, status_message(&stand, "200")] {
            if let Err(e) = client
                .publish(
                    inbound.as_str(),
                    QoS::ExactlyOnce,
                    false,
                    message.to_string(),
                )
                .await
            {
                println!("simulated stand {stand}: cannot publish: {e}");
                return;
            }
        }
        println!("simulated stand {stand}: data sent (200)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::messages::keys;

    fn options(legacy: bool, guide_topics: bool) -> SimulateOptions {
        SimulateOptions {
            stand: "prøvestand_3".into(),
            legacy,
            guide_topics,
            busy_seconds: 1,
            mqtt_url: "mqtt://localhost:1883".parse().expect("url"),
        }
    }

    #[test]
    fn topics_client_id_and_status_messages_are_the_old_stacks() {
        let stand = StandId::parse("prøvestand_3").expect("id");
        let topics_of = |legacy, guide| topics(&stand, &options(legacy, guide));
        assert_eq!(
            topics_of(false, false),
            (
                "prøvestand_3/inbound".into(),
                "prøvestand_3/outbound".into()
            )
        );
        assert_eq!(
            topics_of(true, false),
            (
                "Testdevice/prøvestand_3/Inbound".into(),
                "Testdevice/prøvestand_3/Outbound".into()
            )
        );
        let guide = (
            "Testdevice/prøvestand_3/inbound".to_owned(),
            "Testdevice/prøvestand_3/outbound".to_owned(),
        );
        assert_eq!(topics_of(false, true), guide);
        assert_eq!(topics_of(true, true), guide);
        let id = client_id(&stand);
        let digits = id
            .strip_prefix("prøvestand_3")
            .expect("the stand's name first");
        assert!(
            digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{id}"
        );
        let status = status_message(&stand, "200");
        assert_eq!(keys(&status), protocol::KEY_ORDER);
        assert_eq!(
            keys(&last_will(&stand, true)),
            protocol::KEY_ORDER,
            "the old parser takes exactly seven keys"
        );
        assert_eq!(last_will(&stand, false)["lastWill"], true);
        domain::ProtocolValidator::bundled()
            .expect("schema")
            .check(&status)
            .expect("a valid status message");
    }

    #[test]
    fn data_follows_the_parameters() {
        let data = data_for(&json!({"samples": 4, "fs": 4, "frequency": 1, "amplitude": "2"}));
        assert_eq!(data["time"], json!([0.0, 0.25, 0.5, 0.75]));
        let signal: Vec<f64> = data["signal"]
            .as_array()
            .expect("array")
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect();
        let want = [0.0, 2.0, 0.0, -2.0];
        for (got, want) in signal.iter().zip(want) {
            assert!((got - want).abs() < 1e-9, "{signal:?}");
        }
    }

    #[test]
    fn defaults_and_bounds() {
        let data = data_for(&json!({"samples": "1e9", "fs": -1, "amplitude": "loud"}));
        assert_eq!(data["time"].as_array().map(Vec::len), Some(MAX_SAMPLES));
        assert_eq!(data["time"][1], json!(1.0 / 50.0));
        let data = data_for(&json!({}));
        assert_eq!(data["signal"].as_array().map(Vec::len), Some(100));
    }

    #[test]
    fn the_data_message_follows_the_schema_and_repeats_the_command() {
        let stand = StandId::parse("demo_module").expect("id");
        let command = domain::protocol::command_message("olga", &json!(["go"]), &json!({"n": 3}));
        let data = data_message(&stand, &command);
        domain::ProtocolValidator::bundled()
            .expect("schema")
            .check(&data)
            .expect("valid");
        assert_eq!(data["commandList"], json!(["go"]));
        assert_eq!(data["parameterObj"], json!({"n": 3}));
        assert_eq!(data["statusCode"], "200");
    }
}
