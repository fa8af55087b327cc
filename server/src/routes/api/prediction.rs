//! Failure prediction (see `service::predict_failure`): the probability that a planned attempt
//! fails, with its risk factors, and the model behind it with its measured quality.

use axum::Json;
use axum::extract::State;
use types::{FailureModel, FailurePrediction, PredictFailureRequest};

use super::extract::{ApiJson, ApiPath};
use crate::problem::Problem;
use crate::startup::ServerState;

#[utoipa::path(
    post,
    path = "/api/v1/task-analytics/tasks/{task_id}/predict-failure",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key")),
    request_body = PredictFailureRequest,
    responses(
        (status = 200, description = "P(the planned attempt fails) under the given conditions (absent ones at their training mean; attempt 1; start now or `asOf`), its risk level and factors, a recommended action, and the model's measured quality. With too little history: the observed failure rate, `riskLevel: unknown`, confidence 0 and the reason", body = FailurePrediction),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A condition that does not parse or is out of range (the field is named)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn predict(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
    ApiJson(req): ApiJson<PredictFailureRequest>,
) -> Result<Json<FailurePrediction>, Problem> {
    Ok(Json(
        service::predict_failure(&state.services, &task_id, req).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/task-analytics/tasks/{task_id}/failure-model",
    tag = "tasks",
    params(("task_id" = String, Path, description = "The task's key")),
    responses(
        (status = 200, description = "The task's current failure model: features and weights, training window, and on the held-out later part of its history accuracy, ROC AUC, Brier score and calibration beside the majority-class, historical-rate and same-as-last-attempt baselines. Trained on first request, refitted by a background job as history grows. With too little history: `basis` null and the reason", body = FailureModel),
        (status = 404, description = "Unknown task", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn model(
    State(state): State<ServerState>,
    ApiPath(task_id): ApiPath<String>,
) -> Result<Json<FailureModel>, Problem> {
    Ok(Json(
        service::failure_model(&state.services, &task_id).await?,
    ))
}
