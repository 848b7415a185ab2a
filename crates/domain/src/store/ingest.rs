//! Writing a batch of inbound messages in one transaction.
//!
//! The handler hands over messages in the order they arrived; this module puts each in
//! exactly one place (status history, results, or the quarantine), moves runs along, updates
//! the stands, records QoS 2 receipts so a redelivery is not stored twice, and notifies
//! listeners — all in one commit, or nothing at all.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use crate::protocol::{DataMessage, Inbound, Message, Rejection};
use crate::status::{Effect, StatusCode};
use crate::store::NOTIFY_CHANNEL;

/// One inbound message as the handler received it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The QoS 2 delivery (used to recognise a redelivery); `None` for QoS 0/1.
    pub qos2: Option<Delivery>,
    /// The topic it came on.
    pub topic: String,
    /// The payload as received (kept for the quarantine).
    pub payload: bytes::Bytes,
    /// SHA-256 of the payload.
    pub payload_hash: [u8; 32],
    /// When the handler received it.
    pub received_at: DateTime<Utc>,
    /// What parsing made of it.
    pub verdict: Result<Inbound, Quarantined>,
}

/// Which connection and packet id a QoS 2 message came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// A number unique to the broker connection (a new one on every connect).
    pub connection: i64,
    /// The MQTT packet id.
    pub packet_id: u16,
}

/// A rejected message on its way to the quarantine.
#[derive(Debug, Clone)]
pub struct Quarantined {
    /// Why.
    pub reason: Rejection,
    /// Whether its bytes are kept (not when they were above the size limit).
    pub keep_bytes: bool,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Status history rows added.
    pub statuses: usize,
    /// Results stored.
    pub results: usize,
    /// Messages put in the quarantine.
    pub quarantined: usize,
    /// Redeliveries of messages already stored (acknowledged, not stored again).
    pub duplicates: usize,
}

impl std::ops::AddAssign for BatchReport {
    fn add_assign(&mut self, other: Self) {
        self.statuses += other.statuses;
        self.results += other.results;
        self.quarantined += other.quarantined;
        self.duplicates += other.duplicates;
    }
}

/// How the batch is written.
#[derive(Debug, Clone)]
pub struct BatchOptions<'a> {
    /// The handler's MQTT client id (receipts are per client).
    pub client_id: &'a str,
    /// Register unknown stands on their first message.
    pub auto_register: bool,
    /// The broker started a new session (it will redeliver nothing): forget all receipts.
    pub session_lost: bool,
}

/// The latest of everything a batch says about one stand.
#[derive(Default)]
struct StandUpdate {
    status_code: Option<i16>,
    effective_code: Option<i16>,
    power_code: Option<i16>,
    last_seen: Option<DateTime<Utc>>,
    offline: bool,
    legacy: bool,
    outbound_topic: Option<String>,
}

/// A run in progress, as the batch moves it along.
struct ActiveRun {
    id: i64,
    state: String,
    keep: bool,
    changed: bool,
    error: Option<String>,
    started: Option<DateTime<Utc>>,
    finished: Option<DateTime<Utc>>,
}

