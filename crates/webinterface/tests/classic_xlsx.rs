//! The classic xlsx (`/results/{id}.xlsx?layout=classic`) laid out as the old stack's export
//! wrote it with openpyxl — sheets Data, chart and Parameters; master data in rows 1–3, names
//! in row 4, each series down its column in full; the parameters across in the order sent —
//! with values typed as the old export typed them and text cells neutralised; today's xlsx
//! stays the default, the result page links both, and an unknown layout is refused.

mod common;

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};
use common::App;
use domain::store::users::Role;
use reqwest::StatusCode;
use serde_json::json;

/// The parameters in the order sent; sorted (as `jsonb` would) they read `Beta`, `alpha`, …
const PARAMETERS: [&str; 5] = ["zeta", "alpha", "mid", "Beta", "nested"];

/// A result with integer, float, boolean, nested and text series of uneven lengths, and
/// parameters whose sorted order differs from the sent one; its id, a viewer's token and the
/// test date as the old stack wrote it.
async fn arrange() -> (App, i64, String, String) {
    let app = App::start().await;
    let payload = common::data_message(
        "@prøvestand_1",
        json!({"zeta": 1, "alpha": "=2+2", "mid": 3.5, "Beta": true, "nested": {"a": [1, null]}}),
        r#"{"int": [1, 2, 3, -4], "float": [2.5, -0.0, 1e-07], "flag": [true, false],
            "nested": [[1, "x"], {"k": true}], "text": ["a", "=1+1", null]}"#,
    );
    let id = common::ingest(&app.db.pool, "rig1", &payload)
        .await
        .expect("stored");
    let received = common::received_at(&app.db.pool, id).await;
    let token = app.token("vera", Role::Viewer).await;
    (
        app,
        id,
        token,
        received.format("%d/%m/%Y-%H:%M:%S").to_string(),
    )
}

async fn get(app: &App, token: &str, path: &str) -> reqwest::Response {
    app.get_with_token(path, token, path).await
}

/// Cells `0..width` of row `row` (0-based, absolute): empty where nothing was written.
fn row(range: &Range<Data>, row: u32, width: u32) -> Vec<Data> {
    (0..width)
        .map(|c| range.get_value((row, c)).cloned().unwrap_or(Data::Empty))
        .collect()
}

fn text(s: &str) -> Data {
    Data::String(s.into())
}

