//! Ingest format v1: one JSON object per task execution attempt (a public contract, documented
//! in the README and the OpenAPI spec). Records are parsed field by field from JSON so that
//! every problem is reported with its record index and field name, then checked as a whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{DependencyType, ExecutionStatus, MAX_KEY_LEN, TaskType};

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

/// Reads fields out of one JSON object, collecting every problem.
struct Fields<'a> {
    index: usize,
    obj: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .push(FieldError::new(self.index, field, message));
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    fn key(&mut self, field: &str, required: bool) -> Option<String> {
        match self.get(field) {
            None if required => {
                self.err(field, "is required");
                None
            }
            None => None,
            Some(Value::String(s)) => {
                if s.trim().is_empty() {
                    self.err(field, "must not be empty");
                } else if s.chars().count() > MAX_KEY_LEN {
                    self.err(field, format!("must be at most {MAX_KEY_LEN} characters"));
                } else if s.chars().any(char::is_control) {
                    self.err(field, "must not contain control characters");
                } else {
                    return Some(s.clone());
                }
                None
            }
            Some(_) => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    fn text(&mut self, field: &str) -> Option<String> {
        match self.get(field) {
            None => None,
            Some(Value::String(s)) if s.len() <= MAX_TEXT_LEN => Some(s.clone()),
            Some(Value::String(_)) => {
                self.err(field, format!("must be at most {MAX_TEXT_LEN} bytes"));
                None
            }
            Some(_) => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    fn enumeration<T: serde::de::DeserializeOwned>(
        &mut self,
        field: &str,
        allowed: &str,
    ) -> Option<T> {
        let v = self.get(field)?;
        match serde_json::from_value::<T>(v.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                self.err(field, format!("must be one of {allowed}"));
                None
            }
        }
    }

    fn time(&mut self, field: &str, required: bool) -> Option<DateTime<Utc>> {
        match self.get(field) {
            None if required => {
                self.err(field, "is required");
                None
            }
            None => None,
            Some(Value::String(s)) => match DateTime::parse_from_rfc3339(s) {
                Ok(t) => Some(t.with_timezone(&Utc)),
                Err(e) => {
                    self.err(field, format!("must be an RFC 3339 timestamp ({e})"));
                    None
                }
            },
            Some(_) => {
                self.err(field, "must be an RFC 3339 timestamp string");
                None
            }
        }
    }

    fn number(&mut self, field: &str, strictly_positive: bool) -> Option<f64> {
        let v = self.get(field)?;
        match v.as_f64() {
            Some(n) if n.is_finite() && (n > 0.0 || (!strictly_positive && n == 0.0)) => Some(n),
            Some(_) if strictly_positive => {
                self.err(field, "must be a number > 0");
                None
            }
            Some(_) => {
                self.err(field, "must be a number ≥ 0");
                None
            }
            None => {
                self.err(field, "must be a number");
                None
            }
        }
    }

    /// A non-negative count stored as BIGINT (fractions round to the nearest integer).
    fn count(&mut self, field: &str) -> Option<i64> {
        let n = self.number(field, false)?;
        if n > i64::MAX as f64 {
            self.err(field, "is too large");
            return None;
        }
        Some(n.round() as i64)
    }
}

/// 1..=255 characters, not blank, no control characters.
fn key_ok(v: &str) -> bool {
    !v.trim().is_empty() && v.chars().count() <= MAX_KEY_LEN && !v.chars().any(char::is_control)
}

impl ExecutionRecord {
    /// The field rules [`ExecutionRecord::from_json`] applies while reading, for a typed record.
    fn field_errors(&self, index: usize) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut e = |field: &str| errors.push(FieldError::new(index, field, "is invalid"));
        for (field, v) in [
            ("workflowName", self.workflow_name.as_deref()),
            ("host", self.host.as_deref()),
            (
                "error.type",
                self.error.as_ref().map(|x| x.error_type.as_str()),
            ),
            (
                "error.code",
                self.error.as_ref().and_then(|x| x.code.as_deref()),
            ),
        ] {
            if v.is_some_and(|v| !key_ok(v)) {
                e(field);
            }
        }
        for (field, v) in [
            ("durationMs", self.duration_ms),
            ("inputSizeBytes", self.input_size_bytes),
            ("outputSizeBytes", self.output_size_bytes),
            ("cpuTimeMs", self.cpu_time_ms),
            ("ioOperations", self.io_operations),
            ("readBytes", self.read_bytes),
            ("writeBytes", self.write_bytes),
            ("networkCalls", self.network_calls),
            ("bytesTransferred", self.bytes_transferred),
        ] {
            if v.is_some_and(|v| v < 0) {
                e(field);
            }
        }
        if self
            .memory_peak_mb
            .is_some_and(|v| !(v.is_finite() && v >= 0.0))
        {
            e("memoryPeakMb");
        }
        for (field, v) in [
            ("cpuAllocatedCores", self.cpu_allocated_cores),
            ("memoryAllocatedMb", self.memory_allocated_mb),
        ] {
            if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
                e(field);
            }
        }
        for (field, v) in [
            (
                "error.message",
                self.error.as_ref().and_then(|x| x.message.as_deref()),
            ),
            (
                "error.stackTrace",
                self.error.as_ref().and_then(|x| x.stack_trace.as_deref()),
            ),
            ("retryReason", self.retry_reason.as_deref()),
            ("inputHash", self.input_hash.as_deref()),
        ] {
            if v.is_some_and(|v| v.len() > MAX_TEXT_LEN) {
                e(field);
            }
        }
        let attrs_ok = self.attributes.len() <= MAX_ATTRIBUTES
            && self.attributes.iter().all(|(k, v)| {
                !k.is_empty()
                    && k.chars().count() <= MAX_KEY_LEN
                    && match v {
                        AttributeValue::Text(s) => s.len() <= MAX_KEY_LEN,
                        AttributeValue::Number(n) => n.is_finite(),
                        AttributeValue::Bool(_) => true,
                    }
            });
        if !attrs_ok {
            e("attributes");
        }
        errors
    }

    /// Parses and checks record `index` of a batch.
    pub fn from_json(index: usize, value: &Value) -> Result<Self, Vec<FieldError>> {
        let Value::Object(obj) = value else {
            return Err(vec![FieldError::new(index, "$", "must be a JSON object")]);
        };
        let mut f = Fields {
            index,
            obj,
            errors: Vec::new(),
        };
        let execution_id = f.key("executionId", true);
        let workflow_id = f.key("workflowId", true);
        let workflow_execution_id = f.key("workflowExecutionId", true);
        let task_id = f.key("taskId", true);
        let workflow_name = f.key("workflowName", false);
        let task_name = f.key("taskName", true);
        let task_type = f
            .enumeration::<TaskType>("taskType", "compute, io, network, decision, human, wait")
            .unwrap_or_default();
        let status = if f.get("status").is_none() {
            f.err("status", "is required");
            None
        } else {
            f.enumeration::<ExecutionStatus>(
                "status",
                "completed, failed, timeout, cancelled, skipped, running",
            )
        };
        let attempt_number = match f.get("attemptNumber") {
            None => 1,
            Some(v) => match v.as_i64() {
                Some(n) if (1..=i64::from(i32::MAX)).contains(&n) => n as i32,
                _ => {
                    f.err("attemptNumber", "must be an integer ≥ 1");
                    1
                }
            },
        };
        let start_time = f.time("startTime", true);
        let end_time = f.time("endTime", false);
        let duration_ms = f.count("durationMs");
        let input_size_bytes = f.count("inputSizeBytes");
        let output_size_bytes = f.count("outputSizeBytes");
        let cpu_time_ms = f.count("cpuTimeMs");
        let memory_peak_mb = f.number("memoryPeakMb", false);
        let io_operations = f.count("ioOperations");
        let read_bytes = f.count("readBytes");
        let write_bytes = f.count("writeBytes");
        let network_calls = f.count("networkCalls");
        let bytes_transferred = f.count("bytesTransferred");
        let cpu_allocated_cores = f.number("cpuAllocatedCores", true);
        let memory_allocated_mb = f.number("memoryAllocatedMb", true);
        let host = f.key("host", false);
        let error = match f.get("error") {
            None => None,
            Some(Value::Object(e)) => {
                let mut ef = Fields {
                    index,
                    obj: e,
                    errors: Vec::new(),
                };
                let error_type = ef.key("type", true);
                let code = ef.key("code", false);
                let message = ef.text("message");
                let stack_trace = ef.text("stackTrace");
                f.errors.extend(ef.errors.into_iter().map(|mut e| {
                    e.field = format!("error.{}", e.field);
                    e
                }));
                error_type.map(|error_type| ErrorDetails {
                    error_type,
                    code,
                    message,
                    stack_trace,
                })
            }
            Some(_) => {
                f.err(
                    "error",
                    "must be an object {type, code?, message?, stackTrace?}",
                );
                None
            }
        };
        let retry_reason = f.text("retryReason");
        let input_hash = f.text("inputHash");
        let mut attributes = BTreeMap::new();
        match f.get("attributes") {
            None => {}
            Some(Value::Object(a)) if a.len() > MAX_ATTRIBUTES => {
                f.err(
                    "attributes",
                    format!("must have at most {MAX_ATTRIBUTES} keys"),
                );
            }
            Some(Value::Object(a)) => {
                for (k, v) in a {
                    let val = match v {
                        Value::String(s) if s.len() <= MAX_KEY_LEN => {
                            AttributeValue::Text(s.clone())
                        }
                        Value::Bool(b) => AttributeValue::Bool(*b),
                        Value::Number(n) => match n.as_f64() {
                            Some(x) => AttributeValue::Number(x),
                            None => continue,
                        },
                        _ => {
                            f.err(
                                &format!("attributes.{k}"),
                                format!("must be a string (≤ {MAX_KEY_LEN} characters), number or boolean"),
                            );
                            continue;
                        }
                    };
                    if k.is_empty() || k.chars().count() > MAX_KEY_LEN {
                        f.err(
                            "attributes",
                            format!("keys must have 1..={MAX_KEY_LEN} characters"),
                        );
                        continue;
                    }
                    attributes.insert(k.clone(), val);
                }
            }
            Some(_) => f.err(
                "attributes",
                "must be an object of string → string/number/boolean",
            ),
        }

        let mut errors = f.errors;
        let (
            Some(execution_id),
            Some(workflow_id),
            Some(workflow_execution_id),
            Some(task_id),
            Some(task_name),
            Some(status),
            Some(start_time),
        ) = (
            execution_id,
            workflow_id,
            workflow_execution_id,
            task_id,
            task_name,
            status,
            start_time,
        )
        else {
            return Err(errors);
        };
        let mut record = ExecutionRecord {
            execution_id,
            workflow_id,
            workflow_execution_id,
            task_id,
            workflow_name,
            task_name,
            task_type,
            status,
            attempt_number,
            start_time,
            end_time,
            duration_ms,
            input_size_bytes,
            output_size_bytes,
            cpu_time_ms,
            memory_peak_mb,
            io_operations,
            read_bytes,
            write_bytes,
            network_calls,
            bytes_transferred,
            cpu_allocated_cores,
            memory_allocated_mb,
            host,
            error,
            retry_reason,
            input_hash,
            attributes,
        };
        // Field-level errors first; cross-field rules only make sense on well-typed fields.
        if errors.is_empty() {
            errors.extend(record.check(index));
        }
        if errors.is_empty() {
            Ok(record)
        } else {
            Err(errors)
        }
    }

    /// Cross-field rules; fills `durationMs` from the times when absent.
    pub fn check(&mut self, index: usize) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut e = |field: &str, msg: String| errors.push(FieldError::new(index, field, msg));
        for (field, v) in [
            ("executionId", &self.execution_id),
            ("workflowId", &self.workflow_id),
            ("workflowExecutionId", &self.workflow_execution_id),
            ("taskId", &self.task_id),
            ("taskName", &self.task_name),
        ] {
            if v.trim().is_empty()
                || v.chars().count() > MAX_KEY_LEN
                || v.chars().any(char::is_control)
            {
                e(
                    field,
                    format!("must have 1..={MAX_KEY_LEN} characters, no control characters"),
                );
            }
        }
        if self.attempt_number < 1 {
            e("attemptNumber", "must be an integer ≥ 1".into());
        }
        match self.end_time {
            None if self.status != ExecutionStatus::Running => {
                e(
                    "endTime",
                    format!("is required when status is {}", self.status.as_str()),
                );
            }
            Some(end) if end < self.start_time => {
                e("endTime", "must not be before startTime".into())
            }
            Some(end) => {
                let derived = (end - self.start_time).num_milliseconds();
                match self.duration_ms {
                    None => self.duration_ms = Some(derived),
                    Some(d) if (d - derived).abs() > DURATION_TOLERANCE_MS => e(
                        "durationMs",
                        format!(
                            "is {d} but endTime - startTime is {derived} ms (they must agree within {DURATION_TOLERANCE_MS} ms)"
                        ),
                    ),
                    Some(_) => {}
                }
            }
            None => {}
        }
        errors
    }
}

