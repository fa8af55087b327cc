//! A workflow's runs and tasks over a window, for the workflow page: one row per run
//! (`sql/workflow_runs.sql`) and the slowest and least reliable tasks (`sql/workflow_tasks.sql`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::TimeWindow;
use uuid::Uuid;

use crate::DbError;

/// One run of a workflow: when it started, its makespan and how its logical executions ended.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RunRow {
    pub run_key: String,
    pub start_time: DateTime<Utc>,
    /// Runs of the workflow that started in the window (all of them, not only those read).
    pub runs_in_window: i64,
    /// First start to last end of the run's executions; `None` while one still runs.
    pub makespan_ms: Option<f64>,
    pub running: bool,
    /// Logical executions (task, instance), and how many ended completed or failed (failed,
    /// timed out or cancelled in their last attempt); skipped ones count in neither.
    pub logical: i64,
    pub completed: i64,
    pub failed: i64,
}

/// The latest `max_runs` runs of workflow `id` that started in `window`, oldest first.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn runs(
    pool: &PgPool,
    id: Uuid,
    window: &TimeWindow,
    max_runs: i64,
) -> Result<Vec<RunRow>, DbError> {
    Ok(sqlx::query_as(include_str!("sql/workflow_runs.sql"))
        .bind(id)
        .bind(window.from)
        .bind(window.to)
        .bind(max_runs)
        .fetch_all(pool)
        .await?)
}

/// One task of a workflow in a window, with its rank by p95 (slowest first) and by failure
/// rate (least reliable first).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TaskRow {
    pub task_key: String,
    pub task_name: String,
    pub executions: i64,
    pub completed: i64,
    /// Failed and timed-out attempts.
    pub failures: i64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    /// Tasks of the workflow with executions in the window.
    pub total_tasks: i64,
    pub slow_rank: i64,
    pub fail_rank: i64,
}

/// The first `per_list` tasks of workflow `id` in `window` by p95 and by failure rate, in
/// p95 order.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn tasks(
    pool: &PgPool,
    id: Uuid,
    window: &TimeWindow,
    per_list: i64,
) -> Result<Vec<TaskRow>, DbError> {
    Ok(sqlx::query_as(include_str!("sql/workflow_tasks.sql"))
        .bind(id)
        .bind(window.from)
        .bind(window.to)
        .bind(per_list)
        .fetch_all(pool)
        .await?)
}
