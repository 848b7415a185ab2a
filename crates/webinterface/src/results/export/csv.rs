//! CSV with every point in our layout (a header of series names, then the points), streamed
//! in chunks as it is written. The old stack's "classic" layout is [`super::classic`].

use std::io::Write;

use super::columns::Column;
use super::formula::neutralise;

/// The first header row of the classic layout, as the old stack wrote it (test date, sent
/// by, command list; see [`super::classic`]).
pub const CLASSIC_HEADER: [&str; 3] = ["Testdato", "Oprettet af", "Kommandoliste"];

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
/// end; text cells a spreadsheet would run as a formula neutralised, see [`neutralise`],
/// numbers as they are) in chunks of about 64 KiB, handing each to `emit`; stops early
/// (without error) when `emit` returns false because the client went away.
pub fn write_csv(
    columns: &[(String, Column)],
    emit: impl FnMut(Vec<u8>) -> bool,
) -> Result<(), csv::Error> {
    let sink = ChunkSink {
        buf: Vec::with_capacity(CSV_CHUNK_BYTES * 2),
        emit,
    };
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(sink);
    let gone = |e: &csv::Error| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
    let written = (|| -> Result<(), csv::Error> {
        for (name, _) in columns {
            w.write_field(neutralise(name).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
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
                    Column::Texts(v) => {
                        w.write_field(
                            neutralise(v.get(row).map_or("", String::as_str)).as_bytes(),
                        )?;
                    }
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
}
