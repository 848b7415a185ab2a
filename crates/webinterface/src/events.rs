//! Live updates: one `LISTEN` on the store's channel, fanned out to every open page as
//! server-sent events through a broadcast channel.
//!
//! Each notification is turned into its event once, here — queried, rendered with the same
//! askama partials as the pages (`stands::parts`) and serialised — and the finished string is
//! shared by every open page: a hundred open dashboards cost one query and one rendering, not a
//! hundred. The pages' script only puts the rendered HTML in place; it formats nothing.
//!
//! The events (`data` is JSON):
//! - `hello` (`{}`): the stream is open. A page that sees a second one has reconnected and
//!   may have missed updates, so it resyncs.
//! - `stand`: a stand's stored fields, state or run changed (also after a run or result
//!   notification). The stand's JSON as in `GET /api/stands` (for scripts), plus `row` (its
//!   `stand_row.html`: the dashboard and the stand page swap it in), `start_hint` (the stand
//!   page's `stand_start_hint.html`) and `history` (the stand page's status history,
//!   `stand_history.html`), so the stand page needs no second request.
//! - `result` (`{"id","stand","results"}`, `results` the stand's `stand_results.html`): a
//!   result was stored. The stand page swaps in its recent results; the results list shows
//!   "new results have arrived" (when its stand filter matches) with a link that reloads it,
//!   since a new row may not belong on the filtered, paged list.
//! - `quarantine` (`{"id"}`): a message was rejected. The quarantine page shows "more messages
//!   have been rejected" with a link that reloads it.
//! - `resync` (`{}`): updates may have been missed (this client fell behind, or the database
//!   listener reconnected). The dashboard and stand page fetch themselves again and swap in
//!   their live parts (`data-live-part`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::store::listener::{NotificationListener, Received};
use domain::store::{StoreError, results, stands, status_history};
use domain::{Notification, StandId};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

pub use crate::state::LiveEvent;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::i18n::{Lang, Tr};
use crate::msg;
use crate::routes::{Routes, VIEWER};
use crate::stands::StandJson;
use crate::stands::parts::{HISTORY_ROWS, RECENT_RESULTS, StandRow, history_html, results_html};
use crate::state::AppState;

/// `GET /events` (errors as JSON: it is read by scripts, not shown).
pub fn api() -> Routes {
    Routes::api().get("/events", VIEWER, stream)
}

