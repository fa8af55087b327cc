use leptos::prelude::*;
use types::TaskSummary;

use crate::AppError;

/// Rows returned to the task list.
pub const TASK_LIST_LIMIT: i64 = 200;

/// Tasks with their execution counts, busiest first, optionally filtered by key or name.
#[server(name = ListTasks, prefix = "/api", endpoint = "list_tasks", output = crate::api::Json)]
pub async fn list_tasks(search: Option<String>) -> Result<Vec<TaskSummary>, AppError> {
    service::check_search(search.as_deref())?;
    let ctx = crate::ssr::context()?;
    let rows = db::tasks::list_tasks(&ctx.pool, search.as_deref(), TASK_LIST_LIMIT).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
