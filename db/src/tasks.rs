//! Task catalogue queries.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::DbError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskSummaryRow {
    pub task_key: String,
    pub task_name: String,
    pub workflow_key: String,
    #[sqlx(try_from = "String")]
    pub task_type: types::TaskType,
    pub total_executions: i64,
    pub failed_executions: i64,
    pub last_run: Option<DateTime<Utc>>,
}

impl From<TaskSummaryRow> for types::TaskSummary {
    fn from(r: TaskSummaryRow) -> Self {
        types::TaskSummary {
            task_id: r.task_key,
            task_name: r.task_name,
            workflow_id: r.workflow_key,
            task_type: r.task_type,
            total_executions: u64::try_from(r.total_executions).unwrap_or(0),
            failed_executions: u64::try_from(r.failed_executions).unwrap_or(0),
            last_run: r.last_run,
        }
    }
}

/// The order of a task list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOrder {
    /// By key.
    Key,
    /// Most executions first, then by key.
    Busiest,
}

/// Which tasks a list holds: `search` matches key or name, case-insensitively (LIKE wildcards
/// in it are taken literally); `workflow` is a workflow key.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskFilter<'a> {
    pub search: Option<&'a str>,
    pub workflow: Option<&'a str>,
}

/// One keyset page of tasks with their execution counts, after the row `after` = (key,
/// executions) of the previous page: stable under concurrent inserts.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_tasks(
    pool: &PgPool,
    filter: TaskFilter<'_>,
    order: TaskOrder,
    after: Option<(&str, i64)>,
    limit: i64,
) -> Result<Vec<TaskSummaryRow>, DbError> {
    let pattern = filter
        .search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(escape_like);
    let order = match order {
        TaskOrder::Key => "key",
        TaskOrder::Busiest => "busiest",
    };
    let rows = sqlx::query_as::<_, TaskSummaryRow>(include_str!("sql/list_tasks.sql"))
        .bind(pattern)
        .bind(filter.workflow)
        .bind(order)
        .bind(after.map(|a| a.0))
        .bind(after.map(|a| a.1))
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Number of stored execution attempts.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn execution_count(pool: &PgPool) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM task_execution_history")
            .fetch_one(pool)
            .await?,
    )
}

/// A task's stored history as a window sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskExtent {
    /// First and last execution start.
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// Whether any execution started in the window.
    pub in_window: bool,
}

/// The task's [`TaskExtent`]; `None` when it has no execution. Three lookups on the
/// (task, start time) index.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_extent(
    pool: &PgPool,
    task_id: uuid::Uuid,
    window: &types::TimeWindow,
) -> Result<Option<TaskExtent>, DbError> {
    let row: (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool) = sqlx::query_as(
        "SELECT min(start_time), max(start_time),
                EXISTS (SELECT 1 FROM task_execution_history
                        WHERE task_id = $1
                          AND ($2::timestamptz IS NULL OR start_time >= $2)
                          AND start_time < $3)
         FROM task_execution_history WHERE task_id = $1",
    )
    .bind(task_id)
    .bind(window.from)
    .bind(window.to)
    .fetch_one(pool)
    .await?;
    Ok(match row {
        (Some(first), Some(last), in_window) => Some(TaskExtent {
            first,
            last,
            in_window,
        }),
        _ => None,
    })
}
