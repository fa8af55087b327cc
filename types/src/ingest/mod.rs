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
mod rules;

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

// Bounds of every value that reaches a typed column, so that a hostile but well-formed record
// gets a 422 naming its field instead of failing in PostgreSQL (a 500). Both readers apply them
// (see `rules.rs`); the README's ingest table lists them.
//
// Why these bounds keep the rollups finite (`migrations/*_rollups.sql`), for a generous 10^9
// executions of one task in one hour:
// - durations: d ≤ 3.16e10 ms, so Σd ≤ 3.2e19 and the moments var_pop·n and Chan's merge term
//   δ²·na·nb/(na + nb) stay below n·d² ≈ 1e30, far from float8's 1.8e308;
// - core-hours: one row adds duration/3.6e6 × cores ≤ 8,766 h × 4,096 (or cpuTimeMs/3.6e6,
//   the same bound), so a bucket sums ≤ 3.6e16; GB-hours: ≤ 8,766 h × 65,536 GiB per row, ≤ 5.7e17;
// - CPU share: cpuTimeMs / durationMs / cores ≤ 1.3e14 / 1 / 0.001 = 1.3e17 per row (the
//   lower bound on cores is what keeps this finite: 1e-300 cores overflowed it), ≤ 1.3e26 summed;
// - integer columns: memory_peak_mb is INTEGER (64 TiB = 67,108,864 MiB < 2^31), attempt_number
//   INTEGER (≤ 10,000); the BIGINT ones stay ≤ 2^53, so they are exact as f64 (analytics reads
//   them so) and PostgreSQL's sum(bigint) is NUMERIC anyway;
// - attribute numbers: |x| ≤ 1e15, so even squares summed over 10^9 rows stay ≤ 1e39.
// The rollups' INTEGER counters bound the number of rows per bucket (2^31), not the values.

/// Longest `durationMs`: one Julian year (365.25 days), in ms. A derived duration (endTime −
/// startTime) is held to the same bound.
pub const MAX_DURATION_MS: i64 = 31_557_600_000;
/// Most cores a task may be given (`cpuAllocatedCores`): the largest single machines.
pub const MAX_CORES: f64 = 4096.0;
/// Fewest cores a task may be given (`cpuAllocatedCores`): a millicore, as Kubernetes counts.
pub const MIN_CORES: f64 = 0.001;
/// Longest `cpuTimeMs`: one year on [`MAX_CORES`] cores.
pub const MAX_CPU_TIME_MS: i64 = MAX_DURATION_MS * 4096;
/// Most memory (`memoryPeakMb`, `memoryAllocatedMb`): 64 TiB, in MiB.
pub const MAX_MEMORY_MB: f64 = 64.0 * 1024.0 * 1024.0;
/// Least memory a task may be given (`memoryAllocatedMb`): 1 KiB, in MiB (> 0, not a denormal).
pub const MIN_MEMORY_ALLOCATED_MB: f64 = 1.0 / 1024.0;
/// Largest byte count (`inputSizeBytes`, `outputSizeBytes`, `readBytes`, `writeBytes`,
/// `bytesTransferred`): 2^53 (≈ 9 PB), the largest integer every f64 holds exactly.
pub const MAX_BYTES: i64 = 1 << 53;
/// Largest operation count (`ioOperations`, `networkCalls`): 10^15.
pub const MAX_COUNT: i64 = 1_000_000_000_000_000;
/// Largest `attemptNumber` (the first attempt is 1).
pub const MAX_ATTEMPT_NUMBER: i32 = 10_000;
/// Largest magnitude of a numeric attribute value.
pub const MAX_ATTRIBUTE_NUMBER: f64 = 1e15;
/// Earliest `startTime`/`endTime`: 1970-01-01T00:00:00Z, in Unix seconds.
pub const MIN_TIMESTAMP_SECS: i64 = 0;
/// Latest `startTime`/`endTime`: 9999-12-31T23:59:59Z (the last second RFC 3339 can write),
/// in Unix seconds.
pub const MAX_TIMESTAMP_SECS: i64 = 253_402_300_799;
/// Longest `error.code`, in characters (the column is `VARCHAR(50)`).
pub const MAX_ERROR_CODE_LEN: usize = 50;

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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecutionRecord {
    /// Idempotency key: the same (taskId, executionId) again updates that execution.
    pub execution_id: String,
    /// The workflow's stable key.
    pub workflow_id: String,
    /// The workflow run this attempt belongs to.
    pub workflow_execution_id: String,
    /// The task's stable key, such as `etl_orders.extract`.
    pub task_id: String,
    /// A task that runs several instances per workflow execution (a Nextflow process over
    /// samples, an Airflow mapped task's map index) names the instance; the attempts of one
    /// instance share it. A logical execution is (workflowExecutionId, taskId, instanceId):
    /// mean attempts, retry success per logical execution and recovery time count per instance.
    /// Absent: the task runs once per workflow execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
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
    #[serde(deserialize_with = "serde_strict::time")]
    pub start_time: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_strict::optional_time"
    )]
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "serde_strict::optional_object"
    )]
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
    /// `true` when this record deliberately corrects a stored execution's times. A replay of a
    /// stored (taskId, executionId) whose start or end time moves by more than the stored
    /// duration is otherwise refused (409): it is more likely another run under a reused key
    /// than the same execution. Default `false`; never stored.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub correction: bool,
}

