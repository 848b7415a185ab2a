//! The `inbound_receipts` table: one row per QoS 2 message stored and not yet released by
//! the broker's PUBREL, so a redelivery (after a crash before the acknowledgement) is
//! recognised and not stored twice.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::ingest::Incoming;
use super::{QueryContext, StoreError};

/// How long an unfinished QoS 2 receipt is kept: a receipt is deleted when the broker's PUBREL
/// completes the exchange, so one this old belongs to a session the broker has long dropped.
pub const RECEIPT_KEEP_DAYS: i64 = 7;

/// Forgets every receipt of `client_id`: the broker started a new session and will redeliver
/// nothing from before.
pub(crate) async fn forget_session(
    conn: &mut PgConnection,
    client_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM inbound_receipts WHERE client_id = $1")
        .bind(client_id)
        .execute(conn)
        .await
        .query("inbound_receipts.forget_session")?;
    Ok(())
}

/// Completes the exchanges the broker released: a PUBREL completes the newest exchange with
/// its packet id.
pub(crate) async fn release(
    conn: &mut PgConnection,
    client_id: &str,
    released: &[u16],
) -> Result<(), StoreError> {
    if released.is_empty() {
        return Ok(());
    }
    let ids: Vec<i32> = released.iter().map(|&p| i32::from(p)).collect();
    sqlx::query(
        "DELETE FROM inbound_receipts r USING (
             SELECT DISTINCT ON (packet_id) id FROM inbound_receipts
             WHERE client_id = $1 AND packet_id = ANY($2) ORDER BY packet_id, id DESC) x
         WHERE r.id = x.id",
    )
    .bind(client_id)
    .bind(&ids)
    .execute(conn)
    .await
    .query("inbound_receipts.release")?;
    Ok(())
}

/// An open receipt, from the database (`id`) or made by this batch.
struct Receipt {
    id: Option<i64>,
    connection: i64,
    packet_id: u16,
    hash: [u8; 32],
}

/// Marks each QoS 2 item that is a redelivery of a stored message: the same payload with an
/// open receipt from an earlier connection (brokers may give a redelivery a new packet id), or
/// the same connection and packet id. A redelivery takes the receipt over (its exchange is the
/// one the next PUBREL completes); a new message gets a receipt of its own.
pub(crate) async fn match_redeliveries(
    conn: &mut PgConnection,
    client_id: &str,
    items: &[Incoming],
) -> Result<Vec<bool>, StoreError> {
    let hashes: Vec<Vec<u8>> = items
        .iter()
        .filter(|i| i.qos2.is_some())
        .map(|i| i.payload_hash.to_vec())
        .collect();
    if hashes.is_empty() {
        return Ok(vec![false; items.len()]);
    }
    let rows: Vec<(i64, i64, i32, Vec<u8>)> = sqlx::query_as(
        "SELECT id, connection, packet_id, payload_hash FROM inbound_receipts
         WHERE client_id = $1 AND payload_hash = ANY($2) ORDER BY id",
    )
    .bind(client_id)
    .bind(&hashes)
    .fetch_all(&mut *conn)
    .await
    .query("inbound_receipts.match")?;
    let mut open: Vec<Receipt> = rows
        .into_iter()
        .filter_map(|(id, connection, packet_id, hash)| {
            Some(Receipt {
                id: Some(id),
                connection,
                packet_id: u16::try_from(packet_id).ok()?,
                hash: hash.try_into().ok()?,
            })
        })
        .collect();
    let mut moved: Vec<(i64, i64, i32)> = Vec::new();
    let duplicate = items
        .iter()
        .map(|item| {
            let Some(d) = item.qos2 else { return false };
            let found = open.iter_mut().find(|r| {
                r.hash == item.payload_hash
                    && (r.connection != d.connection || r.packet_id == d.packet_id)
            });
            match found {
                Some(r) => {
                    r.connection = d.connection;
                    r.packet_id = d.packet_id;
                    if let Some(id) = r.id {
                        moved.push((id, d.connection, i32::from(d.packet_id)));
                    }
                    true
                }
                None => {
                    open.push(Receipt {
                        id: None,
                        connection: d.connection,
                        packet_id: d.packet_id,
                        hash: item.payload_hash,
                    });
                    false
                }
            }
        })
        .collect();
    if !moved.is_empty() {
        let ids: Vec<i64> = moved.iter().map(|m| m.0).collect();
        let conns: Vec<i64> = moved.iter().map(|m| m.1).collect();
        let pkids: Vec<i32> = moved.iter().map(|m| m.2).collect();
        sqlx::query(
            "UPDATE inbound_receipts r SET connection = u.c, packet_id = u.p
             FROM unnest($1::int8[], $2::int8[], $3::int[]) AS u(id, c, p) WHERE r.id = u.id",
        )
        .bind(&ids)
        .bind(&conns)
        .bind(&pkids)
        .execute(&mut *conn)
        .await
        .query("inbound_receipts.take_over")?;
    }
    let new: Vec<&Receipt> = open.iter().filter(|r| r.id.is_none()).collect();
    if !new.is_empty() {
        let conns: Vec<i64> = new.iter().map(|r| r.connection).collect();
        let pkids: Vec<i32> = new.iter().map(|r| i32::from(r.packet_id)).collect();
        let hashes: Vec<Vec<u8>> = new.iter().map(|r| r.hash.to_vec()).collect();
        sqlx::query(
            "INSERT INTO inbound_receipts (client_id, connection, packet_id, payload_hash)
             SELECT $1, c, p, h FROM unnest($2::int8[], $3::int[], $4::bytea[]) AS u(c, p, h)",
        )
        .bind(client_id)
        .bind(&conns)
        .bind(&pkids)
        .bind(&hashes)
        .execute(&mut *conn)
        .await
        .query("inbound_receipts.insert")?;
    }
    Ok(duplicate)
}

/// Deletes QoS 2 receipts stored before `now - RECEIPT_KEEP_DAYS` (left by exchanges that
/// never completed, e.g. a broker that lost its sessions).
pub async fn prune(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM inbound_receipts WHERE stored_at < $1")
        .bind(now - Duration::days(RECEIPT_KEEP_DAYS))
        .execute(conn)
        .await
        .query("inbound_receipts.prune")?;
    Ok(done.rows_affected())
}
