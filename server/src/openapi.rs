//! The OpenAPI 3.1 document, generated from the handlers' annotations (utoipa).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tasklens API",
        description = "Workflow task analytics. Errors are application/problem+json (RFC 9457).",
    ),
    paths(
        crate::routes::health_path::healthz,
        api::ingest::ingest,
        api::tasks::list,
        api::tasks::executions,
        api::tasks::performance,
        api::tasks::failures,
        api::tasks::dependencies,
        api::tasks::patterns,
        api::tasks::anomalies,
        api::workflows::list,
        api::workflows::critical_path,
        api::workflows::task_groups,
        api::simulate::simulate,
        api::optimizations::list,
        api::optimizations::optimize,
        api::optimizations::transition,
        api::prediction::predict,
        api::prediction::model,
        api::compare::compare,
        api::compare::similar,
        api::workflows::bottlenecks,
        api::workflows::rankings,
        api::workflows::resource_profile,
    ),
    components(schemas(
        types::ingest::ExecutionRecord,
        types::ingest::DependencyRecord,
        types::ingest::IngestResponse,
        crate::problem::Problem,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "ingest", description = "Sending execution records (ingest format v1)"),
        (name = "tasks", description = "Per-task analyses over a time window"),
        (name = "workflows", description = "Workflows and their critical paths"),
        (name = "operations", description = "Health and operations"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