/// Writes `items` (in arrival order) and marks the QoS 2 exchanges in `released` complete.
pub async fn write_batch(
    pool: &PgPool,
    opts: &BatchOptions<'_>,
    items: &[Incoming],
    released: &[u16],
) -> Result<BatchReport, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut report = BatchReport::default();

    if opts.session_lost {
        sqlx::query("DELETE FROM inbound_receipts WHERE client_id = $1")
            .bind(opts.client_id)
            .execute(&mut *tx)
            .await?;
    }
    if !released.is_empty() {
        // A PUBREL completes the newest exchange with its packet id.
        let ids: Vec<i32> = released.iter().map(|&p| i32::from(p)).collect();
        sqlx::query(
            "DELETE FROM inbound_receipts r USING (
                 SELECT DISTINCT ON (packet_id) id FROM inbound_receipts
                 WHERE client_id = $1 AND packet_id = ANY($2) ORDER BY packet_id, id DESC) x
             WHERE r.id = x.id",
        )
        .bind(opts.client_id)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    }

    let duplicate = match_receipts(&mut tx, opts.client_id, items).await?;
    report.duplicates = duplicate.iter().filter(|d| **d).count();

    let fresh = || {
        items
            .iter()
            .zip(&duplicate)
            .filter(|(_, d)| !**d)
            .map(|(i, _)| i)
    };
    let known = register_stands(&mut tx, opts.auto_register, fresh()).await?;
    let mut runs = lock_active_runs(&mut tx, &known).await?;

    let mut stands: HashMap<&str, StandUpdate> = HashMap::new();
    let mut statuses = StatusRows::default();
    let mut quarantine = QuarantineRows::default();
    let mut notes: Vec<String> = Vec::new();

    for item in fresh() {
        let inbound = match &item.verdict {
            Err(q) => {
                quarantine.push(item, &q.reason, q.keep_bytes);
                continue;
            }
            Ok(inbound) if !known.contains(inbound.stand.as_str()) => {
                let reason = Rejection::UnknownStand(inbound.stand.to_string());
                quarantine.push(item, &reason, true);
                continue;
            }
            Ok(inbound) => inbound,
        };
        let stand = inbound.stand.as_str();
        let code = inbound.message.code();
        let update = stands.entry(stand).or_default();
        apply_code(update, code, item.received_at);
        update.legacy = inbound.legacy;
        update.outbound_topic = Some(crate::topics::answer_topic(
            &item.topic,
            &inbound.stand,
            inbound.legacy,
        ));
        update.offline = matches!(&inbound.message, Message::Status(s) if s.last_will);
        statuses.push(stand, code, inbound.message.sent_by(), item.received_at);

        let run = runs.get_mut(stand);
        if let Message::Data(data) = &inbound.message {
            let result_id =
                insert_result(&mut tx, stand, data, run.as_deref(), item.received_at).await?;
            report.results += 1;
            notes.push(
                serde_json::json!({"kind": "result", "id": result_id, "stand": stand}).to_string(),
            );
            if let Some(run) = runs.remove(stand) {
                let mut run = run;
                finish_run(&mut run, code, item.received_at, true);
                update_run(&mut tx, &run).await?;
                notes.push(run_note(&run, stand));
            }
        } else if let Some(run) = run
            && finish_run(run, code, item.received_at, false)
            && let Some(run) = runs.remove(stand)
        {
            update_run(&mut tx, &run).await?;
            notes.push(run_note(&run, stand));
        }
    }
    for (stand, run) in &runs {
        if run.changed {
            update_run(&mut tx, run).await?;
            notes.push(run_note(run, stand));
        }
    }

    report.statuses = statuses.stand.len();
    report.quarantined = quarantine.topic.len();
    statuses.insert(&mut tx).await?;
    let quarantine_ids = quarantine.insert(&mut tx).await?;
    update_stands(&mut tx, &stands).await?;

    notes.extend(
        stands
            .keys()
            .map(|s| serde_json::json!({"kind": "stand", "id": s}).to_string()),
    );
    notes.extend(
        quarantine_ids
            .iter()
            .map(|id| serde_json::json!({"kind": "quarantine", "id": id}).to_string()),
    );
    if !notes.is_empty() {
        sqlx::query("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n")
            .bind(NOTIFY_CHANNEL)
            .bind(&notes)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(report)
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
async fn match_receipts(
    tx: &mut Transaction<'_, Postgres>,
    client_id: &str,
    items: &[Incoming],
) -> Result<Vec<bool>, sqlx::Error> {
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
    .fetch_all(&mut **tx)
    .await?;
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
        .execute(&mut **tx)
        .await?;
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
        .execute(&mut **tx)
        .await?;
    }
    Ok(duplicate)
}

