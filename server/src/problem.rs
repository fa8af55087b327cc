//! RFC 9457 problem details (`application/problem+json`): the one error shape of the HTTP API.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid input, located by record index (for batches) and field.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub field: String,
    pub message: String,
}

/// RFC 9457 problem details; `errors` lists invalid fields (422).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<Option<String>>) -> Self {
        Self {
            type_uri: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Some("the database is unavailable; retry shortly".to_owned()),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

impl From<db::DbError> for Problem {
    fn from(e: db::DbError) -> Self {
        if let db::DbError::Invalid(errors) = e {
            return Problem::invalid(errors);
        }
        if let db::DbError::Conflict(errors) = e {
            return Problem::conflict(errors);
        }
        if let db::DbError::Unstorable(_) = e {
            return Problem::new(StatusCode::UNPROCESSABLE_ENTITY, Some(e.to_string()));
        }
        if e.is_unavailable() {
            tracing::warn!(error = ?e, "database unavailable");
            Problem::unavailable()
        } else {
            tracing::error!(error = ?e, "database error");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("internal error".to_owned()),
            )
        }
    }
}
