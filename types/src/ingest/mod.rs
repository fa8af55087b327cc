//! Ingest format v1: one JSON object per task execution attempt (a public contract, documented
//! in the README and the OpenAPI spec). Records are parsed field by field from JSON so that
//! every problem is reported with its record index and field name, then checked as a whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{DependencyType, ExecutionStatus, TaskType};

mod fields;
mod records;

use records::key_ok;

/// Most records one request may carry.
pub const MAX_RECORDS_PER_BATCH: usize = 50_000;
/// Most `attributes` keys on one record.
pub const MAX_ATTRIBUTES: usize = 64;
/// `durationMs` and the duration from `startTime`/`endTime` must agree within this much.
pub const DURATION_TOLERANCE_MS: i64 = 1_000;
/// Longest free-text field (error message, stack trace, retry reason, input hash), in bytes.
pub const MAX_TEXT_LEN: usize = 64 * 1024;
/// Most errors reported for one batch.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// One invalid input: record index (in `executions` or `dependencies`), field, message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub index: usize,
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(index: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            index,
            field: field.into(),
            message: message.into(),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    #[serde(rename = "type")]
    pub error_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<String>,
}

/// A free-form attribute value: string, number or boolean.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttributeValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// One task execution attempt (ingest format v1). Keys are the caller's own stable strings
/// (1–255 characters). In Rust, values come from [`ExecutionRecord::from_json`] or are built and
/// checked with [`ExecutionRecord::check`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRecord {
    /// Idempotency key: the same (taskId, executionId) again updates that execution.
    pub execution_id: String,
    /// The workflow's stable key.
    pub workflow_id: String,
    /// The workflow run this attempt belongs to.
    pub workflow_execution_id: String,
    /// The task's stable key, such as `etl_orders.extract`.
    pub task_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_name: Option<String>,
    pub task_name: String,
    #[serde(default)]
    pub task_type: TaskType,
    /// completed, failed, timeout, cancelled, skipped or running.
    pub status: ExecutionStatus,
    #[serde(default = "one")]
    /// 1 for the first attempt, 2 for the first retry, ...; default 1.
    pub attempt_number: i32,
    /// RFC 3339.
    pub start_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// RFC 3339, ≥ startTime; required unless status is running.
    pub end_time: Option<DateTime<Utc>>,
    /// Always present after validation when `endTime` is (derived from the times if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_size_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_size_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_time_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Peak resident memory, MiB.
    pub memory_peak_mb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub io_operations: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_bytes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_calls: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_transferred: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Cores the task was given (> 0), for CPU efficiency.
    pub cpu_allocated_cores: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Memory the task was given, MiB (> 0), for memory pressure.
    pub memory_allocated_mb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Expected on failed and timeout attempts.
    pub error: Option<ErrorDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Same hash = same input (caching opportunities).
    pub input_hash: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    /// Up to 64 free-form factors (version, region, queue, ...) for failure correlation.
    pub attributes: BTreeMap<String, AttributeValue>,
}

fn one() -> i32 {
    1
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyRecord {
    pub workflow_id: String,
    pub upstream_task_id: String,
    pub downstream_task_id: String,
    #[serde(default)]
    pub dependency_type: DependencyType,
    #[serde(default)]
    pub optional: bool,
}

/// A batch whose every record passed validation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ValidBatch {
    pub executions: Vec<ExecutionRecord>,
    pub dependencies: Vec<DependencyRecord>,
}

/// What an ingest request did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IngestResponse {
    pub accepted: u64,
    pub inserted: u64,
    pub updated: u64,
    pub dependencies: u64,
}

/// A body that is not well-formed JSON: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed JSON at line {line}, column {column}: {message}")]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Syntax(#[from] SyntaxError),
    #[error("the batch has more than {MAX_RECORDS_PER_BATCH} records")]
    TooManyRecords,
    #[error("{} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
}

