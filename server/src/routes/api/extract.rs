//! Path and query extractors of the REST API whose rejections are problem+json like every other
//! error (axum's own answer `400 text/plain`): `limit=abc`, a duplicate `time_range`, `%FF` in a
//! key.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query};
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

/// [`Json`], rejecting with a problem: 415 without a JSON content type, 400 for a syntax
/// error, 422 naming the field a well-formed body has wrong (`changes[0].hitRate: invalid type`).
#[derive(Debug, FromRequest)]
#[from_request(via(Json), rejection(Problem))]
pub struct ApiJson<T>(pub T);

impl From<JsonRejection> for Problem {
    fn from(e: JsonRejection) -> Self {
        let status = match &e {
            JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, Some(format!("body: {}", e.body_text())))
    }
}

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
