//! `GET /healthz`: 200 when the database answers, 503 problem+json when it does not.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::problem::Problem;
use crate::startup::ServerState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HealthResponse {
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "The server and its database answer", body = HealthResponse),
        (status = 503, description = "PostgreSQL is unreachable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn healthz(State(state): State<ServerState>) -> Response {
    match db::health(&state.app.pool).await {
        Ok(()) => Json(HealthResponse {
            status: "ok",
            database: "ok",
            version: env!("CARGO_PKG_VERSION"),
        })
        .into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}