impl DependencyRecord {
    pub fn from_json(index: usize, value: &Value) -> Result<Self, Vec<FieldError>> {
        let Value::Object(obj) = value else {
            return Err(vec![FieldError::new(index, "$", "must be a JSON object")]);
        };
        let mut f = Fields {
            index,
            obj,
            errors: Vec::new(),
        };
        let workflow_id = f.key("workflowId", true);
        let upstream = f.key("upstreamTaskId", true);
        let downstream = f.key("downstreamTaskId", true);
        let dependency_type = f
            .enumeration::<DependencyType>("dependencyType", "data, control, resource")
            .unwrap_or_default();
        let optional = match f.get("optional") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                f.err("optional", "must be a boolean");
                false
            }
        };
        let mut errors = f.errors;
        let (Some(workflow_id), Some(upstream_task_id), Some(downstream_task_id)) =
            (workflow_id, upstream, downstream)
        else {
            return Err(errors);
        };
        let d = DependencyRecord {
            workflow_id,
            upstream_task_id,
            downstream_task_id,
            dependency_type,
            optional,
        };
        errors.extend(d.check(index));
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }

    pub fn check(&self, index: usize) -> Vec<FieldError> {
        if self.upstream_task_id == self.downstream_task_id {
            vec![FieldError::new(
                index,
                "downstreamTaskId",
                "a task cannot depend on itself",
            )]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "executionId": "run-1/extract/1", "workflowId": "etl_orders", "workflowExecutionId": "run-1",
            "taskId": "etl_orders.extract", "taskName": "Extract", "status": "completed",
            "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:02.500Z"
        })
    }

    fn errors_of(v: Value) -> Vec<(usize, String)> {
        match validate(vec![valid(), v], vec![]) {
            Err(BatchError::Invalid(e)) => e.into_iter().map(|e| (e.index, e.field)).collect(),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    fn with(field: &str, value: Value) -> Value {
        let mut v = valid();
        v[field] = value;
        v
    }

    #[test]
    fn a_minimal_record_gets_defaults_and_a_derived_duration() {
        let b = validate(vec![valid()], vec![]).unwrap();
        let r = &b.executions[0];
        assert_eq!(r.duration_ms, Some(2500));
        assert_eq!(r.attempt_number, 1);
        assert_eq!(r.task_type, TaskType::Compute);
    }

    #[test]
    fn each_rule_names_the_record_index_and_field() {
        assert_eq!(
            errors_of(with("executionId", json!(""))),
            [(1, "executionId".into())]
        );
        assert_eq!(
            errors_of(with("taskId", json!("x".repeat(256)))),
            [(1, "taskId".into())]
        );
        assert_eq!(
            errors_of(with("taskType", json!("gpu"))),
            [(1, "taskType".into())]
        );
        assert_eq!(
            errors_of(with("status", json!("done"))),
            [(1, "status".into())]
        );
        assert_eq!(
            errors_of(with("attemptNumber", json!(0))),
            [(1, "attemptNumber".into())]
        );
        assert_eq!(
            errors_of(with("startTime", json!("yesterday"))),
            [(1, "startTime".into())]
        );
        assert_eq!(
            errors_of(with("endTime", json!("2026-01-01T09:59:59Z"))),
            [(1, "endTime".into())]
        );
        assert_eq!(
            errors_of(with("durationMs", json!(4000))),
            [(1, "durationMs".into())]
        );
        assert_eq!(
            errors_of(with("cpuTimeMs", json!(-1))),
            [(1, "cpuTimeMs".into())]
        );
        assert_eq!(
            errors_of(with("cpuAllocatedCores", json!(0))),
            [(1, "cpuAllocatedCores".into())]
        );
        assert_eq!(
            errors_of(with("error", json!({"code": "E1"}))),
            [(1, "error.type".into())]
        );
        assert_eq!(
            errors_of(with("attributes", json!({"k": [1]}))),
            [(1, "attributes.k".into())]
        );
        let many: Map<String, Value> = (0..65).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(
            errors_of(with("attributes", Value::Object(many))),
            [(1, "attributes".into())]
        );
        let mut no_end = valid();
        no_end.as_object_mut().unwrap().remove("endTime");
        assert_eq!(errors_of(no_end), [(1, "endTime".into())]);
    }

    #[test]
    fn duration_within_one_second_of_the_times_is_accepted() {
        let b = validate(vec![with("durationMs", json!(3400))], vec![]).unwrap();
        assert_eq!(b.executions[0].duration_ms, Some(3400));
    }

    #[test]
    fn a_running_record_needs_no_end_time() {
        let mut v = with("status", json!("running"));
        v.as_object_mut().unwrap().remove("endTime");
        let b = validate(vec![v], vec![]).unwrap();
        assert_eq!(b.executions[0].duration_ms, None);
    }

    #[test]
    fn a_later_duplicate_replaces_the_earlier_record_in_the_batch() {
        let b = validate(vec![with("status", json!("failed")), valid()], vec![]).unwrap();
        assert_eq!(b.executions.len(), 1);
        assert_eq!(b.executions[0].status, ExecutionStatus::Completed);
    }

    #[test]
    fn a_task_cannot_switch_workflows_inside_a_batch() {
        assert_eq!(
            errors_of(with("workflowId", json!("other"))),
            [(1, "workflowId".into())]
        );
    }

    #[test]
    fn dependencies_are_validated_and_self_loops_rejected() {
        let d = json!({"workflowId": "etl_orders", "upstreamTaskId": "a", "downstreamTaskId": "a"});
        let Err(BatchError::Invalid(e)) = validate(vec![], vec![d]) else {
            panic!()
        };
        assert_eq!(e[0].field, "dependencies.downstreamTaskId");
        let d = json!({"workflowId": "w", "upstreamTaskId": "a", "downstreamTaskId": "b", "dependencyType": "control"});
        let b = validate(vec![], vec![d]).unwrap();
        assert_eq!(b.dependencies[0].dependency_type, DependencyType::Control);
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let Err(BatchError::Syntax(e)) = parse_json_batch(b"{\n  \"executions\": [\n    {,\n]}")
        else {
            panic!()
        };
        assert_eq!((e.line, e.column), (3, 6));
        let Err(BatchError::Syntax(e)) = parse_ndjson_batch(b"{}\n\n{\"a\": }\n") else {
            panic!()
        };
        assert_eq!(e.line, 3);
    }

    #[test]
    fn ndjson_reads_one_record_per_line() {
        let line = serde_json::to_string(&valid()).unwrap();
        let other = serde_json::to_string(&with("executionId", json!("run-1/extract/2"))).unwrap();
        let b = parse_ndjson_batch(format!("{line}\n\n{other}\n").as_bytes()).unwrap();
        assert_eq!(b.executions.len(), 2);
    }

    #[test]
    fn more_than_the_batch_limit_is_refused() {
        let many = vec![Value::Null; MAX_RECORDS_PER_BATCH + 1];
        assert_eq!(validate(many, vec![]), Err(BatchError::TooManyRecords));
    }

    #[test]
    fn records_round_trip_through_their_wire_form() {
        let b = validate(vec![valid()], vec![]).unwrap();
        let wire = serde_json::to_value(&b.executions[0]).unwrap();
        let again = ExecutionRecord::from_json(0, &wire).unwrap();
        assert_eq!(again, b.executions[0]);
    }
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "executionId": "r/t/1", "workflowId": "w", "workflowExecutionId": "r",
            "taskId": "w.t", "taskName": "T", "status": "failed",
            "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:02.500Z",
            "cpuTimeMs": 1200, "memoryPeakMb": 512.5, "cpuAllocatedCores": 2,
            "host": "worker-1", "error": {"type": "OOMKilled", "code": "137", "message": "killed"},
            "attributes": {"region": "eu", "big": true, "v": 1.5}
        })
    }

    /// The typed fast path and the field-by-field path agree on every input: same batch when
    /// valid, an error (the field-by-field one) when not.
    fn agree(execs: Vec<Value>) {
        let body = serde_json::to_vec(&json!({"executions": execs, "dependencies": []})).unwrap();
        let fast = parse_json_batch(&body);
        let slow = parse_json_batch_by_field(&body);
        assert_eq!(fast, slow, "{}", String::from_utf8_lossy(&body));
    }

    #[test]
    fn fast_and_field_by_field_parsing_agree_on_valid_and_invalid_records() {
        agree(vec![base()]);
        for (field, bad) in [
            ("cpuTimeMs", json!(-1)),
            ("memoryPeakMb", json!(-0.5)),
            ("cpuAllocatedCores", json!(0)),
            ("host", json!("")),
            ("host", json!("a\u{7}b")),
            ("taskId", json!("x".repeat(256))),
            ("durationMs", json!(9999)),
            ("durationMs", json!(2500.4)),
            ("endTime", json!("2026-01-01T09:00:00Z")),
            ("attributes", json!({"k": "v".repeat(300)})),
            ("status", json!("done")),
        ] {
            let mut v = base();
            v[field] = bad;
            agree(vec![base(), v]);
        }
        let mut dup = base();
        dup["status"] = json!("completed");
        agree(vec![base(), dup]);
    }
}
