//! What the failure model reads and stores (issue 15): a task's latest executions before an
//! instant with the upstream failures of their runs, its workflow's tasks for pooling, and the
//! `failure_models` row of its latest model.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::TimeWindow;
use uuid::Uuid;

use analytics::execution::Execution;

use crate::DbError;
use crate::executions::{TaskRef, latest_task_executions};

/// Most executions one task's model reads: its latest before the cut-off. Bounds training
/// time and memory (≈ 0.5 s for 5,000 attempts on one core); answers state the cap and
/// whether it cut history off.
pub const MAX_MODEL_EXECUTIONS: i64 = 5_000;
/// Most executions a pooled model reads over its workflow's tasks (each task gets an equal
/// share, at most [`MAX_MODEL_EXECUTIONS`]).
pub const MAX_POOLED_EXECUTIONS: i64 = 20_000;

/// A task's latest `limit` executions that started before `before`, oldest first, with the
/// failed or timed-out attempts of upstream tasks in each one's run (by execution key).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_history(
    pool: &PgPool,
    task: &TaskRef,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<(Vec<Execution>, HashMap<String, u32>), DbError> {
    let window = TimeWindow {
        from: None,
        to: before,
    };
    let (execs, upstream) =
        tokio::try_join!(latest_task_executions(pool, task, &window, limit), async {
            Ok::<_, DbError>(
                sqlx::query_as::<_, (String, i64)>(include_str!(
                    "sql/prediction_upstream_failures.sql"
                ))
                .bind(task.id)
                .bind(before)
                .bind(limit)
                .fetch_all(pool)
                .await?,
            )
        })?;
    let upstream = upstream
        .into_iter()
        .map(|(k, n)| (k, u32::try_from(n).unwrap_or(u32::MAX)))
        .collect();
    Ok((execs, upstream))
}

/// Every task of a workflow, by key.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn workflow_tasks(pool: &PgPool, workflow_id: Uuid) -> Result<Vec<TaskRef>, DbError> {
    Ok(sqlx::query_as::<_, TaskRef>(
        "SELECT t.id, t.task_key, t.task_name, t.task_type, t.workflow_id, w.workflow_key
         FROM tasks t JOIN workflows w ON w.id = t.workflow_id
         WHERE t.workflow_id = $1 ORDER BY t.task_key",
    )
    .bind(workflow_id)
    .fetch_all(pool)
    .await?)
}

/// Executions of a task that started at or after `since` (all with `None`), at most `limit`
/// counted: the retraining job's "enough new executions".
#[tracing::instrument(level = "debug", skip_all)]
pub async fn executions_since(
    pool: &PgPool,
    task_id: Uuid,
    since: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM task_execution_history
          WHERE task_id = $1 AND ($2::timestamptz IS NULL OR start_time > $2) LIMIT $3) n",
    )
    .bind(task_id)
    .bind(since)
    .bind(limit)
    .fetch_one(pool)
    .await?)
}

/// The stored metadata of a task's latest failure model.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FailureModelRow {
    pub task_id: Uuid,
    pub trained_at: DateTime<Utc>,
    pub scope: String,
    pub newest_start: Option<DateTime<Utc>>,
    pub train_samples: i32,
    pub test_samples: i32,
    pub lambda: Option<f64>,
    pub accuracy: Option<f64>,
    pub roc_auc: Option<f64>,
    pub brier: Option<f64>,
    pub expected_calibration_error: Option<f64>,
    pub report: serde_json::Value,
}

/// Replaces the task's model metadata (one statement).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn store_model(pool: &PgPool, row: &FailureModelRow) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO failure_models (task_id, trained_at, scope, newest_start, train_samples,
             test_samples, lambda, accuracy, roc_auc, brier, expected_calibration_error, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (task_id) DO UPDATE SET trained_at = EXCLUDED.trained_at,
             scope = EXCLUDED.scope, newest_start = EXCLUDED.newest_start,
             train_samples = EXCLUDED.train_samples, test_samples = EXCLUDED.test_samples,
             lambda = EXCLUDED.lambda, accuracy = EXCLUDED.accuracy, roc_auc = EXCLUDED.roc_auc,
             brier = EXCLUDED.brier,
             expected_calibration_error = EXCLUDED.expected_calibration_error,
             report = EXCLUDED.report",
    )
    .bind(row.task_id)
    .bind(row.trained_at)
    .bind(&row.scope)
    .bind(row.newest_start)
    .bind(row.train_samples)
    .bind(row.test_samples)
    .bind(row.lambda)
    .bind(row.accuracy)
    .bind(row.roc_auc)
    .bind(row.brier)
    .bind(row.expected_calibration_error)
    .bind(&row.report)
    .execute(pool)
    .await?;
    Ok(())
}

/// The task's stored model metadata, if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn stored_model(
    pool: &PgPool,
    task_id: Uuid,
) -> Result<Option<FailureModelRow>, DbError> {
    Ok(
        sqlx::query_as::<_, FailureModelRow>("SELECT * FROM failure_models WHERE task_id = $1")
            .bind(task_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Keys of the tasks `task_id` depends on.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn upstream_keys(pool: &PgPool, task_id: Uuid) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT t.task_key FROM task_dependencies d JOIN tasks t ON t.id = d.task_id
         WHERE d.dependent_task_id = $1 ORDER BY t.task_key",
    )
    .bind(task_id)
    .fetch_all(pool)
    .await?)
}

/// A stored model the retraining job looks at: its task, and when and up to what it was
/// trained.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredModelRef {
    #[sqlx(flatten)]
    pub task: TaskRef,
    pub trained_at: DateTime<Utc>,
    pub newest_start: Option<DateTime<Utc>>,
}

/// Up to `limit` stored models, the longest untrained first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn stored_models(pool: &PgPool, limit: i64) -> Result<Vec<StoredModelRef>, DbError> {
    Ok(sqlx::query_as::<_, StoredModelRef>(
        "SELECT t.id, t.task_key, t.task_name, t.task_type, t.workflow_id, w.workflow_key,
                m.trained_at, m.newest_start
         FROM failure_models m
         JOIN tasks t ON t.id = m.task_id
         JOIN workflows w ON w.id = t.workflow_id
         ORDER BY m.trained_at, t.task_key
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
