//! Beyond one machine (issue 30), on a real Docker engine with the compose test's images
//! (`test-cases/compose-images.sh`): `docker-compose up -d --scale messagehandler=3 --scale
//! webinterface=2 --scale scheduler=3`. Three handlers on a shared subscription store 20,000
//! messages of 50 stands exactly once while one is killed with SIGKILL holding unacknowledged
//! messages and restarted, and another restarted; every stand ends in the state of its last
//! message. Two web interfaces share logins, CSRF tokens and live updates. Of three
//! schedulers one leads; killed, another takes over within the standby poll.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, MqttOptions, QoS};
use test_support::{repo_root, require_tool, run_ok};

#[path = "scale_out/stack.rs"]
mod scale_stack;
use scale_stack::{Stack, sh};

const STANDS: u32 = 50;
const PER_STAND: u32 = 400;
/// Rounds (one message of every stand) a second: the stream lasts PER_STAND / ROUNDS_PER_S s.
const ROUNDS_PER_S: u32 = 8;
/// The legacy account (migration mode) may publish on every stand's old inbound topic.
const STAND_USER: &str = "team2";
const STAND_PASSWORD: &str = "scaleteststands";

fn stand(i: u32) -> String {
    format!("scale{i:02}")
}

/// The code of a stand's message `seq`: alternating 200 and 202, and the last one 200, 202
/// or 503 by stand, so a message applied out of order shows in the final state.
fn code(stand: u32, seq: u32) -> &'static str {
    if seq == PER_STAND {
        ["200", "202", "503"][(stand % 3) as usize]
    } else if seq.is_multiple_of(2) {
        "200"
    } else {
        "202"
    }
}

fn message(stand_no: u32, seq: u32) -> Vec<u8> {
    let sent_by = format!("{}#{seq:04}", stand(stand_no));
    test_support::messages::status(code(stand_no, seq), &sent_by)
        .to_string()
        .into_bytes()
}

