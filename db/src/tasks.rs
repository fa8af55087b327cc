//! Task catalogue queries.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::DbError;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskSummaryRow {
    pub task_key: String,
    pub task_name: String,
    pub workflow_key: String,
    pub task_type: String,
    pub total_executions: i64,
    pub failed_executions: i64,
    pub last_run: Option<DateTime<Utc>>,
}

impl From<TaskSummaryRow> for types::TaskSummary {
    fn from(r: TaskSummaryRow) -> Self {
        let task_type =
            serde_json::from_value(serde_json::Value::String(r.task_type)).unwrap_or_default();
        types::TaskSummary {
            task_id: r.task_key,
            task_name: r.task_name,
            workflow_id: r.workflow_key,
            task_type,
            total_executions: u64::try_from(r.total_executions).unwrap_or(0),
            failed_executions: u64::try_from(r.failed_executions).unwrap_or(0),
            last_run: r.last_run,
        }
    }
}

/// Tasks with execution counts, busiest first. `search` matches key or name, case-insensitively;
/// LIKE wildcards in it are taken literally.
pub async fn list_tasks(
    pool: &PgPool,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<TaskSummaryRow>, DbError> {
    let pattern = search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(escape_like);
    let rows = sqlx::query_as::<_, TaskSummaryRow>(include_str!("sql/list_tasks.sql"))
        .bind(pattern)
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
pub async fn execution_count(pool: &PgPool) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM task_execution_history")
            .fetch_one(pool)
            .await?,
    )
}
