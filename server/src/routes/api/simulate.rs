//! `POST /tasks/simulate`: the what-if simulator (see `service::simulate_workflow`).

use axum::Json;
use axum::extract::State;
use types::{SimulationAnswer, SimulationRequest};

use super::extract::ApiJson;
use crate::problem::Problem;
use crate::startup::ServerState;

#[utoipa::path(
    post,
    path = "/api/v1/task-analytics/tasks/simulate",
    tag = "workflows",
    request_body = SimulationRequest,
    responses(
        (status = 200, description = "Monte Carlo simulation of the workflow as observed (baseline) and with the changes, resampling its latest runs in the window (default 30d); deterministic per seed", body = SimulationAnswer),
        (status = 404, description = "Unknown workflow", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A change names an unknown task or an impossible value (the field is named), too many runs, or no runs to resample", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn simulate(
    State(state): State<ServerState>,
    ApiJson(req): ApiJson<SimulationRequest>,
) -> Result<Json<SimulationAnswer>, Problem> {
    Ok(Json(
        service::simulate_workflow(&state.services, req).await?,
    ))
}
