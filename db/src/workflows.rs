//! Workflows and cross-task aggregates.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::TimeWindow;
use uuid::Uuid;

use crate::DbError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkflowRow {
    pub id: Uuid,
    pub workflow_key: String,
    pub workflow_name: Option<String>,
    pub tasks: i64,
    pub runs: i64,
    pub last_run: Option<DateTime<Utc>>,
}

const WORKFLOWS: &str = "SELECT w.id, w.workflow_key, w.workflow_name,
        (SELECT count(*) FROM tasks t WHERE t.workflow_id = w.id) AS tasks,
        (SELECT count(*) FROM workflow_executions r WHERE r.workflow_id = w.id) AS runs,
        (SELECT max(r.start_time) FROM workflow_executions r WHERE r.workflow_id = w.id) AS last_run
 FROM workflows w";

/// Every workflow with its task and run counts, by key.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(pool: &PgPool) -> Result<Vec<WorkflowRow>, DbError> {
    Ok(
        sqlx::query_as::<_, WorkflowRow>(sqlx::AssertSqlSafe(format!(
            "{WORKFLOWS} ORDER BY w.workflow_key"
        )))
        .fetch_all(pool)
        .await?,
    )
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(pool: &PgPool, key: &str) -> Result<Option<WorkflowRow>, DbError> {
    Ok(
        sqlx::query_as::<_, WorkflowRow>(sqlx::AssertSqlSafe(format!(
            "{WORKFLOWS} WHERE w.workflow_key = $1"
        )))
        .bind(key)
        .fetch_optional(pool)
        .await?,
    )
}

/// Per-task totals over the window computed from raw rows (every task with at least one
/// execution in it; `p95_upper` holds the exact p95). Rankings read
/// [`crate::rollups::task_totals`]; this is the baseline the benchmarks compare them with
/// (`TASKLENS_READ_RAW`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_aggregates(
    pool: &PgPool,
    window: &TimeWindow,
) -> Result<Vec<crate::rollups::TaskTotals>, DbError> {
    Ok(sqlx::query_as(include_str!("sql/task_rankings.sql"))
        .bind(window.from)
        .bind(window.to)
        .fetch_all(pool)
        .await?)
}

/// One task group of a workflow in a window, with the group count and the workflow's runtime
/// on every row (see `sql/task_groups.sql`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskGroupRow {
    pub group: String,
    pub tasks: i64,
    pub executions: i64,
    pub completed: i64,
    pub failures: i64,
    pub total_runtime_ms: f64,
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub total_groups: i64,
    pub workflow_runtime_ms: f64,
}

/// The first `limit` task groups of workflow `id` in `window`, ordered by `sort`.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn task_groups(
    pool: &PgPool,
    id: Uuid,
    window: &TimeWindow,
    limit: i64,
    sort: types::TaskGroupSort,
) -> Result<Vec<TaskGroupRow>, DbError> {
    Ok(sqlx::query_as(include_str!("sql/task_groups.sql"))
        .bind(id)
        .bind(window.from)
        .bind(window.to)
        .bind(limit)
        .bind(sort.as_str())
        .fetch_all(pool)
        .await?)
}
