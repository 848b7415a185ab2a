//! The store's one error type: which query failed (named `table.operation`), and whether the
//! failure is the database refusing the data (it would refuse it again) or an outage worth
//! waiting out.

use std::time::Duration;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A query failed; `query` names the table and operation, e.g. `runs.create`.
    #[error("{query}: {cause}")]
    Query {
        /// The table and operation.
        query: &'static str,
        /// What the database or driver said.
        cause: sqlx::Error,
    },
    /// `DATABASE_URL` is not a PostgreSQL URL.
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(sqlx::Error),
    /// The database did not answer within the start-up wait.
    #[error(
        "the database at DATABASE_URL did not answer within {} s: {cause}; \
         check that PostgreSQL is running and DATABASE_URL points at it",
        waited.as_secs()
    )]
    Unreachable {
        /// How long start-up waited.
        waited: Duration,
        /// The last connection error.
        cause: sqlx::Error,
    },
    /// A migration could not be applied.
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// The driver's error, if a query or connection failed.
    pub fn sqlx(&self) -> Option<&sqlx::Error> {
        match self {
            Self::Query { cause, .. } | Self::BadUrl(cause) | Self::Unreachable { cause, .. } => {
                Some(cause)
            }
            Self::Migrate(_) => None,
        }
    }

    /// The constraint a query violated, if it did.
    pub fn constraint(&self) -> Option<&str> {
        match self.sqlx()? {
            sqlx::Error::Database(db) => db.constraint(),
            _ => None,
        }
    }

    /// Whether the database refused the data itself (it would refuse it again), as opposed to
    /// an outage worth waiting out: connection errors (08), shutdowns (57), resources (53),
    /// serialization failures and deadlocks (40), system errors (58, XX), a missing table
    /// (42P01) or database (3D000) are retried; so is every error that is not the database's.
    pub fn is_refusal(&self) -> bool {
        match self.sqlx() {
            Some(sqlx::Error::Database(db)) => {
                let code = db.code().unwrap_or_default();
                let retried = ["08", "57", "53", "40", "58", "XX"];
                !(retried.iter().any(|c| code.starts_with(c)) || code == "42P01" || code == "3D000")
            }
            _ => false,
        }
    }
}

/// Names the query on a driver error: `.await.query("runs.create")?`.
pub(crate) trait QueryContext<T> {
    /// Wraps the error as [`StoreError::Query`].
    fn query(self, query: &'static str) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, sqlx::Error> {
    fn query(self, query: &'static str) -> Result<T, StoreError> {
        self.map_err(|cause| StoreError::Query { query, cause })
    }
}
