//! What one batch of inbound messages writes into the `stands` table: each stand's latest
//! status, power and run answer ([`StandUpdate`]), registering unknown stands, and the batch
//! statement ([`StandRows`]).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::StandId;
use crate::status::{Effect, StatusCode};
use crate::store::batch::{Part, bind_fields};
use crate::store::{QueryContext, StoreError};

/// The latest of everything one batch of inbound messages says about one stand.
#[derive(Default)]
pub(crate) struct StandUpdate {
    pub(crate) status_code: Option<i16>,
    pub(crate) effective_code: Option<i16>,
    pub(crate) power_code: Option<i16>,
    /// When the handler received the message of each code: the stored code is replaced only
    /// by a later one (batches of several handlers commit out of order).
    pub(crate) status_at: Option<DateTime<Utc>>,
    pub(crate) effective_at: Option<DateTime<Utc>>,
    pub(crate) power_at: Option<DateTime<Utc>>,
    pub(crate) last_seen: Option<DateTime<Utc>>,
    pub(crate) offline: bool,
    pub(crate) legacy: bool,
    /// The outbound topic spelled like the inbound topic the stand last used.
    pub(crate) outbound_topic: Option<String>,
}

impl StandUpdate {
    /// Records a code the stand sent at `at`: power codes and status codes are kept apart, and
    /// only codes with an effect change the code the state is derived from.
    pub(crate) fn apply_code(&mut self, code: StatusCode, at: DateTime<Utc>) {
        let stored = Some(i16::from(code));
        if code.is_power() {
            self.power_code = stored;
            self.power_at = Some(at);
        } else {
            self.status_code = stored;
            self.status_at = Some(at);
            if code.effect() != Effect::None {
                self.effective_code = stored;
                self.effective_at = Some(at);
            }
        }
        self.last_seen = Some(at);
    }
}

/// Registers `stand` (named by its id) unless it is known; for rows taken over from elsewhere.
pub(crate) async fn ensure(conn: &mut PgConnection, stand: &StandId) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO stands (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING")
        .bind(stand.as_str())
        .execute(conn)
        .await
        .query("stands.ensure")?;
    Ok(())
}

/// Registers the stands in `legacy` (id → speaks the legacy topics) that are unknown, when
/// `auto_register`; locks every one that exists, in id order, and returns them. One round trip
/// (a second one only when another writer registered one of them at the same moment).
pub(crate) async fn register_and_lock(
    conn: &mut PgConnection,
    registration: Registration,
    legacy: &HashMap<&StandId, bool>,
) -> Result<HashSet<StandId>, StoreError> {
    if legacy.is_empty() {
        return Ok(HashSet::new());
    }
    let mut stands: Vec<(&StandId, bool)> = legacy.iter().map(|(id, l)| (*id, *l)).collect();
    // A fixed lock order keeps concurrent writers (handler, web, scheduler) free of deadlocks.
    stands.sort_unstable();
    let ids: Vec<&str> = stands.iter().map(|(id, _)| id.as_str()).collect();
    let flags: Vec<bool> = stands.iter().map(|(_, legacy)| *legacy).collect();
    let (auto_register, per_minute) = match registration {
        Registration::Off => (false, 0),
        Registration::Capped { per_minute } => (true, i64::from(per_minute)),
    };
    // The rows this statement registers are its own (and so locked); the `locked` query does
    // not see them, as it reads the statement's snapshot. New ids take the room the last
    // minute's registrations left, in id order; the rest stay unknown.
    let known: Vec<StandId> = sqlx::query_scalar(
        "WITH room AS (
             SELECT $4::int8 - count(*) AS n FROM stands
             WHERE registered_at > now() - interval '1 minute'),
         new AS (
             SELECT u.id, u.l, row_number() OVER (ORDER BY u.id) AS k
             FROM unnest($1::text[], $2::bool[]) AS u(id, l)
             WHERE $3::bool AND NOT EXISTS (SELECT 1 FROM stands s WHERE s.id = u.id)),
         added AS (
             INSERT INTO stands (id, name, auto_registered, legacy_topics, registered_at)
             SELECT id, id, true, l, now() FROM new, room WHERE new.k <= room.n
             ON CONFLICT (id) DO NOTHING RETURNING id),
         locked AS (SELECT id FROM stands WHERE id = ANY($1) ORDER BY id FOR UPDATE)
         SELECT id FROM locked UNION ALL SELECT id FROM added",
    )
    .bind(&ids)
    .bind(&flags)
    .bind(auto_register)
    .bind(per_minute)
    .fetch_all(&mut *conn)
    .await
    .query("stands.register_and_lock")?;
    let mut known: HashSet<StandId> = known.into_iter().collect();
    if auto_register && known.len() < ids.len() {
        // Registered by another writer after this statement's snapshot: lock those now.
        let late: Vec<&str> = legacy
            .keys()
            .filter(|id| !known.contains(**id))
            .map(|id| id.as_str())
            .collect();
        let locked: Vec<StandId> =
            sqlx::query_scalar("SELECT id FROM stands WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                .bind(&late)
                .fetch_all(&mut *conn)
                .await
                .query("stands.lock")?;
        known.extend(locked);
    }
    Ok(known)
}

