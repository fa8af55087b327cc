//! Paginated lists: tasks, and a task's executions.

use chrono::{DateTime, Utc};
use types::{ExecutionStatus, ExecutionSummary, Page, TaskSummary};

use crate::{ServiceError, Services};

/// Default and largest page sizes.
pub const TASKS_DEFAULT_LIMIT: i64 = 50;
pub const TASKS_MAX_LIMIT: i64 = 200;
pub const EXECUTIONS_DEFAULT_LIMIT: i64 = 100;
pub const EXECUTIONS_MAX_LIMIT: i64 = 500;

fn limit(raw: Option<i64>, default: i64, max: i64) -> Result<i64, ServiceError> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ServiceError::invalid(
            "limit",
            format!("must be 1..={max}, got {n}"),
        )),
    }
}

fn bad_cursor() -> ServiceError {
    ServiceError::invalid("cursor", "is not a cursor this API returned")
}

pub async fn list_tasks(
    s: &Services,
    search: Option<&str>,
    workflow_id: Option<&str>,
    raw_limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<Page<TaskSummary>, ServiceError> {
    let n = limit(raw_limit, TASKS_DEFAULT_LIMIT, TASKS_MAX_LIMIT)?;
    let after = cursor
        .map(|c| db::pages::decode_cursor(c).ok_or_else(bad_cursor))
        .transpose()?;
    let mut rows =
        db::pages::tasks_page(&s.pool, search, workflow_id, after.as_deref(), n + 1).await?;
    let next_cursor = (rows.len() as i64 > n).then(|| {
        rows.truncate(n as usize);
        rows.last().map(|r| db::pages::encode_cursor(&r.task_key))
    });
    Ok(Page {
        next_cursor: next_cursor.flatten(),
        items: rows
            .into_iter()
            .map(|r| {
                db::tasks::TaskSummaryRow {
                    task_key: r.task_key,
                    task_name: r.task_name,
                    workflow_key: r.workflow_key,
                    task_type: r.task_type,
                    total_executions: r.total_executions,
                    failed_executions: r.failed_executions,
                    last_run: r.last_run,
                }
                .into()
            })
            .collect(),
    })
}

fn parse_status(raw: &str) -> Result<ExecutionStatus, ServiceError> {
    serde::Deserialize::deserialize(
        serde::de::value::StrDeserializer::<serde::de::value::Error>::new(raw),
    )
    .map_err(|_| {
        ServiceError::invalid(
            "status",
            "must be one of completed, failed, timeout, cancelled, skipped, running",
        )
    })
}

fn execution_cursor(start: DateTime<Utc>, id: uuid::Uuid) -> String {
    db::pages::encode_cursor(&format!("{}|{id}", start.timestamp_micros()))
}

fn parse_execution_cursor(c: &str) -> Result<(DateTime<Utc>, uuid::Uuid), ServiceError> {
    let raw = db::pages::decode_cursor(c).ok_or_else(bad_cursor)?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad_cursor)?;
    let micros: i64 = micros.parse().map_err(|_| bad_cursor())?;
    let start = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad_cursor)?;
    Ok((start, id.parse().map_err(|_| bad_cursor())?))
}

pub async fn task_executions(
    s: &Services,
    key: &str,
    status: Option<&str>,
    raw_limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<Page<ExecutionSummary>, ServiceError> {
    let n = limit(raw_limit, EXECUTIONS_DEFAULT_LIMIT, EXECUTIONS_MAX_LIMIT)?;
    let status = status.map(parse_status).transpose()?;
    let after = cursor.map(parse_execution_cursor).transpose()?;
    let task = db::executions::find_task(&s.pool, key)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("task {key:?}")))?;
    let mut rows =
        db::pages::executions_page(&s.pool, task.id, status.map(|s| s.as_str()), after, n + 1)
            .await?;
    let next_cursor = if rows.len() as i64 > n {
        rows.truncate(n as usize);
        rows.last().map(|r| execution_cursor(r.start_time, r.id))
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| ExecutionSummary {
            execution_id: r.execution_key,
            workflow_execution_id: r.run_key,
            status: parse_status(&r.status).unwrap_or(ExecutionStatus::Failed),
            attempt_number: r.attempt_number.unwrap_or(1),
            start_time: r.start_time,
            end_time: r.end_time,
            duration_ms: r.duration_ms,
            cpu_time_ms: r.cpu_time_ms,
            memory_peak_mb: r.memory_peak_mb,
            host: r.host,
            error: r.error_details.and_then(serde_deserialize),
            retry_reason: r.retry_reason,
        })
        .collect();
    Ok(Page { items, next_cursor })
}

fn serde_deserialize<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Option<T> {
    T::deserialize(v).ok()
}
