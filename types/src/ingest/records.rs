//! Reading and checking one execution or dependency record: from JSON field by field, and the
//! cross-field and field rules for typed records.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::Fields;
use super::rules::{self, BYTES, CORES, COUNT, CPU_TIME_MS, DURATION_MS};
use super::rules::{MEMORY_ALLOCATED_MB, MEMORY_PEAK_MB};
use super::{
    AttributeValue, DURATION_TOLERANCE_MS, DependencyRecord, ErrorDetails, ExecutionRecord,
    FieldError, MAX_ATTRIBUTES, MAX_DURATION_MS,
};
use crate::{DependencyType, ExecutionStatus, TaskType};

/// The keys of an execution record in ingest format v1 (see `ExecutionRecord`).
pub(super) const EXECUTION_KEYS: &[&str] = &[
    "executionId",
    "workflowId",
    "workflowExecutionId",
    "taskId",
    "instanceId",
    "workflowName",
    "taskName",
    "taskType",
    "status",
    "attemptNumber",
    "startTime",
    "endTime",
    "durationMs",
    "inputSizeBytes",
    "outputSizeBytes",
    "cpuTimeMs",
    "memoryPeakMb",
    "ioOperations",
    "readBytes",
    "writeBytes",
    "networkCalls",
    "bytesTransferred",
    "cpuAllocatedCores",
    "memoryAllocatedMb",
    "host",
    "error",
    "retryReason",
    "inputHash",
    "attributes",
    "correction",
];
/// The keys of `error`.
pub(super) const ERROR_KEYS: &[&str] = &["type", "code", "message", "stackTrace"];
/// The keys of a dependency record.
pub(super) const DEPENDENCY_KEYS: &[&str] = &[
    "workflowId",
    "upstreamTaskId",
    "downstreamTaskId",
    "dependencyType",
    "optional",
];

/// A key outside `known` is refused, not dropped: a typo such as `durationMS` or `cpuTime`
/// would otherwise lose its value in silence (the same rule as the batch's own keys). The
/// field is the key as sent (its first 100 characters), with a suggestion when only its case
/// differs from a known key.
pub(super) fn unknown_keys(
    index: usize,
    obj: &serde_json::Map<String, Value>,
    known: &[&str],
) -> Vec<FieldError> {
    obj.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            let hint = known
                .iter()
                .find(|n| n.eq_ignore_ascii_case(k))
                .map(|n| format!("; did you mean {n:?}?"))
                .unwrap_or_default();
            FieldError::new(
                index,
                k.chars().take(100).collect::<String>(),
                format!("is not a field of ingest format v1{hint}"),
            )
        })
        .collect()
}

