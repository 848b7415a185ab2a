//! Shared pieces of the domain's integration tests: replaying the migrations before one into a
//! schema of their own (to test a migration on old rows), and doubles that catch a lossy copy.

#![allow(dead_code)]

use sqlx::migrate::Migration;
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, Postgres};
use test_support::pg::TestDb;

/// Doubles whose bits a lossy copy would change: both zeros, a subnormal, the largest finite
/// one, and sums with no short decimal form.
pub const EDGE_DOUBLES: [f64; 7] = [
    0.0,
    -0.0,
    1.5,
    -0.001,
    f64::MIN_POSITIVE / 4.0,
    f64::MAX,
    0.1 + 0.2,
];

/// Creates `schema`, points the connection at it, runs every migration before `version` in it
/// and returns the migration `version` itself, not yet run.
pub async fn replay_before(
    conn: &mut PgConnection,
    schema: &str,
    version: i64,
) -> &'static Migration {
    // A name from the test itself, not from input.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA {schema}; SET search_path TO {schema}"
    )))
    .execute(&mut *conn)
    .await
    .expect("schema");
    let mut this = None;
    for m in domain::store::MIGRATOR.iter() {
        if m.version < version {
            sqlx::raw_sql(m.sql.clone())
                .execute(&mut *conn)
                .await
                .unwrap_or_else(|e| panic!("migration {}: {e}", m.version));
        } else if m.version == version {
            this = Some(m);
        }
    }
    this.unwrap_or_else(|| panic!("the migration {version} is missing"))
}

/// A fresh database and a connection to it that sees a schema of its own with every migration
/// before one replayed ([`replay_before`]), for a test to put old rows in before that
/// migration runs.
pub struct OldSchema {
    /// The database (dropped with this).
    pub db: TestDb,
    /// The connection that sees the old schema.
    pub conn: PoolConnection<Postgres>,
    migration: &'static Migration,
}

impl OldSchema {
    /// The schema `schema` as it was before the migration `version`.
    pub async fn before(schema: &str, version: i64) -> Self {
        let db = TestDb::new().await;
        let mut conn = db.pool.acquire().await.expect("connection");
        let migration = replay_before(&mut conn, schema, version).await;
        Self {
            db,
            conn,
            migration,
        }
    }

    /// Runs the migration on what the test put in.
    pub async fn migrate(&mut self) {
        sqlx::raw_sql(self.migration.sql.clone())
            .execute(&mut *self.conn)
            .await
            .expect("the migration");
    }
}

/// How the ingest path reads `payload` on `stand`'s inbound topic: the message, or why it goes
/// to the quarantine (bytes kept).
pub fn verdict(
    stand: &str,
    payload: &[u8],
) -> Result<domain::Inbound, domain::store::ingest::Quarantined> {
    domain::ProtocolValidator::bundled()
        .expect("schema")
        .parse(payload)
        .map(|message| domain::Inbound {
            stand: domain::StandId::parse(stand).expect("stand"),
            legacy: false,
            message,
        })
        .map_err(|reason| domain::store::ingest::Quarantined {
            reason,
            keep_bytes: true,
        })
}
