//! Writing a batch of inbound messages in one transaction.
//!
//! The handler hands over messages in the order they arrived; this module puts each in
//! exactly one place (status history, results, or the quarantine), moves runs along, updates
//! the stands, records QoS 2 receipts so a redelivery is not stored twice, and notifies
//! listeners — all in one commit, or nothing at all. It owns no table: it orders the work of
//! the table modules inside one transaction.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use sqlx::PgPool;

use super::batch::{self, Part};
pub use super::inbound::{Delivery, Incoming, Quarantined};
use super::quarantine::{QuarantineLimits, QuarantineRows};
use super::receipts::ReceiptRows;
use super::results::ResultRows;
use super::runs::RunRows;
pub use super::stands::Registration;
use super::stands::{StandRows, StandUpdate};
use super::status_history::StatusRows;
use super::{QueryContext, StoreError, cancel, receipts, results, runs, stands};
use crate::StandId;
use crate::notification::Notification;
use crate::protocol::{Message, Rejection};
use crate::run;

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
    /// Messages of new stands quarantined because the registration cap was reached (counted
    /// in `quarantined` too).
    pub registrations_refused: usize,
}

impl std::ops::AddAssign for BatchReport {
    fn add_assign(&mut self, other: Self) {
        self.statuses += other.statuses;
        self.results += other.results;
        self.quarantined += other.quarantined;
        self.duplicates += other.duplicates;
        self.registrations_refused += other.registrations_refused;
    }
}

/// How the batch is written.
#[derive(Debug, Clone)]
pub struct BatchOptions<'a> {
    /// The handler's MQTT client id (receipts are per client).
    pub client_id: &'a str,
    /// Whether unknown stands register with their first message, and how many a minute.
    pub registration: Registration,
    /// The broker started a new session (it will redeliver nothing): forget all receipts.
    pub session_lost: bool,
    /// How much of the batch's rejected messages the quarantine keeps.
    pub quarantine: QuarantineLimits,
}

/// Everything a batch writes after its reads, in one statement: status history, results and
/// their series, runs, stands and receipts, then the notifications (sent at commit).
static WRITE: LazyLock<String> = LazyLock::new(|| {
    let parts = [
        StatusRows::SQL,
        ResultRows::SQL,
        RunRows::SQL,
        StandRows::SQL,
        ReceiptRows::SQL,
    ]
    .concat();
    batch::statement(
        &parts,
        "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n",
    )
});

