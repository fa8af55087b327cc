//! `GET /api/v1/task-analytics/tasks/{task_id}/...`: per-task analyses. Each handler parses
//! the window, calls the one `service` function for its question, and answers.

use axum::Json;
use axum::extract::State;

use super::extract::{ApiPath, ApiQuery};
use axum::http::StatusCode;
use serde::Deserialize;
use service::{FailuresAnswer, ServiceError, TaskPatterns, WindowParams, Windowed, resolve_window};
use types::{DependencyMetrics, TaskPerformanceMetrics, TimeRangePreset};

use crate::problem::{FieldError, Problem};
use crate::startup::ServerState;

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { param, message } => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(format!("{param}: {message}")),
                );
                p.errors.push(FieldError {
                    index: None,
                    field: param,
                    message,
                });
                p
            }
            ServiceError::NotFound(what) => {
                Problem::new(StatusCode::NOT_FOUND, Some(format!("{what} not found")))
            }
            ServiceError::Db(e) => Problem::from(e),
            ServiceError::Analysis => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("internal error".to_owned()),
            ),
        }
    }
}

fn window(p: &WindowParams, default: TimeRangePreset) -> Result<types::TimeWindow, Problem> {
    Ok(resolve_window(p, default, chrono::Utc::now())?)
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/performance",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), WindowParams),
    responses(
        (status = 200, description = "Performance over the window (default 7d)", body = inline(Windowed<TaskPerformanceMetrics>)),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad time_range/from/to", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn performance(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<WindowParams>,
) -> Result<Json<Windowed<TaskPerformanceMetrics>>, Problem> {
    let w = window(&q, TimeRangePreset::Week)?;
    let label = q.label(TimeRangePreset::Week);
    let answer = service::task_performance_cached(&state.services, &task_id, label, w).await?;
    Ok(Json(answer))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FailuresParams {
    /// Only this error type's signatures and root causes.
    pub error_type: Option<String>,
    /// `1h`, `24h`, `7d`, `30d`, `90d` or `all`.
    pub time_range: Option<String>,
    /// Window start, RFC 3339 (with `to`, instead of `time_range`).
    pub from: Option<String>,
    /// Window end, RFC 3339 (default now).
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/failures",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), FailuresParams),
    responses(
        (status = 200, description = "Failure analysis over the window (default 24h), with the task's data extent and a hint when the window holds none of its executions", body = FailuresAnswer),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad time_range/from/to", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn failures(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<FailuresParams>,
) -> Result<Json<FailuresAnswer>, Problem> {
    let defaulted = q.time_range.is_none() && q.from.is_none() && q.to.is_none();
    let params = WindowParams {
        time_range: q.time_range,
        from: q.from,
        to: q.to,
    };
    let w = window(&params, TimeRangePreset::Day)?;
    let label = params.label(TimeRangePreset::Day);
    let default = defaulted.then_some("the last 24 hours");
    Ok(Json(
        service::task_failures_answer(&state.services, &task_id, label, w, q.error_type, default)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/dependencies",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), WindowParams),
    responses(
        (status = 200, description = "Dependency analysis over the window (default 7d)", body = inline(Windowed<DependencyMetrics>)),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn dependencies(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<WindowParams>,
) -> Result<Json<Windowed<DependencyMetrics>>, Problem> {
    let w = window(&q, TimeRangePreset::Week)?;
    Ok(Json(
        service::task_dependencies(&state.services, &task_id, w).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/patterns",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), WindowParams),
    responses(
        (status = 200, description = "Recurring patterns over the window (default 30d)", body = inline(Windowed<TaskPatterns>)),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn patterns(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<WindowParams>,
) -> Result<Json<Windowed<TaskPatterns>>, Problem> {
    let w = window(&q, TimeRangePreset::Month)?;
    Ok(Json(
        service::task_patterns(&state.services, &task_id, w).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/anomalies",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), WindowParams),
    responses(
        (status = 200, description = "Outlying executions (most extreme first, at most 200) and level shifts of the median duration over the window (default 7d): the numbers the dashboard's duration chart draws", body = inline(Windowed<types::TaskAnomalies>)),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad time_range/from/to", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn anomalies(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<WindowParams>,
) -> Result<Json<Windowed<types::TaskAnomalies>>, Problem> {
    let w = window(&q, TimeRangePreset::Week)?;
    Ok(Json(
        service::task_anomalies(&state.services, &task_id, w).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTasksParams {
    /// Case-insensitive substring of the task key or name.
    pub search: Option<String>,
    /// Only tasks of this workflow (its key).
    pub workflow_id: Option<String>,
    /// `key` (default) or `busiest` (most executions first, as the overview lists them).
    pub sort: Option<String>,
    /// Page size, 1..=200 (default 50).
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks",
    tag = "tasks",
    params(ListTasksParams),
    responses(
        (status = 200, description = "Tasks by key (or busiest first), with execution counts and last run", body = inline(types::Page<types::TaskSummary>)),
        (status = 422, description = "Bad limit, sort, search, workflow_id or cursor (a cursor of another sort included)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<ServerState>,
    ApiQuery(q): ApiQuery<ListTasksParams>,
) -> Result<Json<types::Page<types::TaskSummary>>, Problem> {
    let query = service::TaskListQuery {
        search: q.search,
        workflow_id: q.workflow_id,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = service::list_tasks(&state.services, &query).await?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExecutionsParams {
    /// Only executions with this status.
    pub status: Option<String>,
    /// `newest` (start time, default), `oldest`, `longest` or `shortest` (duration; runs
    /// without a duration last).
    pub sort: Option<String>,
    /// Only executions that started in this window: `1h`, `24h`, `7d`, `30d`, `90d` or `all`
    /// (default: every execution).
    pub time_range: Option<String>,
    /// Window start, RFC 3339 (with `to`, instead of `time_range`).
    pub from: Option<String>,
    /// Window end, RFC 3339, exclusive (default now).
    pub to: Option<String>,
    /// Page size, 1..=500 (default 100).
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page, with the same `sort`.
    pub cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/executions",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key (percent-encode `/` as `%2F`)"), ExecutionsParams),
    responses(
        (status = 200, description = "Executions in the chosen order (default newest first)", body = inline(types::Page<types::ExecutionSummary>)),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad status, sort, time_range/from/to, limit or cursor (a cursor of another sort included)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn executions(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExecutionsParams>,
) -> Result<Json<types::Page<types::ExecutionSummary>>, Problem> {
    let params = WindowParams {
        time_range: q.time_range,
        from: q.from,
        to: q.to,
    };
    // No window parameter lists every execution, as before windows existed here.
    let window = match (&params.time_range, &params.from, &params.to) {
        (None, None, None) => None,
        _ => Some(window(&params, TimeRangePreset::All)?),
    };
    let query = service::ExecutionsQuery {
        status: q.status,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor,
        window,
    };
    Ok(Json(
        service::task_executions(&state.services, &task_id, &query).await?,
    ))
}