impl From<serde_json::Error> for SyntaxError {
    fn from(e: serde_json::Error) -> Self {
        SyntaxError {
            line: e.line(),
            column: e.column(),
            message: bare_message(&e),
        }
    }
}

/// serde_json's message without its " at line L column C" suffix (we report those separately).
fn bare_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

/// The wire shape, deserialized straight into typed records (the fast path).
#[derive(Deserialize)]
struct TypedBatch {
    #[serde(default)]
    executions: Vec<ExecutionRecord>,
    #[serde(default)]
    dependencies: Vec<DependencyRecord>,
}

/// Parses `{"executions": [...], "dependencies": [...]}` and validates every record.
///
/// Fast path: deserialize straight into typed records and check them; a batch that passes
/// is exactly what the field-by-field path would accept (tested). Anything else — a type
/// error, a missing field, a rule broken — goes through the field-by-field path, which reports
/// every problem with its index and field.
pub fn parse_json_batch(body: &[u8]) -> Result<ValidBatch, BatchError> {
    if let Ok(typed) = serde_json::from_slice::<TypedBatch>(body)
        && typed.executions.len() + typed.dependencies.len() <= MAX_RECORDS_PER_BATCH
        && let Ok(batch) = ValidBatch::checked(typed.executions, typed.dependencies)
    {
        return Ok(batch);
    }
    parse_json_batch_by_field(body)
}

fn parse_json_batch_by_field(body: &[u8]) -> Result<ValidBatch, BatchError> {
    let value: Value = serde_json::from_slice(body).map_err(SyntaxError::from)?;
    let Value::Object(mut top) = value else {
        return Err(BatchError::Invalid(vec![FieldError::new(
            0,
            "$",
            "expected an object {\"executions\": [...], \"dependencies\": [...]}",
        )]));
    };
    let take_array = |top: &mut Map<String, Value>, key: &str| -> Result<Vec<Value>, FieldError> {
        match top.remove(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(FieldError::new(0, key, "must be an array")),
        }
    };
    let executions =
        take_array(&mut top, "executions").map_err(|e| BatchError::Invalid(vec![e]))?;
    let dependencies =
        take_array(&mut top, "dependencies").map_err(|e| BatchError::Invalid(vec![e]))?;
    validate(executions, dependencies)
}

/// Parses newline-delimited JSON: one execution record per non-blank line.
pub fn parse_ndjson_batch(body: &[u8]) -> Result<ValidBatch, BatchError> {
    let mut executions = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if executions.len() == MAX_RECORDS_PER_BATCH {
            return Err(BatchError::TooManyRecords);
        }
        let v: Value = serde_json::from_slice(line).map_err(|e| SyntaxError {
            line: i + 1,
            column: e.column(),
            message: bare_message(&e),
        })?;
        executions.push(v);
    }
    validate(executions, Vec::new())
}

/// Validates raw records; all errors (up to [`MAX_REPORTED_ERRORS`]) or the valid batch.
/// A later record with the same (taskId, executionId) replaces an earlier one in the batch,
/// exactly as a later request would.
pub fn validate(
    executions: Vec<Value>,
    dependencies: Vec<Value>,
) -> Result<ValidBatch, BatchError> {
    if executions.len() + dependencies.len() > MAX_RECORDS_PER_BATCH {
        return Err(BatchError::TooManyRecords);
    }
    let mut errors = Vec::new();
    let mut batch = ValidBatch::default();
    for (i, v) in executions.iter().enumerate() {
        match ExecutionRecord::from_json(i, v) {
            Ok(r) => batch.executions.push(r),
            Err(e) => errors.extend(e),
        }
    }
    for (i, v) in dependencies.iter().enumerate() {
        match DependencyRecord::from_json(i, v) {
            Ok(d) => batch.dependencies.push(d),
            Err(e) => errors.extend(e.into_iter().map(|mut e| {
                e.field = format!("dependencies.{}", e.field);
                e
            })),
        }
    }
    errors.extend(batch.consistency_errors());
    if errors.is_empty() {
        batch.dedupe();
        Ok(batch)
    } else {
        errors.truncate(MAX_REPORTED_ERRORS);
        Err(BatchError::Invalid(errors))
    }
}

