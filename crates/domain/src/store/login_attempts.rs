//! Login attempts, for rate limiting: failures are counted per (user name, address) pair with
//! back-off, per address, and per user name (see [`Limits`]).
//!
//! [`reserve`] counts and records an attempt in one transaction under one advisory lock, so
//! parallel guesses cannot all pass the check before any of them is recorded: an attempt is
//! recorded as failed before its password is checked, and [`succeeded`] marks it afterwards.

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};

use super::steps::rows_changed;
use super::{QueryContext, StoreError};

/// The transaction-scoped advisory lock that serialises reservations ("STLOGINS").
pub const RESERVE_LOCK_KEY: i64 = 0x5354_4c4f_4749_4e53;

/// The recent failures (since `$3`) per user name (case-insensitive, `$1`), per address
/// (`$2`), and per pair of both with the time of the pair's newest failure; the counts are
/// served by the partial indexes of the migration `20261201000200_auth_sessions_tokens`.
pub const FAILURES_SQL: &str = "SELECT
   (SELECT count(*) FROM login_attempts
     WHERE NOT succeeded AND lower(username) = lower($1) AND attempted_at > $3) AS by_user,
   (SELECT count(*) FROM login_attempts
     WHERE NOT succeeded AND remote = $2 AND attempted_at > $3) AS by_address,
   pair.n AS by_pair, pair.last AS last_pair
   FROM (SELECT count(*) AS n, max(attempted_at) AS last FROM login_attempts
     WHERE NOT succeeded AND remote = $2 AND lower(username) = lower($1)
       AND attempted_at > $3) AS pair";

/// Recent failed attempts that bear on a new attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Failures {
    /// At this user name, from anywhere.
    pub by_user: i64,
    /// From this address, at any user name.
    pub by_address: i64,
    /// At this user name from this address.
    pub by_pair: i64,
    /// The newest of those.
    pub last_pair: Option<DateTime<Utc>>,
}

/// The limits an attempt is checked against. Guessing is throttled where it comes from, so a
/// stranger's wrong passwords never lock the owner of an account out from elsewhere:
/// - per (user name, address) pair: `pair_free` failures, then each further attempt waits
///   `backoff`, doubled per further failure (at most the window);
/// - per address: at most `per_address` failures at any names;
/// - per user name, against guessing spread over many addresses: once `per_user` failures
///   came from anywhere, an address that already failed at this name is refused for the
///   window, while one with no failure at it (the owner's, usually) is still checked.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures counted within this time before now.
    pub window: Duration,
    /// Failures at one name from one address before the back-off starts.
    pub pair_free: i64,
    /// The first back-off, doubled per further failure.
    pub backoff: Duration,
    /// At most this many failures per address.
    pub per_address: i64,
    /// Failures at one name (from anywhere) from which each address gets no second failure.
    pub per_user: i64,
}

impl Limits {
    /// `None` when an attempt with these recent failures may be checked at `now`; otherwise
    /// how long to wait.
    pub fn wait(&self, failures: &Failures, now: DateTime<Utc>) -> Option<Duration> {
        if failures.by_address >= self.per_address {
            return Some(self.window);
        }
        if failures.by_user >= self.per_user && failures.by_pair > 0 {
            return Some(self.window);
        }
        let beyond = failures.by_pair - self.pair_free;
        if beyond < 0 {
            return None;
        }
        let last = failures.last_pair?;
        // 2^beyond, saturating: a back-off past the window is the window.
        let factor = 1_i32.checked_shl(u32::try_from(beyond).unwrap_or(u32::MAX));
        let backoff = factor
            .and_then(|f| self.backoff.checked_mul(f))
            .map_or(self.window, |b| b.min(self.window));
        let until = last + backoff;
        (now < until).then(|| until - now)
    }
}

/// The outcome of [`reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Recorded as failed (until [`succeeded`]); its id.
    Granted(i64),
    /// A limit was reached; nothing recorded.
    Refused {
        /// The failures that refused it.
        failures: Failures,
        /// How long to wait.
        wait: Duration,
    },
}

/// Records a finished attempt.
pub async fn record(
    pool: &PgPool,
    username: &str,
    remote: &str,
    succeeded: bool,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO login_attempts (username, remote, succeeded) VALUES ($1, $2, $3)")
        .bind(username)
        .bind(remote)
        .bind(succeeded)
        .execute(pool)
        .await
        .query("login_attempts.record")?;
    Ok(())
}

