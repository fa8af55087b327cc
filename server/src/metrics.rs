//! Prometheus metrics at `/metrics`: requests and latency per route, ingest rows and batches
//! (recorded by `service::ingest`), database pool use, worker queue depth and job durations
//! (recorded by `service`'s worker), cache hits, requests in flight per class.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::startup::ServerState;

/// Latency buckets, seconds: from a cached answer (ms) to the request deadline (30 s).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide recorder (one per process: tests start many apps in one).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            match builder.install_recorder() {
                Ok(h) => h,
                // Another recorder is installed (cannot happen outside tests): render ours
                // anyway, empty, rather than fail startup.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

/// Counts and times every request by method, matched route and status.
pub async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("tasklens_http_requests_total",
        "method" => method.clone(), "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("tasklens_http_request_duration_seconds",
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    resp
}

/// `GET /metrics`: the Prometheus text format; gauges are read at scrape time.
pub async fn metrics(State(state): State<ServerState>) -> Response {
    let pool = &state.services.pool;
    let size = pool.size() as f64;
    let idle = pool.num_idle() as f64;
    metrics::gauge!("tasklens_db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("tasklens_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("tasklens_db_pool_max_connections")
        .set(pool.options().get_max_connections() as f64);
    metrics::gauge!("tasklens_worker_queue_depth", "queue" => "refresh")
        .set(state.services.refresher.pending() as f64);
    let (reads, ingest) = state.shedding.in_flight();
    metrics::gauge!("tasklens_requests_in_flight", "class" => "reads").set(reads as f64);
    metrics::gauge!("tasklens_requests_in_flight", "class" => "ingest").set(ingest as f64);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}
