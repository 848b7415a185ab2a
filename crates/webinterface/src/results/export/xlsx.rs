//! Excel: `.xlsx` with the sheets Data, Chart, Parameters and Info, written in
//! `rust_xlsxwriter`'s constant-memory mode.

use std::io::Write;

use domain::store::results::ResultDetail;
use rust_xlsxwriter::{Chart, ChartType, Workbook, XlsxError};
use serde_json::Value;

use super::columns::Column;

/// Excel's rows per sheet (one is the header).
pub const EXCEL_MAX_ROWS: usize = 1_048_576;
/// Excel's longest text in a cell.
pub(super) const EXCEL_MAX_TEXT: usize = 32_767;
/// Excel's series per chart.
pub(super) const EXCEL_MAX_CHART_SERIES: usize = 255;
/// Excel's columns per sheet: the series per Data sheet.
pub const EXCEL_MAX_COLS: usize = 16_384;

/// Why the workbook could not be made.
#[derive(Debug, thiserror::Error)]
pub enum XlsxExportError {
    /// A series longer than a sheet: its name, its values, the most a sheet holds.
    #[error("series {0:?} has {1} values, more than an Excel sheet holds ({2}); download the CSV")]
    TooLong(String, usize, usize),
    /// More series or parameters (what, how many) than a sheet has columns (the classic
    /// layout has them in one row).
    #[error("{1} {0}, more than an Excel sheet has columns ({EXCEL_MAX_COLS}); download the CSV")]
    TooWide(&'static str, usize),
    /// The stored series could not be read (the classic layout).
    #[error("reading the stored series: {0}")]
    Json(#[from] serde_json::Error),
    /// The writer failed.
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// The temporary file failed.
    #[error("writing the workbook: {0}")]
    Io(#[from] std::io::Error),
}

/// `text`, cut to Excel's longest text in a cell.
pub(super) fn clip(text: &str) -> &str {
    if text.chars().count() <= EXCEL_MAX_TEXT {
        return text;
    }
    let end = text
        .char_indices()
        .nth(EXCEL_MAX_TEXT)
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// The name of the `n`th (0-based) Data sheet: `Data`, `Data 2`, `Data 3`, …
fn data_sheet_name(n: usize) -> String {
    if n == 0 {
        "Data".to_owned()
    } else {
        format!("Data {}", n + 1)
    }
}

/// Where series `index` lives: its Data sheet's name and its column there.
fn data_cell(index: usize) -> (String, u16) {
    let col = u16::try_from(index % EXCEL_MAX_COLS).unwrap_or(u16::MAX);
    (data_sheet_name(index / EXCEL_MAX_COLS), col)
}

/// Writes the workbook to `out`: Data (a header of names and one column per series; past
/// Excel's 16,384 columns the series go on in `Data 2`, `Data 3`, …), Chart (a line chart of
/// the first 255 numeric series, its title saying so when there are more), Parameters (name,
/// value) and Info (the result's master data). Every name and text is written as a string
/// cell, never as a formula.
pub fn write_xlsx(
    detail: &ResultDetail,
    columns: &[(String, Column)],
    out: &mut std::fs::File,
) -> Result<(), XlsxExportError> {
    if let Some((name, c)) = columns.iter().find(|(_, c)| c.len() >= EXCEL_MAX_ROWS) {
        return Err(XlsxExportError::TooLong(
            name.clone(),
            c.len(),
            EXCEL_MAX_ROWS - 1,
        ));
    }
    let mut wb = Workbook::new();
    let data_sheets = columns.len().div_ceil(EXCEL_MAX_COLS).max(1);
    for n in 0..data_sheets {
        let part = columns
            .get(n * EXCEL_MAX_COLS..)
            .unwrap_or_default()
            .iter()
            .take(EXCEL_MAX_COLS);
        let rows = part.clone().map(|(_, c)| c.len()).max().unwrap_or(0);
        // Constant memory: each row goes to a temporary file once the next one starts, so
        // rows are written in order.
        let data = wb.add_worksheet_with_constant_memory()?;
        data.set_name(data_sheet_name(n))?;
        for (col, (name, _)) in part.clone().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            data.write_string(0, col, clip(name))?;
        }
        for row in 0..rows {
            let r = u32::try_from(row + 1).unwrap_or(u32::MAX);
            for (col, (_, c)) in part.clone().enumerate() {
                let col = u16::try_from(col).unwrap_or(u16::MAX);
                match c {
                    Column::Numbers(v) => {
                        if let Some(x) = v.get(row) {
                            data.write_number(r, col, *x)?;
                        }
                    }
                    Column::Texts(v) => {
                        if let Some(t) = v.get(row) {
                            data.write_string(r, col, clip(t))?;
                        }
                    }
                }
            }
        }
    }

    let numeric = columns
        .iter()
        .filter(|(_, c)| matches!(c, Column::Numbers(v) if !v.is_empty()))
        .count();
    let mut chart = Chart::new(ChartType::Line);
    let title = if numeric > EXCEL_MAX_CHART_SERIES {
        format!(
            "Result {}: the first {EXCEL_MAX_CHART_SERIES} of {numeric} numeric series",
            detail.id
        )
    } else {
        format!("Result {}", detail.id)
    };
    chart.title().set_name(title.as_str());
    chart.x_axis().set_name("sample");
    let mut plotted = 0;
    for (index, (_, c)) in columns.iter().enumerate() {
        if let Column::Numbers(v) = c
            && !v.is_empty()
            && plotted < EXCEL_MAX_CHART_SERIES
        {
            let (sheet, col) = data_cell(index);
            let last = u32::try_from(v.len()).unwrap_or(u32::MAX);
            // The name is a reference to the header cell, not the name itself: the writer
            // reads a name like `Sheet1!$A$1` as a reference, and the cell holds any text.
            chart
                .add_series()
                .set_name((sheet.as_str(), 0, col))
                .set_values((sheet.as_str(), 1, col, last, col));
            plotted += 1;
        }
    }
    let sheet = wb.add_chartsheet();
    sheet.set_name("Chart")?;
    if plotted > 0 {
        sheet.insert_chart(0, 0, &chart)?;
    }

    let params = wb.add_worksheet();
    params.set_name("Parameters")?;
    params.write_string(0, 0, "Name")?;
    params.write_string(0, 1, "Value")?;
    if let Some(Value::Object(map)) = &detail.parameters {
        for (i, (k, v)) in map.iter().enumerate() {
            let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
            params.write_string(r, 0, clip(k))?;
            match v {
                Value::Number(n) if n.as_f64().is_some() => {
                    params.write_number(r, 1, n.as_f64().unwrap_or_default())?;
                }
                Value::Bool(b) => {
                    params.write_boolean(r, 1, *b)?;
                }
                Value::String(s) => {
                    params.write_string(r, 1, clip(s))?;
                }
                other => {
                    params.write_string(r, 1, clip(&other.to_string()))?;
                }
            }
        }
    }

    let info = wb.add_worksheet();
    info.set_name("Info")?;
    let json_text = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    let facts: Vec<(&str, String)> = vec![
        ("Result", detail.id.to_string()),
        ("Stand", detail.stand.to_string()),
        ("Stand name", detail.stand_name.clone()),
        ("Run", detail.run.map(|r| r.to_string()).unwrap_or_default()),
        (
            "Started by",
            detail.requested_by.clone().unwrap_or_default(),
        ),
        (
            "Started at",
            detail
                .requested_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        ),
        ("Sent by", detail.sent_by.clone()),
        ("Received at", detail.received_at.to_rfc3339()),
        ("Status code", detail.status_code.to_string()),
        ("Protocol version", detail.protocol_version.to_string()),
        ("Commands", json_text(&detail.commands)),
        ("Keep forever", detail.keep.to_string()),
        ("Points", detail.point_count.to_string()),
        ("Series", columns.len().to_string()),
        (
            "Data sheets",
            (0..data_sheets)
                .map(data_sheet_name)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "Chart",
            format!("the first {plotted} of {numeric} numeric series"),
        ),
    ];
    for (i, (k, v)) in facts.iter().enumerate() {
        let r = u32::try_from(i).unwrap_or(u32::MAX);
        info.write_string(r, 0, *k)?;
        info.write_string(r, 1, clip(v))?;
    }
    wb.save_to_writer(&mut *out)?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_past_excels_columns_go_on_in_the_next_data_sheet() {
        assert_eq!(data_cell(0), ("Data".to_owned(), 0));
        assert_eq!(data_cell(16_383), ("Data".to_owned(), 16_383));
        assert_eq!(data_cell(16_384), ("Data 2".to_owned(), 0));
        assert_eq!(data_cell(40_000), ("Data 3".to_owned(), 7_232));
    }
}