/// Failed attempts since `since` at a user name (case-insensitive), from an address, and both.
pub async fn failures_since(
    pool: &PgPool,
    username: &str,
    remote: &str,
    since: DateTime<Utc>,
) -> Result<Failures, StoreError> {
    sqlx::query_as(FAILURES_SQL)
        .bind(username)
        .bind(remote)
        .bind(since)
        .fetch_one(pool)
        .await
        .query("login_attempts.failures_since")
}

/// Checks the limits and, when under them, records the attempt as failed, atomically: of any
/// number of parallel attempts at most the limit are granted.
pub async fn reserve(
    pool: &PgPool,
    username: &str,
    remote: &str,
    limits: Limits,
) -> Result<Reservation, StoreError> {
    let mut tx = pool.begin().await.query("login_attempts.reserve begin")?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(RESERVE_LOCK_KEY)
        .execute(&mut *tx)
        .await
        .query("login_attempts.reserve lock")?;
    let now = Utc::now();
    let failures: Failures = sqlx::query_as(FAILURES_SQL)
        .bind(username)
        .bind(remote)
        .bind(now - limits.window)
        .fetch_one(&mut *tx)
        .await
        .query("login_attempts.reserve count")?;
    if let Some(wait) = limits.wait(&failures, now) {
        return Ok(Reservation::Refused { failures, wait });
    }
    let id = sqlx::query_scalar(
        "INSERT INTO login_attempts (username, remote, succeeded) VALUES ($1, $2, false)
         RETURNING id",
    )
    .bind(username)
    .bind(remote)
    .fetch_one(&mut *tx)
    .await
    .query("login_attempts.reserve insert")?;
    tx.commit().await.query("login_attempts.reserve commit")?;
    Ok(Reservation::Granted(id))
}

/// Marks a reserved attempt as succeeded.
pub async fn succeeded(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE login_attempts SET succeeded = true WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("login_attempts.succeeded")?;
    Ok(())
}

/// Takes back a reserved attempt whose password was never checked (the server was busy).
pub async fn release(pool: &PgPool, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_attempts WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .query("login_attempts.release")?;
    Ok(())
}

/// Removes attempts older than `before`; returns how many.
pub async fn prune(conn: &mut PgConnection, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let query = sqlx::query("DELETE FROM login_attempts WHERE attempted_at < $1").bind(before);
    rows_changed(conn, query, "login_attempts.prune").await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("a time")
    }

    const LIMITS: Limits = Limits {
        window: Duration::minutes(15),
        pair_free: 5,
        backoff: Duration::seconds(30),
        per_address: 30,
        per_user: 20,
    };

    /// Failures whose newest (at the pair) was `ago` before [`now`].
    fn failures(by_user: i64, by_address: i64, by_pair: i64, ago: Duration) -> Failures {
        Failures {
            by_user,
            by_address,
            by_pair,
            last_pair: (by_pair > 0).then(|| now() - ago),
        }
    }

    #[test]
    fn a_pair_backs_off_doubling_up_to_the_window() {
        let now = now();
        let wait = |n, ago| LIMITS.wait(&failures(n, n, n, ago), now);
        assert_eq!(wait(4, Duration::zero()), None);
        let first = wait(5, Duration::zero()).expect("backs off");
        assert_eq!(first, Duration::seconds(30));
        assert_eq!(wait(5, Duration::seconds(31)), None);
        let second = wait(6, Duration::seconds(31)).expect("doubled");
        assert_eq!(second, Duration::seconds(29));
        assert_eq!(wait(6, Duration::seconds(61)), None);
        let long = wait(1000, Duration::zero()).expect("capped");
        assert_eq!(long, Duration::minutes(15));
    }

    #[test]
    fn an_account_under_attack_still_checks_an_address_with_no_failure_at_it() {
        let now = now();
        let attacked = failures(500, 0, 0, Duration::zero());
        assert_eq!(LIMITS.wait(&attacked, now), None, "the owner's address");
        let attacker = failures(500, 1, 1, Duration::minutes(10));
        assert_eq!(LIMITS.wait(&attacker, now), Some(Duration::minutes(15)));
        let calm = failures(3, 1, 1, Duration::minutes(10));
        assert_eq!(
            LIMITS.wait(&calm, now),
            None,
            "below per_user one failure is free"
        );
    }

    #[test]
    fn an_address_is_limited_across_names() {
        let now = now();
        assert_eq!(
            LIMITS.wait(&failures(0, 30, 0, Duration::zero()), now),
            Some(Duration::minutes(15))
        );
        assert_eq!(
            LIMITS.wait(&failures(0, 29, 0, Duration::zero()), now),
            None
        );
    }
}
