//! Reading and checking one execution or dependency record: from JSON field by field, and the
//! cross-field and field rules for typed records.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::Fields;
use super::{
    AttributeValue, DURATION_TOLERANCE_MS, DependencyRecord, ErrorDetails, ExecutionRecord,
    FieldError, MAX_ATTRIBUTES, MAX_TEXT_LEN,
};
use crate::{DependencyType, ExecutionStatus, MAX_KEY_LEN, TaskType};

/// 1..=255 characters, not blank, no control characters.
pub(super) fn key_ok(v: &str) -> bool {
    !v.trim().is_empty() && v.chars().count() <= MAX_KEY_LEN && !v.chars().any(char::is_control)
}

impl ExecutionRecord {
    /// The field rules [`ExecutionRecord::from_json`] applies while reading, for a typed record.
    pub(super) fn field_errors(&self, index: usize) -> Vec<FieldError> {
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
