//! Workflows and cross-task questions: `GET /workflows`, `/workflows/{id}/critical-path`,
//! `/workflows/{id}/task-groups`,
//! `/tasks/bottlenecks`, `/tasks/rankings`, `/tasks/{id}/resource-profile`.

use axum::Json;
use axum::extract::State;

use super::extract::{ApiPath, ApiQuery};
use serde::Deserialize;
use service::{Bottlenecks, WindowParams, Windowed, Workflows, resolve_window};
use types::{
    Rankings, ResourceProfile, TaskGroupSort, TimeRangePreset, WorkflowCriticalPath,
    WorkflowTaskGroups,
};

use crate::problem::Problem;
use crate::startup::ServerState;

fn window(
    time_range: Option<String>,
    from: Option<String>,
    to: Option<String>,
    default: TimeRangePreset,
) -> Result<types::TimeWindow, Problem> {
    let p = WindowParams {
        time_range,
        from,
        to,
    };
    Ok(resolve_window(&p, default, chrono::Utc::now())?)
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/workflows",
    tag = "workflows",
    responses((status = 200, description = "Every workflow with task and run counts", body = Workflows))
)]
pub async fn list(State(state): State<ServerState>) -> Result<Json<Workflows>, Problem> {
    Ok(Json(service::list_workflows(&state.services).await?))
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/workflows/{workflow_id}/critical-path",
    tag = "workflows",
    params(("workflow_id" = String, Path, description = "The workflow's key"), WindowParams),
    responses(
        (status = 200, description = "Critical path by median durations (default 7d)", body = inline(Windowed<WorkflowCriticalPath>)),
        (status = 404, description = "Unknown workflow", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window, or the DAG has a cycle", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn critical_path(
    State(state): State<ServerState>,
    ApiPath(workflow_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<WindowParams>,
) -> Result<Json<Windowed<WorkflowCriticalPath>>, Problem> {
    let w = window(q.time_range, q.from, q.to, TimeRangePreset::Week)?;
    Ok(Json(
        service::workflow_critical_path(&state.services, &workflow_id, w).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BottlenecksParams {
    /// Only this workflow (its key); all workflows when absent.
    pub workflow_id: Option<String>,
    pub time_range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/bottlenecks",
    tag = "tasks",
    params(BottlenecksParams),
    responses(
        (status = 200, description = "Critical-path bottlenecks by severity (default 7d)", body = inline(Windowed<Bottlenecks>)),
        (status = 404, description = "Unknown workflow", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn bottlenecks(
    State(state): State<ServerState>,
    ApiQuery(q): ApiQuery<BottlenecksParams>,
) -> Result<Json<Windowed<Bottlenecks>>, Problem> {
    let w = window(q.time_range, q.from, q.to, TimeRangePreset::Week)?;
    Ok(Json(
        service::bottlenecks(&state.services, q.workflow_id.as_deref(), w).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingsParams {
    /// performance, failure_rate, cost, duration or executions (default performance).
    pub metric: Option<String>,
    /// 1..=100 (default 20).
    pub limit: Option<i64>,
    pub time_range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/rankings",
    tag = "tasks",
    params(RankingsParams),
    responses(
        (status = 200, description = "Tasks ranked by the metric, highest first (default 7d)", body = inline(Windowed<Rankings>)),
        (status = 422, description = "Unknown metric or limit out of bounds", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rankings(
    State(state): State<ServerState>,
    ApiQuery(q): ApiQuery<RankingsParams>,
) -> Result<Json<Windowed<Rankings>>, Problem> {
    let p = WindowParams {
        time_range: q.time_range,
        from: q.from,
        to: q.to,
    };
    let w = resolve_window(&p, TimeRangePreset::Week, chrono::Utc::now())?;
    let metric = q.metric.as_deref().unwrap_or("performance");
    let label = p.label(TimeRangePreset::Week);
    Ok(Json(
        service::rankings_cached(&state.services, metric, q.limit, label, w).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/resource-profile",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), WindowParams),
    responses(
        (status = 200, description = "Resource requirements and recommendations (default 30d)", body = inline(Windowed<ResourceProfile>)),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn resource_profile(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<WindowParams>,
) -> Result<Json<Windowed<ResourceProfile>>, Problem> {
    let w = window(q.time_range, q.from, q.to, TimeRangePreset::Month)?;
    Ok(Json(
        service::resource_profile(&state.services, &task_id, w).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskGroupsParams {
    /// runtime (default: most total runtime first), p95, mean, executions or failures.
    pub sort: Option<String>,
    /// 1..=1000 (default 100); the answer says when groups were left out.
    pub limit: Option<u32>,
    pub time_range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/workflows/{workflow_id}/task-groups",
    tag = "workflows",
    params(("workflow_id" = String, Path, description = "The workflow's key"), TaskGroupsParams),
    responses(
        (status = 200, description = "The workflow's executions grouped by task type (the record's taskGroup attribute, else the task name), exact over the window (default all)", body = inline(Windowed<WorkflowTaskGroups>)),
        (status = 404, description = "Unknown workflow", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad window, sort or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn task_groups(
    State(state): State<ServerState>,
    ApiPath(workflow_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TaskGroupsParams>,
) -> Result<Json<Windowed<WorkflowTaskGroups>>, Problem> {
    let w = window(q.time_range, q.from, q.to, TimeRangePreset::All)?;
    let sort = match q.sort.as_deref() {
        None => TaskGroupSort::default(),
        Some(s) => s
            .parse()
            .map_err(|e: String| service::ServiceError::invalid("sort", e))?,
    };
    Ok(Json(
        service::task_groups(&state.services, &workflow_id, w, sort, q.limit).await?,
    ))
}
