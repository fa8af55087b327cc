//! Keyset-paginated lists: stable under concurrent inserts, never skipping or repeating a row.
//! Cursors are opaque to callers (hex of the last row's sort key).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::DbError;

/// Encodes a cursor; [`decode_cursor`] reverses it.
pub fn encode_cursor(raw: &str) -> String {
    raw.bytes().map(|b| format!("{b:02x}")).collect()
}

/// `None` for anything [`encode_cursor`] did not produce.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 1024 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskListRow {
    pub task_key: String,
    pub task_name: String,
    pub workflow_key: String,
    pub task_type: String,
    pub total_executions: i64,
    pub failed_executions: i64,
    pub last_run: Option<DateTime<Utc>>,
}

/// Tasks by key, after `after` (exclusive), optionally matching `search` (key or name,
/// case-insensitive, wildcards literal) and in workflow `workflow_key`.
pub async fn tasks_page(
    pool: &PgPool,
    search: Option<&str>,
    workflow_key: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<TaskListRow>, DbError> {
    let pattern = search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(crate::tasks::escape_like);
    Ok(sqlx::query_as::<_, TaskListRow>(
        "SELECT t.task_key, t.task_name, w.workflow_key, t.task_type,
                COALESCE(h.total, 0) AS total_executions, COALESCE(h.failed, 0) AS failed_executions,
                h.last_run
         FROM tasks t
         JOIN workflows w ON w.id = t.workflow_id
         LEFT JOIN LATERAL (
             SELECT COUNT(*) AS total,
                    COUNT(*) FILTER (WHERE status IN ('failed', 'timeout')) AS failed,
                    MAX(start_time) AS last_run
             FROM task_execution_history e WHERE e.task_id = t.id
         ) h ON TRUE
         WHERE ($1::text IS NULL OR t.task_key ILIKE '%' || $1 || '%' OR t.task_name ILIKE '%' || $1 || '%')
           AND ($2::text IS NULL OR w.workflow_key = $2)
           AND ($3::text IS NULL OR t.task_key > $3)
         ORDER BY t.task_key
         LIMIT $4",
    )
    .bind(pattern)
    .bind(workflow_key)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExecutionListRow {
    pub id: Uuid,
    pub execution_key: String,
    pub run_key: String,
    pub status: String,
    pub attempt_number: Option<i32>,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub cpu_time_ms: Option<i64>,
    pub memory_peak_mb: Option<i32>,
    pub host: Option<String>,
    pub error_details: Option<serde_json::Value>,
    pub retry_reason: Option<String>,
}

/// A task's executions, newest first, strictly after `after` = (start time, id) in that order.
pub async fn executions_page(
    pool: &PgPool,
    task_id: Uuid,
    status: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ExecutionListRow>, DbError> {
    Ok(sqlx::query_as::<_, ExecutionListRow>(
        "SELECT e.id, e.execution_key, we.execution_key AS run_key, e.status, e.attempt_number,
                e.start_time, e.end_time, e.duration_ms, e.cpu_time_ms, e.memory_peak_mb, e.host,
                e.error_details, e.retry_reason
         FROM task_execution_history e
         JOIN workflow_executions we ON we.id = e.workflow_execution_id
         WHERE e.task_id = $1
           AND ($2::text IS NULL OR e.status = $2)
           AND ($3::timestamptz IS NULL OR (e.start_time, e.id) < ($3, $4))
         ORDER BY e.start_time DESC, e.id DESC
         LIMIT $5",
    )
    .bind(task_id)
    .bind(status)
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = super::encode_cursor("etl.extract");
        assert_eq!(super::decode_cursor(&c).as_deref(), Some("etl.extract"));
        assert_eq!(super::decode_cursor("zz"), None);
        assert_eq!(super::decode_cursor("abc"), None);
        assert_eq!(super::decode_cursor("ff"), None, "not UTF-8");
    }
}
