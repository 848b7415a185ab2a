//! Results benchmark: the result page (its HTML and the plot data it loads), the CSV and the
//! xlsx download of a result with one series of 10,000, 100,000 and 1,000,000 points, served
//! in-process over real HTTP from a private PostgreSQL.
//!
//! Run: `cargo bench -p webinterface --bench results` (add `--profile dev` for a quicker build;
//! `BENCH_POINTS=10000,100000` to choose sizes, `BENCH_REPEAT=3` for repetitions).
//! `BENCH_TEXT_SERIES=10000,20000` measures instead the page and the CSV of a result with that
//! many text series (two values each, one a string): the path that read the stored data once
//! per series.
//!
//! Time: from sending the request to the last byte of the body, median of the repetitions.
//! Memory: each request is served by a fresh process (this binary again, started with
//! `--serve-one`) that starts the app in-process, warms it up with a small request, then
//! sends the measured one; the figure is that process' peak resident set (`VmHWM`) minus its
//! resident set just before the request, so memory kept by earlier requests cannot hide a
//! peak. The process also holds the HTTP client, which discards the body as it arrives;
//! PostgreSQL runs in its own processes and is not counted.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use domain::store::users::{self, Role};
use futures::StreamExt;
use test_support::pg::TestDb;
use webinterface::{AppState, Config};

/// This process's memory figure `field` in KiB (0 when it cannot be read).
fn status_kib(field: &str) -> u64 {
    test_support::memory_kib(None, field).unwrap_or(0)
}

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn payload(n: usize) -> Vec<u8> {
    let mut data = String::with_capacity(n * 12 + 64);
    data.push_str("{\"signal\": [");
    for i in 0..n {
        if i > 0 {
            data.push(',');
        }
        let t = i as f64 / 10_000.0;
        let v = (2.0 * std::f64::consts::PI * 50.0 * t).sin() + 0.001 * (i % 7) as f64;
        data.push_str(&format!("{v:.6}"));
    }
    data.push_str("]}");
    test_support::messages::data_text("bench", &["run"], &serde_json::json!({"fs": 10000}), &data)
        .into_bytes()
}

