//! The broker's permissions as compose sets them up: accounts made with `mosquitto/add-user.sh`
//! and the project's `mosquitto/acl` in a real Mosquitto. A stand with a Danish id written
//! like the module guide (lowercase `Testdevice/<id>/inbound` and `…/outbound`) is heard and
//! reached; another stand's topics are refused. And `add-user.sh` accepts no name that the app
//! would refuse as a stand id.

use std::path::Path;
use std::process::{Command, Stdio};

use domain::StandId;
use rumqttc::QoS;
use test_support::mqtt::{Broker, TestClient, mosquitto_bin};
use test_support::{output_with_input, repo_root, require_tool};

const STAND: &str = "prøve-stand_1";
const OTHER: &str = "anden_stand";

/// Runs `add-user.sh` with `args`, `stdin` as its input; returns (success, stderr).
fn add_user(args: &[&str], stdin: &str) -> (bool, String) {
    let mut command = Command::new("sh");
    command
        .arg(repo_root().join("mosquitto/add-user.sh"))
        .args(args);
    let out = output_with_input(&mut command, stdin);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The names of `candidates` that `add-user.sh --check` accepts (it prints them).
fn accepted(candidates: &[String]) -> Vec<String> {
    let out = Command::new("sh")
        .arg(repo_root().join("mosquitto/add-user.sh"))
        .arg("--check")
        .args(candidates)
        .stderr(Stdio::null())
        .output()
        .expect("sh");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn add_user_accepts_no_name_that_is_not_a_stand_id() {
    // Every character from `!` to U+045F (around and in the accepted Latin, Greek and
    // Cyrillic ranges) between ASCII letters, and some longer ones.
    let mut candidates: Vec<String> = (0x21u32..0x460)
        .filter_map(char::from_u32)
        .map(|c| format!("a{c}b"))
        .collect();
    for odd in [
        "a\u{200B}b",          // zero-width space
        "a\u{00A0}b",          // no-break space
        "a\u{0301}b",          // combining acute accent
        "pr\u{F8}ve\u{1F600}", // emoji
        "a\u{4E2D}b",          // CJK
        "a b",
        "a/b",
        "a+b",
        "a#b",
        "a\nb",
        "",
    ] {
        candidates.push(odd.to_owned());
    }
    candidates.push("ø".repeat(64));
    candidates.push("ø".repeat(65));
    let ok = accepted(&candidates);
    for name in &ok {
        assert!(
            StandId::parse(name).is_ok(),
            "add-user.sh accepts {name:?} ({:X?}), which is no stand id",
            name.chars().map(u32::from).collect::<Vec<_>>()
        );
    }
    for must in [
        "a\u{E6}b",
        "a\u{F8}b",
        "a\u{E5}b",
        "a\u{C6}b",
        "a\u{D8}b",
        "a\u{C5}b",
        "a\u{E9}b",
        "a\u{3B1}b",
        "a\u{416}b",
    ] {
        assert!(ok.iter().any(|n| n == must), "{must} is refused");
    }
    assert!(ok.contains(&"ø".repeat(64)) && !ok.contains(&"ø".repeat(65)));
    assert!(
        !ok.iter().any(|n| n.contains('\u{301}') || n.contains('/')),
        "a decomposed accent or a topic separator passed"
    );
    // The whole script refuses too, before it writes anything.
    let (ok, stderr) = add_user(&["-f", "/nonexistent/passwd", "a\u{200B}b"], "pw\n");
    assert!(!ok && stderr.contains("not a valid name"), "{stderr}");
}

/// Makes a password file with `add-user.sh` as an operator would (password on stdin).
fn password_file(dir: &Path, accounts: &[(&str, &str)]) -> std::path::PathBuf {
    let file = dir.join("passwd");
    let path = file.to_str().expect("UTF-8 path");
    for (user, password) in accounts {
        let (ok, stderr) = add_user(&["-f", path, "--no-reload", user], &format!("{password}\n"));
        assert!(ok, "add-user.sh {user}: {stderr}");
    }
    file
}

/// Connects as `user` (one of the broker's accounts) and subscribes to `filters`.
async fn client(broker: &Broker, user: &str, filters: &[&str]) -> TestClient {
    let mut c = TestClient::connect(
        &broker.url_as(user),
        &format!("acl-{user}-{}", test_support::uuid_like()),
    );
    if !filters.is_empty() {
        c.subscribe(filters, QoS::AtLeastOnce).await;
    }
    c
}

#[tokio::test]
async fn a_unicode_stand_on_the_module_guides_topics_passes_the_projects_acl() {
    if !require_tool(
        mosquitto_bin().is_some() && which("mosquitto_passwd"),
        "mosquitto and mosquitto_passwd",
        "Debian: apt-get install -y mosquitto",
    ) {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let accounts = [
        (STAND, "stand-pw"),
        (OTHER, "other-pw"),
        ("messagehandler", "handler-pw"),
        ("webinterface", "web-pw"),
    ];
    let broker = Broker::start_mosquitto_with_acl(password_file(dir.path(), &accounts), &accounts);
    // The handler listens as the default INBOUND_TOPICS say.
    let mut handler = client(
        &broker,
        "messagehandler",
        &["+/inbound", "Testdevice/+/Inbound", "Testdevice/+/inbound"],
    )
    .await;
    let mut stand = client(
        &broker,
        STAND,
        &[
            &format!("Testdevice/{STAND}/outbound"),
            &format!("Testdevice/{OTHER}/outbound"),
            &format!("{OTHER}/outbound"),
        ],
    )
    .await;
    let mut web = client(&broker, "webinterface", &[]).await;

    // The stand forges another stand's inbound topics, then speaks on its own lowercase one:
    // the broker drops the forgeries, so its own message is the first the handler gets.
    only_the_last_arrives(&broker, &mut stand, &mut handler, "inbound").await;

    // Commands: the stand reads its own lowercase outbound topic, not another stand's.
    only_the_last_arrives(&broker, &mut web, &mut stand, "outbound").await;

    // A stand may not write commands, not even to itself.
    stand
        .publish_confirmed(
            &format!("Testdevice/{STAND}/outbound"),
            QoS::AtLeastOnce,
            "forged",
        )
        .await;
    web.publish_confirmed(
        &format!("Testdevice/{STAND}/outbound"),
        QoS::AtLeastOnce,
        "real",
    )
    .await;
    let (_, payload) = stand.recv().await;
    assert_eq!(payload, b"real");
}

/// `from` publishes on the other stand's `direction` topics (old layout and current), then on
/// the stand's own old-layout one, each message its topic: `to` gets only the last.
async fn only_the_last_arrives(
    broker: &Broker,
    from: &mut TestClient,
    to: &mut TestClient,
    direction: &str,
) {
    let own = format!("Testdevice/{STAND}/{direction}");
    for topic in [
        format!("Testdevice/{OTHER}/{direction}"),
        format!("{OTHER}/{direction}"),
        own.clone(),
    ] {
        from.publish_confirmed(&topic, QoS::AtLeastOnce, topic.clone())
            .await;
    }
    let (topic, payload) = to.recv().await;
    assert_eq!(topic, own, "{}", broker.log());
    assert_eq!(payload, topic.as_bytes());
}

fn which(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
