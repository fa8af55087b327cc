//! The executions the what-if simulator resamples (see `sql/simulation_history.sql`).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::{ExecutionStatus, TimeWindow};
use uuid::Uuid;

use crate::DbError;

/// One execution of a simulated workflow's history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub run_key: String,
    /// Runs of the workflow that started in the window (all of them, not only those read).
    pub runs_in_window: i64,
    pub task_key: String,
    pub instance_key: String,
    pub attempt_number: Option<i32>,
    #[sqlx(try_from = "String")]
    pub status: ExecutionStatus,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub memory_peak_mb: Option<f64>,
    pub cpu_allocated_cores: Option<f64>,
    pub memory_allocated_mb: Option<f64>,
    pub error_type: Option<String>,
    pub error_code: Option<String>,
}

/// Every execution of workflow `id` in its latest `max_runs` runs that started in `window`,
/// by run, task, instance and attempt.
#[tracing::instrument(level = "debug", skip(pool))]
pub async fn history(
    pool: &PgPool,
    id: Uuid,
    window: &TimeWindow,
    max_runs: i64,
) -> Result<Vec<HistoryRow>, DbError> {
    Ok(sqlx::query_as(include_str!("sql/simulation_history.sql"))
        .bind(id)
        .bind(window.from)
        .bind(window.to)
        .bind(max_runs)
        .fetch_all(pool)
        .await?)
}
