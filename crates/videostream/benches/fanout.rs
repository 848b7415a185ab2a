//! Fan-out benchmark of the relay: viewers × frame size × frames/s against the relay's CPU and
//! memory.
//!
//! The relay runs as its own process (the `videostream` binary of this build) so that its CPU
//! time and RSS can be read from `/proc/<pid>` apart from the fake camera and the viewers,
//! which run in this process. Viewers are raw TCP clients that only count bytes, so the load
//! side stays cheap; delivered frames are bytes divided by the size of one multipart part.
//!
//! `cargo bench -p videostream` (set `BENCH_SECONDS` to change the 3 s per case; `BENCH_QUICK=1`
//! runs a smaller matrix).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use test_support::camera::{CameraOptions, FakeCamera};
use test_support::pg::TestDb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One case of the matrix.
#[derive(Debug, Clone, Copy)]
struct Case {
    viewers: usize,
    frame_bytes: usize,
    fps: f64,
}

/// CPU ticks (user + system) and resident memory of a process.
fn proc_stats(pid: u32) -> (u64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map(|(_, s)| s).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let cpu = ticks(11) + ticks(12);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (cpu, kb("VmRSS:"), kb("VmHWM:"))
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Bytes of one frame as the relay sends it (delimiter, headers, JPEG, line end).
fn part_len(frame_bytes: usize) -> usize {
    format!("--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {frame_bytes}\r\n\r\n").len()
        + frame_bytes
        + 2
}

/// A viewer that reads the stream as fast as it can and counts the bytes.
async fn viewer(port: u16, counter: Arc<AtomicU64>) {
    let Ok(mut socket) = TcpStream::connect(("127.0.0.1", port)).await else {
        return;
    };
    let request = "GET /vstream-direct/test-stand/bench HTTP/1.1\r\nHost: relay\r\n\r\n";
    if socket.write_all(request.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 256 * 1024];
    while let Ok(n) = socket.read(&mut buf).await {
        if n == 0 {
            return;
        }
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

struct RelayProcess(Child);

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn install(port: u16, camera: &str) {
    let r = reqwest::Client::new()
        .put(format!("http://127.0.0.1:{port}/install-test-stand/bench"))
        .form(&[("data", camera)])
        .send()
        .await
        .expect("install the camera");
    assert!(r.status().is_success(), "install: {}", r.status());
}

#[tokio::main]
async fn main() {
    let seconds: f64 = test_support::env_number("BENCH_SECONDS", 3.0);
    let quick = std::env::var("BENCH_QUICK").is_ok();
    let db = TestDb::new().await;
    let port = test_support::free_port();
    let relay = RelayProcess(
        Command::new(env!("CARGO_BIN_EXE_videostream"))
            .env("DATABASE_URL", &db.url)
            .env("VIDEOSTREAM_BIND", format!("127.0.0.1:{port}"))
            // The benchmark measures fan-out, not access checks: the old open relay, and the
            // fake camera on loopback allowed.
            .env("VIDEOSTREAM_OPEN_INSTALL", "true")
            .env("VIDEOSTREAM_PUBLIC_VIEW", "true")
            .env("CAMERA_ALLOW_LOOPBACK", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the relay"),
    );
    assert!(
        test_support::wait_for_port(port, Duration::from_secs(30)),
        "the relay did not start listening"
    );
    let pid = relay.0.id();
    let tck = clock_ticks();
    let (_, idle_rss, _) = proc_stats(pid);
    println!("relay idle RSS: {:.1} MiB", idle_rss as f64 / 1024.0);
    println!();
    println!(
        "| viewers | frame KB | camera fps | delivered fps/viewer (min / mean) | relay CPU % of one core | relay RSS MiB | relay out MB/s |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");

    let viewer_counts: &[usize] = if quick { &[1, 50] } else { &[1, 10, 50, 200] };
    let sizes: &[usize] = if quick { &[50_000] } else { &[50_000, 200_000] };
    for &frame_bytes in sizes {
        for &fps in &[10.0, 30.0] {
            for &viewers in viewer_counts {
                let case = Case {
                    viewers,
                    frame_bytes,
                    fps,
                };
                run_case(case, port, pid, tck, seconds).await;
            }
        }
    }
    let (_, _, hwm) = proc_stats(pid);
    println!();
    println!(
        "relay peak RSS over the run: {:.1} MiB",
        hwm as f64 / 1024.0
    );
}

async fn run_case(case: Case, port: u16, pid: u32, tck: f64, seconds: f64) {
    let camera = FakeCamera::start(CameraOptions {
        frame_bytes: case.frame_bytes,
        fps: case.fps,
        ..CameraOptions::default()
    })
    .await;
    install(port, &camera.url()).await;
    let counters: Vec<Arc<AtomicU64>> = (0..case.viewers)
        .map(|_| Arc::new(AtomicU64::new(0)))
        .collect();
    let tasks: Vec<_> = counters
        .iter()
        .map(|c| tokio::spawn(viewer(port, c.clone())))
        .collect();
    // Warm-up: every viewer has its first frame.
    let part = part_len(case.frame_bytes) as u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while counters.iter().any(|c| c.load(Ordering::Relaxed) < part) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let start_bytes: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let (cpu0, _, _) = proc_stats(pid);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let wall = t0.elapsed().as_secs_f64();
    let (cpu1, rss, _) = proc_stats(pid);
    let delivered: Vec<f64> = counters
        .iter()
        .zip(&start_bytes)
        .map(|(c, s)| (c.load(Ordering::Relaxed) - s) as f64 / part as f64 / wall)
        .collect();
    for t in tasks {
        t.abort();
    }
    let min = delivered.iter().copied().fold(f64::INFINITY, f64::min);
    let mean = delivered.iter().sum::<f64>() / delivered.len() as f64;
    let cpu = (cpu1 - cpu0) as f64 / tck / wall * 100.0;
    let out_mb = delivered.iter().sum::<f64>() * part as f64 / 1e6;
    println!(
        "| {} | {} | {} | {:.1} / {:.1} | {:.0} | {:.1} | {:.0} |",
        case.viewers,
        case.frame_bytes / 1000,
        case.fps,
        min,
        mean,
        cpu,
        rss as f64 / 1024.0,
        out_mb,
    );
    assert_eq!(camera.connections(), 1, "one upstream connection per case");
}
