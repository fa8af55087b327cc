//! Task comparison and similar tasks (see `service::compare_tasks`, `service::similar_tasks`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use service::{SimilarQuery, WindowParams};
use types::{CompareRequest, SimilarTasks, TaskComparison};

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::problem::Problem;
use crate::startup::ServerState;

#[utoipa::path(
    post,
    path = "/api/v1/task-analytics/tasks/compare",
    tag = "tasks",
    request_body = CompareRequest,
    responses(
        (status = 200, description = "The tasks side by side with the first (the baseline) over the window (default 30d): p50/p95 durations, CPU efficiency and memory, failure rate and retry success, cost, each with the p-value of its test against the baseline (Mann-Whitney U on durations, CPU efficiency and cost per execution of each task's latest executions; Fisher's exact test on failure counts; Benjamini-Hochberg adjusted over the answer); insights where a difference is significant and large enough to act on, with severity, the affected task, potential savings and the test; recommendations; each task's similarity to the baseline; and the basis (executions in the window and read)", body = TaskComparison),
        (status = 404, description = "A task that does not exist (named)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fewer than 2 or more than 10 tasks, a repeated or malformed key (`taskIds[i]`), a bad window (`timeRange`, `from`, `to`), or a task without executions in it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn compare(
    State(state): State<ServerState>,
    ApiJson(req): ApiJson<CompareRequest>,
) -> Result<Json<TaskComparison>, Problem> {
    Ok(Json(service::compare_tasks(&state.services, req).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarParams {
    /// Smallest similarity listed, in [0, 1] (default 0.7).
    pub threshold: Option<f64>,
    /// Most tasks listed, 1 to 200 (default 20).
    pub limit: Option<usize>,
    /// `1h`, `24h`, `7d`, `30d` (default), `90d` or `all`.
    pub time_range: Option<String>,
    /// Window start, RFC 3339 (with `to`, instead of `time_range`).
    pub from: Option<String>,
    /// Window end, RFC 3339 (default now).
    pub to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/similar",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key"), SimilarParams),
    responses(
        (status = 200, description = "Tasks whose profile over the window (duration quantiles, resources, failures, DAG position, task type) scores at least the threshold against the task's, most similar first, each with its per-aspect scores and weights, and the validated optimisations of either task with whether they transfer; the method states the formula", body = SimilarTasks),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "threshold outside [0, 1], limit outside 1..200, a bad window, or no executions of the task in it", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn similar(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<SimilarParams>,
) -> Result<Json<SimilarTasks>, Problem> {
    let query = SimilarQuery {
        threshold: q.threshold,
        limit: q.limit,
        window: WindowParams {
            time_range: q.time_range,
            from: q.from,
            to: q.to,
        },
    };
    Ok(Json(
        service::similar_tasks(&state.services, &task_id, query).await?,
    ))
}
