//! Files already in Tasklens ingest format v1 (`types::ingest`, documented in the README and
//! the OpenAPI spec): a `{"executions": [...], "dependencies": [...]}` JSON document, or NDJSON
//! with one execution record per non-blank line.
//!
//! Records are validated by the same functions as `POST /api/v1/task-analytics/ingest`
//! ([`types::ingest::ExecutionRecord::from_json`], [`types::ingest::ValidBatch::new`]), but a
//! file may hold more than [`types::ingest::MAX_RECORDS_PER_BATCH`] records: the limit guards
//! one HTTP request, not an import.

use serde_json::Value;
use types::ingest::ValidBatch;

use crate::{ImportError, Location, as_text, syntax_error, validate_values};

/// Imports a `{"executions": [...], "dependencies": [...]}` document.
pub fn import_json(bytes: &[u8]) -> Result<ValidBatch, ImportError> {
    let doc: Value = serde_json::from_str(as_text(bytes)?).map_err(syntax_error)?;
    import_json_value(doc)
}

/// Imports newline-delimited JSON: one execution record per non-blank line.
pub fn import_ndjson(bytes: &[u8]) -> Result<ValidBatch, ImportError> {
    import_ndjson_str(as_text(bytes)?)
}

pub(crate) fn import_json_value(doc: Value) -> Result<ValidBatch, ImportError> {
    let Value::Object(mut top) = doc else {
        return Err(ImportError::Invalid {
            line: None,
            record: None,
            field: "$".into(),
            message: "expected an object {\"executions\": [...], \"dependencies\": [...]}".into(),
        });
    };
    let mut take = |key: &str| -> Result<Vec<(Value, Location)>, ImportError> {
        match top.remove(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v, Location::record(format!("{key}[{i}]"))))
                .collect()),
            Some(_) => Err(ImportError::Invalid {
                line: None,
                record: None,
                field: key.into(),
                message: "must be an array".into(),
            }),
        }
    };
    let executions = take("executions")?;
    let dependencies = take("dependencies")?;
    // As the HTTP endpoint: a misspelt key ("execution") must not import an empty batch.
    if let Some(key) = top.keys().next() {
        return Err(ImportError::Invalid {
            line: None,
            record: None,
            field: key.chars().take(types::MAX_KEY_LEN).collect(),
            message: types::ingest::unknown_batch_key_message(),
        });
    }
    validate_values(executions, dependencies)
}

pub(crate) fn import_ndjson_str(text: &str) -> Result<ValidBatch, ImportError> {
    let mut executions = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(line).map_err(|e| match syntax_error(e) {
            ImportError::Syntax {
                column, message, ..
            } => ImportError::Syntax {
                line: i + 1,
                column,
                message,
            },
            other => other,
        })?;
        executions.push((value, Location::line(i + 1)));
    }
    validate_values(executions, Vec::new())
}