/// Registers unknown stands (when allowed) and returns the set of stands that exist.
async fn register_stands<'a>(
    tx: &mut Transaction<'_, Postgres>,
    auto_register: bool,
    items: impl Iterator<Item = &'a Incoming>,
) -> Result<HashSet<String>, sqlx::Error> {
    let mut legacy: HashMap<String, bool> = HashMap::new();
    for inbound in items.filter_map(|i| i.verdict.as_ref().ok()) {
        legacy.insert(inbound.stand.to_string(), inbound.legacy);
    }
    if legacy.is_empty() {
        return Ok(HashSet::new());
    }
    let mut ids: Vec<String> = legacy.keys().cloned().collect();
    // A fixed lock order keeps concurrent writers (handler, web, scheduler) free of deadlocks.
    ids.sort();
    if auto_register {
        let flags: Vec<bool> = ids.iter().map(|id| legacy[id]).collect();
        sqlx::query(
            "INSERT INTO stands (id, name, auto_registered, legacy_topics)
             SELECT id, id, true, l FROM unnest($1::text[], $2::bool[]) AS u(id, l)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&ids)
        .bind(&flags)
        .execute(&mut **tx)
        .await?;
    }
    let known: Vec<String> =
        sqlx::query_scalar("SELECT id FROM stands WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&ids)
            .fetch_all(&mut **tx)
            .await?;
    Ok(known.into_iter().collect())
}

async fn lock_active_runs(
    tx: &mut Transaction<'_, Postgres>,
    stands: &HashSet<String>,
) -> Result<HashMap<String, ActiveRun>, sqlx::Error> {
    if stands.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<&String> = stands.iter().collect();
    let rows: Vec<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT id, stand_id, state::text, keep FROM runs
         WHERE stand_id = ANY($1) AND state IN ('sent', 'running') FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, stand, state, keep)| {
            let run = ActiveRun {
                id,
                state,
                keep,
                changed: false,
                error: None,
                started: None,
                finished: None,
            };
            (stand, run)
        })
        .collect())
}

fn apply_code(update: &mut StandUpdate, code: StatusCode, at: DateTime<Utc>) {
    let stored = Some(i16::from(code));
    if code.is_power() {
        update.power_code = stored;
    } else {
        update.status_code = stored;
        if code.effect() != Effect::None {
            update.effective_code = stored;
        }
    }
    update.last_seen = Some(at);
}

/// Moves a run along for a code; returns whether the run ended. A data message always ends it.
fn finish_run(run: &mut ActiveRun, code: StatusCode, at: DateTime<Utc>, data: bool) -> bool {
    let failed = code.fails_run() || code.effect() == Effect::PowerOff;
    if failed {
        run.state = "failed".into();
        run.error = Some(format!("stand reported {code}: {}", code.meaning()));
    } else if data {
        run.state = "completed".into();
    } else if code.effect() == Effect::Busy && run.state == "sent" {
        run.state = "running".into();
        run.started = Some(at);
        run.changed = true;
        return false;
    } else {
        return false;
    }
    run.finished = Some(at);
    run.changed = true;
    true
}

fn run_note(run: &ActiveRun, stand: &str) -> String {
    serde_json::json!({"kind": "run", "id": run.id, "stand": stand, "state": run.state}).to_string()
}

async fn update_run(
    tx: &mut Transaction<'_, Postgres>,
    run: &ActiveRun,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE runs SET state = $2::run_state, error = COALESCE($3, error),
             started_at = COALESCE(started_at, $4), finished_at = COALESCE($5, finished_at)
         WHERE id = $1",
    )
    .bind(run.id)
    .bind(&run.state)
    .bind(&run.error)
    .bind(run.started)
    .bind(run.finished)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_result(
    tx: &mut Transaction<'_, Postgres>,
    stand: &str,
    data: &DataMessage,
    run: Option<&ActiveRun>,
    received_at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO results (stand_id, run_id, sent_by, protocol_version, status_code,
             received_at, commands, parameters, data, keep, point_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11) RETURNING id",
    )
    .bind(stand)
    .bind(run.map(|r| r.id))
    .bind(&data.sent_by)
    .bind(data.protocol_version)
    .bind(i16::from(data.code))
    .bind(received_at)
    .bind(&data.commands)
    .bind(&data.parameters)
    .bind(&data.data_raw)
    .bind(run.is_some_and(|r| r.keep))
    .bind(i64::try_from(data.point_count()).unwrap_or(i64::MAX))
    .fetch_one(&mut **tx)
    .await?;
    if data.series.is_empty() {
        return Ok(id);
    }
    // All series of the result in one statement: names, lengths and one flat array of values
    // sliced per series on the server.
    let mut names = Vec::with_capacity(data.series.len());
    let mut numeric = Vec::with_capacity(data.series.len());
    let mut lens = Vec::with_capacity(data.series.len());
    let mut offsets = Vec::with_capacity(data.series.len());
    let mut flat: Vec<f64> = Vec::with_capacity(data.point_count());
    for s in &data.series {
        names.push(s.name.as_str());
        numeric.push(s.values.is_some());
        lens.push(i32::try_from(s.len).unwrap_or(i32::MAX));
        offsets.push(i32::try_from(flat.len()).unwrap_or(i32::MAX));
        if let Some(v) = &s.values {
            flat.extend_from_slice(v);
        }
    }
    sqlx::query(
        "INSERT INTO result_series (result_id, position, name, numeric, len, \"values\")
         SELECT $1, u.pos - 1, u.name, u.numeric, u.len,
                CASE WHEN u.numeric THEN ($6::float8[])[u.off + 1 : u.off + u.len] END
         FROM unnest($2::text[], $3::bool[], $4::int[], $5::int[]) WITH ORDINALITY
              AS u(name, numeric, len, off, pos)",
    )
    .bind(id)
    .bind(&names)
    .bind(&numeric)
    .bind(&lens)
    .bind(&offsets)
    .bind(&flat)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

