//! Live updates: one `LISTEN` on the store's channel, fanned out to every open page as
//! server-sent events through a broadcast channel.
//!
//! A stand or run notification is turned into the stand's current API view once, here, so a
//! hundred open dashboards cost one query, not a hundred. Events: `stand` (the stand's JSON as
//! in `GET /api/stands`), `result` and `quarantine` (the notification as sent), and `resync`
//! (updates may have been missed: the page re-reads `/api/stands`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use domain::Notification;
use domain::store::listener::{NotificationListener, Received};
use domain::store::{StoreError, stands};
use futures::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

pub use crate::state::LiveEvent;

use crate::auth::Viewer;
use crate::routes::{Routes, VIEWER};
use crate::stands::StandJson;
use crate::state::AppState;

/// `GET /events` (errors as JSON: it is read by scripts, not shown).
pub fn api() -> Routes {
    Routes::api().get("/events", VIEWER, stream)
}

async fn stream(
    State(state): State<AppState>,
    _user: Viewer,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let events = BroadcastStream::new(state.events().subscribe()).map(|item| {
        Ok(match item {
            Ok(e) => Event::default().event(e.kind).data(e.data),
            // This client fell behind: tell it to re-read everything.
            Err(_) => Event::default().event("resync").data("{}"),
        })
    });
    let hello = tokio_stream::once(Ok(Event::default().event("hello").data("{}")));
    let token = state.shutdown_token().clone();
    Sse::new(
        hello
            .chain(events)
            .take_until(async move { token.cancelled().await }),
    )
    .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
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
        let _ = state.events().send(LiveEvent {
            kind: "resync",
            data: "{}".into(),
        });
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
                let _ = state.events().send(LiveEvent {
                    kind: "resync",
                    data: "{}".into(),
                });
                continue;
            }
            Received::Unknown(payload) => {
                tracing::debug!(payload, "live updates: ignoring unknown notification");
                continue;
            }
        };
        let kind = match note {
            Notification::Result { .. } => Some("result"),
            Notification::Quarantine { .. } => Some("quarantine"),
            Notification::Stand { .. } | Notification::Run { .. } => None,
        };
        if let Some(kind) = kind {
            let _ = state.events().send(LiveEvent {
                kind,
                data: note.encode(),
            });
        }
        if let Some(id) = note.stand()
            && state.events().receiver_count() > 0
            && let Some(view) = stands::get(state.pool(), id, state.offline_after()).await?
        {
            let data = serde_json::to_string(&StandJson::from(view)).unwrap_or_default();
            let _ = state.events().send(LiveEvent {
                kind: "stand",
                data,
            });
        }
    }
}