impl ExecutionRecord {
    /// The field rules [`ExecutionRecord::from_json`] applies while reading, for a typed record,
    /// with the same fields and messages.
    fn field_errors(&self, index: usize) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut push = |field: &str, problem: Option<String>| {
            if let Some(message) = problem {
                errors.push(FieldError::new(index, field, message));
            }
        };
        for (field, v) in [
            ("executionId", &self.execution_id),
            ("workflowId", &self.workflow_id),
            ("workflowExecutionId", &self.workflow_execution_id),
            ("taskId", &self.task_id),
        ] {
            push(field, rules::id_problem(v));
        }
        push("taskName", rules::key_problem(&self.task_name));
        let error = self.error.as_ref();
        for (field, v) in [
            ("workflowName", self.workflow_name.as_deref()),
            ("instanceId", self.instance_id.as_deref()),
            ("host", self.host.as_deref()),
            ("error.type", error.map(|x| x.error_type.as_str())),
        ] {
            push(field, v.and_then(rules::key_problem));
        }
        push(
            "error.code",
            error
                .and_then(|x| x.code.as_deref())
                .and_then(rules::error_code_problem),
        );
        push(
            "attemptNumber",
            rules::attempt_problem(i64::from(self.attempt_number)),
        );
        push("startTime", rules::time_problem(self.start_time));
        push("endTime", self.end_time.and_then(rules::time_problem));
        for (field, v, bound) in [
            ("durationMs", self.duration_ms, DURATION_MS),
            ("inputSizeBytes", self.input_size_bytes, BYTES),
            ("outputSizeBytes", self.output_size_bytes, BYTES),
            ("cpuTimeMs", self.cpu_time_ms, CPU_TIME_MS),
            ("ioOperations", self.io_operations, COUNT),
            ("readBytes", self.read_bytes, BYTES),
            ("writeBytes", self.write_bytes, BYTES),
            ("networkCalls", self.network_calls, COUNT),
            ("bytesTransferred", self.bytes_transferred, BYTES),
        ] {
            push(field, v.and_then(|v| bound.problem(v)));
        }
        for (field, v, bound) in [
            ("memoryPeakMb", self.memory_peak_mb, MEMORY_PEAK_MB),
            ("cpuAllocatedCores", self.cpu_allocated_cores, CORES),
            (
                "memoryAllocatedMb",
                self.memory_allocated_mb,
                MEMORY_ALLOCATED_MB,
            ),
        ] {
            push(field, v.and_then(|v| bound.problem(v)));
        }
        for (field, v) in [
            ("error.message", error.and_then(|x| x.message.as_deref())),
            (
                "error.stackTrace",
                error.and_then(|x| x.stack_trace.as_deref()),
            ),
            ("retryReason", self.retry_reason.as_deref()),
            ("inputHash", self.input_hash.as_deref()),
        ] {
            push(field, v.and_then(rules::text_problem));
        }
        if self.attributes.len() > MAX_ATTRIBUTES {
            push(
                "attributes",
                Some(format!("must have at most {MAX_ATTRIBUTES} keys")),
            );
        } else {
            for (k, v) in &self.attributes {
                match rules::attribute_key_problem(k) {
                    Some(problem) => push("attributes", Some(problem)),
                    None => push(
                        &format!("attributes.{k}"),
                        rules::attribute_value_problem(v),
                    ),
                }
            }
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
        f.errors.extend(unknown_keys(index, obj, EXECUTION_KEYS));
        let execution_id = f.id("executionId");
        let workflow_id = f.id("workflowId");
        let workflow_execution_id = f.id("workflowExecutionId");
        let task_id = f.id("taskId");
        let workflow_name = f.key("workflowName", false);
        let instance_id = f.key("instanceId", false);
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
            Some(v) => match v.as_i64().map(|n| (n, rules::attempt_problem(n))) {
                Some((n, None)) => n as i32,
                Some((_, Some(problem))) => {
                    f.err("attemptNumber", problem);
                    1
                }
                None => {
                    f.err("attemptNumber", rules::attempt_message());
                    1
                }
            },
        };
        let start_time = f.time("startTime", true);
        let end_time = f.time("endTime", false);
        let duration_ms = f.count("durationMs", DURATION_MS);
        let input_size_bytes = f.count("inputSizeBytes", BYTES);
        let output_size_bytes = f.count("outputSizeBytes", BYTES);
        let cpu_time_ms = f.count("cpuTimeMs", CPU_TIME_MS);
        let memory_peak_mb = f.number("memoryPeakMb", MEMORY_PEAK_MB);
        let io_operations = f.count("ioOperations", COUNT);
        let read_bytes = f.count("readBytes", BYTES);
        let write_bytes = f.count("writeBytes", BYTES);
        let network_calls = f.count("networkCalls", COUNT);
        let bytes_transferred = f.count("bytesTransferred", BYTES);
        let cpu_allocated_cores = f.number("cpuAllocatedCores", CORES);
        let memory_allocated_mb = f.number("memoryAllocatedMb", MEMORY_ALLOCATED_MB);
        let host = f.key("host", false);
        let error = match f.get("error") {
            None => None,
            Some(Value::Object(e)) => {
                let mut ef = Fields {
                    index,
                    obj: e,
                    errors: Vec::new(),
                };
                ef.errors.extend(unknown_keys(index, e, ERROR_KEYS));
                let error_type = ef.key("type", true);
                let code = ef.error_code("code");
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
                    if let Some(problem) = rules::attribute_key_problem(k) {
                        f.err("attributes", problem);
                        continue;
                    }
                    let val = match v {
                        Value::String(s) => AttributeValue::Text(s.clone()),
                        Value::Bool(b) => AttributeValue::Bool(*b),
                        Value::Number(n) => match n.as_f64() {
                            Some(x) => AttributeValue::Number(x),
                            None => continue,
                        },
                        _ => {
                            f.err(&format!("attributes.{k}"), rules::attribute_type_message());
                            continue;
                        }
                    };
                    if let Some(problem) = rules::attribute_value_problem(&val) {
                        f.err(&format!("attributes.{k}"), problem);
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
        let correction = match f.get("correction") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                f.err("correction", "must be a boolean");
                false
            }
        };

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
            instance_id,
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
            correction,
        };
        // Field-level errors first; cross-field rules only make sense on well-typed fields.
        if errors.is_empty() {
            errors.extend(record.cross_field_errors(index));
        }
        if errors.is_empty() {
            Ok(record)
        } else {
            Err(errors)
        }
    }

    /// Every rule [`ExecutionRecord::from_json`] applies, for a record built in Rust: the field
    /// rules, then (when those pass) the cross-field ones; fills `durationMs` from the times
    /// when absent.
    pub fn check(&mut self, index: usize) -> Vec<FieldError> {
        let errors = self.field_errors(index);
        if errors.is_empty() {
            self.cross_field_errors(index)
        } else {
            errors
        }
    }

    /// Cross-field rules; fills `durationMs` from the times when absent.
    fn cross_field_errors(&mut self, index: usize) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut e = |field: &str, msg: String| errors.push(FieldError::new(index, field, msg));
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
                    None if derived > MAX_DURATION_MS => e(
                        "endTime",
                        format!(
                            "is {derived} ms after startTime; a duration must be at most {MAX_DURATION_MS} ms (one year)"
                        ),
                    ),
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
        f.errors.extend(unknown_keys(index, obj, DEPENDENCY_KEYS));
        let workflow_id = f.id("workflowId");
        let upstream = f.id("upstreamTaskId");
        let downstream = f.id("downstreamTaskId");
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
        errors.extend(d.self_loop_errors(index));
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }

    /// Every rule [`DependencyRecord::from_json`] applies, for a record built in Rust.
    pub fn check(&self, index: usize) -> Vec<FieldError> {
        let mut errors: Vec<FieldError> = [
            ("workflowId", &self.workflow_id),
            ("upstreamTaskId", &self.upstream_task_id),
            ("downstreamTaskId", &self.downstream_task_id),
        ]
        .into_iter()
        .filter_map(|(field, v)| {
            rules::id_problem(v).map(|message| FieldError::new(index, field, message))
        })
        .collect();
        if errors.is_empty() {
            errors.extend(self.self_loop_errors(index));
        }
        errors
    }

    fn self_loop_errors(&self, index: usize) -> Vec<FieldError> {
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
