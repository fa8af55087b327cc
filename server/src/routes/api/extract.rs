//! Path and query extractors of the REST API whose rejections are problem+json like every other
//! error (axum's own answer `400 text/plain`): `limit=abc`, a duplicate `time_range`, `%FF` in a
//! key.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::StatusCode;

use crate::problem::Problem;

/// [`Query`], rejecting with a 400 problem that says which parameter could not be read.
#[derive(Debug, FromRequestParts)]
#[from_request(via(Query), rejection(Problem))]
pub struct ApiQuery<T>(pub T);

/// [`Path`], rejecting with a 400 problem (a segment that is not UTF-8 once decoded).
#[derive(Debug, FromRequestParts)]
#[from_request(via(Path), rejection(Problem))]
pub struct ApiPath<T>(pub T);

impl From<QueryRejection> for Problem {
    fn from(e: QueryRejection) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            Some(format!("query string: {}", e.body_text())),
        )
    }
}

impl From<PathRejection> for Problem {
    fn from(e: PathRejection) -> Self {
        let status = match e.status() {
            s if s.is_client_error() => StatusCode::BAD_REQUEST,
            s => s,
        };
        Problem::new(status, Some(format!("path: {}", e.body_text())))
    }
}
