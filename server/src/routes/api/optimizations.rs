//! A task's optimisations (see `service::optimize_task`): compute and store them, list them,
//! move one through its lifecycle (`proposed → accepted → implemented → validated |
//! rolled_back`; any other move is 409).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use service::TransitionError;
use types::{
    OptimizationList, OptimizeAnswer, OptimizeRequest, StoredOptimization, TransitionRequest,
};

use super::extract::{ApiJson, ApiPath};
use crate::problem::Problem;
use crate::startup::ServerState;

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/optimizations",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key")),
    responses(
        (status = 200, description = "The task's stored optimisations, by rank, in every lifecycle state", body = OptimizationList),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
) -> Result<Json<OptimizationList>, Problem> {
    Ok(Json(
        service::task_optimizations(&state.services, &task_id).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/task-analytics/tasks/{task_id}/optimize",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key")),
    request_body = OptimizeRequest,
    responses(
        (status = 200, description = "Opportunities found in the window (default 30d), each priced by the what-if simulator on the workflow's history, ranked by expected gain per effort and stored as proposed (replacing earlier proposals)", body = OptimizeAnswer),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field (named), or no executions or runs in the window", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn optimize(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiJson(req): ApiJson<OptimizeRequest>,
) -> Result<Json<OptimizeAnswer>, Problem> {
    Ok(Json(
        service::optimize_task(&state.services, &task_id, req).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/task-analytics/tasks/{task_id}/optimizations/{id}/transition",
    tag = "tasks",
    params(
        ("task_id" = String, Path, description = "The task's key"),
        ("id" = String, Path, description = "The optimisation's id"),
    ),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The optimisation in its new state", body = StoredOptimization),
        (status = 404, description = "Unknown task or optimisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lifecycle does not allow the move from the current state (the detail names both and the allowed ones)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` is not a state", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn transition(
    State(state): State<ServerState>,
    ApiPath((task_id, id)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<TransitionRequest>,
) -> Result<Json<StoredOptimization>, Problem> {
    match service::transition_optimization(&state.services, &task_id, &id, req.to).await {
        Ok(o) => Ok(Json(o)),
        Err(TransitionError::Service(e)) => Err(e.into()),
        Err(e @ TransitionError::Refused { .. }) => {
            Err(Problem::new(StatusCode::CONFLICT, Some(e.to_string())))
        }
    }
}