/// A data message of `n` text series.
fn text_payload(n: usize) -> Vec<u8> {
    let series: Vec<String> = (0..n)
        .map(|i| format!(r#""label {i}": ["t{i}", {i}]"#))
        .collect();
    let data = format!("{{{}}}", series.join(","));
    test_support::messages::data_text("bench", &["run"], &serde_json::json!({}), &data).into_bytes()
}

async fn seed(pool: &sqlx::PgPool, n: usize) -> i64 {
    seed_payload(pool, payload(n)).await
}

/// Stores `bytes` through the ingest path (with no limit on series: the text series sizes
/// go past the handler's default).
async fn seed_payload(pool: &sqlx::PgPool, bytes: Vec<u8>) -> i64 {
    common::ingest_unlimited(pool, "bench", &bytes)
        .await
        .expect("the result is stored")
}

/// The sizes a comma-separated list names (what does not read as a number is left out).
fn sizes(list: &str) -> Vec<usize> {
    list.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// What a `--serve-one` child printed: (milliseconds, body bytes, peak KiB); it must have
/// succeeded.
fn figures(out: &std::process::Output) -> (f64, u64, u64) {
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = line.split_whitespace().collect();
    match (out.status.success(), f.as_slice()) {
        (true, [ms, bytes, kib]) => (
            ms.parse().expect("ms"),
            bytes.parse().expect("bytes"),
            kib.parse().expect("kib"),
        ),
        _ => panic!("the child failed: {}", String::from_utf8_lossy(&out.stderr)),
    }
}

/// One request: (time to the last byte, body bytes, peak RSS growth in KiB).
async fn measure(client: &reqwest::Client, url: &str, token: &str) -> (Duration, u64, u64) {
    let before = status_kib("VmRSS:");
    let _ = reset_peak();
    let start = Instant::now();
    let r = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    let mut body = r.bytes_stream();
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        size += chunk.expect("chunk").len() as u64;
    }
    let took = start.elapsed();
    let peak = status_kib("VmHWM:");
    (took, size, peak.saturating_sub(before))
}

/// The child: serve `path` once (after a first time when `twice`) from an in-process app on
/// `db_url`; print `millis bytes peak_kib`.
async fn serve_one(db_url: &str, path: &str, token: &str, warm: &str, twice: bool) {
    let pool = domain::store::connect(db_url, 8).await.expect("db");
    let config = Config::new(db_url, "mqtt://127.0.0.1:1".parse().expect("url"));
    let state = AppState::new(pool, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(webinterface::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .expect("client");
    // Warm up connections, templates and the allocator on a small result of the same kind.
    measure(&client, &format!("{base}{warm}"), token).await;
    if twice {
        // The second look: served from the plot cache.
        measure(&client, &format!("{base}{path}"), token).await;
    }
    let (took, size, peak) = measure(&client, &format!("{base}{path}"), token).await;
    println!("{} {size} {peak}", took.as_secs_f64() * 1000.0);
    let _ = stop.send(());
    let _ = server.await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve-one") {
        let a = &args[i + 1..];
        serve_one(
            &a[0],
            &a[1],
            &a[2],
            &a[3],
            a.get(4).is_some_and(|t| t == "twice"),
        )
        .await;
        return;
    }
    let points =
        sizes(&std::env::var("BENCH_POINTS").unwrap_or_else(|_| "10000,100000,1000000".into()));
    let repeat: usize = test_support::env_number("BENCH_REPEAT", 3).max(1);
    if !reset_peak() {
        eprintln!("note: /proc/self/clear_refs is not writable; memory figures are process peaks");
    }
    let db = TestDb::new().await;
    let hash = webinterface::auth::hash_password("bench password").expect("hash");
    users::create(&db.pool, "bench", "", &hash, Role::Viewer)
        .await
        .expect("user");
    let user = users::by_username(&db.pool, "bench")
        .await
        .expect("user")
        .expect("exists");
    let token = webinterface::auth::create_token(&db.pool, &user, "bench")
        .await
        .expect("token");
    let small = seed(&db.pool, 100).await;
    let exe = std::env::current_exe().expect("own path");
    let run = |what: &str, path: &str, warm: &str| -> (f64, u64, u64) {
        let mut runs: Vec<(f64, u64, u64)> = Vec::new();
        for _ in 0..repeat {
            let out = std::process::Command::new(&exe)
                .args(["--serve-one", &db.url, path, &token, warm])
                .args(what.ends_with("again").then_some("twice"))
                .output()
                .expect("child");
            runs.push(figures(&out));
        }
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (ms, size, _) = runs[runs.len() / 2];
        (ms, size, runs.iter().map(|r| r.2).max().unwrap_or(0))
    };

    if let Ok(list) = std::env::var("BENCH_TEXT_SERIES") {
        let small = seed_payload(&db.pool, text_payload(10)).await;
        println!(
            "| text series | request | time (median of {repeat}) | body | peak memory growth (max) |"
        );
        println!("|---:|---|---:|---:|---:|");
        for n in sizes(&list) {
            let id = seed_payload(&db.pool, text_payload(n)).await;
            for (what, path, warm) in [
                (
                    "page HTML",
                    format!("/results/{id}"),
                    format!("/results/{small}"),
                ),
                (
                    "CSV",
                    format!("/results/{id}.csv"),
                    format!("/results/{small}.csv"),
                ),
            ] {
                let (ms, size, mem) = run(what, &path, &warm);
                println!(
                    "| {n} | {what} | {ms:.1} ms | {:.1} KiB | {:.1} MiB |",
                    size as f64 / 1024.0,
                    mem as f64 / 1024.0
                );
            }
        }
        return;
    }

    println!("| points | request | time (median of {repeat}) | body | peak memory growth (max) |");
    println!("|---:|---|---:|---:|---:|");
    for &n in &points {
        let id = seed(&db.pool, n).await;
        let requests = [
            (
                "page HTML",
                format!("/results/{id}"),
                format!("/results/{small}"),
            ),
            (
                "plot data",
                format!("/api/results/{id}/plot"),
                format!("/api/results/{small}/plot"),
            ),
            (
                "plot data, again",
                format!("/api/results/{id}/plot"),
                format!("/api/results/{small}/plot"),
            ),
            (
                "CSV",
                format!("/results/{id}.csv"),
                format!("/results/{small}.csv"),
            ),
            (
                "xlsx",
                format!("/results/{id}.xlsx"),
                format!("/results/{small}.xlsx"),
            ),
        ];
        for (what, path, warm) in requests {
            let (ms, size, mem) = run(what, &path, &warm);
            println!(
                "| {n} | {what} | {ms:.1} ms | {:.1} KiB | {:.1} MiB |",
                size as f64 / 1024.0,
                mem as f64 / 1024.0
            );
        }
    }
}
