//! One page of a task's execution history, newest first.

use leptos::prelude::*;
use types::{ExecutionSummary, Page};

use crate::AppError;

/// Rows per history page: one screen on a laptop.
pub const HISTORY_PAGE_SIZE: i64 = 20;

/// `cursor` is the `nextCursor` of the previous page; `status` filters (`failed`, ...).
#[server(name = TaskExecutionsFn, prefix = "/api", endpoint = "task_executions")]
pub async fn task_executions(
    task: String,
    status: Option<String>,
    cursor: Option<String>,
) -> Result<Page<ExecutionSummary>, AppError> {
    let ctx = crate::ssr::context()?;
    let page = service::task_executions(
        &ctx.services,
        &task,
        status.as_deref(),
        Some(HISTORY_PAGE_SIZE),
        cursor.as_deref(),
    )
    .await?;
    Ok(page)
}
