//! Leadership of a named background job across server replicas: a PostgreSQL session-level
//! advisory lock, held on one pooled connection for the length of a run. PostgreSQL releases it
//! when that session ends, so a replica that dies mid-run never blocks the others.

use sqlx::PgPool;
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;

use crate::DbError;

/// The advisory-lock namespace of Tasklens jobs (first key of the two-key form); the second key
/// is PostgreSQL's `hashtext` of the job's name.
const NAMESPACE: i32 = 0x7461_736b; // "task"

/// A held job lock; [`LeaderLock::release`] it when the run ends. Dropped unreleased (the run
/// was cancelled), it closes its connection instead of returning it to the pool, which ends the
/// session and so releases the lock.
#[derive(Debug)]
pub struct LeaderLock {
    conn: Option<PoolConnection<Postgres>>,
    name: String,
}

/// Takes the job's lock if no other session holds it.
pub async fn try_lock(pool: &PgPool, name: &str) -> Result<Option<LeaderLock>, DbError> {
    let mut conn = pool.acquire().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, hashtext($2))")
        .bind(NAMESPACE)
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(got.then(|| LeaderLock {
        conn: Some(conn),
        name: name.to_owned(),
    }))
}

impl LeaderLock {
    pub async fn release(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
                .bind(NAMESPACE)
                .bind(&self.name)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // Unknown state: never hand a session that may hold the lock to someone else.
                drop(conn.detach());
            }
        }
    }
}

impl Drop for LeaderLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}
