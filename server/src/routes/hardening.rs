//! Defences every request passes through, outermost first: panics answered, security headers
//! with a per-request CSP nonce, NUL refused in URLs, work in flight bounded per route class
//! (load shedding), a deadline, and server-function errors answered with their real status.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::problem::Problem;

/// The nonce of this request's Content-Security-Policy; the page's inline scripts carry it
/// (the app provides it to Leptos from the request's extensions).
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// Who may frame which page (`Content-Security-Policy: frame-ancestors`): `/embed/...` panels
/// the configured origins only; every other response nobody (clickjacking). Chromium, Firefox
/// and Safari enforce `frame-ancestors`, which supersedes `X-Frame-Options`.
#[derive(Clone, Debug)]
pub struct FramePolicy {
    embed: String,
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
        Ok(Self { embed })
    }
}

/// Sets the security headers of every response. HTML gets a policy under which only scripts
/// from this origin or carrying this request's nonce run (the hydration script carries it), so
/// markup that ever slipped through escaping could not run script; everything else gets
/// `default-src 'none'`.
pub async fn security_headers(
    State(policy): State<FramePolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let frame = if req.uri().path().starts_with("/embed/") {
        policy.embed.as_str()
    } else {
        NO_FRAMING
    };
    let frame = frame.to_owned();
    let mut resp = next.run(req).await;
    let html = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = if html {
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
             base-uri 'none'; form-action 'self'; {frame}"
        )
    } else {
        format!("default-src 'none'; {frame}")
    };
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    // Links carry task keys; other sites learn nothing from a click.
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// No key or parameter may hold NUL (PostgreSQL cannot store it): a URL with `%00` anywhere is
/// answered 400 before any route sees it, pages and REST alike.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let raw = req.uri().path_and_query().map_or("", |p| p.as_str());
    if raw.contains("%00") {
        return Problem::new(
            StatusCode::BAD_REQUEST,
            Some(
                "the URL holds a NUL character (%00), which no key or parameter may contain".into(),
            ),
        )
        .into_response();
    }
    next.run(req).await
}

/// Bounds on requests in flight, per route class. A request over the bound is answered 503
/// with `Retry-After` at once instead of queueing behind work that cannot finish in time.
#[derive(Clone, Debug)]
pub struct Shedding {
    reads: Arc<Semaphore>,
    ingest: Arc<Semaphore>,
    bounds: (usize, usize),
    /// Read requests in flight, which background recomputation gives way to.
    foreground: service::worker::Foreground,
}

impl Shedding {
    pub fn new(reads: usize, ingest: usize, foreground: service::worker::Foreground) -> Self {
        let bounds = (reads.max(1), ingest.max(1));
        Self {
            reads: Arc::new(Semaphore::new(bounds.0)),
            ingest: Arc::new(Semaphore::new(bounds.1)),
            bounds,
            foreground,
        }
    }

    /// Requests in flight now: `(reads, ingest)`.
    pub fn in_flight(&self) -> (usize, usize) {
        (
            self.bounds.0 - self.reads.available_permits(),
            self.bounds.1 - self.ingest.available_permits(),
        )
    }
}

pub async fn shed_load(State(shed): State<Shedding>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    // Static files and the health check are cheap and must stay reachable under load.
    if path.starts_with("/pkg/") || path == "/healthz" || path == "/metrics" {
        return next.run(req).await;
    }
    let ingest = req.method() == Method::POST && path == "/api/v1/task-analytics/ingest";
    let gate = if ingest { &shed.ingest } else { &shed.reads };
    let Ok(_permit) = gate.clone().try_acquire_owned() else {
        let what = if ingest {
            "ingest requests"
        } else {
            "requests"
        };
        let mut resp = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(format!(
                "the server is at its limit of {what} in flight; retry shortly"
            )),
        )
        .into_response();
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        return resp;
    };
    let _busy = shed.foreground.enter();
    next.run(req).await
}

/// Every request finishes within `limit`, or is answered 503 problem+json with `Retry-After`
/// (the work is dropped, and with it any open transaction, which rolls back).
pub async fn deadline(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            let mut resp = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(format!(
                    "the request did not finish within {} s; nothing was written; retry shortly",
                    limit.as_secs()
                )),
            )
            .into_response();
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("5"));
            resp
        }
    }
}

/// server_fn answers every error 500; this gives it the status its [`app::AppError`] stands for
/// (400 for arguments it could not read, 404, 422, 503), as pages and the REST API do.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<app::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(e.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A panic in a handler or a page answers 500 problem+json (and is logged), never a dropped
/// connection.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let msg = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = msg, "request handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some("internal error".to_owned()),
    )
    .into_response()
}

/// Adds the request's id (`x-request-id`, also in the logs' request span) to every
/// problem+json body, so a user reporting a 500 can quote the one log line that explains it.
pub async fn problem_request_id(req: Request, next: Next) -> Response {
    let id = req.headers().get(REQUEST_ID).cloned();
    let resp = next.run(req).await;
    let is_problem = resp
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/problem+json");
    let Some(id) = id.filter(|_| is_problem) else {
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 256 * 1024)
        .await
        .unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut p)) => {
            p.insert(
                "requestId".into(),
                String::from_utf8_lossy(id.as_bytes()).into_owned().into(),
            );
            serde_json::to_vec(&p).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    let mut resp = Response::from_parts(parts, Body::from(body));
    resp.headers_mut()
        .remove(axum::http::header::CONTENT_LENGTH);
    resp
}

/// The request id header: set from the client's when it sends one, else a new UUID.
pub const REQUEST_ID: &str = "x-request-id";

/// Unknown `/api/v1/...` routes answer problem+json, not the HTML 404 page.
pub async fn api_not_found() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        Some("no such API route; see /api/v1/docs".to_owned()),
    )
}
