//! The dashboard of one task: metrics and chart data in one request (no waterfall).

use leptos::prelude::*;
use types::TaskDashboard;

use crate::AppError;

/// `range` is a preset (`1h` … `all`, default `7d`), or `from`/`to` are RFC 3339 times.
#[server(name = TaskDashboardFn, prefix = "/api", endpoint = "task_dashboard", output = crate::api::Json)]
pub async fn task_dashboard(
    task: String,
    range: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<TaskDashboard, AppError> {
    let ctx = crate::ssr::context()?;
    let params = service::WindowParams {
        time_range: range,
        from,
        to,
    };
    let window =
        service::resolve_window(&params, types::TimeRangePreset::Week, chrono::Utc::now())?;
    Ok(service::task_dashboard(&ctx.services, &task, window).await?)
}
