//! The `inbound_receipts` table: one row per QoS 2 message stored and not yet released by
//! the broker's PUBREL, so a redelivery (after a crash before the acknowledgement) is
//! recognised and not stored twice.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::batch::{Part, bind_fields};
use super::inbound::Incoming;
use super::steps::rows_changed;
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

/// An open receipt, from the database (`id`) or made by this batch.
struct Receipt {
    id: Option<i64>,
    connection: i64,
    packet_id: u16,
    hash: [u8; 32],
}

/// Completes the exchanges the broker released (a PUBREL completes the newest exchange with
/// its packet id), then marks each QoS 2 item that is a redelivery of a stored message: the
/// same payload with an open receipt from an earlier connection (brokers may give a
/// redelivery a new packet id), or the same connection and packet id. A redelivery takes the
/// receipt over (its exchange is the one the next PUBREL completes); a new message gets a
/// receipt of its own. Both are read in one round trip; the receipts' changes are returned
/// for the batch's one statement.
pub(crate) async fn release_and_match(
    conn: &mut PgConnection,
    client_id: &str,
    released: &[u16],
    items: &[Incoming],
) -> Result<(Vec<bool>, ReceiptRows), StoreError> {
    let hashes: Vec<Vec<u8>> = items
        .iter()
        .filter(|i| i.qos2.is_some())
        .map(|i| i.payload_hash.to_vec())
        .collect();
    let mut rows = ReceiptRows::default();
    if hashes.is_empty() && released.is_empty() {
        return Ok((vec![false; items.len()], rows));
    }
    let released: Vec<i32> = released.iter().map(|&p| i32::from(p)).collect();
    // The match reads the statement's snapshot, which still holds the released rows.
    let found: Vec<(i64, i64, i32, Vec<u8>)> = sqlx::query_as(
        "WITH released AS (
             DELETE FROM inbound_receipts WHERE id = ANY(ARRAY(
                 SELECT DISTINCT ON (packet_id) id FROM inbound_receipts
                 WHERE client_id = $1 AND packet_id = ANY($2) ORDER BY packet_id, id DESC))
             RETURNING id)
         SELECT id, connection, packet_id, payload_hash FROM inbound_receipts
         WHERE client_id = $1 AND payload_hash = ANY($3)
           AND id NOT IN (SELECT id FROM released)
         ORDER BY id",
    )
    // Planned with the values each time: the table churns (a row per message, deleted at its
    // PUBREL), so its statistics are nearly always stale, and the generic plan filtered every
    // row against every hash (3,882 rows x 500 hashes, 21 ms a batch in a flood). With the
    // arrays as constants the planner sees their size and the filter is a hash lookup.
    .persistent(false)
    .bind(client_id)
    .bind(&released)
    .bind(&hashes)
    .fetch_all(&mut *conn)
    .await
    .query("inbound_receipts.release_and_match")?;
    let mut open: Vec<Receipt> = found
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
                        rows.moved_id.push(id);
                        rows.moved_connection.push(d.connection);
                        rows.moved_packet.push(i32::from(d.packet_id));
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
    rows.client_id = client_id.to_owned();
    for r in open.iter().filter(|r| r.id.is_none()) {
        rows.new_connection.push(r.connection);
        rows.new_packet.push(i32::from(r.packet_id));
        rows.new_hash.push(r.hash.to_vec());
    }
    Ok((duplicate, rows))
}

/// The receipts a batch takes over (redeliveries) and opens (new QoS 2 messages), written by
/// the batch's one statement ([`Part`]).
#[derive(Default)]
pub(crate) struct ReceiptRows {
    client_id: String,
    moved_id: Vec<i64>,
    moved_connection: Vec<i64>,
    moved_packet: Vec<i32>,
    new_connection: Vec<i64>,
    new_packet: Vec<i32>,
    new_hash: Vec<Vec<u8>>,
}

impl Part for ReceiptRows {
    const SQL: &'static [(&'static str, usize)] = &[
        (
            "UPDATE inbound_receipts r SET connection = u.c, packet_id = u.p
             FROM unnest($1::int8[], $2::int8[], $3::int[]) AS u(id, c, p) WHERE r.id = u.id",
            3,
        ),
        (
            "INSERT INTO inbound_receipts (client_id, connection, packet_id, payload_hash)
             SELECT $1, c, p, h FROM unnest($2::int8[], $3::int[], $4::bytea[]) AS u(c, p, h)",
            4,
        ),
    ];

    bind_fields! {
        moved_id, moved_connection, moved_packet,
        client_id, new_connection, new_packet, new_hash
    }
}

/// Deletes QoS 2 receipts stored before `now - RECEIPT_KEEP_DAYS` (left by exchanges that
/// never completed, e.g. a broker that lost its sessions).
pub async fn prune(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM inbound_receipts WHERE stored_at < $1")
        .bind(now - Duration::days(RECEIPT_KEEP_DAYS));
    rows_changed(conn, query, "inbound_receipts.prune").await
}
