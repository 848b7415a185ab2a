//! Replica slots of the message handlers on a shared subscription: each running handler holds
//! one numbered slot (a session-level advisory lock) and names its MQTT session after it, so a
//! replica that is restarted or recreated (a new container, a new host name) takes up the
//! session of the one it replaces, with the messages the broker kept for it.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use super::{QueryContext, StoreError};

/// The first key of the slots' advisory locks (ASCII "SHRS"); the slot is the second. Advisory
/// locks are per database, so handlers of different databases never compete.
pub const REPLICA_LOCK_CLASS: i32 = 0x5348_5253;

/// Opens a connection of its own (not from the pool: the slot lasts exactly as long as this
/// connection) to the pool's database.
pub async fn connect(pool: &PgPool) -> Result<PgConnection, StoreError> {
    let options: PgConnectOptions = (*pool.connect_options())
        .clone()
        .application_name("messagehandler replica slot")
        .disable_statement_logging();
    PgConnection::connect_with(&options)
        .await
        .query("replica_slots.connect")
}

/// Takes the lowest free slot below `max` on this connection; `None` when all are taken. The
/// slot is held until the connection closes (a killed handler's closes with it).
pub async fn take(conn: &mut PgConnection, max: u16) -> Result<Option<u16>, StoreError> {
    for slot in 0..max {
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(REPLICA_LOCK_CLASS)
            .bind(i32::from(slot))
            .fetch_one(&mut *conn)
            .await
            .query("replica_slots.take")?;
        if taken {
            return Ok(Some(slot));
        }
    }
    Ok(None)
}

/// Whether the connection still answers (and so still holds its slot).
pub async fn ping(conn: &mut PgConnection) -> Result<(), StoreError> {
    conn.ping().await.query("replica_slots.ping")
}