#[tokio::test]
async fn the_classic_xlsx_has_the_old_workbooks_layout() {
    let (app, id, token, date) = arrange().await;
    let r = get(&app, &token, &format!("/results/{id}.xlsx?layout=classic")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let body = r.bytes().await.expect("body").to_vec();

    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(body.clone())).expect("an xlsx file");
    assert_eq!(wb.sheet_names(), ["Data", "chart", "Parameters"]);
    let data = wb.worksheet_range("Data").expect("Data");
    assert_eq!(data.start(), Some((0, 0)));
    assert_eq!(
        data.end(),
        Some((7, 4)),
        "rows 1-4, then the longest series"
    );
    // Master data in rows 1-3; `sentBy` neutralised.
    assert_eq!(
        row(&data, 0, 5)[..2],
        [text("Test dato"), text("Oprettet af")]
    );
    assert_eq!(row(&data, 1, 5)[..2], [text(&date), text("'@prøvestand_1")]);
    assert_eq!(
        row(&data, 1, 5)[2..],
        [Data::Empty, Data::Empty, Data::Empty]
    );
    // Names in row 4, in the order sent.
    assert_eq!(
        row(&data, 3, 5),
        ["int", "float", "flag", "nested", "text"].map(text)
    );
    // Row 3 ends the master data. Each series down its column in full (not cut to the
    // shortest); numbers as numbers (`-0.0` as `numeric` gave it back), booleans as booleans,
    // `null` empty, lists and objects as Python printed them, a text beginning with `=`
    // neutralised.
    let (f, b, e) = (Data::Float, Data::Bool, Data::Empty);
    for (at, want) in [
        (2, [text(" "), e.clone(), e.clone(), e.clone(), e.clone()]),
        (4, [f(1.0), f(2.5), b(true), text("[1, 'x']"), text("a")]),
        (
            5,
            [f(2.0), f(0.0), b(false), text("{'k': True}"), text("'=1+1")],
        ),
        (6, [f(3.0), f(1e-7), e.clone(), e.clone(), e.clone()]),
        (7, [f(-4.0), e.clone(), e.clone(), e.clone(), e.clone()]),
    ] {
        assert_eq!(row(&data, at, 5), want, "row {at}");
    }
    assert!(matches!(data.get_value((5, 1)), Some(Data::Float(z)) if z.is_sign_positive()));

    // Parameters across, in the order sent: names in row 1, values (as the old stack's
    // `CharField` kept them: Python's `str()`) in row 2, a formula neutralised.
    let params = wb.worksheet_range("Parameters").expect("Parameters");
    assert_eq!(params.start(), Some((0, 0)));
    assert_eq!(params.end(), Some((1, 4)));
    assert_eq!(row(&params, 0, 5), PARAMETERS.map(text));
    assert_eq!(
        row(&params, 1, 5),
        ["1", "'=2+2", "3.5", "True", "{'a': [1, None]}"].map(text)
    );
    for name in ["Data", "Parameters"] {
        let formulas = wb.worksheet_formula(name).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name}: no formula cells: {formulas:?}"
        );
    }

    // The chart sheet: the old export's line chart, one line per column, named by its row-4
    // cell, over rows 5 to the last row of the last series (the old code's range).
    let chart = common::zip_entry(&body, "xl/charts/chart1.xml");
    assert!(chart.contains("<c:lineChart>"), "{chart}");
    for want in [
        "Tids domæne",
        "Vægt i Kg",
        "Antal flødeboller",
        "Data!$A$4",
        "Data!$A$5:$A$7",
        "Data!$E$4",
        "Data!$E$5:$E$7",
    ] {
        assert!(chart.contains(want), "{want}: {chart}");
    }
    assert!(!chart.contains("Data!$F$"), "five lines: {chart}");
    // The chart sheet holds the drawing.
    let drawing = common::zip_entry(&body, "xl/worksheets/_rels/sheet2.xml.rels");
    assert!(drawing.contains("drawing"), "{drawing}");
}

#[tokio::test]
async fn the_default_xlsx_is_unchanged_and_unknown_layouts_are_refused() {
    let (app, id, token, _) = arrange().await;
    for query in ["", "?layout=columns"] {
        let r = get(&app, &token, &format!("/results/{id}.xlsx{query}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{query}");
        let body = r.bytes().await.expect("body").to_vec();
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(body)).expect("an xlsx file");
        assert_eq!(
            wb.sheet_names(),
            ["Data", "Chart", "Parameters", "Info"],
            "{query}"
        );
        let data = wb.worksheet_range("Data").expect("Data");
        assert_eq!(
            row(&data, 0, 5),
            ["int", "float", "flag", "nested", "text"].map(text),
            "{query}: names in the first row"
        );
        assert_eq!(row(&data, 1, 1), [Data::Float(1.0)]);
        let params = wb.worksheet_range("Parameters").expect("Parameters");
        assert_eq!(row(&params, 0, 2), [text("Name"), text("Value")]);
        let names: Vec<String> = params.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert_eq!(names, PARAMETERS, "{query}: one parameter a row");
    }
    // The result page offers both layouts.
    let page = get(&app, &token, &format!("/results/{id}"))
        .await
        .text()
        .await
        .expect("html");
    for link in [
        format!(r#"<a href="/results/{id}.xlsx" download id="xlsx-link""#),
        format!(r#"<a href="/results/{id}.xlsx?layout=classic" download id="xlsx-classic-link""#),
    ] {
        assert!(page.contains(&link), "{link}: {page}");
    }
    for path in [
        format!("/results/{id}.xlsx?layout=bogus"),
        format!("/results/{id}.csv?layout=bogus"),
        format!("/results/{id}.xlsx?layout=Classic"),
    ] {
        let r = get(&app, &token, &path).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
    }
}
