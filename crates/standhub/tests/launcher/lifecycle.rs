//! The launcher's life: an early Ctrl-C stops all it started, a taken port, a missing
//! PostgreSQL installation and a bad setting are clear errors, and ten thousand topics leave its
//! memory bounded.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::*;

/// The processes whose command line names `dir` (the private cluster's postgres, say).
fn processes_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle))
        .collect()
}

/// Ctrl-C the moment the web interface answers — before the launcher has finished starting —
/// stops everything it started, the private PostgreSQL included; and its log, written to a
/// file, carries no terminal colour codes.
#[tokio::test]
async fn an_early_ctrl_c_stops_everything_and_a_log_file_has_no_colour_codes() {
    let (_temp, data) = data_dir();
    let ports = Ports::free();
    let log_path = data.parent().expect("parent").join("standhub.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = launcher_command(&data, &ports)
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start standhub");
    let web = format!("http://127.0.0.1:{}/healthz", ports.web);
    wait_for(
        "the web interface to answer",
        Duration::from_secs(120),
        || {
            let exited = child.try_wait().expect("try_wait");
            assert!(exited.is_none(), "standhub exited: {exited:?}");
            let web = web.clone();
            async move { reqwest::get(&web).await.ok().map(|_| ()) }
        },
    )
    .await;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    let status = wait_for("standhub to stop", Duration::from_secs(90), || {
        let status = child.try_wait().expect("wait");
        async move { status }
    })
    .await;
    let text = std::fs::read_to_string(&log_path).expect("read the log");
    assert!(status.success(), "{status:?}\n{text}");
    assert!(text.contains("standhub: stopped"), "{text}");
    let left = processes_under(&data);
    assert!(left.is_empty(), "left running: {left:?}\n{text}");
    assert!(
        !data.join("postgres/postmaster.pid").exists(),
        "the private cluster still runs"
    );
    assert!(text.contains(" INFO "), "no log lines to check: {text}");
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file:\n{text}"
    );
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error_naming_the_setting() {
    let (_temp, data) = data_dir();
    let ports = Ports::free();
    let _taken = std::net::TcpListener::bind(("127.0.0.1", ports.mqtt)).expect("take the port");
    let out = launcher_command(&data, &ports)
        .output()
        .expect("run standhub");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        text.contains(&format!("127.0.0.1:{}", ports.mqtt)),
        "{text}"
    );
    assert!(text.contains("MQTT_BIND"), "{text}");
    assert!(
        !data.join("postgres").exists(),
        "nothing is started before the ports are checked"
    );
}

#[tokio::test]
async fn a_missing_postgresql_installation_says_what_to_do() {
    let (temp, data) = data_dir();
    let ports = Ports::free();
    let out = launcher_command(&data, &ports)
        .env("PG_BIN_DIR", temp.path().join("no-postgres-here"))
        .output()
        .expect("run standhub");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("apt-get install postgresql"), "{text}");
    assert!(text.contains("DATABASE_URL"), "{text}");
}

#[tokio::test]
async fn a_bad_setting_names_the_variable() {
    let (_temp, data) = data_dir();
    let ports = Ports::free();
    let out = launcher_command(&data, &ports)
        .env("WEB_BIND", "not-an-address")
        .output()
        .expect("run standhub");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("WEB_BIND"), "{text}");
}

/// The launcher's resident memory (`VmRSS`), in MiB.
fn rss_mib(pid: u32) -> Option<u64> {
    test_support::memory_kib(Some(pid), "VmRSS:").map(|kib| kib / 1024)
}

/// 200 MiB published to 10,000 topics (as a service account may: stand accounts are confined
/// to their own topics) and read at once by a subscriber raise the whole launcher's memory —
/// web, handler, relay, scheduler and broker in one process — by at most 64 MiB, and it comes
/// back near idle. The unpatched broker kept everything a subscriber had read (up to 1 GiB per
/// filter): this test fails on it (+200 MiB, for good).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_to_ten_thousand_topics_leave_the_launchers_memory_bounded() {
    const TOPICS: usize = 10_000;
    const PAYLOAD: usize = 20 * 1024 + 992; // 10,000 of them: 200 MiB
    let (_temp, data) = data_dir();
    let ports = Ports::free();
    let mut launcher = Launcher::start(&data, &ports);
    launcher.ready().await;
    let accounts = std::fs::read_to_string(data.join("mqtt-accounts")).expect("accounts");
    let web_password = accounts
        .lines()
        .find_map(|l| l.strip_prefix("webinterface "))
        .expect("the web interface's account")
        .trim()
        .to_owned();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = launcher.child.id();
    let idle = rss_mib(pid).expect("VmRSS of the launcher");

    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(idle));
    let sampler = {
        let (sampling, peak) = (sampling.clone(), peak.clone());
        std::thread::spawn(move || {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(mib) = rss_mib(pid) {
                    peak.fetch_max(mib, std::sync::atomic::Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let url = format!(
        "mqtt://webinterface:{web_password}@127.0.0.1:{}",
        ports.mqtt
    );
    let mut reader = test_support::mqtt::TestClient::connect(&url, "memory-reader");
    reader
        .subscribe(&["load/#"], rumqttc::QoS::AtLeastOnce)
        .await;
    let mut inbox = reader.into_inbox();
    let mut publisher = test_support::mqtt::TestClient::connect(&url, "memory-load");
    let payload = vec![b'x'; PAYLOAD];
    for n in 0..TOPICS {
        publisher
            .publish(
                &format!("load/{n}"),
                rumqttc::QoS::AtLeastOnce,
                payload.clone(),
            )
            .await;
        if n % 500 == 499 {
            publisher.flush().await;
        }
    }
    publisher.flush().await;
    for n in 0..TOPICS {
        tokio::time::timeout(Duration::from_secs(30), inbox.recv())
            .await
            .unwrap_or_else(|_| panic!("only {n} of {TOPICS} messages read"))
            .expect("a message");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.join().expect("sampler");
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    let after = rss_mib(pid).expect("VmRSS of the launcher");
    eprintln!("launcher memory: idle {idle} MiB, peak {peak} MiB, after {after} MiB");
    assert!(
        peak <= idle + 64,
        "the launcher went from {idle} MiB to {peak} MiB for 200 MiB a subscriber had read"
    );
    assert!(
        after <= idle + 16,
        "the launcher stayed at {after} MiB (idle {idle} MiB)"
    );
    assert!(launcher.stop().success());
}
