//! The downloads of a result, with every point: CSV (streamed in chunks as it is written) and
//! Excel (`.xlsx` with the sheets Data, Chart, Parameters and Info, written in
//! `rust_xlsxwriter`'s constant-memory mode to a temporary file).

use std::io::Write;

use domain::store::results::{ResultDetail, Series};
use rust_xlsxwriter::{Chart, ChartType, Workbook, XlsxError};
use serde_json::Value;

/// Excel's rows per sheet (one is the header).
pub const EXCEL_MAX_ROWS: usize = 1_048_576;
/// Excel's longest text in a cell.
const EXCEL_MAX_TEXT: usize = 32_767;
/// Excel's series per chart.
const EXCEL_MAX_CHART_SERIES: usize = 255;

/// A series ready to write: numbers, or the texts of a non-numeric one.
pub enum Column {
    /// Numeric values.
    Numbers(Vec<f64>),
    /// One text per value (strings as they are, anything else as JSON text).
    Texts(Vec<String>),
}

impl Column {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::Numbers(v) => v.len(),
            Self::Texts(v) => v.len(),
        }
    }

    /// Whether it has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cells of a non-numeric series from its JSON text: an array gives one cell per element,
/// any other value one cell. Strings are shown without quotes, the rest as JSON.
pub fn texts_of(raw: &str) -> Vec<String> {
    let cell = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Array(items)) => items.iter().map(cell).collect(),
        Ok(v) => vec![cell(&v)],
        Err(_) => vec![raw.to_owned()],
    }
}

/// The series of a result as named columns.
pub fn columns(series: Vec<Series>) -> Vec<(String, Column)> {
    series
        .into_iter()
        .map(|s| {
            let column = match (s.values, s.raw) {
                (Some(v), _) => Column::Numbers(v),
                (None, Some(raw)) => Column::Texts(texts_of(&raw)),
                (None, None) => Column::Texts(Vec::new()),
            };
            (s.name, column)
        })
        .collect()
}

/// Bytes of CSV per chunk handed to the response.
const CSV_CHUNK_BYTES: usize = 64 * 1024;

/// Collects what the CSV writer writes and hands it on in chunks; a refused chunk (the client
/// went away) becomes a `BrokenPipe` error that stops the writer.
struct ChunkSink<F: FnMut(Vec<u8>) -> bool> {
    buf: Vec<u8>,
    emit: F,
}

impl<F: FnMut(Vec<u8>) -> bool> ChunkSink<F> {
    fn hand_on(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CSV_CHUNK_BYTES * 2));
        if (self.emit)(chunk) {
            Ok(())
        } else {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }
}

impl<F: FnMut(Vec<u8>) -> bool> Write for ChunkSink<F> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CSV_CHUNK_BYTES {
            self.hand_on()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The shortest text that parses back to exactly `x`: plain decimals for everyday magnitudes,
/// exponent form (`1e-300`) for very small or large ones. Both are Rust's shortest
/// round-trip forms.
pub fn write_number(out: &mut String, x: f64) {
    use std::fmt::Write as _;
    let a = x.abs();
    let _ = if a == 0.0 || (1e-5..1e16).contains(&a) {
        write!(out, "{x}")
    } else {
        write!(out, "{x:e}")
    };
}

/// Writes the CSV (header of names, one row per sample index, empty cells past a series'
/// end) in chunks of about 64 KiB, handing each to `emit`; stops early (without error) when
/// `emit` returns false because the client went away.
pub fn write_csv(
    columns: &[(String, Column)],
    emit: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), csv::Error> {
    let sink = ChunkSink {
        buf: Vec::with_capacity(CSV_CHUNK_BYTES * 2),
        emit,
    };
    let mut w = csv::WriterBuilder::new().from_writer(sink);
    let gone = |e: &csv::Error| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
    let written = (|| -> Result<(), csv::Error> {
        w.write_record(columns.iter().map(|(n, _)| n.as_str()))?;
        let rows = columns.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
        let mut number = String::new();
        for row in 0..rows {
            for (_, c) in columns {
                match c {
                    Column::Numbers(v) => match v.get(row) {
                        Some(x) => {
                            number.clear();
                            write_number(&mut number, *x);
                            w.write_field(&number)?;
                        }
                        None => w.write_field("")?,
                    },
                    Column::Texts(v) => w.write_field(v.get(row).map_or("", String::as_str))?,
                }
            }
            w.write_record(None::<&[u8]>)?;
        }
        w.flush()?;
        Ok(())
    })();
    match written {
        Err(e) if gone(&e) => return Ok(()),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    let mut sink = w
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    match sink.hand_on() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(csv::Error::from),
    }
}

/// Why the workbook could not be made.
#[derive(Debug, thiserror::Error)]
pub enum XlsxExportError {
    /// A series longer than a sheet.
    #[error(
        "series {0:?} has {1} values, more than an Excel sheet holds ({max}); download the CSV",
        max = EXCEL_MAX_ROWS - 1
    )]
    TooLong(String, usize),
    /// The writer failed.
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// The temporary file failed.
    #[error("writing the workbook: {0}")]
    Io(#[from] std::io::Error),
}

