//! Reading a task's execution history for the analytics.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::{ExecutionStatus, TimeWindow};
use uuid::Uuid;

use analytics::execution::Execution;
use analytics::failures::{AttemptCount, FailureEvidence, Recovery};

use crate::DbError;
use types::ingest::AttributeValue;

/// A task as stored, with its workflow.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRef {
    pub id: Uuid,
    pub task_key: String,
    pub task_name: String,
    #[sqlx(try_from = "String")]
    pub task_type: types::TaskType,
    pub workflow_id: Uuid,
    pub workflow_key: String,
}

/// The task with this caller key, if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_task(pool: &PgPool, task_key: &str) -> Result<Option<TaskRef>, DbError> {
    Ok(sqlx::query_as::<_, TaskRef>(
        "SELECT t.id, t.task_key, t.task_name, t.task_type, t.workflow_id, w.workflow_key
         FROM tasks t JOIN workflows w ON w.id = t.workflow_id WHERE t.task_key = $1",
    )
    .bind(task_key)
    .fetch_optional(pool)
    .await?)
}

/// Tasks with executions in `window` (by their daily rollups), by workflow and key.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn active_tasks(pool: &PgPool, window: &TimeWindow) -> Result<Vec<TaskRef>, DbError> {
    Ok(sqlx::query_as::<_, TaskRef>(
        "SELECT t.id, t.task_key, t.task_name, t.task_type, t.workflow_id, w.workflow_key
         FROM tasks t JOIN workflows w ON w.id = t.workflow_id
         WHERE EXISTS (SELECT 1 FROM task_rollups_daily d
                       WHERE d.task_id = t.id
                         AND ($1::timestamptz IS NULL OR d.bucket >= date_trunc('day', $1, 'UTC'))
                         AND d.bucket < $2)
         ORDER BY w.workflow_key, t.task_key",
    )
    .bind(window.from)
    .bind(window.to)
    .fetch_all(pool)
    .await?)
}

#[derive(Debug, sqlx::FromRow)]
struct ExecutionRow {
    #[sqlx(default)]
    task_key: Option<String>,
    execution_key: String,
    run_key: String,
    instance_key: String,
    #[sqlx(try_from = "String")]
    status: ExecutionStatus,
    attempt_number: Option<i32>,
    start_time: DateTime<Utc>,
    end_time: Option<DateTime<Utc>>,
    duration_ms: Option<i64>,
    cpu_time_ms: Option<i64>,
    memory_peak_mb: Option<f64>,
    cpu_allocated_cores: Option<f64>,
    memory_allocated_mb: Option<f64>,
    input_size_bytes: Option<i64>,
    output_size_bytes: Option<i64>,
    read_bytes: Option<i64>,
    write_bytes: Option<i64>,
    io_operations: Option<i64>,
    network_calls: Option<i64>,
    bytes_transferred: Option<i64>,
    host: Option<String>,
    error_details: Option<serde_json::Value>,
    input_hash: Option<String>,
    attributes: serde_json::Value,
}

/// A stored attempt number (1 when absent or out of range).
fn attempt_of(stored: Option<i32>) -> u32 {
    stored.and_then(|a| u32::try_from(a).ok()).unwrap_or(1)
}

