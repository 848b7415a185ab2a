//! Plots: a 1,000,000-point result opens plotted and zooms; a series picked as the x axis
//! draws an x–y plot.

use crate::common::{data_message, ingest};
use crate::steps::*;
use domain::store::users::Role;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_million_point_result_opens_plotted_and_zooms() {
    let (_driver, c, shots, app) = or_skip!(browser_with(
        &[("rig1", "ready")],
        &[("viola", Role::Viewer)]
    ));
    let n = 1_000_000;
    let values: Vec<String> = (0..n)
        .map(|i| {
            let t = i as f64 / 10_000.0;
            let v = (2.0 * std::f64::consts::PI * 50.0 * t).sin()
                + 0.3 * (2.0 * std::f64::consts::PI * 1200.0 * t).sin();
            format!("{v:.6}")
        })
        .collect();
    let data = format!(
        r#"{{"signal": [{}], "short": [1, 2, 3]}}"#,
        values.join(",")
    );
    let payload = data_message("rig1-pc", json!({"fs": 10000, "mode": "two sines"}), &data);
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("result");
    log_in(&c, &app, "viola").await;

    let started = std::time::Instant::now();
    open(&c, &app, &format!("/results/{id}")).await;
    let time_plot = ".plot[data-kind=time][data-position=\"0\"]";
    let drawn = wait_attr(&c, time_plot, "data-drawn", Duration::from_secs(60)).await;
    let opened = started.elapsed();
    assert_eq!(drawn, "true");
    eprintln!("1,000,000-point result page plotted in {opened:?}");
    snap(&c, &shots, "result-1m-top.png").await;
    let points = number_attr(&c, time_plot, "data-points").await;
    assert!((1000.0..=2000.0).contains(&points), "downsampled: {points}");
    let spectrum = ".plot[data-kind=spectrum][data-position=\"0\"]";
    wait_drawn(&c, spectrum, Duration::from_secs(10)).await;
    assert!(text_of(&c, "[data-field=rate]").await.contains("10000 Hz"));
    // Responsive: a script runs at once.
    let t = std::time::Instant::now();
    c.execute("return document.querySelectorAll('canvas').length;", vec![])
        .await
        .expect("script");
    assert!(t.elapsed() < Duration::from_secs(2));

    // Hover shows a readout.
    let readout = c
        .execute(
            r#"var box = document.querySelector(arguments[0]);
               box.scrollIntoView();
               var cv = box.querySelector('canvas'); var r = cv.getBoundingClientRect();
               cv.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + 200, clientY: r.top + 100, bubbles: true}));
               return box.querySelector('.readout').textContent;"#,
            vec![json!(time_plot)],
        )
        .await
        .expect("hover");
    let readout = readout.as_str().unwrap_or_default().to_owned();
    assert!(readout.contains("time (s):"), "{readout}");
    assert!(readout.contains("value:"), "{readout}");

    // A drag across 10 pixels zooms in (the server sends that window, downsampled again);
    // a second drag inside it reaches single samples.
    let drag = r#"var box = document.querySelector(arguments[0]);
        var cv = box.querySelector('canvas'); var r = cv.getBoundingClientRect();
        function ev(type, x) {
          var e = new MouseEvent(type, {clientX: r.left + x, clientY: r.top + 100, bubbles: true});
          (type === 'mouseup' ? window : cv).dispatchEvent(e);
        }
        ev('mousedown', arguments[1]); ev('mousemove', arguments[2]); ev('mouseup', arguments[2]);
        return null;"#;
    let span = |c: &Client| {
        let c = c.clone();
        async move {
            number_attr(&c, time_plot, "data-x1").await
                - number_attr(&c, time_plot, "data-x0").await
        }
    };
    let full_span = span(&c).await;
    assert!(full_span > 999_000.0, "{full_span}");
    for (from, to, below) in [(100, 110, 20_000.0), (100, 110, 200.0)] {
        c.execute(drag, vec![json!(time_plot), json!(from), json!(to)])
            .await
            .expect("drag");
        tokio::time::timeout(Duration::from_secs(20), async {
            while span(&c).await >= below {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("the plot zooms in");
    }
    // At that zoom every sample of the window is drawn: about 100 of them, not a reduction.
    let zoomed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let p: usize = wait_attr(&c, time_plot, "data-points", Duration::from_secs(5))
                .await
                .parse()
                .unwrap_or(0);
            if p > 0 && p < 300 {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the full-resolution window arrives");
    eprintln!("zoomed to {zoomed} samples at full resolution");
    // The spectrum zooms too, with its window computed on the server at full resolution.
    c.execute(drag, vec![json!(spectrum), json!(70), json!(90)])
        .await
        .expect("drag spectrum");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let x0: f64 = wait_attr(&c, spectrum, "data-x0", Duration::from_secs(5))
                .await
                .parse()
                .unwrap_or(0.0);
            let x1: f64 = wait_attr(&c, spectrum, "data-x1", Duration::from_secs(5))
                .await
                .parse()
                .unwrap_or(f64::MAX);
            if x1 - x0 < 200.0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the spectrum zooms in");
    snap(&c, &shots, "result-1m-zoomed.png").await;
    c.execute(
        "document.querySelector(arguments[0] + ' canvas').dispatchEvent(new MouseEvent('dblclick', {bubbles: true})); return null;",
        vec![json!(time_plot)],
    )
    .await
    .expect("zoom out");
    c.execute(
        "document.querySelector('#series-0').scrollIntoView(); return null;",
        vec![],
    )
    .await
    .expect("scroll");
    wait_attr(&c, time_plot, "data-drawn", Duration::from_secs(5)).await;
    snap(&c, &shots, "result-1m.png").await;

    // The list and the quarantine, for a person to look at.
    open(&c, &app, "/results?stand=rig1").await;
    assert_eq!(
        text_of(&c, &format!("#result-{id} td[data-label=Points]")).await,
        "1000003"
    );
    snap(&c, &shots, "results-list.png").await;
    assert!(
        ingest(&app.db.pool, "rig1", &[0xff, 0x00, b'<', b'i', b'>'])
            .await
            .is_none()
    );
    assert!(
        ingest(&app.db.pool, "rig1", br#"{"msgType": "<i>x</i>"}"#)
            .await
            .is_none()
    );
    open(&c, &app, "/quarantine").await;
    wait_for(&c, "pre.payload-hex").await;
    snap(&c, &shots, "quarantine.png").await;
    c.close().await.expect("close");
}

#[tokio::test]
async fn picking_a_series_as_the_x_axis_draws_an_x_y_plot() {
    let (_driver, c, shots, app) = or_skip!(browser_with(&[], &[("viola", Role::Viewer)]));
    // x = cos, y = sin: against the sample index y is a sine wave, against x it is a circle.
    let turn = |i: i32| 2.0 * std::f64::consts::PI * f64::from(i) / 200.0;
    let xs: Vec<String> = (0..=200).map(|i| format!("{:.6}", turn(i).cos())).collect();
    let ys: Vec<String> = (0..=200).map(|i| format!("{:.6}", turn(i).sin())).collect();
    let data = format!(r#"{{"x": [{}], "y": [{}]}}"#, xs.join(","), ys.join(","));
    let payload = data_message("rig1-pc", json!({"mode": "circle"}), &data);
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("result");
    log_in(&c, &app, "viola").await;
    open(&c, &app, &format!("/results/{id}")).await;
    let y_plot = ".plot[data-kind=time][data-position=\"1\"]";
    wait_drawn(&c, y_plot, Duration::from_secs(30)).await;
    assert_eq!(
        wait_attr(&c, y_plot, "data-x-label", Duration::from_secs(5)).await,
        "sample"
    );
    assert_eq!(
        wait_attr(&c, y_plot, "data-x1", Duration::from_secs(5)).await,
        "200"
    );
    shoot(&c, &shots, "#series-1", "result-xy-before.png").await;

    // Pick x (series 0) as the x axis, as a person does with the select.
    pick_x_axis(&c, y_plot, "0", ("data-x-axis", "0")).await;
    assert_eq!(
        wait_attr(&c, y_plot, "data-x-label", Duration::from_secs(5)).await,
        "x"
    );
    let x0 = number_attr(&c, y_plot, "data-x0").await;
    let x1 = number_attr(&c, y_plot, "data-x1").await;
    assert_eq!((x0, x1), (-1.0, 1.0), "the x axis spans the x series");
    assert_eq!(
        wait_attr(&c, y_plot, "data-points", Duration::from_secs(5)).await,
        "201"
    );
    assert!(
        text_of(&c, &format!("{y_plot} .readout"))
            .await
            .contains("y against x")
    );
    shoot(&c, &shots, "#series-1", "result-xy.png").await;

    // Back to the sample index.
    pick_x_axis(&c, y_plot, "", ("data-x-label", "sample")).await;
    c.close().await.expect("close");
}

/// Picks `value` in the result page's x axis select and waits until the plot `plot` shows
/// `attr` = `expected` (it is redrawn).
async fn pick_x_axis(c: &Client, plot: &str, value: &str, (attr, expected): (&str, &str)) {
    c.find(Locator::Id("x-axis"))
        .await
        .expect("the x axis picker")
        .select_by_value(value)
        .await
        .expect("pick an x axis");
    tokio::time::timeout(Duration::from_secs(20), async {
        while wait_attr(c, plot, attr, Duration::from_secs(5)).await != expected {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the plot is redrawn with {attr} = {expected:?}"));
}
