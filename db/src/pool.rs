//! Connection pool, migrations and the health probe.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::DbError;

/// Pool bounds: every request path waits at most `acquire_timeout` for a connection, so a
/// database outage turns into a quick 503 instead of a hang.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// A lazily connecting pool: the server starts even when Postgres is down and recovers
/// without a restart when it comes back.
pub fn connect(url: &str, opts: &PoolOptions) -> Result<PgPool, DbError> {
    let statement_timeout = format!("{}", opts.statement_timeout.as_millis());
    PgPoolOptions::new()
        .max_connections(opts.max_connections)
        .acquire_timeout(opts.acquire_timeout)
        // Every acquire reports how long it waited, as a `sqlx::pool::acquire` TRACE event
        // (`acquired_after_secs`); the server turns them into a histogram (its `/metrics`).
        .acquire_time_level(log::LevelFilter::Trace)
        .after_connect(move |conn, _meta| {
            let statement_timeout = statement_timeout.clone();
            Box::pin(async move {
                sqlx::query("SELECT set_config('statement_timeout', $1, false)")
                    .bind(statement_timeout)
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect_lazy(url)
        .map_err(DbError::from)
}

/// Applies pending migrations from `migrations/` (embedded at compile time), on one
/// connection without the pool's statement timeout: a migration that backfills rollups over a
/// large history legitimately runs for minutes. The connection is closed afterwards rather
/// than returned to the pool with the timeout lifted.
pub async fn migrate(pool: &PgPool) -> Result<(), DbError> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut *conn)
        .await?;
    sqlx::migrate!("../migrations").run(&mut *conn).await?;
    conn.close().await?;
    Ok(())
}

/// `SELECT 1` through the pool: proves a connection can be acquired and used.
pub async fn health(pool: &PgPool) -> Result<(), DbError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}