impl ExecutionRow {
    fn into_execution(self, task_key: &str, workflow_key: &str) -> Execution {
        let f = |v: Option<i64>| v.map(|v| v as f64);
        let err = self.error_details.as_ref();
        let text = |k: &str| {
            err.and_then(|e| e.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let attributes = match self.attributes {
            serde_json::Value::Object(m) => m
                .into_iter()
                .map(|(k, v)| {
                    // Ingest stores strings, finite numbers and booleans only.
                    let v = match v {
                        serde_json::Value::String(s) => AttributeValue::Text(s),
                        serde_json::Value::Bool(b) => AttributeValue::Bool(b),
                        serde_json::Value::Number(n) => n.as_f64().map_or_else(
                            || AttributeValue::Text(n.to_string()),
                            AttributeValue::Number,
                        ),
                        other => AttributeValue::Text(other.to_string()),
                    };
                    (k, v)
                })
                .collect(),
            _ => Vec::new(),
        };
        Execution {
            execution_id: self.execution_key,
            task_id: self.task_key.unwrap_or_else(|| task_key.to_owned()),
            workflow_id: workflow_key.to_owned(),
            workflow_execution_id: self.run_key,
            instance: self.instance_key,
            status: self.status,
            attempt: attempt_of(self.attempt_number),
            start_ms: self.start_time.timestamp_millis(),
            end_ms: self.end_time.map(|t| t.timestamp_millis()),
            duration_ms: f(self.duration_ms),
            cpu_time_ms: f(self.cpu_time_ms),
            memory_peak_mb: self.memory_peak_mb,
            cpu_allocated_cores: self.cpu_allocated_cores,
            memory_allocated_mb: self.memory_allocated_mb,
            input_size_bytes: f(self.input_size_bytes),
            output_size_bytes: f(self.output_size_bytes),
            read_bytes: f(self.read_bytes),
            write_bytes: f(self.write_bytes),
            io_operations: f(self.io_operations),
            network_calls: f(self.network_calls),
            bytes_transferred: f(self.bytes_transferred),
            host: self.host,
            error_type: text("type"),
            error_code: text("code"),
            error_message: text("message"),
            input_hash: self.input_hash,
            attributes,
        }
    }
}

/// Most executions of one task a record-level sample reads (error signatures and correlated
/// factors, resources, concurrency, caching, patterns): the latest of the window; answers built
/// from it carry a `basis` when the window holds more. Counts, statistics, cost and the trend
/// come from the rollups, root causes, cascades, retries and recovery from
/// [`failure_evidence`]: they cover the whole window.
pub const MAX_TASK_RECORDS: i64 = 20_000;

/// The latest [`MAX_TASK_RECORDS`] executions of `task` whose start lies in `window`, oldest
/// first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_executions(
    pool: &PgPool,
    task: &TaskRef,
    window: &TimeWindow,
) -> Result<Vec<Execution>, DbError> {
    latest_task_executions(pool, task, window, MAX_TASK_RECORDS).await
}

/// The latest `limit` executions of `task` whose start lies in `window`, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn latest_task_executions(
    pool: &PgPool,
    task: &TaskRef,
    window: &TimeWindow,
    limit: i64,
) -> Result<Vec<Execution>, DbError> {
    let rows = sqlx::query_as::<_, ExecutionRow>(include_str!("sql/task_executions.sql"))
        .bind(task.id)
        .bind(window.from)
        .bind(window.to)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .rev()
        .map(|r| r.into_execution(&task.task_key, &task.workflow_key))
        .collect())
}

/// Most workflow runs an analysis reads for dependency timing and critical paths: the latest
/// runs of the window (answers say so in their `basis` when the window holds more). Bounds the
/// cost for busy workflows (an hourly 15-task workflow has 10,800 executions a month); the
/// task's own statistics still use every run, its cascades and root causes every run in which
/// it failed or was skipped ([`failure_evidence`]).
pub const MAX_CONTEXT_RUNS: i64 = 500;

/// Every execution of every task of `task`'s workflow in its latest [`MAX_CONTEXT_RUNS`] runs
/// of `window`, oldest first, as context records (see [`workflow_executions_by_id`]).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn workflow_executions(
    pool: &PgPool,
    task: &TaskRef,
    window: &TimeWindow,
) -> Result<Vec<Execution>, DbError> {
    workflow_executions_by_id(pool, task.workflow_id, &task.workflow_key, window).await
}

/// A workflow execution as the context needs it: which run and task, status, timing, error type.
#[derive(Debug, sqlx::FromRow)]
struct ContextRow {
    task_key: String,
    execution_key: String,
    run_key: String,
    instance_key: String,
    #[sqlx(try_from = "String")]
    status: ExecutionStatus,
    attempt_number: Option<i32>,
    start_time: DateTime<Utc>,
    end_time: Option<DateTime<Utc>>,
    duration_ms: Option<i64>,
    error_type: Option<String>,
}

/// Every execution of every task of a workflow in its latest [`MAX_CONTEXT_RUNS`] runs of
/// `window`, oldest first. Context records carry what runs, cascades, waits and critical paths
/// read (ids, instance, status, attempt, times, duration, error type) and leave the rest empty:
/// reading and decoding resources, attributes and error texts of ~10,000 rows was most of a
/// performance request's cost.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn workflow_executions_by_id(
    pool: &PgPool,
    workflow_id: Uuid,
    workflow_key: &str,
    window: &TimeWindow,
) -> Result<Vec<Execution>, DbError> {
    let rows = sqlx::query_as::<_, ContextRow>(include_str!("sql/workflow_executions.sql"))
        .bind(workflow_id)
        .bind(window.from)
        .bind(window.to)
        .bind(MAX_CONTEXT_RUNS)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| r.into_execution(workflow_key))
        .collect())
}