#[derive(Default)]
struct StatusRows {
    stand: Vec<String>,
    code: Vec<i16>,
    sent_by: Vec<String>,
    at: Vec<DateTime<Utc>>,
}

impl StatusRows {
    fn push(&mut self, stand: &str, code: StatusCode, sent_by: &str, at: DateTime<Utc>) {
        self.stand.push(stand.to_owned());
        self.code.push(i16::from(code));
        self.sent_by.push(sent_by.to_owned());
        self.at.push(at);
    }

    async fn insert(&self, tx: &mut Transaction<'_, Postgres>) -> Result<(), sqlx::Error> {
        if self.stand.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO status_history (stand_id, code, sent_by, received_at)
             SELECT * FROM unnest($1::text[], $2::int2[], $3::text[], $4::timestamptz[])",
        )
        .bind(&self.stand)
        .bind(&self.code)
        .bind(&self.sent_by)
        .bind(&self.at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

#[derive(Default)]
struct QuarantineRows {
    topic: Vec<String>,
    reason: Vec<String>,
    size: Vec<i64>,
    payload: Vec<Option<Vec<u8>>>,
    at: Vec<DateTime<Utc>>,
}

impl QuarantineRows {
    fn push(&mut self, item: &Incoming, reason: &Rejection, keep_bytes: bool) {
        self.topic.push(item.topic.clone());
        self.reason.push(reason.to_string());
        self.size
            .push(i64::try_from(item.payload.len()).unwrap_or(i64::MAX));
        self.payload.push(keep_bytes.then(|| item.payload.to_vec()));
        self.at.push(item.received_at);
    }

    async fn insert(&self, tx: &mut Transaction<'_, Postgres>) -> Result<Vec<i64>, sqlx::Error> {
        if self.topic.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(
            "INSERT INTO quarantine (topic, reason, size, payload, received_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::bytea[], $5::timestamptz[])
             RETURNING id",
        )
        .bind(&self.topic)
        .bind(&self.reason)
        .bind(&self.size)
        .bind(&self.payload)
        .bind(&self.at)
        .fetch_all(&mut **tx)
        .await
    }
}

async fn update_stands(
    tx: &mut Transaction<'_, Postgres>,
    stands: &HashMap<&str, StandUpdate>,
) -> Result<(), sqlx::Error> {
    if stands.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::new();
    let mut status = Vec::new();
    let mut effective = Vec::new();
    let mut power = Vec::new();
    let mut seen = Vec::new();
    let mut offline = Vec::new();
    let mut legacy = Vec::new();
    let mut answer = Vec::new();
    for (id, u) in stands {
        ids.push(*id);
        status.push(u.status_code);
        effective.push(u.effective_code);
        power.push(u.power_code);
        seen.push(u.last_seen);
        offline.push(u.offline);
        legacy.push(u.legacy);
        answer.push(u.outbound_topic.as_deref());
    }
    sqlx::query(
        "UPDATE stands s SET
             status_code = COALESCE(u.status, s.status_code),
             effective_code = COALESCE(u.effective, s.effective_code),
             power_code = COALESCE(u.power, s.power_code),
             last_seen = GREATEST(u.seen, s.last_seen),
             offline = u.offline,
             legacy_topics = u.legacy,
             outbound_topic = COALESCE(u.answer, s.outbound_topic)
         FROM unnest($1::text[], $2::int2[], $3::int2[], $4::int2[], $5::timestamptz[],
                     $6::bool[], $7::bool[], $8::text[])
              AS u(id, status, effective, power, seen, offline, legacy, answer)
         WHERE s.id = u.id",
    )
    .bind(&ids)
    .bind(&status)
    .bind(&effective)
    .bind(&power)
    .bind(&seen)
    .bind(&offline)
    .bind(&legacy)
    .bind(&answer)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
