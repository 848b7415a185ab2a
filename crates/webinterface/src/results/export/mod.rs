//! The downloads of a result, with every point: the series as columns ([`columns`]), written
//! as CSV ([`csv`], streamed in chunks as it is written; [`classic`], the old stack's layout
//! byte for byte; both with formula cells neutralised by [`formula`]) or Excel ([`xlsx`], `.xlsx` with the sheets Data,
//! Chart, Parameters and Info, written in constant-memory mode to a temporary file;
//! [`classic_xlsx`], the old stack's workbook: Data, chart, Parameters).

pub mod classic;
pub mod classic_xlsx;
pub mod columns;
pub mod csv;
pub mod formula;
pub mod xlsx;

pub use classic::write_classic;
pub use classic_xlsx::write_classic_xlsx;
pub use columns::{Column, columns, texts_of};
pub use csv::{CLASSIC_HEADER, write_csv, write_number};
pub use xlsx::{EXCEL_MAX_ROWS, XlsxExportError, write_xlsx};
