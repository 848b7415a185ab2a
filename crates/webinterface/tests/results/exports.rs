//! The downloads: CSV and xlsx read back value for value, unequal series, all sheets.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use domain::store::users::Role;
use serde_json::json;

use crate::common::{App, data_message, ingest, read_csv};
use crate::{arrange, tricky};

/// A sheet's rows as (first cell, second cell) text pairs.
fn pairs<R: std::io::Read + std::io::Seek>(wb: &mut Xlsx<R>, sheet: &str) -> Vec<(String, String)> {
    wb.worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{sheet}: {e}"))
        .rows()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect()
}

#[tokio::test]
async fn csv_round_trips_every_value() {
    let (_app, id, viewer) = arrange().await;
    let csv = viewer
        .download(&format!("/results/{id}.csv"), "text/csv")
        .await;
    assert!(csv.header("content-disposition").contains(".csv"));
    let (header, rows) = read_csv(&csv.body);
    assert_eq!(header, ["a", "b short", "labels", "note"]);
    let a = tricky();
    assert_eq!(
        rows.len(),
        a.len(),
        "one row per sample of the longest series"
    );
    for (i, row) in rows.iter().enumerate() {
        let got: f64 = row[0].parse().expect("number");
        assert_eq!(got.to_bits(), a[i].to_bits(), "row {i}: {}", &row[0]);
    }
    assert_eq!(&rows[0][1], "7");
    assert_eq!(&rows[1][1], "-1.5");
    assert!(
        rows[2..].iter().all(|r| r[1].is_empty()),
        "shorter series leave empty cells"
    );
    // Non-numeric series are text: strings as they are, other values as JSON.
    assert_eq!(&rows[0][2], "x");
    assert_eq!(&rows[1][2], "1");
    assert_eq!(&rows[2][2], r#"{"k":"<i>v</i>"}"#);
    assert_eq!(&rows[0][3], "<script>alert(1)</script>");
    assert!(rows[1][3].is_empty());
}

#[tokio::test]
async fn xlsx_round_trips_every_value_with_all_sheets() {
    let (_app, id, viewer) = arrange().await;
    let xlsx = viewer.download(&format!("/results/{id}.xlsx"), "").await;
    assert!(xlsx.header("content-disposition").contains(".xlsx"));
    // The Chart sheet holds a line chart of the numeric series, drawn from the Data sheet.
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx.body.clone())).expect("a zip");
    let mut chart = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/charts/chart1.xml").expect("a chart"),
        &mut chart,
    )
    .expect("chart xml");
    assert!(chart.contains("<c:lineChart>"), "{chart}");
    assert!(chart.contains("Data!$A$2:$A$11"), "series a: {chart}");
    assert!(chart.contains("Data!$B$2:$B$3"), "series b: {chart}");
    assert!(!chart.contains("Data!$C$"), "no chart of the text series");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.body)).expect("an xlsx file");
    assert_eq!(wb.sheet_names(), ["Data", "Chart", "Parameters", "Info"]);

    let data = wb.worksheet_range("Data").expect("Data");
    let rows: Vec<&[Data]> = data.rows().collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["a", "b short", "labels", "note"]);
    let a = tricky();
    assert_eq!(rows.len(), a.len() + 1);
    for (i, want) in a.iter().enumerate() {
        match &rows[i + 1][0] {
            Data::Float(got) => assert_eq!(got.to_bits(), want.to_bits(), "row {i}"),
            Data::Int(got) => assert_eq!(*got as f64, *want, "row {i}"),
            other => panic!("row {i}: {other:?}"),
        }
    }
    assert_eq!(rows[1][1], Data::Float(7.0));
    assert_eq!(rows[2][1], Data::Float(-1.5));
    assert!(rows[3..].iter().all(|r| r[1] == Data::Empty));
    assert_eq!(rows[1][2], Data::String("x".into()));
    assert_eq!(
        rows[2][2],
        Data::String("1".into()),
        "non-numeric series are text"
    );
    assert_eq!(rows[3][2], Data::String(r#"{"k":"<i>v</i>"}"#.into()));
    assert_eq!(rows[1][3], Data::String("<script>alert(1)</script>".into()));

    let params = pairs(&mut wb, "Parameters");
    assert!(params.contains(&("fs".into(), "100".into())), "{params:?}");
    assert!(params.contains(&("mode".into(), "sine".into())));
    assert!(params.contains(&("nested".into(), r#"{"gain":[1,2,{"x":null}]}"#.into())));

    let info = pairs(&mut wb, "Info");
    assert!(
        info.contains(&("Result".into(), id.to_string())),
        "{info:?}"
    );
    assert!(info.contains(&("Stand".into(), "rig1".into())));
    assert!(info.contains(&("Sent by".into(), "rig1-pc".into())));
    assert!(info.contains(&("Commands".into(), r#"["start","<b>measure</b>"]"#.into())));
}

#[tokio::test]
async fn large_unequal_series_round_trip_through_both_downloads() {
    let app = App::start().await;
    app.stand("rig1", "ready").await;
    let viewer = app.api("viola", Role::Viewer).await;
    // Values with full 17-digit mantissas, so any rounding on the way shows.
    let long: Vec<f64> = (0..150_000)
        .map(|i| (i as f64 * 0.731).sin() * 1e3 / 7.0)
        .collect();
    let short: Vec<f64> = (0..70_000).map(|i| (i as f64).sqrt() * -1e-7).collect();
    let data = format!(
        r#"{{"long": {}, "short": {}}}"#,
        serde_json::to_string(&long).expect("long"),
        serde_json::to_string(&short).expect("short")
    );
    let id = ingest(&app.db.pool, "rig1", &data_message("pc", json!({}), &data))
        .await
        .expect("result");

    let csv = viewer.download(&format!("/results/{id}.csv"), "").await;
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    let mut rows = 0;
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("row");
        let a: f64 = row[0].parse().expect("long value");
        assert_eq!(a.to_bits(), long[i].to_bits(), "long, row {i}");
        match short.get(i) {
            Some(b) => assert_eq!(row[1].parse::<f64>().expect("short").to_bits(), b.to_bits()),
            None => assert!(row[1].is_empty(), "row {i}"),
        }
        rows += 1;
    }
    assert_eq!(rows, long.len());

    let xlsx = viewer.download(&format!("/results/{id}.xlsx"), "").await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx.body)).expect("xlsx");
    let sheet = wb.worksheet_range("Data").expect("Data");
    assert_eq!(sheet.height(), long.len() + 1);
    for (i, row) in sheet.rows().skip(1).enumerate() {
        assert_eq!(row[0], Data::Float(long[i]), "long, row {i}");
        match short.get(i) {
            Some(b) => assert_eq!(row[1], Data::Float(*b), "short, row {i}"),
            None => assert_eq!(row[1], Data::Empty, "row {i}"),
        }
    }
}
