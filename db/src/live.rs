//! The read side of live updates: one `LISTEN tasklens_ingest` connection per process
//! ([`IngestListener`]), the notifications it hears parsed into [`IngestNotice`], and the one
//! query that reads the notified executions by id ([`executions_by_id`]).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use uuid::Uuid;

use crate::DbError;
use crate::ingest::INGEST_CHANNEL;

/// What one committed ingest transaction touched, as its NOTIFY says (see
/// [`INGEST_CHANNEL`](crate::ingest::INGEST_CHANNEL)).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IngestNotice {
    pub tasks: Vec<String>,
    pub workflows: Vec<String>,
    pub executions: Vec<Uuid>,
    /// Some task or workflow keys were left out: whoever follows them must refetch.
    pub truncated: bool,
    /// Some tasks' execution ids were left out.
    pub executions_truncated: bool,
}

/// A `LISTEN` session on the ingest channel, on a connection of its own.
#[derive(Debug)]
pub struct IngestListener(PgListener);

/// What [`IngestListener::recv`] heard.
#[derive(Debug)]
pub enum Heard {
    Notice(IngestNotice),
    /// A payload that does not parse (another writer on the channel): logged and skipped.
    Unreadable(String),
    /// The connection was lost: notifications sent since are gone. Connect again.
    Lost,
}

impl IngestListener {
    /// Takes a connection from `pool` (it stays out of the pool) and listens.
    pub async fn connect(pool: &PgPool) -> Result<Self, DbError> {
        let mut l = PgListener::connect_with(pool).await?;
        l.listen(INGEST_CHANNEL).await?;
        Ok(IngestListener(l))
    }

    /// The next notification, or [`Heard::Lost`]; never reconnects by itself, so the caller
    /// knows when notifications may have been missed.
    pub async fn recv(&mut self) -> Heard {
        match self.0.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str(n.payload()) {
                Ok(notice) => Heard::Notice(notice),
                Err(_) => Heard::Unreadable(n.payload().chars().take(200).collect()),
            },
            Ok(None) | Err(_) => Heard::Lost,
        }
    }
}

/// One notified execution, as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LiveExecutionRow {
    pub id: Uuid,
    pub task_key: String,
    pub workflow_key: String,
    pub execution_key: String,
    pub workflow_execution_key: String,
    pub status: String,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub attempt_number: Option<i32>,
    pub error_type: Option<String>,
}

/// The executions with these ids (at most a notification's worth, ~200), in one query.
pub async fn executions_by_id(
    pool: &PgPool,
    ids: &[Uuid],
) -> Result<Vec<LiveExecutionRow>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "SELECT e.id, t.task_key, w.workflow_key, e.execution_key,
                r.execution_key AS workflow_execution_key, e.status, e.start_time, e.end_time,
                e.duration_ms, e.attempt_number, e.error_details->>'type' AS error_type
         FROM task_execution_history e
         JOIN tasks t ON t.id = e.task_id
         JOIN workflows w ON w.id = t.workflow_id
         JOIN workflow_executions r ON r.id = e.workflow_execution_id
         WHERE e.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?)
}
