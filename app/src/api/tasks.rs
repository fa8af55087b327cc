use leptos::prelude::*;
use types::{Page, TaskSummary};

use crate::AppError;

/// Rows returned to the task list.
pub const TASK_LIST_LIMIT: i64 = 200;

/// Tasks with their execution counts, busiest first, optionally filtered by key or name: the
/// REST list's service path with `sort=busiest`. `nextCursor` is set when more tasks match than
/// the page holds.
#[server(name = ListTasks, prefix = "/api", endpoint = "list_tasks", output = crate::api::Json)]
pub async fn list_tasks(search: Option<String>) -> Result<Page<TaskSummary>, AppError> {
    let ctx = crate::ssr::context()?;
    let query = service::TaskListQuery {
        search,
        sort: Some("busiest".into()),
        limit: Some(TASK_LIST_LIMIT),
        ..Default::default()
    };
    Ok(service::list_tasks(&ctx.services, &query).await?)
}
