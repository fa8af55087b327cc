//! The one route table of the server.

pub mod api;
mod docs;
pub mod hardening;
mod health;
mod live;

pub use hardening::{FramePolicy, Shedding};

/// Re-exported for the OpenAPI document.
pub mod health_path {
    pub use super::health::*;
}

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{any, get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::startup::ServerState;

pub fn router(state: ServerState, request_timeout: std::time::Duration) -> Router {
    let frame_policy = state.frame_policy.clone();
    let shedding = state.shedding.clone();
    let leptos_options = state.leptos_options.clone();
    let pkg_dir = std::path::Path::new(leptos_options.site_root.as_ref())
        .join(leptos_options.site_pkg_dir.as_ref());
    let ctx = state.app.clone();
    let routes = generate_route_list(app::App);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(crate::metrics::metrics))
        .route("/ws", get(live::ws))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi_json))
        .route("/api/v1/docs", get(docs::docs))
        .route("/api/v1/task-analytics/tasks", get(api::tasks::list))
        .route(
            "/api/v1/task-analytics/tasks/bottlenecks",
            get(api::workflows::bottlenecks),
        )
        .route(
            "/api/v1/task-analytics/tasks/simulate",
            post(api::simulate::simulate),
        )
        .route(
            "/api/v1/task-analytics/tasks/compare",
            post(api::compare::compare),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/similar",
            get(api::compare::similar),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/optimizations",
            get(api::optimizations::list),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/optimize",
            post(api::optimizations::optimize),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/optimizations/{id}/transition",
            post(api::optimizations::transition),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/predict-failure",
            post(api::prediction::predict),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/failure-model",
            get(api::prediction::model),
        )
        .route(
            "/api/v1/task-analytics/tasks/rankings",
            get(api::workflows::rankings),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/resource-profile",
            get(api::workflows::resource_profile),
        )
        .route(
            "/api/v1/task-analytics/workflows",
            get(api::workflows::list),
        )
        .route(
            "/api/v1/task-analytics/workflows/{workflow_id}/critical-path",
            get(api::workflows::critical_path),
        )
        .route(
            "/api/v1/task-analytics/workflows/{workflow_id}/task-groups",
            get(api::workflows::task_groups),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/executions",
            get(api::tasks::executions),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/performance",
            get(api::tasks::performance),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/failures",
            get(api::tasks::failures),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/dependencies",
            get(api::tasks::dependencies),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/patterns",
            get(api::tasks::patterns),
        )
        .route(
            "/api/v1/task-analytics/tasks/{task_id}/anomalies",
            get(api::tasks::anomalies),
        )
        .route(
            "/api/v1/task-analytics/ingest",
            post(api::ingest::ingest).layer(DefaultBodyLimit::max(api::ingest::MAX_BODY_BYTES)),
        )
        .nest_service(
            "/pkg",
            ServeDir::new(pkg_dir)
                .precompressed_gzip()
                .precompressed_br(),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(ctx.clone());
                // The nonce of the response's CSP header (see `hardening::security_headers`).
                if let Some(nonce) = use_context::<axum::http::request::Parts>()
                    .and_then(|p| p.extensions.get::<hardening::CspNonce>().cloned())
                {
                    provide_context(leptos::nonce::Nonce::from_value(nonce.0));
                }
            },
            move || app::shell(leptos_options.clone()),
        )
        .route("/api/v1/{*rest}", any(hardening::api_not_found))
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(
            app::shell,
        ))
        // Innermost first: the last layer added sees the request first.
        .layer(from_fn(hardening::server_fn_status))
        .layer(from_fn_with_state(request_timeout, hardening::deadline))
        .layer(from_fn_with_state(shedding, hardening::shed_load))
        .layer(from_fn(hardening::refuse_nul))
        .layer(from_fn_with_state(
            frame_policy,
            hardening::security_headers,
        ))
        .layer(CatchPanicLayer::custom(hardening::panic_response))
        .layer(from_fn(hardening::problem_request_id))
        .layer(from_fn(crate::metrics::observe))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
        .with_state(state)
}

const REQUEST_ID_HEADER: axum::http::HeaderName =
    axum::http::HeaderName::from_static(hardening::REQUEST_ID);

/// The span of one request in the logs: method, path and the request id that problem bodies
/// quote.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get(hardening::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}