/// A live stream, while its user holds fewer than `WEB_MAX_STREAMS_PER_USER` (each open page
/// holds one; a token holding a thousand would keep a thousand connections however short the
/// write time-out, since the keep-alive comments always get written). More answer 429.
async fn stream(
    State(state): State<AppState>,
    Viewer(a): Viewer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let Some(slot) = state.streams().take(a.user.id) else {
        return Err(Error::TooMany(msg!(
            "live-too-many-streams",
            max = state.streams().max()
        )));
    };
    let lang = a.t.lang();
    let events = BroadcastStream::new(state.events().subscribe()).map(move |item| {
        // Held as long as the stream is.
        let _slot = &slot;
        Ok(match item {
            Ok(e) => Event::default().event(e.kind).data(e.data_for(lang)),
            // This client fell behind: tell it to re-read everything.
            Err(_) => Event::default().event("resync").data("{}"),
        })
    });
    let hello = tokio_stream::once(Ok(Event::default().event("hello").data("{}")));
    let token = state.shutdown_token().clone();
    Ok(Sse::new(
        hello
            .chain(events)
            .take_until(async move { token.cancelled().await }),
    )
    .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Listens for notifications until the server shuts down, reconnecting after database
/// outages (and telling pages to resync, since notifications were missed meanwhile).
pub async fn fan_out(state: AppState) {
    let token = state.shutdown_token().clone();
    loop {
        let listened = tokio::select! {
            () = token.cancelled() => return,
            r = listen(&state) => r,
        };
        if let Err(e) = listened {
            tracing::warn!(error = %e, "live updates: database listener failed; retrying");
        }
        send(&state, "resync", same("{}".into()));
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn listen(state: &AppState) -> Result<(), StoreError> {
    let mut listener = NotificationListener::connect(state.pool()).await?;
    tracing::debug!("live updates: listening");
    loop {
        let note = match listener.recv().await? {
            Received::Notification(note) => note,
            // The connection was lost (and will be re-established): resync the pages.
            Received::Lost => {
                send(state, "resync", same("{}".into()));
                continue;
            }
            Received::Unknown(payload) => {
                tracing::debug!(payload, "live updates: ignoring unknown notification");
                continue;
            }
        };
        // Nobody is watching: no queries, no rendering.
        if state.events().receiver_count() == 0 {
            continue;
        }
        match &note {
            Notification::Quarantine { id } => {
                send(
                    state,
                    "quarantine",
                    same(serde_json::json!({ "id": id }).to_string()),
                );
            }
            Notification::Result { id, stand } => {
                if let Some(data) = result_event(state, *id, stand).await? {
                    send(state, "result", data);
                }
            }
            Notification::Stand { .. }
            | Notification::Run { .. }
            | Notification::Verdict { .. } => {}
        }
        if let Some(id) = note.stand()
            && let Some(data) = stand_event(state, id).await?
        {
            send(state, "stand", data);
        }
    }
}

/// Data that says nothing in words: the same for every language.
fn same(data: String) -> Vec<(Lang, String)> {
    vec![(Lang::En, data)]
}

fn send(state: &AppState, kind: &'static str, data: Vec<(Lang, String)>) {
    // No receivers is not an error: nobody has a page open.
    let _ = state.events().send(LiveEvent {
        kind,
        data: Arc::from(data),
    });
}

/// `render` in each language of the live updates (`None` if any fails: logged by `render`).
fn per_language(
    state: &AppState,
    mut render: impl FnMut(Tr) -> Option<String>,
) -> Option<Vec<(Lang, String)>> {
    state
        .languages()
        .iter()
        .map(|&lang| render(state.tr(lang)).map(|data| (lang, data)))
        .collect()
}

/// The `stand` event's data.
#[derive(serde::Serialize)]
struct StandEvent {
    #[serde(flatten)]
    stand: StandJson,
    row: String,
    start_hint: String,
    history: String,
}

/// The `stand` event of a stand in each language, or `None` when it is gone (or, impossibly,
/// its partials do not render: logged).
async fn stand_event(
    state: &AppState,
    id: &StandId,
) -> Result<Option<Vec<(Lang, String)>>, StoreError> {
    let Some(view) = stands::get(state.pool(), id, state.offline_after()).await? else {
        return Ok(None);
    };
    let entries = status_history::list(state.pool(), id, HISTORY_ROWS).await?;
    Ok(per_language(state, |t| {
        let shown = StandRow::new(&view, t);
        let rendered = shown
            .row_html()
            .and_then(|row| Ok((row, shown.start_hint_html()?, history_html(&entries, t)?)));
        let (row, start_hint, history) = match rendered {
            Ok(parts) => parts,
            Err(e) => {
                tracing::error!(error = %e, stand = %id, "live updates: a stand part did not render");
                return None;
            }
        };
        let event = StandEvent {
            stand: StandJson::from(view.clone()),
            row,
            start_hint,
            history,
        };
        // Strings, numbers and times: serialising cannot fail.
        serde_json::to_string(&event).ok()
    }))
}

/// The `result` event of a new result in each language: its id and stand, and the stand's
/// recent results.
async fn result_event(
    state: &AppState,
    id: i64,
    stand: &StandId,
) -> Result<Option<Vec<(Lang, String)>>, StoreError> {
    let recent = results::recent(state.pool(), stand, RECENT_RESULTS).await?;
    Ok(per_language(state, |t| match results_html(&recent, t) {
        Ok(html) => Some(
            serde_json::json!({ "id": id, "stand": stand.as_str(), "results": html }).to_string(),
        ),
        Err(e) => {
            tracing::error!(error = %e, %stand, "live updates: the recent results did not render");
            None
        }
    }))
}
