//! The one route table of the server.

pub mod api;
mod docs;
mod health;

/// Re-exported for the OpenAPI document.
pub mod health_path {
    pub use super::health::*;
}

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::HeaderValue;
use axum::http::header::CONTENT_SECURITY_POLICY;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::startup::ServerState;

/// Framing policy: `/embed/...` panels may be framed by the configured origins only; every
/// other response forbids framing (clickjacking). Chromium, Firefox and Safari enforce
/// `frame-ancestors`, which supersedes `X-Frame-Options`.
#[derive(Clone, Debug)]
pub struct FramePolicy {
    embed: HeaderValue,
}

const NO_FRAMING: &str = "frame-ancestors 'none'";

impl FramePolicy {
    /// Origins are `scheme://host[:port]`; anything else (which could smuggle another CSP
    /// directive into the header) is refused.
    pub fn new(origins: &[String]) -> Result<Self, String> {
        for o in origins {
            let ok = o.split_once("://").is_some_and(|(scheme, rest)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    && !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-.:*[]".contains(c))
            });
            if !ok {
                return Err(format!(
                    "{o:?} is not an origin like https://portal.example.com"
                ));
            }
        }
        let embed = if origins.is_empty() {
            NO_FRAMING.to_owned()
        } else {
            format!("frame-ancestors {}", origins.join(" "))
        };
        Ok(Self {
            embed: HeaderValue::from_str(&embed).map_err(|e| e.to_string())?,
        })
    }
}

async fn frame_ancestors(State(policy): State<FramePolicy>, req: Request, next: Next) -> Response {
    let embed = req.uri().path().starts_with("/embed/");
    let mut resp = next.run(req).await;
    let value = if embed {
        policy.embed
    } else {
        HeaderValue::from_static(NO_FRAMING)
    };
    resp.headers_mut().insert(CONTENT_SECURITY_POLICY, value);
    resp
}

pub fn router(state: ServerState, request_timeout: std::time::Duration) -> Router {
    let frame_policy = state.frame_policy.clone();
    let leptos_options = state.leptos_options.clone();
    let pkg_dir = std::path::Path::new(leptos_options.site_root.as_ref())
        .join(leptos_options.site_pkg_dir.as_ref());
    let ctx = state.app.clone();
    let routes = generate_route_list(app::App);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi_json))
        .route("/api/v1/docs", get(docs::docs))
        .route("/api/v1/task-analytics/tasks", get(api::tasks::list))
        .route(
            "/api/v1/task-analytics/tasks/bottlenecks",
            get(api::workflows::bottlenecks),
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
            move || provide_context(ctx.clone()),
            move || app::shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<ServerState, _>(
            app::shell,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            frame_policy,
            frame_ancestors,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
