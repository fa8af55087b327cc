//! One page of a task's execution history in the dashboard's window, order and filter.

use leptos::prelude::*;
use types::{ExecutionSummary, Page};

use crate::AppError;

/// Rows per history page: one screen on a laptop.
pub const HISTORY_PAGE_SIZE: i64 = 20;

/// `status` filters (`failed`, ...), `sort` orders (`newest` default, `oldest`, `longest`,
/// `shortest`), `cursor` is the previous page's `nextCursor`; `range` or `from`/`to` is the
/// page's window, as for the dashboard.
#[server(name = TaskExecutionsFn, prefix = "/api", endpoint = "task_executions", output = crate::api::Json)]
pub async fn task_executions(
    task: String,
    status: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Page<ExecutionSummary>, AppError> {
    let ctx = crate::ssr::context()?;
    let params = service::WindowParams {
        time_range: range,
        from,
        to,
    };
    let window =
        service::resolve_window(&params, types::TimeRangePreset::Week, chrono::Utc::now())?;
    let query = service::ExecutionsQuery {
        status,
        sort,
        limit: Some(HISTORY_PAGE_SIZE),
        cursor,
        window: Some(window),
    };
    Ok(service::task_executions(&ctx.services, &task, &query).await?)
}
