//! Reads of the task comparison and similarity (issue #15): samples of several tasks' latest
//! executions for the comparison's tests, every task's similarity profile from the hourly
//! rollups in one statement, the DAG edges, and validated optimisations.

use std::collections::HashMap;

use analytics::execution::Execution;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::TimeWindow;
use uuid::Uuid;

use crate::DbError;
use crate::rollups::Cover;

#[derive(sqlx::FromRow)]
struct SampleRow {
    task_id: Uuid,
    #[sqlx(try_from = "String")]
    status: types::ExecutionStatus,
    attempt_number: Option<i32>,
    start_time: DateTime<Utc>,
    duration_ms: Option<i64>,
    cpu_time_ms: Option<i64>,
    memory_peak_mb: Option<f64>,
    cpu_allocated_cores: Option<f64>,
    memory_allocated_mb: Option<f64>,
}

/// The latest executions (at most `cap` each, newest first) of these tasks in the window,
/// with the fields the comparison reads (times, status, attempt, duration, CPU, memory).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn latest_samples(
    pool: &PgPool,
    task_ids: &[Uuid],
    window: &TimeWindow,
    cap: i64,
) -> Result<HashMap<Uuid, Vec<Execution>>, DbError> {
    let rows: Vec<SampleRow> = sqlx::query_as(include_str!("sql/comparison_samples.sql"))
        .bind(task_ids)
        .bind(window.from)
        .bind(window.to)
        .bind(cap)
        .fetch_all(pool)
        .await?;
    let mut out: HashMap<Uuid, Vec<Execution>> = HashMap::new();
    for r in rows {
        let e = Execution {
            attempt: r
                .attempt_number
                .and_then(|a| u32::try_from(a).ok())
                .unwrap_or(1),
            duration_ms: r.duration_ms.map(|d| d as f64),
            cpu_time_ms: r.cpu_time_ms.map(|c| c as f64),
            memory_peak_mb: r.memory_peak_mb,
            cpu_allocated_cores: r.cpu_allocated_cores,
            memory_allocated_mb: r.memory_allocated_mb,
            ..Execution::new("", "", "", r.status, r.start_time.timestamp_millis(), None)
        };
        out.entry(r.task_id).or_default().push(e);
    }
    Ok(out)
}

/// A task's similarity profile over a window's whole hours.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileRow {
    pub task_id: Uuid,
    pub task_key: String,
    pub task_name: String,
    #[sqlx(try_from = "String")]
    pub task_type: types::TaskType,
    pub workflow_key: String,
    pub executions: i64,
    pub failures: i64,
    pub retried: i64,
    pub cpu_share_sum: f64,
    pub cpu_share_n: i64,
    pub memory_peak: Option<f64>,
    pub memory_allocated: Option<f64>,
    /// Mean of `ln` of the hours' completed-run medians (ms); `None` without completed runs.
    pub log_median_mean: Option<f64>,
    /// Their standard deviation (0 for a single hour).
    pub log_median_sd: f64,
}

/// Similarity profiles of every task with an hourly rollup in the window's whole hours (or
/// of `only` these tasks): one statement over the hourly rollups (see
/// `sql/similarity_profiles.sql`). A window shorter than one whole hour reads nothing.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn profiles(
    pool: &PgPool,
    window: &TimeWindow,
    only: Option<&[Uuid]>,
) -> Result<Vec<ProfileRow>, DbError> {
    let Some((from, to)) = Cover::of(window).whole_hours() else {
        return Ok(Vec::new());
    };
    Ok(sqlx::query_as(include_str!("sql/similarity_profiles.sql"))
        .bind(from)
        .bind(to)
        .bind(only)
        .fetch_all(pool)
        .await?)
}

/// Every DAG edge `(upstream, downstream)` of every workflow.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all_edges(pool: &PgPool) -> Result<Vec<(Uuid, Uuid)>, DbError> {
    Ok(
        sqlx::query_as("SELECT task_id, dependent_task_id FROM task_dependencies")
            .fetch_all(pool)
            .await?,
    )
}

/// A validated optimisation of a task.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ValidatedRow {
    pub id: Uuid,
    pub task_id: Uuid,
    pub kind: String,
    pub summary: String,
}

/// The optimisations of these tasks whose lifecycle reached `validated`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn validated_optimizations(
    pool: &PgPool,
    task_ids: &[Uuid],
) -> Result<Vec<ValidatedRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, task_id, kind, summary FROM task_optimizations
         WHERE status = 'validated' AND task_id = ANY($1)
         ORDER BY task_id, validated_at DESC NULLS LAST, id",
    )
    .bind(task_ids)
    .fetch_all(pool)
    .await?)
}
