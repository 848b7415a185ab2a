//! The old stack's xlsx ("classic" layout), laid out cell for cell as its own export wrote it
//! with openpyxl, except for text cells neutralised against formula injection ([`neutralise`]:
//! the old export wrote a text beginning with `=` as a formula).
//!
//! What the old stack did, and so this does:
//! - Sheets `Data`, `chart`, `Parameters`, in that order (openpyxl's default `Sheet` removed).
//! - Data: row 1 `Test dato`, `Oprettet af`; row 2 the test's date (a text, as the old stack
//!   stored it: `18/04/2020-11:55:03`) and `sentBy`; row 3 one cell holding a space; row 4
//!   the series names; from row 5 each series down its column, in full (uneven series are not
//!   cut, unlike the classic CSV). Values as they came back from its `jsonb` column: numbers as
//!   numbers (`-0.0` as `0`), booleans as boolean cells, `null` an empty cell, strings as text,
//!   lists and objects as Python's `repr` (the old export failed on those).
//! - chart: a line chart at A1 ("Tids domæne", y axis "Vægt i Kg", x axis "Antal
//!   flødeboller", openpyxl's 15 × 7.5 cm) with one line per column of Data, named by its
//!   row-4 cell, over rows 5 to the last row of the last series that has values — the old
//!   code's range (Excel draws at most 255 lines).
//! - Parameters: row 1 the names, row 2 the values across, in the order sent; the values as
//!   text, as its `CharField` kept them (Python's `str()`: `True`, `2.0`, `{'a': 1}`).

use std::io::Write;

use domain::store::results::ResultDetail;
use rust_xlsxwriter::{Chart, ChartType, ColNum, RowNum, Workbook, Worksheet, XlsxError};
use serde_json::value::RawValue;

use super::classic::{
    Point, parameters, point_of, python_str, series_of, stored_number, test_date,
};
use super::formula::neutralise;
use super::xlsx::{EXCEL_MAX_CHART_SERIES, EXCEL_MAX_COLS, EXCEL_MAX_ROWS, XlsxExportError, clip};

/// The Data sheet's first row, as the old stack wrote it.
const CLASSIC_XLSX_HEADER: [&str; 2] = ["Test dato", "Oprettet af"];
/// The Data sheet's rows above the series' values: master data (rows 1–3) and names (row 4).
const HEAD_ROWS: RowNum = 4;
/// openpyxl's chart size, 15 × 7.5 cm, in pixels at 96 dpi.
const CHART_SIZE: (u32, u32) = (567, 283);

/// Writes a text cell: neutralised, cut to Excel's longest text, always a string.
fn text(sheet: &mut Worksheet, row: RowNum, col: ColNum, t: &str) -> Result<(), XlsxError> {
    sheet.write_string(row, col, clip(&neutralise(t)))?;
    Ok(())
}

/// Writes a series number from its JSON text: a number cell, or its digits as text when it is
/// past what a number cell holds (`1e400`).
fn number(sheet: &mut Worksheet, row: RowNum, col: ColNum, json: &str) -> Result<(), XlsxError> {
    match json.parse::<f64>() {
        // `numeric` gave `-0.0` back as 0.
        Ok(x) if x.is_finite() => sheet.write_number(row, col, if x == 0.0 { 0.0 } else { x }),
        _ => sheet.write_string(row, col, stored_number(json)),
    }?;
    Ok(())
}

/// The old export's line chart of the Data sheet, if a series has values.
fn chart(series: &[(String, Vec<&RawValue>)]) -> Option<Chart> {
    let len = series.iter().rev().map(|(_, v)| v.len()).find(|&n| n > 0)?;
    let last = HEAD_ROWS - 1 + RowNum::try_from(len).ok()?;
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name("Tids domæne");
    chart.y_axis().set_name("Vægt i Kg");
    chart.x_axis().set_name("Antal flødeboller");
    chart.set_width(CHART_SIZE.0).set_height(CHART_SIZE.1);
    for col in 0..series.len().min(EXCEL_MAX_CHART_SERIES) {
        let col = ColNum::try_from(col).ok()?;
        chart
            .add_series()
            .set_name(("Data", HEAD_ROWS - 1, col))
            .set_values(("Data", HEAD_ROWS, col, last, col));
    }
    Some(chart)
}

