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

impl FromServerFnError for AppError {
    type Encoder = crate::api::JsonText;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}

#[cfg(feature = "ssr")]
impl From<db::DbError> for AppError {
    fn from(e: db::DbError) -> Self {
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