/// Writes `items` (in arrival order) and marks the QoS 2 exchanges in `released` complete.
pub async fn write_batch(
    pool: &PgPool,
    opts: &BatchOptions<'_>,
    items: &[Incoming],
    released: &[u16],
) -> Result<BatchReport, StoreError> {
    let mut tx = pool.begin().await.query("ingest.begin")?;
    let mut report = BatchReport::default();

    if opts.session_lost {
        receipts::forget_session(&mut tx, opts.client_id).await?;
    }
    let (duplicate, receipt_rows) =
        receipts::release_and_match(&mut tx, opts.client_id, released, items).await?;
    report.duplicates = duplicate.iter().filter(|d| **d).count();

    let fresh = || {
        items
            .iter()
            .zip(&duplicate)
            .filter(|(_, d)| !**d)
            .map(|(i, _)| i)
    };
    let mut legacy: HashMap<&StandId, bool> = HashMap::new();
    for inbound in fresh().filter_map(|i| i.verdict.as_ref().ok()) {
        legacy.insert(&inbound.stand, inbound.legacy);
    }
    let known = stands::register_and_lock(&mut tx, opts.registration, &legacy).await?;
    let mut active = runs::lock_active(&mut tx, &known).await?;
    // Results of stands with no run in progress may be late ones of a cancelled run.
    let unsolicited: HashSet<&str> = fresh()
        .filter_map(|i| i.verdict.as_ref().ok())
        .filter(|i| matches!(i.message, Message::Data(_)))
        .filter(|i| known.contains(&i.stand) && !active.contains_key(&i.stand))
        .map(|i| i.stand.as_str())
        .collect();
    let unsolicited: Vec<&str> = unsolicited.into_iter().collect();
    let mut late = cancel::late_results(&mut tx, &unsolicited).await?;

    // Every result of the batch is written at the end in one statement per table; their ids
    // are taken now so the notifications can name them.
    let data_count = fresh()
        .filter_map(|i| i.verdict.as_ref().ok())
        .filter(|i| known.contains(&i.stand) && matches!(i.message, Message::Data(_)))
        .count();
    let mut result_ids = results::reserve_ids(&mut tx, data_count).await?.into_iter();
    let mut result_rows = ResultRows::default();

    let mut updates: HashMap<&StandId, StandUpdate> = HashMap::new();
    let mut statuses = StatusRows::default();
    let mut quarantine = QuarantineRows::new(opts.quarantine);
    let mut notes: Vec<Notification> = Vec::new();
    let mut run_rows = RunRows::default();

    for item in fresh() {
        let inbound = match &item.verdict {
            Err(q) => {
                quarantine.push(item, &q.reason, q.keep_bytes);
                continue;
            }
            Ok(inbound) if !known.contains(&inbound.stand) => {
                let stand = inbound.stand.to_string();
                let reason = match opts.registration {
                    Registration::Off => Rejection::UnknownStand(stand),
                    Registration::Capped { per_minute } => {
                        report.registrations_refused += 1;
                        Rejection::RegistrationLimit { stand, per_minute }
                    }
                };
                quarantine.push(item, &reason, true);
                continue;
            }
            Ok(inbound) => inbound,
        };
        let stand = &inbound.stand;
        let code = inbound.message.code();
        let update = updates.entry(stand).or_default();
        update.apply_code(code, item.received_at);
        update.legacy = inbound.legacy;
        update.outbound_topic = Some(crate::topics::answer_topic(
            &item.topic,
            &inbound.stand,
            inbound.legacy,
        ));
        update.offline = matches!(&inbound.message, Message::Status(s) if s.last_will);
        statuses.push(stand, code, inbound.message.sent_by(), item.received_at);

        let ended = if let Message::Data(data) = &inbound.message {
            // A late result takes its cancelled run (once), a result otherwise the run in
            // progress, if any.
            let late_run = if active.contains_key(stand) {
                None
            } else {
                late.remove(stand)
            };
            let run = active.get(stand).or(late_run.as_ref());
            // Counted above with the same conditions that lead here.
            let Some(result_id) = result_ids.next() else {
                return Err(results::fewer_ids());
            };
            result_rows.push(result_id, stand, data, run, item.received_at);
            report.results += 1;
            notes.push(Notification::Result {
                id: result_id,
                stand: inbound.stand.clone(),
            });
            active
                .get_mut(stand)
                .is_some_and(|r| r.apply(run::on_data(r.state, code), item.received_at))
        } else {
            active
                .get_mut(stand)
                .is_some_and(|r| r.apply(run::on_status(r.state, code), item.received_at))
        };
        // An ended run leaves the batch: the stand's later messages belong to no run.
        if ended && let Some(run) = active.remove(stand) {
            run_rows.push(&run);
            notes.push(run.note(stand));
        }
    }
    for (stand, run) in &active {
        if run.changed() {
            run_rows.push(run);
            notes.push(run.note(stand));
        }
    }

    report.statuses = statuses.len();
    report.quarantined = quarantine.len();
    // Rare: its own statement, as its ids are needed and its quota applied.
    let quarantine_ids = quarantine.insert(&mut tx).await?;

    notes.extend(
        updates
            .keys()
            .map(|id| Notification::Stand { id: (*id).clone() }),
    );
    notes.extend(
        quarantine_ids
            .iter()
            .map(|&id| Notification::Quarantine { id }),
    );
    let notes: Vec<String> = notes.iter().map(Notification::encode).collect();
    let stand_rows = StandRows::new(&updates);
    let query = sqlx::query(WRITE.as_str());
    let query = statuses.bind(query);
    let query = result_rows.bind(query);
    let query = run_rows.bind(query);
    let query = stand_rows.bind(query);
    let query = receipt_rows.bind(query);
    query
        .bind(crate::notification::CHANNEL)
        .bind(&notes)
        .execute(&mut *tx)
        .await
        .query("ingest.write")?;
    tx.commit().await.query("ingest.commit")?;
    Ok(report)
}