impl ValidBatch {
    /// As [`ValidBatch::new`], plus the field rules the JSON path applies while reading (key
    /// lengths, non-negative numbers, text and attribute limits): for records that did not come
    /// through [`ExecutionRecord::from_json`].
    pub fn checked(
        executions: Vec<ExecutionRecord>,
        dependencies: Vec<DependencyRecord>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors: Vec<FieldError> = Vec::new();
        for (i, r) in executions.iter().enumerate() {
            errors.extend(r.field_errors(i));
        }
        for (i, d) in dependencies.iter().enumerate() {
            for (field, v) in [
                ("dependencies.workflowId", &d.workflow_id),
                ("dependencies.upstreamTaskId", &d.upstream_task_id),
                ("dependencies.downstreamTaskId", &d.downstream_task_id),
            ] {
                if !key_ok(v) {
                    errors.push(FieldError::new(i, field, "must be a valid key"));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Self::new(executions, dependencies)
    }

    /// Builds a batch from typed records (importers, the demo generator), checking each.
    pub fn new(
        executions: Vec<ExecutionRecord>,
        dependencies: Vec<DependencyRecord>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut executions = executions;
        for (i, r) in executions.iter_mut().enumerate() {
            errors.extend(r.check(i));
        }
        for (i, d) in dependencies.iter().enumerate() {
            errors.extend(d.check(i).into_iter().map(|mut e| {
                e.field = format!("dependencies.{}", e.field);
                e
            }));
        }
        let mut batch = Self {
            executions,
            dependencies,
        };
        errors.extend(batch.consistency_errors());
        if errors.is_empty() {
            batch.dedupe();
            Ok(batch)
        } else {
            errors.truncate(MAX_REPORTED_ERRORS);
            Err(errors)
        }
    }

    /// Within one batch a task belongs to one workflow, and a workflow execution to one workflow.
    fn consistency_errors(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut task_wf: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, r) in self.executions.iter().enumerate() {
            let wf = *task_wf.entry(&r.task_id).or_insert(&r.workflow_id);
            if wf != r.workflow_id {
                errors.push(FieldError::new(
                    i,
                    "workflowId",
                    format!(
                        "task {:?} already appears in workflow {wf:?} in this batch",
                        r.task_id
                    ),
                ));
            }
        }
        for (i, d) in self.dependencies.iter().enumerate() {
            for (field, key) in [
                ("dependencies.upstreamTaskId", &d.upstream_task_id),
                ("dependencies.downstreamTaskId", &d.downstream_task_id),
            ] {
                if let Some(wf) = task_wf.get(key.as_str())
                    && *wf != d.workflow_id
                {
                    errors.push(FieldError::new(
                        i,
                        field,
                        format!(
                            "task {key:?} belongs to workflow {wf:?}, not {:?}",
                            d.workflow_id
                        ),
                    ));
                }
            }
        }
        errors
    }

    /// Keeps the last record per (taskId, executionId) and per dependency edge.
    fn dedupe(&mut self) {
        let mut last: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (i, r) in self.executions.iter().enumerate() {
            last.insert((&r.task_id, &r.execution_id), i);
        }
        if last.len() != self.executions.len() {
            let keep: std::collections::BTreeSet<usize> = last.into_values().collect();
            let mut i = 0;
            self.executions.retain(|_| {
                i += 1;
                keep.contains(&(i - 1))
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut deduped: Vec<DependencyRecord> = Vec::with_capacity(self.dependencies.len());
        for d in self.dependencies.drain(..).rev() {
            if seen.insert((
                d.workflow_id.clone(),
                d.upstream_task_id.clone(),
                d.downstream_task_id.clone(),
            )) {
                deduped.push(d);
            }
        }
        deduped.reverse();
        self.dependencies = deduped;
    }
}

#[cfg(test)]
mod tests;
