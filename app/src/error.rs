//! The one error type of server functions: serialisable, safe to show, never internals.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// The message is generic; the cause is logged on the server.
    #[error("internal error ({0})")]
    Internal(String),
    #[error("request failed: {0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status this error answers with, on pages and from server functions alike
    /// (the same mapping as the REST API's problem responses).
    pub fn status(&self) -> u16 {
        match self {
            AppError::InvalidInput { .. } => 422,
            AppError::NotFound(_) => 404,
            AppError::Unavailable => 503,
            AppError::Internal(_) => 500,
            // Arguments the server could not read are the client's fault.
            AppError::ServerFn(
                ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::MissingArg(_)
                | ServerFnErrorErr::Deserialization(_)
                | ServerFnErrorErr::UnsupportedRequestMethod(_),
            ) => 400,
            AppError::ServerFn(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::api::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}

#[cfg(feature = "ssr")]
impl From<db::DbError> for AppError {
    fn from(e: db::DbError) -> Self {
        if let db::DbError::Unstorable(_) = e {
            return AppError::InvalidInput {
                field: "input".into(),
                message: e.to_string(),
            };
        }
        if e.is_unavailable() {
            tracing::warn!(error = ?e, "database unavailable");
            AppError::Unavailable
        } else {
            tracing::error!(error = ?e, "database error");
            AppError::Internal("database query failed".into())
        }
    }
}

#[cfg(feature = "ssr")]
impl From<service::ServiceError> for AppError {
    fn from(e: service::ServiceError) -> Self {
        match e {
            service::ServiceError::Invalid { param, message } => AppError::InvalidInput {
                field: param,
                message,
            },
            service::ServiceError::NotFound(what) => AppError::NotFound(what),
            service::ServiceError::Db(e) => e.into(),
            service::ServiceError::Analysis => AppError::Internal("analysis failed".into()),
        }
    }
}
