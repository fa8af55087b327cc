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
    /// Records that would move stored executions' times (a replay under another run's keys,
    /// see `db::ingest`); nothing was written. Callers answer 409.
    #[error("{} record(s) would move stored executions", .0.len())]
    Conflict(Vec<types::ingest::FieldError>),
    /// A value PostgreSQL cannot store or compare (NUL in text, SQLSTATE 22021): the caller's
    /// input is at fault (422). Validation refuses such input first; this is the backstop.
    #[error("a value holds a character PostgreSQL cannot store")]
    Unstorable(#[source] sqlx::Error),
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
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DbError::Unavailable(e),
            sqlx::Error::Database(ref d) if d.code().is_some_and(|c| unavailable_sqlstate(&c)) => {
                DbError::Unavailable(e)
            }
            sqlx::Error::Database(ref d)
                if d.code().is_some_and(|c| c == "22021" || c == "22P05") =>
            {
                DbError::Unstorable(e)
            }
            other => DbError::Query(other),
        }
    }
}

/// SQLSTATE classes that mean "the server is not there right now", not "the query is wrong":
/// 08 connection exception, 57 operator intervention (57P01 admin shutdown, as from
/// `pg_ctl stop -m fast`, 57P02 crash shutdown, 57P03 cannot connect now), 53 insufficient
/// resources (53300 too many connections).
fn unavailable_sqlstate(code: &str) -> bool {
    ["08", "57", "53"]
        .iter()
        .any(|class| code.starts_with(class))
}

impl DbError {
    /// A copy for each caller of a computation several shared: the same variant (a 503 stays a
    /// 503), the cause as text.
    pub fn shared(&self) -> DbError {
        let cause =
            std::error::Error::source(self).map_or_else(|| self.to_string(), |c| c.to_string());
        match self {
            DbError::Unavailable(_) => DbError::Unavailable(sqlx::Error::Protocol(cause)),
            DbError::Unstorable(_) => DbError::Unstorable(sqlx::Error::Protocol(cause)),
            DbError::Invalid(e) => DbError::Invalid(e.clone()),
            DbError::Conflict(e) => DbError::Conflict(e.clone()),
            _ => DbError::Task(cause),
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }
}
