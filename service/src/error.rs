#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A query parameter is malformed or out of bounds (422, naming the parameter).
    #[error("{param}: {message}")]
    Invalid { param: String, message: String },
    /// No such task or workflow (404).
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Db(#[from] db::DbError),
    /// CPU-bound analysis could not finish (the worker panicked or was cancelled).
    #[error("analysis failed")]
    Analysis,
}

impl ServiceError {
    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            param: param.to_owned(),
            message: message.into(),
        }
    }
}
