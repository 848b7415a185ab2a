//! The downloads of a result with every point: CSV streamed as it is written, `.xlsx` built
//! in a temporary file (with a chart) and then streamed.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::store::{Cancellable, series};

use super::export;
use super::load::{DOWNLOADS, DOWNLOADS_AT_ONCE, find, permit};
use crate::error::{Context, Error, Result};
use crate::i18n::Msg;
use crate::msg;
use crate::state::AppState;

/// The layout of a CSV or xlsx download (`?layout=`; any other value is refused).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportLayout {
    /// Ours (the default): a header of series names, then the points; the xlsx with the
    /// sheets Data, Chart, Parameters and Info.
    #[default]
    Columns,
    /// The old stack's: the CSV with date, sender and commands, parameter names and values,
    /// then the series ([`export::classic`]: byte for byte as the old stack wrote it); the
    /// xlsx with the sheets Data, chart and Parameters ([`export::classic_xlsx`]).
    Classic,
}

/// Every series of the result with its values; the read is cancelled in PostgreSQL when
/// the client leaves first.
async fn every_series(state: &AppState, id: i64) -> Result<Vec<series::Series>> {
    let mut db = Cancellable::acquire(state.pool()).await?;
    let all = series::series_on(db.conn(), id, true).await?;
    db.finish();
    Ok(all)
}

/// The result's `dataObj` as stored (the text as received), which the old stack's exports read.
async fn stored_data(state: &AppState, id: i64) -> Result<String> {
    domain::store::results::data_text(state.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(msg!("result-not-found", id = id)))
}

/// `/results/{id}.csv` (`?layout=classic` for the old stack's layout).
pub async fn csv_download(state: &AppState, id: i64, layout: ExportLayout) -> Result<Response> {
    let detail = find(state, id).await?;
    let permit = permit(&DOWNLOADS, DOWNLOADS_AT_ONCE).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<axum::body::Bytes>>(4);
    let broken = tx.clone();
    let send = move |chunk: Vec<u8>| tx.blocking_send(Ok(axum::body::Bytes::from(chunk))).is_ok();
    // A failure ends the body with an error, so the client sees a broken download.
    let failed = move |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, result = id, "CSV export failed");
        let _ = broken.blocking_send(Err(std::io::Error::other(e.to_string())));
    };
    match layout {
        ExportLayout::Columns => {
            let columns =
                with_verdict(state, id, export::columns(every_series(state, id).await?)).await?;
            tokio::task::spawn_blocking(move || {
                // Held until the last chunk is handed over (or the client leaves).
                let _permit = permit;
                if let Err(e) = export::write_csv(&columns, send) {
                    failed(&e);
                }
            });
        }
        ExportLayout::Classic => {
            let data = stored_data(state, id).await?;
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                if let Err(e) = export::write_classic(&detail, &data, send) {
                    failed(&e);
                }
            });
        }
    }
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"result-{id}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Writes a workbook to a file.
type WriteXlsx =
    Box<dyn FnOnce(&mut std::fs::File) -> Result<(), export::XlsxExportError> + Send + 'static>;

/// Today's layout's columns: the series, then the verdict's (none without one).
async fn with_verdict(
    state: &AppState,
    id: i64,
    mut columns: Vec<(String, export::Column)>,
) -> Result<Vec<(String, export::Column)>> {
    let verdict = super::verdict::of(state.pool(), id).await?;
    columns.extend(super::verdict::columns(&verdict));
    Ok(columns)
}

/// `/results/{id}.xlsx` (`?layout=classic` for the old stack's layout).
pub async fn xlsx_download(state: &AppState, id: i64, layout: ExportLayout) -> Result<Response> {
    let detail = find(state, id).await?;
    let permit = permit(&DOWNLOADS, DOWNLOADS_AT_ONCE).await?;
    let write: WriteXlsx = match layout {
        ExportLayout::Columns => {
            let columns =
                with_verdict(state, id, export::columns(every_series(state, id).await?)).await?;
            Box::new(move |f| export::write_xlsx(&detail, &columns, f))
        }
        ExportLayout::Classic => {
            let data = stored_data(state, id).await?;
            Box::new(move |f| export::write_classic_xlsx(&detail, &data, f))
        }
    };
    let file = tokio::task::spawn_blocking(move || -> Result<std::fs::File> {
        let _permit = permit;
        let mut tmp = tempfile::tempfile().context("creating a temporary file for the xlsx")?;
        write(&mut tmp).map_err(|e| match e {
            export::XlsxExportError::TooLong(..) | export::XlsxExportError::TooWide(..) => {
                Error::BadRequest(xlsx_refused(&e))
            }
            other => Error::internal("writing the xlsx", other),
        })?;
        use std::io::Seek;
        tmp.rewind().context("rewinding the xlsx file")?;
        Ok(tmp)
    })
    .await
    .context("the xlsx task")??;
    let len = file.metadata().map(|m| m.len()).ok();
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"result-{id}.xlsx\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response();
    if let Some(len) = len {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    }
    Ok(response)
}

/// Why an xlsx cannot be made of a result (a series or a row too long for a sheet).
fn xlsx_refused(e: &export::XlsxExportError) -> Msg {
    match e {
        export::XlsxExportError::TooLong(name, values, max) => msg!(
            "result-xlsx-too-long",
            name = name,
            count = *values,
            max = *max
        ),
        export::XlsxExportError::TooWide(what, count) => {
            let key = if *what == "parameters" {
                "result-xlsx-too-many-parameters"
            } else {
                "result-xlsx-too-many-series"
            };
            Msg::new(key)
                .arg("count", *count)
                .arg("max", export::xlsx::EXCEL_MAX_COLS)
        }
        _ => msg!("error-internal"),
    }
}
