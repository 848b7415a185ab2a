//! The downloads of a result, with every point: the series as columns ([`columns`]), written
//! as CSV ([`csv`], streamed in chunks as it is written; [`classic`], the old stack's layout
//! byte for byte; both with formula cells neutralised by [`formula`]) or Excel ([`xlsx`], `.xlsx` with the sheets Data,
//! Chart, Parameters and Info, written in constant-memory mode to a temporary file).

pub mod classic;
pub mod columns;
pub mod csv;
pub mod formula;
pub mod xlsx;

pub use classic::write_classic;
pub use columns::{Column, columns, texts_of};
pub use csv::{CLASSIC_HEADER, write_csv, write_number};
pub use xlsx::{EXCEL_MAX_ROWS, XlsxExportError, write_xlsx};
