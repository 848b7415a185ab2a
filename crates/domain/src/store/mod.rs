//! The one place that speaks SQL: connection, migrations, and queries returning domain types,
//! one module per table or aggregate it owns.
//!
//! Queries are plain `sqlx::query`/`query_as` (no compile-time checked macros, so building
//! needs no database); every query is exercised by the integration tests in `tests/`. Every
//! function fails with [`StoreError`], which names the query (`table.operation`).
//!
//! | module | owns |
//! |---|---|
//! | [`database`] | connecting, the start-up policy, migrations, readiness, `CREATE DATABASE` |
//! | [`stands`] | `stands`: listing, derived state, admin edits, offline marking |
//! | [`cameras`] | `stands.camera_url`, shared by the relay and the web admin |
//! | [`status_history`] | `status_history`: a stand's codes over time, pruning |
//! | [`runs`] | `runs`: test runs started by users, their lifecycle, time-outs |
//! | [`templates`] | `test_templates`: a stand's test templates, their versions, a run's template |
//! | [`cancel`] | `runs` cancelled by an operator, and the cancelled run a late result joins |
//! | [`outbound`] | `outbound_commands`: command messages published for runs |
//! | [`raw_messages`] | `raw_messages`: messages admins sent to stands with the raw message tool |
//! | [`results`] | `results` and `result_series`: stored data, retention |
//! | [`series`] | `result_series` read back: a result's series, values as raw doubles |
//! | [`quarantine`] | `quarantine`: rejected messages, pruning |
//! | [`receipts`] | `inbound_receipts`: QoS 2 exchanges, so a redelivery is stored once |
//! | [`ingest`] | one inbound batch in one transaction, across the tables above |
//! | `batch` | the tables' shares of an inbound batch joined into one statement |
//! | `columns` | stand ids, run states and job outcomes decoded from their columns |
//! | `steps` | query steps the modules share: rows changed, a stand's newest rows, a page and its total |
//! | [`metrics`] | counts over several tables for `/metrics` |
//! | [`users`], [`sessions`], [`tokens`], [`login_attempts`] | the web interface's accounts |
//! | [`mqtt_accounts`] | `stand_mqtt_accounts`: the stands' own accounts on the launcher's broker |
//! | [`imports`] | `django_imports`: rows taken over from the old stack's database |
//! | [`job_runs`] | `job_runs`: the record of scheduler job executions |
//! | [`listener`] | `LISTEN` for the notifications the writers send |
//! | [`scheduler_lock`] | the advisory lock only the acting scheduler holds |
//! | [`replica_slots`] | the numbered slots the message handlers on a shared subscription name their sessions after |

mod batch;
pub mod cameras;
pub mod cancel;
mod columns;
pub mod database;
mod error;
pub mod imports;
pub mod inbound;
pub mod ingest;
pub mod job_runs;
pub mod listener;
pub mod login_attempts;
pub mod metrics;
pub mod mqtt_accounts;
pub mod outbound;
pub mod quarantine;
pub mod raw_messages;
pub mod receipts;
pub mod replica_slots;
pub mod result_list;
pub mod results;
pub mod runs;
pub mod scheduler_lock;
pub mod series;
pub mod sessions;
pub mod stands;
pub mod status_history;
mod steps;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod verdicts;

pub use database::{
    Cancellable, MIGRATOR, STARTUP_WAIT, acquire, begin, bounded, commit, connect,
    connect_at_startup, connect_lazy, migrate, ping,
};
pub(crate) use error::QueryContext;
pub use error::StoreError;

use sqlx::PgConnection;

use crate::notification::Notification;

/// Sends `notes` on [`crate::notification::CHANNEL`] (delivered when the transaction
/// commits).
pub(crate) async fn notify(
    conn: &mut PgConnection,
    notes: impl IntoIterator<Item = Notification>,
) -> Result<(), StoreError> {
    let payloads: Vec<String> = notes.into_iter().map(|n| n.encode()).collect();
    if payloads.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n")
        .bind(crate::notification::CHANNEL)
        .bind(&payloads)
        .execute(conn)
        .await
        .query("pg_notify")?;
    Ok(())
}