impl ContextRow {
    fn into_execution(self, workflow_key: &str) -> Execution {
        Execution {
            workflow_id: workflow_key.to_owned(),
            attempt: attempt_of(self.attempt_number),
            duration_ms: self.duration_ms.map(|d| d as f64),
            error_type: self.error_type,
            instance: self.instance_key,
            ..Execution::new(
                self.execution_key,
                self.task_key,
                self.run_key,
                self.status,
                self.start_time.timestamp_millis(),
                self.end_time.map(|t| t.timestamp_millis()),
            )
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct EvidenceRow {
    role: String,
    #[sqlx(flatten)]
    record: ContextRow,
}

#[derive(Debug, sqlx::FromRow)]
struct AttemptRow {
    attempt: i32,
    records: i64,
    completed: i64,
    finished: i64,
    skipped: i64,
    logical: i64,
    succeeded: i64,
    recovered: i64,
    total_ms: f64,
}

/// Everything the failure analysis of `task` reads besides its error signatures, over the whole
/// `window` however long the history (no sample, no cap): the task's failed, timed-out and
/// skipped executions, the failed, timed-out and skipped final states of every task in the
/// runs where those happened (`sql/failure_states.sql`: bounded by the task's failures), and
/// retry and recovery counts computed in SQL over every execution of the task in the window
/// (`sql/failure_counts.sql`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn failure_evidence(
    pool: &PgPool,
    task: &TaskRef,
    window: &TimeWindow,
) -> Result<FailureEvidence, DbError> {
    let (states, counts) = tokio::try_join!(
        sqlx::query_as::<_, EvidenceRow>(include_str!("sql/failure_states.sql"))
            .bind(task.id)
            .bind(window.from)
            .bind(window.to)
            .fetch_all(pool),
        sqlx::query_as::<_, AttemptRow>(include_str!("sql/failure_counts.sql"))
            .bind(task.id)
            .bind(window.from)
            .bind(window.to)
            .fetch_all(pool),
    )?;
    let mut evidence = FailureEvidence {
        task_id: task.task_key.clone(),
        ..FailureEvidence::default()
    };
    for r in states {
        let e = r.record.into_execution(&task.workflow_key);
        if r.role == "own" {
            evidence.affected.push(e);
        } else {
            evidence.states.push(e);
        }
    }
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    if let Some(r) = counts.first() {
        evidence.recovery = Recovery {
            recovered: n(r.recovered),
            total_ms: r.total_ms,
        };
    }
    evidence.attempts = counts
        .iter()
        .map(|r| AttemptCount {
            attempt: attempt_of(Some(r.attempt)),
            records: n(r.records),
            completed: n(r.completed),
            finished: n(r.finished),
            skipped: n(r.skipped),
            logical: n(r.logical),
            succeeded: n(r.succeeded),
        })
        .collect();
    Ok(evidence)
}

/// Runs of a workflow whose start lies in `window` (runs without a start count, as the
/// context's run selection takes them).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn workflow_runs_in(
    pool: &PgPool,
    workflow_id: Uuid,
    window: &TimeWindow,
) -> Result<u64, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM workflow_executions r
         WHERE r.workflow_id = $1
           AND (r.start_time IS NULL
                OR (($2::timestamptz IS NULL OR r.start_time >= $2) AND r.start_time < $3))",
    )
    .bind(workflow_id)
    .bind(window.from)
    .bind(window.to)
    .fetch_one(pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// An edge of a workflow's DAG with both tasks' keys and names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EdgeRow {
    pub upstream_key: String,
    pub upstream_name: String,
    pub downstream_key: String,
    pub downstream_name: String,
    #[sqlx(try_from = "String")]
    pub dependency_type: types::DependencyType,
    pub optional: Option<bool>,
}

/// The DAG edges of a workflow.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn workflow_edges(pool: &PgPool, workflow_id: Uuid) -> Result<Vec<EdgeRow>, DbError> {
    Ok(sqlx::query_as::<_, EdgeRow>(
        "SELECT u.task_key AS upstream_key, u.task_name AS upstream_name,
                d.task_key AS downstream_key, d.task_name AS downstream_name,
                e.dependency_type, e.optional
         FROM task_dependencies e
         JOIN tasks u ON u.id = e.task_id
         JOIN tasks d ON d.id = e.dependent_task_id
         WHERE e.workflow_id = $1
         ORDER BY u.task_key, d.task_key",
    )
    .bind(workflow_id)
    .fetch_all(pool)
    .await?)
}

/// Names of a workflow's tasks by key.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn workflow_task_names(
    pool: &PgPool,
    workflow_id: Uuid,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(
        sqlx::query_as("SELECT task_key, task_name FROM tasks WHERE workflow_id = $1")
            .bind(workflow_id)
            .fetch_all(pool)
            .await?,
    )
}
