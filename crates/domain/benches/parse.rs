//! How long the handler's per-message work takes on one core: parsing and validating a
//! payload ([`domain::ProtocolValidator::parse`]) and hashing it (SHA-256, for the QoS 2
//! receipts), for a status message, a data message with two 100-point series, a result
//! with one 100,000-point series (full-precision doubles, ~2 MB), and results of 80,000 and
//! 160,000 one-point series (parse time must double, not quadruple).
//!
//! Run (release): `cargo bench -p domain --bench parse` (`BENCH_SECS` per case, default 2).

use std::time::{Duration, Instant};

use serde_json::json;
use sha2::{Digest, Sha256};
use test_support::messages;

fn data(series: usize, points: usize) -> Vec<u8> {
    let mut data = serde_json::Map::new();
    for s in 0..series {
        let values: Vec<f64> = (0..points)
            .map(|p| ((p + s) as f64 * 0.001).sin())
            .collect();
        data.insert(format!("series{s}"), json!(values));
    }
    let series = serde_json::Value::Object(data).to_string();
    messages::data_text("bench", &["run"], &json!({"fs": 1000}), &series).into_bytes()
}

/// Runs `f` for about `secs` (at least `min_runs` times) and returns the median of its timings.
fn median(secs: f64, min_runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < secs || times.len() < min_runs {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let secs: f64 = test_support::env_number("BENCH_SECS", 2.0);
    // No cap on series here: the many-series cases measure the parse itself.
    let validator = domain::ProtocolValidator::bundled()
        .expect("bundled schema")
        .with_max_series(usize::MAX);
    let cases = [
        (
            "status",
            messages::status("200", "bench").to_string().into_bytes(),
        ),
        ("data 2x100", data(2, 100)),
        ("data 1x100000", data(1, 100_000)),
        ("data 80000x1", data(80_000, 1)),
        ("data 160000x1", data(160_000, 1)),
    ];
    println!("| payload | bytes | parse | parse MB/s | SHA-256 | SHA-256 MB/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, payload) in &cases {
        assert!(validator.parse(payload).is_ok(), "{name} must parse");
        // The many-series cases took minutes per run when parsing was quadratic: fewer runs.
        let min_runs = if payload.len() > 1_000_000 { 3 } else { 5 };
        let parse = median(secs, min_runs, || {
            std::hint::black_box(validator.parse(std::hint::black_box(payload)).ok());
        });
        let hash = median(secs, min_runs, || {
            std::hint::black_box(Sha256::digest(std::hint::black_box(payload)));
        });
        let mbps = |d: Duration| payload.len() as f64 / 1e6 / d.as_secs_f64();
        println!(
            "| {name} | {} | {parse:.1?} | {:.0} | {hash:.1?} | {:.0} |",
            payload.len(),
            mbps(parse),
            mbps(hash)
        );
    }
    // With the default `MAX_SERIES_PER_MESSAGE`, as the handler runs: quarantined.
    let capped = domain::ProtocolValidator::bundled().expect("bundled schema");
    let payload = data(160_000, 1);
    assert!(capped.parse(&payload).is_err(), "over the default limit");
    let reject = median(secs, 3, || {
        std::hint::black_box(capped.parse(std::hint::black_box(&payload)).err());
    });
    println!(
        "| data 160000x1, refused at the default limit | {} | {reject:.1?} | | | |",
        payload.len()
    );
}