async fn publisher(id: &str) -> AsyncClient {
    let mut options = MqttOptions::new(id, "127.0.0.1", 8000);
    options
        .set_credentials(STAND_USER, STAND_PASSWORD)
        .set_keep_alive(Duration::from_secs(30))
        .set_inflight(200);
    let (client, mut eventloop) = AsyncClient::new(options, 1024);
    tokio::spawn(async move {
        loop {
            if let Err(e) = eventloop.poll().await {
                eprintln!("publisher {e}; reconnecting");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    client
}

/// Publishes every stand's messages, a round at a time, counting the rounds in `progress`.
async fn stream(client: AsyncClient, progress: Arc<AtomicU32>) {
    let mut tick = tokio::time::interval(Duration::from_millis(1000 / u64::from(ROUNDS_PER_S)));
    for seq in 1..=PER_STAND {
        tick.tick().await;
        for s in 0..STANDS {
            let topic = format!("Testdevice/{}/Inbound", stand(s));
            client
                .publish(topic, QoS::ExactlyOnce, false, message(s, seq))
                .await
                .expect("queue a publish");
        }
        progress.store(seq, Ordering::SeqCst);
    }
}

async fn wait_rounds(progress: &AtomicU32, rounds: u32) {
    while progress.load(Ordering::SeqCst) < rounds {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The handler process inside a container (a child of tini, the container's first process).
fn handler_pid(container: &str) -> String {
    let tini = sh(&format!(
        "docker inspect -f '{{{{.State.Pid}}}}' {container}"
    ));
    let pid = sh(&format!("pgrep -P {} messagehandler", tini.trim()));
    pid.trim().to_owned()
}

fn elevated_tools() -> bool {
    test_support::root_with_tools(&[
        "docker",
        "docker-compose",
        "debootstrap",
        "dockerd",
        "pgrep",
    ])
}

fn fixtures(bin_dir: &Path) {
    let mut command = Command::new("bash");
    command
        .arg(repo_root().join("test-cases/compose-images.sh"))
        .arg(bin_dir);
    run_ok(&mut command, "compose-images.sh");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stack_scales_out_on_a_docker_engine() {
    if !require_tool(
        elevated_tools(),
        "a Docker engine that root may start (docker.io, docker-compose, debootstrap, procps)",
        "scripts/setup.sh, and run the tests as root",
    ) {
        return;
    }
    let started = Instant::now();
    fixtures(&test_support::services_bin_dir());
    eprintln!("fixtures: {:?}", started.elapsed());
    let stack = Stack::up(&[
        ("MQTT_LEGACY_STAND_USER", STAND_USER),
        ("MQTT_LEGACY_STAND_PASSWORD", STAND_PASSWORD),
        ("HANDLER_MAX_NEW_STANDS_PER_MINUTE", "1000"),
        // The README's setting for several web copies: a host port range.
        ("WEB_PORTS", "8001-8004"),
    ]);
    let up = Instant::now();
    stack.dc(&[
        "up",
        "-d",
        "--scale",
        "messagehandler=3",
        "--scale",
        "webinterface=2",
        "--scale",
        "scheduler=3",
    ]);
    stack.wait_healthy(Duration::from_secs(120));
    eprintln!("up --scale, every container healthy: {:?}", up.elapsed());

    // Three handlers, three sessions: each took its own replica slot.
    let handlers = stack.ids("messagehandler");
    assert_eq!(handlers.len(), 3, "three handler containers");
    let mut slots: Vec<String> = handlers
        .iter()
        .map(|h| {
            let log = stack.logs(h);
            let line = log
                .lines()
                .find(|l| l.contains("took replica slot"))
                .unwrap_or_else(|| panic!("handler {h} took no replica slot:\n{log}"));
            line.rsplit("took replica slot ")
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), 3, "the handlers share a slot: {slots:?}");

    ingest_exactly_once(&stack, &handlers).await;
    web_copies_share_logins_and_live_updates(&stack).await;
    one_scheduler_leads(&stack);
    eprintln!("in all: {:?}", started.elapsed());
}

async fn ingest_exactly_once(stack: &Stack, handlers: &[String]) {
    let t = Instant::now();
    let client = publisher("scale-load").await;
    let progress = Arc::new(AtomicU32::new(0));
    let load = tokio::spawn(stream(client.clone(), progress.clone()));

    // A quarter in: stop the first handler's process (it keeps receiving what the broker sends
    // and acknowledges nothing), then kill it with SIGKILL and start the container again.
    wait_rounds(&progress, PER_STAND / 4).await;
    let killed = &handlers[0];
    let pid = handler_pid(killed);
    sh(&format!("kill -STOP {pid}"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restarts = |c: &str| sh(&format!("docker inspect -f '{{{{.RestartCount}}}}' {c}"));
    let before = restarts(killed);
    sh(&format!("kill -KILL {pid}"));
    // The restart policy (unless-stopped) starts the container again; `docker start` in case
    // it has not yet.
    let since_kill = Instant::now();
    while restarts(killed) == before {
        assert!(
            since_kill.elapsed() < Duration::from_secs(30),
            "the killed handler was not restarted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sh(&format!("docker start {killed} >/dev/null"));

    // Half-way: restart another one (SIGTERM: it leaves the group and finishes its batch).
    wait_rounds(&progress, PER_STAND / 2).await;
    sh(&format!("docker restart -t 20 {}", handlers[1]));
    load.await.expect("the load");
    eprintln!(
        "stream of 20,000 with a kill and a restart: {:?}",
        t.elapsed()
    );

    // The killed handler came back to its session and got what it had left unacknowledged.
    let log = stack.logs(killed);
    assert!(
        log.contains("redelivers messages this session left unacknowledged"),
        "the killed handler held no unacknowledged message (no DUP redelivery after its restart):\n{}",
        tail(&log, 30)
    );

    // Sentinels after everything: once the last is stored, nothing earlier is still on its way.
    for n in 0..30 {
        let body = test_support::messages::status("101", &format!("sentinel#{n}"));
        client
            .publish(
                "Testdevice/scalesentinel/Inbound",
                QoS::ExactlyOnce,
                false,
                body.to_string().into_bytes(),
            )
            .await
            .expect("sentinel");
    }
    let stored = |sql: &str| stack.psql(sql).trim().parse::<i64>().unwrap_or(-1);
    let deadline = Instant::now() + Duration::from_secs(180);
    while stored("SELECT count(*) FROM status_history WHERE stand_id = 'scalesentinel'") < 30 {
        assert!(Instant::now() < deadline, "the sentinels were not stored");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!("every message and the sentinels stored: {:?}", t.elapsed());

    let counts = stack.psql(
        "SELECT count(*) || ' ' || count(DISTINCT sent_by) FROM status_history
         WHERE stand_id LIKE 'scale__'",
    );
    assert_eq!(
        counts.trim(),
        format!("{0} {0}", STANDS * PER_STAND),
        "rows and distinct sequence numbers of the 20,000 messages"
    );
    let quarantined = stored("SELECT count(*) FROM quarantine");
    assert_eq!(quarantined, 0, "messages in the quarantine");
    let per_stand = stack.psql(
        "SELECT string_agg(id || '=' || status_code || '/' || effective_code, ' ' ORDER BY id)
         FROM stands WHERE id LIKE 'scale__'",
    );
    let expected: Vec<String> = (0..STANDS)
        .map(|s| {
            let c = code(s, PER_STAND);
            format!("{}={c}/{c}", stand(s))
        })
        .collect();
    assert_eq!(per_stand.trim(), expected.join(" "), "final states");
}

fn tail(log: &str, n: usize) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The session cookie of a login on `base` (303 and a cookie, or the test fails).
async fn login(http: &reqwest::Client, base: &str) -> String {
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    let jar: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let csrf = test_support::web::hidden_field(&page.text().await.expect("body"), "csrf");
    let answer = http
        .post(format!("{base}/login"))
        .header("cookie", jar.join("; "))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "scale-admin"),
            ("password", scale_stack::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(answer.status(), 303, "login on {base}");
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .find(|c| c.starts_with("standhub_session") || c.contains("session"))
        .expect("a session cookie")
}

async fn web_copies_share_logins_and_live_updates(stack: &Stack) {
    let t = Instant::now();
    let webs = stack.ids("webinterface");
    assert_eq!(webs.len(), 2, "two web containers");
    let bases: Vec<String> = webs
        .iter()
        .map(|w| {
            let port = sh(&format!("docker port {w} 8001/tcp | head -n 1"));
            let port = port.trim().rsplit(':').next().unwrap_or("").to_owned();
            format!("http://127.0.0.1:{port}")
        })
        .collect();
    assert_ne!(bases[0], bases[1], "each copy has its own host port");
    // nginx knows both.
    let resolved = stack.dc(&["exec", "-T", "nginx", "getent", "hosts", "webinterface"]);
    assert_eq!(resolved.lines().count(), 2, "nginx resolves: {resolved}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    stack.create_admin();

    // Log in on the first, act on the second with the same session and its CSRF token.
    let cookie = login(&http, &bases[0]).await;
    let page = http
        .get(format!("{}/admin/stands", bases[1]))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("admin page on the second copy");
    assert_eq!(
        page.status(),
        200,
        "the second copy knows the first's login"
    );
    let csrf = test_support::web::hidden_field(&page.text().await.expect("body"), "csrf");
    let made = http
        .post(format!("{}/admin/stands", bases[1]))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("id", "scaleweb"), ("name", "web")])
        .send()
        .await
        .expect("create a stand");
    assert_eq!(made.status(), 303, "a form posted to the second copy");
    assert_eq!(
        stack
            .psql("SELECT count(*) FROM stands WHERE id = 'scaleweb'")
            .trim(),
        "1"
    );

    // A live update from a handler reaches a page of either copy.
    let mut streams = Vec::new();
    for base in &bases {
        let mut events = http
            .get(format!("{base}/events"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("events");
        assert_eq!(events.status(), 200, "events on {base}");
        let first = events.chunk().await.expect("hello").unwrap_or_default();
        assert!(String::from_utf8_lossy(&first).contains("hello"), "{base}");
        streams.push(events);
    }
    let client = publisher("scale-live").await;
    client
        .publish(
            "Testdevice/scaleweb/Inbound",
            QoS::ExactlyOnce,
            false,
            test_support::messages::status("503", "live")
                .to_string()
                .into_bytes(),
        )
        .await
        .expect("publish");
    for (events, base) in streams.iter_mut().zip(&bases) {
        let mut seen = String::new();
        let found = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(chunk)) = events.chunk().await {
                seen.push_str(&String::from_utf8_lossy(&chunk));
                if seen.contains("scaleweb") {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(
            found,
            Ok(true),
            "no live update of scaleweb on {base}: {seen}"
        );
    }
    eprintln!("two web copies: {:?}", t.elapsed());
}

/// The scheduler holding the lock: its `application_name` (`scheduler <host>-<pid>`).
fn scheduler_leader(stack: &Stack) -> String {
    stack
        .psql(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
             WHERE l.locktype = 'advisory' AND l.granted
               AND l.classid = 1398030670 AND l.objid = 1145591106",
        )
        .trim()
        .to_owned()
}

fn one_scheduler_leads(stack: &Stack) {
    let schedulers = stack.ids("scheduler");
    assert_eq!(schedulers.len(), 3, "three scheduler containers");
    let leader = scheduler_leader(stack);
    let host = leader
        .strip_prefix("scheduler ")
        .and_then(|i| i.rsplit_once('-'))
        .map(|(h, _)| h.to_owned())
        .unwrap_or_else(|| panic!("no scheduler holds the lock: {leader:?}"));
    let killed = schedulers
        .iter()
        .find(|id| id.starts_with(&host))
        .unwrap_or_else(|| panic!("the leader {leader} is none of {schedulers:?}"));
    sh(&format!("docker kill -s KILL {killed}"));
    let t = Instant::now();
    let next = loop {
        let now = scheduler_leader(stack);
        if !now.is_empty() && now != leader {
            break now;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no scheduler took over within 30 s of the leader's death"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = t.elapsed();
    eprintln!("scheduler {leader} killed; {next} leads after {took:?}");
    // The standby polls every SCHEDULER_STANDBY_POLL_SECONDS (5); its lease is that long.
    assert!(took < Duration::from_secs(5 + 3), "takeover took {took:?}");
}