/// Writes the classic workbook of a result whose `dataObj` is `data` (its stored text) to
/// `out`. Refused: a series longer than the Data sheet holds below its four head rows, more
/// series or parameters than a sheet has columns.
pub fn write_classic_xlsx(
    detail: &ResultDetail,
    data: &str,
    out: &mut std::fs::File,
) -> Result<(), XlsxExportError> {
    let series = series_of(data)?;
    let most = EXCEL_MAX_ROWS - HEAD_ROWS as usize;
    if let Some((name, v)) = series.iter().find(|(_, v)| v.len() > most) {
        return Err(XlsxExportError::TooLong(name.clone(), v.len(), most));
    }
    let params = parameters(detail);
    for (what, count) in [("series", series.len()), ("parameters", params.len())] {
        if count > EXCEL_MAX_COLS {
            return Err(XlsxExportError::TooWide(what, count));
        }
    }
    let mut wb = Workbook::new();

    // Constant memory: rows are written in order.
    let sheet = wb.add_worksheet_with_constant_memory()?;
    sheet.set_name("Data")?;
    for (col, head) in (0..).zip(CLASSIC_XLSX_HEADER) {
        sheet.write_string(0, col, head)?;
    }
    sheet.write_string(1, 0, test_date(detail))?;
    text(sheet, 1, 1, &detail.sent_by)?;
    sheet.write_string(2, 0, " ")?;
    for (col, (name, _)) in (0..).zip(&series) {
        text(sheet, HEAD_ROWS - 1, col, name)?;
    }
    let rows = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    for (i, row) in (HEAD_ROWS..).take(rows).enumerate() {
        for (col, (_, values)) in (0..).zip(&series) {
            let Some(raw) = values.get(i) else { continue };
            match point_of(raw) {
                Point::Empty => {}
                Point::Bool(b) => {
                    sheet.write_boolean(row, col, b)?;
                }
                Point::Number(json) => number(sheet, row, col, json)?,
                Point::Text(t) => text(sheet, row, col, &t)?,
            }
        }
    }

    let sheet = wb.add_worksheet();
    sheet.set_name("chart")?;
    if let Some(chart) = chart(&series) {
        sheet.insert_chart(0, 0, &chart)?;
    }

    let sheet = wb.add_worksheet();
    sheet.set_name("Parameters")?;
    for (col, (name, value)) in (0..).zip(&params) {
        text(sheet, 0, col, name)?;
        text(sheet, 1, col, &python_str(value))?;
    }
    wb.save_to_writer(&mut *out)?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(parameters: serde_json::Value) -> ResultDetail {
        ResultDetail {
            id: 1,
            stand: domain::StandId::parse("rig1").expect("id"),
            stand_name: "rig1".into(),
            run: None,
            sent_by: "rig1".into(),
            protocol_version: 1.1,
            status_code: 200,
            received_at: chrono::Utc::now(),
            commands: None,
            parameters: Some(parameters),
            keep: false,
            point_count: 0,
            requested_by: None,
            requested_at: None,
            run_cancelled_by: None,
            run_cancelled_at: None,
        }
    }

    fn write(detail: &ResultDetail, data: &str) -> Result<(), XlsxExportError> {
        write_classic_xlsx(detail, data, &mut tempfile::tempfile().expect("tmp"))
    }

    #[test]
    fn what_one_sheet_cannot_hold_is_refused() {
        let none = detail(serde_json::json!({}));
        let fits = format!(r#"{{"x": [{}]}}"#, vec!["0"; 1_048_572].join(","));
        assert!(write(&none, &fits).is_ok());
        let long = fits.replacen('0', "0,0", 1);
        assert!(matches!(
            write(&none, &long),
            Err(XlsxExportError::TooLong(name, 1_048_573, 1_048_572)) if name == "x"
        ));
        let wide: Vec<String> = (0..=EXCEL_MAX_COLS)
            .map(|i| format!(r#""s{i}": [1]"#))
            .collect();
        assert!(matches!(
            write(&none, &format!("{{{}}}", wide.join(","))),
            Err(XlsxExportError::TooWide("series", 16_385))
        ));
        let params: serde_json::Map<String, serde_json::Value> = (0..=EXCEL_MAX_COLS)
            .map(|i| (format!("p{i}"), 1.into()))
            .collect();
        assert!(matches!(
            write(&detail(params.into()), "{}"),
            Err(XlsxExportError::TooWide("parameters", 16_385))
        ));
    }
}
