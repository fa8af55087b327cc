use leptos::prelude::*;
use types::TaskSummary;

use crate::AppError;

/// Longest search string accepted (characters).
pub const MAX_SEARCH_LEN: usize = 255;
/// Rows returned to the task list.
pub const TASK_LIST_LIMIT: i64 = 200;

/// Tasks with their execution counts, busiest first, optionally filtered by key or name.
#[server(name = ListTasks, prefix = "/api", endpoint = "list_tasks", output = crate::api::Json)]
pub async fn list_tasks(search: Option<String>) -> Result<Vec<TaskSummary>, AppError> {
    if search
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SEARCH_LEN)
    {
        return Err(AppError::InvalidInput {
            field: "search".into(),
            message: format!("must be at most {MAX_SEARCH_LEN} characters"),
        });
    }
    let ctx = crate::ssr::context()?;
    let rows = db::tasks::list_tasks(&ctx.pool, search.as_deref(), TASK_LIST_LIMIT).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
