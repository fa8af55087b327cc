//! The execution record every analysis reads: a flat, numeric view of one attempt.
//! Times are epoch milliseconds (cheap to compare and subtract); absent measurements are `None`.
//! `db` builds these from rows; tests and the accuracy evaluation build them from ingest records.

use types::ExecutionStatus;
use types::ingest::{AttributeValue, ExecutionRecord};

/// One execution attempt. The fields every per-task pass reads (times, duration, attempt,
/// status) come first and `repr(C)` keeps them there, in the struct's first 48 bytes: a pass
/// over a million executions then reads one or two cache lines of each 488-byte record
/// instead of three or four (Rust's default layout put them at both ends).
#[derive(Debug, Clone, PartialEq)]
#[repr(C)]
pub struct Execution {
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub duration_ms: Option<f64>,
    pub attempt: u32,
    pub status: ExecutionStatus,
    pub execution_id: String,
    pub task_id: String,
    pub workflow_id: String,
    pub workflow_execution_id: String,
    /// The instance of the task within its run (ingest `instanceId`; empty when the task runs
    /// once per run): a logical execution is (workflow run, task, instance).
    pub instance: String,
    pub cpu_time_ms: Option<f64>,
    pub memory_peak_mb: Option<f64>,
    pub cpu_allocated_cores: Option<f64>,
    pub memory_allocated_mb: Option<f64>,
    pub input_size_bytes: Option<f64>,
    pub output_size_bytes: Option<f64>,
    pub read_bytes: Option<f64>,
    pub write_bytes: Option<f64>,
    pub io_operations: Option<f64>,
    pub network_calls: Option<f64>,
    pub bytes_transferred: Option<f64>,
    pub host: Option<String>,
    pub error_type: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub input_hash: Option<String>,
    /// Free-form factors with their types: numbers stay numbers (binned by quantiles where a
    /// category is needed), booleans stay booleans.
    pub attributes: Vec<(String, AttributeValue)>,
}

impl Execution {
    /// An attempt with only its identity, status and times; every measurement absent. Fill the
    /// rest with struct update syntax (`Execution { host: ..., ..Execution::new(...) }`).
    pub fn new(
        execution_id: impl Into<String>,
        task_id: impl Into<String>,
        workflow_execution_id: impl Into<String>,
        status: ExecutionStatus,
        start_ms: i64,
        end_ms: Option<i64>,
    ) -> Self {
        Execution {
            execution_id: execution_id.into(),
            task_id: task_id.into(),
            workflow_id: String::new(),
            workflow_execution_id: workflow_execution_id.into(),
            instance: String::new(),
            status,
            attempt: 1,
            start_ms,
            end_ms,
            duration_ms: end_ms.map(|e| (e - start_ms) as f64),
            cpu_time_ms: None,
            memory_peak_mb: None,
            cpu_allocated_cores: None,
            memory_allocated_mb: None,
            input_size_bytes: None,
            output_size_bytes: None,
            read_bytes: None,
            write_bytes: None,
            io_operations: None,
            network_calls: None,
            bytes_transferred: None,
            host: None,
            error_type: None,
            error_code: None,
            error_message: None,
            input_hash: None,
            attributes: Vec::new(),
        }
    }

    /// Failed or timed out.
    pub fn is_failure(&self) -> bool {
        self.status.is_failure()
    }
}

impl From<&ExecutionRecord> for Execution {
    fn from(r: &ExecutionRecord) -> Self {
        let f = |v: Option<i64>| v.map(|v| v as f64);
        Execution {
            execution_id: r.execution_id.clone(),
            task_id: r.task_id.clone(),
            workflow_id: r.workflow_id.clone(),
            workflow_execution_id: r.workflow_execution_id.clone(),
            instance: r.instance_id.clone().unwrap_or_default(),
            status: r.status,
            attempt: u32::try_from(r.attempt_number).unwrap_or(1),
            start_ms: r.start_time.timestamp_millis(),
            end_ms: r.end_time.map(|t| t.timestamp_millis()),
            duration_ms: f(r.duration_ms),
            cpu_time_ms: f(r.cpu_time_ms),
            memory_peak_mb: r.memory_peak_mb,
            cpu_allocated_cores: r.cpu_allocated_cores,
            memory_allocated_mb: r.memory_allocated_mb,
            input_size_bytes: f(r.input_size_bytes),
            output_size_bytes: f(r.output_size_bytes),
            read_bytes: f(r.read_bytes),
            write_bytes: f(r.write_bytes),
            io_operations: f(r.io_operations),
            network_calls: f(r.network_calls),
            bytes_transferred: f(r.bytes_transferred),
            host: r.host.clone(),
            error_type: r.error.as_ref().map(|e| e.error_type.clone()),
            error_code: r.error.as_ref().and_then(|e| e.code.clone()),
            error_message: r.error.as_ref().and_then(|e| e.message.clone()),
            input_hash: r.input_hash.clone(),
            attributes: r
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }
}
