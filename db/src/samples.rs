//! Bounded samples for views that need a typical value per task rather than every row: the
//! dashboard's DAG weighs each task by a median, and a median of the latest few hundred runs
//! describes the typical run as well as one over a million rows, at a fraction of the cost.

use sqlx::PgPool;
use types::TimeWindow;
use uuid::Uuid;

use crate::DbError;

/// `(task key, duration ms)` of the latest `per_task` completed executions of every task of a
/// workflow in `window` (index `(task_id, start_time DESC)`, so each task reads at most
/// `per_task` rows).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn recent_completed_durations(
    pool: &PgPool,
    workflow_id: Uuid,
    window: &TimeWindow,
    per_task: i64,
) -> Result<Vec<(String, f64)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT t.task_key, e.duration_ms::float8
         FROM tasks t
         CROSS JOIN LATERAL (
             SELECT h.duration_ms FROM task_execution_history h
             WHERE h.task_id = t.id AND h.status = 'completed' AND h.duration_ms IS NOT NULL
               AND ($2::timestamptz IS NULL OR h.start_time >= $2) AND h.start_time < $3
             ORDER BY h.start_time DESC
             LIMIT $4
         ) e
         WHERE t.workflow_id = $1",
    )
    .bind(workflow_id)
    .bind(window.from)
    .bind(window.to)
    .bind(per_task)
    .fetch_all(pool)
    .await?)
}
