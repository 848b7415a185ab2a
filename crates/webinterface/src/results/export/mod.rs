//! The downloads of a result, with every point: the series as columns ([`columns`]), written
//! as CSV ([`csv`], streamed in chunks as it is written, in our layout or the old stack's, with
//! formula cells neutralised by [`formula`]) or Excel ([`xlsx`], `.xlsx` with the sheets Data,
//! Chart, Parameters and Info, written in constant-memory mode to a temporary file).

pub mod columns;
pub mod csv;
pub mod formula;
pub mod xlsx;

pub use columns::{Column, columns, texts_of};
pub use csv::{CLASSIC_HEADER, classic_head, write_csv, write_csv_after, write_number};
pub use xlsx::{EXCEL_MAX_ROWS, XlsxExportError, write_xlsx};