fn clip(text: &str) -> &str {
    if text.chars().count() <= EXCEL_MAX_TEXT {
        return text;
    }
    let end = text
        .char_indices()
        .nth(EXCEL_MAX_TEXT)
        .map_or(text.len(), |(i, _)| i);
    &text[..end]
}

fn column_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = u8::try_from((n - 1) % 26).unwrap_or(0);
        name.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    name.iter().rev().collect()
}

/// Writes the workbook to `out`: Data (a header of names and one column per series), Chart
/// (a line chart of the numeric series), Parameters (name, value) and Info (the result's
/// master data).
pub fn write_xlsx(
    detail: &ResultDetail,
    columns: &[(String, Column)],
    out: &mut std::fs::File,
) -> Result<(), XlsxExportError> {
    if let Some((name, c)) = columns.iter().find(|(_, c)| c.len() >= EXCEL_MAX_ROWS) {
        return Err(XlsxExportError::TooLong(name.clone(), c.len()));
    }
    let mut wb = Workbook::new();
    let rows = columns.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    {
        // Constant memory: each row goes to a temporary file once the next one starts, so
        // rows are written in order.
        let data = wb.add_worksheet_with_constant_memory()?;
        data.set_name("Data")?;
        for (col, (name, _)) in columns.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            data.write_string(0, col, clip(name))?;
        }
        for row in 0..rows {
            let r = u32::try_from(row + 1).unwrap_or(u32::MAX);
            for (col, (_, c)) in columns.iter().enumerate() {
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

    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name(&format!("Result {}", detail.id));
    chart.x_axis().set_name("sample");
    let mut plotted = 0;
    for (col, (name, c)) in columns.iter().enumerate() {
        if let Column::Numbers(v) = c
            && !v.is_empty()
            && plotted < EXCEL_MAX_CHART_SERIES
        {
            let letter = column_name(u16::try_from(col).unwrap_or(u16::MAX));
            let last = v.len() + 1;
            chart
                .add_series()
                .set_name(clip(name))
                .set_values(format!("=Data!${letter}$2:${letter}${last}").as_str());
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
        ("Stand", detail.stand.clone()),
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

    fn csv_of(columns: &[(String, Column)]) -> String {
        let mut out = Vec::new();
        write_csv(columns, |c| {
            out.extend(c);
            true
        })
        .expect("csv");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn csv_rows_by_index_with_empty_cells() {
        let cols = vec![
            ("a".to_owned(), Column::Numbers(vec![1.0, 0.1, -3e-300])),
            ("b,\"q\"".to_owned(), Column::Numbers(vec![2.5])),
            (
                "t".to_owned(),
                Column::Texts(vec!["x".into(), "{\"k\":1}".into()]),
            ),
        ];
        assert_eq!(
            csv_of(&cols),
            "a,\"b,\"\"q\"\"\",t\n1,2.5,x\n0.1,,\"{\"\"k\"\":1}\"\n-3e-300,,\n"
        );
        // No series: the csv crate quotes the one empty header field.
        assert_eq!(csv_of(&[]), "\"\"\n");
    }

    #[test]
    fn numbers_round_trip_in_short_form() {
        for x in [
            0.1,
            -0.0,
            1e-300,
            5e-324,
            f64::MAX,
            123_456_789.123_456_79,
            1e16,
            1e-5,
            42.0,
        ] {
            let mut s = String::new();
            write_number(&mut s, x);
            assert!(s.len() <= 24, "{s}");
            assert_eq!(
                s.parse::<f64>().expect("parses").to_bits(),
                x.to_bits(),
                "{s}"
            );
        }
        let mut s = String::new();
        write_number(&mut s, 2.0);
        assert_eq!(s, "2");
    }

    #[test]
    fn csv_comes_in_chunks() {
        let cols = vec![(
            "v".to_owned(),
            Column::Numbers((0..100_000).map(f64::from).collect()),
        )];
        let mut chunks = 0;
        write_csv(&cols, |c| {
            assert!(c.len() < 2 * CSV_CHUNK_BYTES);
            chunks += 1;
            true
        })
        .expect("csv");
        assert!(chunks > 5);
    }

    #[test]
    fn texts_of_non_numeric_series() {
        assert_eq!(
            texts_of(r#"["a", 1, null, {"b": [2]}]"#),
            vec!["a", "1", "null", r#"{"b":[2]}"#]
        );
        assert_eq!(texts_of(r#""raw""#), vec!["raw"]);
        assert_eq!(texts_of("{\"x\": 1}"), vec![r#"{"x":1}"#]);
    }

    #[test]
    fn excel_column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}
