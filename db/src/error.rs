use thiserror::Error;

#[derive(Debug, Error)]
pub enum DbError {
    /// The database cannot be reached or the pool is exhausted: callers answer 503.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database query failed")]
    Query(#[source] sqlx::Error),
    /// Records that conflict with stored data; nothing was written.
    #[error("{} record(s) conflict with stored data", .0.len())]
    Invalid(Vec<types::ingest::FieldError>),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A blocking step after a query (merging rows) panicked or was cancelled.
    #[error("processing query results failed: {0}")]
    Task(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => DbError::Unavailable(e),
            other => DbError::Query(other),
        }
    }
}

impl DbError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }
}