/// Whether inbound batches register the stands they do not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Unknown stands' messages go to the quarantine (`AUTO_REGISTER=false`).
    Off,
    /// A stand registers itself with its first message, at most `per_minute` stands in any
    /// minute (`HANDLER_MAX_NEW_STANDS_PER_MINUTE`, counted across handlers in the database);
    /// above that a new stand's messages go to the quarantine.
    Capped {
        /// New stands a minute.
        per_minute: u32,
    },
}

impl Registration {
    /// The default cap: a lab's whole fleet coming online at once fits in a minute or two,
    /// a flood of made-up ids fills the dashboard no faster than this.
    pub const DEFAULT_PER_MINUTE: u32 = 30;

    /// Registration on with the default cap.
    pub fn capped() -> Self {
        Self::Capped {
            per_minute: Self::DEFAULT_PER_MINUTE,
        }
    }
}

/// What an inbound batch said about each stand, written by the batch's one statement
/// ([`Part`]).
#[derive(Default)]
pub(crate) struct StandRows<'a> {
    ids: Vec<&'a str>,
    status: Vec<Option<i16>>,
    effective: Vec<Option<i16>>,
    power: Vec<Option<i16>>,
    status_at: Vec<Option<DateTime<Utc>>>,
    effective_at: Vec<Option<DateTime<Utc>>>,
    power_at: Vec<Option<DateTime<Utc>>>,
    seen: Vec<Option<DateTime<Utc>>>,
    offline: Vec<bool>,
    legacy: Vec<bool>,
    answer: Vec<Option<&'a str>>,
}

impl<'a> StandRows<'a> {
    /// The rows of `stands` (by id).
    pub(crate) fn new(stands: &'a HashMap<&'a StandId, StandUpdate>) -> Self {
        let mut rows = Self::default();
        for (id, u) in stands {
            rows.ids.push(id.as_str());
            rows.status.push(u.status_code);
            rows.effective.push(u.effective_code);
            rows.power.push(u.power_code);
            rows.status_at.push(u.status_at);
            rows.effective_at.push(u.effective_at);
            rows.power_at.push(u.power_at);
            rows.seen.push(u.last_seen);
            rows.offline.push(u.offline);
            rows.legacy.push(u.legacy);
            rows.answer.push(u.outbound_topic.as_deref());
        }
        rows
    }
}

impl Part for StandRows<'_> {
    // Each value is replaced only by one received later: with several handlers, a batch
    // received earlier may commit after a later one (`x_at > stored` is NULL, so false, when
    // the batch has no such value).
    const SQL: &'static [(&'static str, usize)] = &[(
        "UPDATE stands s SET
             status_code = CASE WHEN u.status_at >= COALESCE(s.status_received_at, '-infinity')
                                THEN u.status ELSE s.status_code END,
             status_received_at = GREATEST(u.status_at, s.status_received_at),
             effective_code = CASE WHEN u.effective_at
                                        >= COALESCE(s.effective_received_at, '-infinity')
                                   THEN u.effective ELSE s.effective_code END,
             effective_received_at = GREATEST(u.effective_at, s.effective_received_at),
             power_code = CASE WHEN u.power_at >= COALESCE(s.power_received_at, '-infinity')
                               THEN u.power ELSE s.power_code END,
             power_received_at = GREATEST(u.power_at, s.power_received_at),
             last_seen = GREATEST(u.seen, s.last_seen),
             offline = CASE WHEN u.seen >= COALESCE(s.last_seen, '-infinity')
                            THEN u.offline ELSE s.offline END,
             legacy_topics = CASE WHEN u.seen >= COALESCE(s.last_seen, '-infinity')
                                  THEN u.legacy ELSE s.legacy_topics END,
             outbound_topic = CASE WHEN u.seen >= COALESCE(s.last_seen, '-infinity')
                                   THEN COALESCE(u.answer, s.outbound_topic)
                                   ELSE s.outbound_topic END
         FROM unnest($1::text[], $2::int2[], $3::int2[], $4::int2[], $5::timestamptz[],
                     $6::bool[], $7::bool[], $8::text[], $9::timestamptz[],
                     $10::timestamptz[], $11::timestamptz[])
              AS u(id, status, effective, power, seen, offline, legacy, answer, status_at,
                   effective_at, power_at)
         WHERE s.id = u.id",
        11,
    )];

    bind_fields! {
        ids, status, effective, power, seen, offline, legacy, answer, status_at,
        effective_at, power_at
    }
}
