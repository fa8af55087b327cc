//! `POST /api/v1/task-analytics/ingest`: execution records in ingest format v1, as
//! `application/json` (`{"executions": [...], "dependencies": [...]}`) or
//! `application/x-ndjson` (one execution per line). All or nothing per request.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use types::ingest::{BatchError, IngestResponse, MAX_RECORDS_PER_BATCH};

use crate::problem::{FieldError, Problem};
use types::ingest::{DependencyRecord, ExecutionRecord};

/// The JSON body of an ingest request.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct IngestBody {
    pub executions: Vec<ExecutionRecord>,
    pub dependencies: Vec<DependencyRecord>,
}
use crate::startup::ServerState;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

#[utoipa::path(
    post,
    path = "/api/v1/task-analytics/ingest",
    tag = "ingest",
    security(("bearer" = [])),
    request_body(
        description = "Ingest format v1: `{\"executions\": [ExecutionRecord], \"dependencies\": [DependencyRecord]}` \
                       as application/json, or one ExecutionRecord per line as application/x-ndjson. \
                       At most 16 MiB and 50,000 records. A record with the same (taskId, executionId) \
                       as a stored one updates it, unless it moves the stored times by more than the \
                       stored duration (409) without `correction: true`.",
        content(
            (IngestBody = "application/json"),
            (ExecutionRecord = "application/x-ndjson"),
        )
    ),
    responses(
        (status = 200, description = "Every record was written", body = IngestResponse),
        (status = 400, description = "Malformed JSON (line and column in `detail`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Wrong bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 16 MiB or over 50,000 records", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor NDJSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A record would move a stored execution (same taskId and executionId) by more than its stored duration: most likely another run under reused keys. `errors[]` names index and field (`startTime` or `endTime`) with both times; nothing was written. Send `\"correction\": true` on the record to replace the stored times", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid records; `errors[]` names index and field; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "PostgreSQL is unreachable; retry the same batch", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ingest(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestResponse>, Problem> {
    super::auth::require_bearer(&headers, &state.ingest_tokens)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(format!(
                    "the body exceeds {MAX_BODY_BYTES} bytes; split it into batches"
                )),
            )
        } else {
            Problem::new(e.status(), Some(e.body_text()))
        }
    })?;
    // Media types are case-insensitive (RFC 9110 §8.3.1).
    let ndjson = match content_type(&headers).to_ascii_lowercase().as_str() {
        "application/json" | "" => false,
        "application/x-ndjson" | "application/ndjson" => true,
        other => {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some(format!(
                    "content type {other:?} is not accepted; send application/json or application/x-ndjson"
                )),
            ));
        }
    };
    // Parsing 16 MiB of JSON is CPU work: keep it off the async workers.
    let parsed = tokio::task::spawn_blocking(move || {
        if ndjson {
            types::ingest::parse_ndjson_batch(&body)
        } else {
            types::ingest::parse_json_batch(&body)
        }
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "ingest parser panicked");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("internal error".to_owned()),
        )
    })?;
    let batch = parsed.map_err(batch_problem)?;
    let resp = service::ingest(&state.services, &batch).await?;
    Ok(Json(resp))
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or("")
}

fn batch_problem(e: BatchError) -> Problem {
    match e {
        BatchError::Syntax(s) => Problem::new(StatusCode::BAD_REQUEST, Some(s.to_string())),
        BatchError::TooManyRecords => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(format!(
                "a batch holds at most {MAX_RECORDS_PER_BATCH} records; split it"
            )),
        ),
        BatchError::Invalid(errors) => Problem::invalid(errors),
    }
}

impl Problem {
    /// 409 listing each record that would move a stored execution; nothing was written.
    pub fn conflict(mut errors: Vec<types::ingest::FieldError>) -> Self {
        errors.truncate(types::ingest::MAX_REPORTED_ERRORS);
        let mut p = Problem::new(
            StatusCode::CONFLICT,
            Some(format!(
                "{} would move a stored execution by more than its duration; nothing from \
                 this batch was written (send \"correction\": true on a record that \
                 deliberately replaces stored times)",
                match errors.len() {
                    1 => "1 record".to_owned(),
                    n if n < types::ingest::MAX_REPORTED_ERRORS => format!("{n} records"),
                    n => format!("{n} or more records"),
                }
            )),
        );
        p.errors = errors
            .into_iter()
            .map(|e| FieldError {
                index: Some(e.index),
                field: e.field,
                message: e.message,
            })
            .collect();
        p
    }

    /// 422 listing each invalid field; nothing from the batch was written.
    pub fn invalid(mut errors: Vec<types::ingest::FieldError>) -> Self {
        errors.truncate(types::ingest::MAX_REPORTED_ERRORS);
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(format!(
                "{} invalid field(s); nothing from this batch was written",
                errors.len()
            )),
        );
        p.errors = errors
            .into_iter()
            .map(|e| FieldError {
                index: Some(e.index),
                field: e.field,
                message: e.message,
            })
            .collect();
        p
    }
}