fn one() -> i32 {
    1
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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

/// The wire shape, deserialized straight into typed records (the fast path). Every struct in
/// it reads only from a JSON object ([`serde_strict::Object`]): serde's derive would also take
/// an array of the fields in order, which the field-by-field path refuses.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedBatch {
    #[serde(default)]
    executions: Vec<serde_strict::Object<ExecutionRecord>>,
    #[serde(default)]
    dependencies: Vec<serde_strict::Object<DependencyRecord>>,
}

/// The keys a JSON batch may have; any other is refused (a misspelt `"execution"` would
/// otherwise make an empty batch).
pub const BATCH_KEYS: [&str; 2] = ["executions", "dependencies"];

/// The message for a top-level key other than [`BATCH_KEYS`].
pub fn unknown_batch_key_message() -> String {
    format!(
        "is not a batch key; a batch has only {:?} and {:?}",
        BATCH_KEYS[0], BATCH_KEYS[1]
    )
}

/// Parses `{"executions": [...], "dependencies": [...]}` and validates every record.
///
/// Fast path: deserialize straight into typed records and check them; a batch that passes
/// is exactly what the field-by-field path would accept (tested). Anything else — a type
/// error, a missing field, a rule broken — goes through the field-by-field path, which reports
/// every problem with its index and field. A record with a key the fast path does not know goes
/// there too (`deny_unknown_fields`): serde would skip the unknown value without checking it
/// (`1e999`, a lone surrogate, bad UTF-8), where the field-by-field path reads every value and
/// answers 400 for text that is not JSON (found by `fuzz/regressions/ingest_json`).
pub fn parse_json_batch(body: &[u8]) -> Result<ValidBatch, BatchError> {
    match parse_json_batch_typed(body) {
        Some(batch) => Ok(batch),
        None => parse_json_batch_by_field(body),
    }
}

/// The fast path: the valid batch, or `None` for anything the field-by-field path must report.
fn parse_json_batch_typed(body: &[u8]) -> Option<ValidBatch> {
    let typed = serde_json::from_slice::<serde_strict::Object<TypedBatch>>(body)
        .ok()?
        .0;
    if typed.executions.len() + typed.dependencies.len() > MAX_RECORDS_PER_BATCH {
        return None;
    }
    let executions = typed.executions.into_iter().map(|r| r.0).collect();
    let dependencies = typed.dependencies.into_iter().map(|d| d.0).collect();
    ValidBatch::checked(executions, dependencies).ok()
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
    // A misspelt key ({"execution": [...]}) would otherwise be an empty batch, answered 200.
    let mut errors: Vec<FieldError> = top
        .keys()
        .map(|k| {
            FieldError::new(
                0,
                k.chars().take(crate::MAX_KEY_LEN).collect::<String>(),
                unknown_batch_key_message(),
            )
        })
        .collect();
    match validate(executions, dependencies) {
        Ok(batch) if errors.is_empty() => Ok(batch),
        Ok(_) => Err(BatchError::Invalid(errors)),
        Err(BatchError::Invalid(more)) => {
            errors.extend(more);
            errors.truncate(MAX_REPORTED_ERRORS);
            Err(BatchError::Invalid(errors))
        }
        Err(e) => Err(e),
    }
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
    /// The typed fast path's check: the same as [`ValidBatch::new`], which applies every rule.
    pub fn checked(
        executions: Vec<ExecutionRecord>,
        dependencies: Vec<DependencyRecord>,
    ) -> Result<Self, Vec<FieldError>> {
        Self::new(executions, dependencies)
    }

    /// Builds a batch from typed records (the JSON fast path, importers, the demo generator),
    /// checking each by every rule the field-by-field JSON path applies
    /// ([`ExecutionRecord::check`], [`DependencyRecord::check`]), then the batch's consistency.
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

/// Deserializers that make the typed fast path read exactly what the field-by-field path reads.
mod serde_strict {
    use std::fmt;
    use std::marker::PhantomData;

    use chrono::{DateTime, Utc};
    use serde::de::value::MapAccessDeserializer;
    use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

    /// A `T` read only from a JSON object, never from an array of its fields.
    pub(super) struct Object<T>(pub(super) T);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct ObjectVisitor<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
                type Value = T;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                    T::deserialize(MapAccessDeserializer::new(map))
                }
            }
            d.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
        }
    }

    pub(super) fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Ok(Option::<Object<T>>::deserialize(d)?.map(|o| o.0))
    }

    /// Strict RFC 3339, as the field-by-field path parses (chrono's own `Deserialize` also
    /// takes relaxed forms such as `+10000-01-01T00:00:00Z` or `2026-01-01 10:00:00 UTC`).
    pub(super) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_str(TimeVisitor)
    }

    pub(super) fn optional_time<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        struct Time(DateTime<Utc>);
        impl<'de> Deserialize<'de> for Time {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(TimeVisitor).map(Time)
            }
        }
        Ok(Option::<Time>::deserialize(d)?.map(|t| t.0))
    }

    struct TimeVisitor;

    impl Visitor<'_> for TimeVisitor {
        type Value = DateTime<Utc>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
            super::rules::parse_time(s).map_err(E::custom)
        }
    }
}

#[cfg(test)]
mod tests;
