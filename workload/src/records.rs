//! Turning simulated attempts into ingest-format-v1 records: the id scheme, resource fields by
//! task type, error details and attributes.
//!
//! Ids: `workflowExecutionId` = `{workflowId}-{YYYYMMDDTHHMM}-{n}` (run start, n = 1-based run
//! number within the workflow), `executionId` = `{workflowExecutionId}/{task}/{attempt}`,
//! `taskId` = `{workflowId}.{task}`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use types::DependencyType;
use types::ingest::{AttributeValue, DependencyRecord, ErrorDetails, ExecutionRecord};
use types::{ExecutionStatus, TaskType};

use crate::errors::MessageContext;
use crate::schedule::{Arrival, Schedule, Window};
use crate::simulate::{Attempt, LOCK_TIMEOUT_S};
use crate::templates::WorkflowSpec;

/// A Unix-millisecond time as a UTC date-time (parameters are validated so it is in range).
pub(crate) fn ts(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub(crate) fn workflow_execution_id(spec: &WorkflowSpec, arrival: &Arrival) -> String {
    let t = ts(arrival.start_ms);
    format!(
        "{}-{:04}{:02}{:02}T{:02}{:02}-{}",
        spec.id,
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        arrival.run_idx + 1
    )
}

pub(crate) fn execution_id(wfe_id: &str, task_key: &str, attempt: u8) -> String {
    format!("{wfe_id}/{task_key}/{attempt}")
}

/// The DAG edges of a workflow (all data dependencies, none optional).
pub(crate) fn dependencies(spec: &WorkflowSpec) -> impl Iterator<Item = DependencyRecord> + '_ {
    spec.tasks.iter().flat_map(move |t| {
        t.upstream.iter().map(move |&u| DependencyRecord {
            workflow_id: spec.id.clone(),
            upstream_task_id: spec.tasks[u].task_id.clone(),
            downstream_task_id: t.task_id.clone(),
            dependency_type: DependencyType::Data,
            optional: false,
        })
    })
}

/// Values shared by every record of one run.
pub(crate) struct RunContext<'a> {
    pub spec: &'a WorkflowSpec,
    pub wfe_id: String,
    pub version: String,
    pub trigger: &'static str,
}

impl<'a> RunContext<'a> {
    pub fn new(spec: &'a WorkflowSpec, arrival: &Arrival, window: Window) -> Self {
        let (major, minor) = spec.version;
        // A new patch release every week of the window.
        let patch = (window.days_since_start(arrival.start_ms) / 7.0)
            .floor()
            .max(0.0) as u32;
        RunContext {
            spec,
            wfe_id: workflow_execution_id(spec, arrival),
            version: format!("{major}.{minor}.{patch}"),
            trigger: match spec.schedule {
                Schedule::Periodic { .. } => "schedule",
                Schedule::BusinessHours { .. } => "event",
            },
        }
    }

    pub fn record(&self, a: &Attempt) -> ExecutionRecord {
        let spec = self.spec;
        let task = &spec.tasks[a.task];
        let skipped = a.status == ExecutionStatus::Skipped;
        let finished = !skipped && a.status != ExecutionStatus::Running;
        let completed = a.status == ExecutionStatus::Completed;
        let network = task.task_type == TaskType::Network;
        let some_if = |cond: bool, v: i64| cond.then_some(v);
        let mut attributes = BTreeMap::new();
        attributes.insert(
            "region".to_owned(),
            AttributeValue::Text(spec.region.into()),
        );
        attributes.insert(
            "version".to_owned(),
            AttributeValue::Text(self.version.clone()),
        );
        attributes.insert(
            "trigger".to_owned(),
            AttributeValue::Text(self.trigger.into()),
        );
        if let Some(s) = task.shard {
            attributes.insert("shard".to_owned(), AttributeValue::Number(f64::from(s)));
        }
        let error = a.error.map(|(kind, bits)| {
            let start = ts(a.start_ms);
            let cx = MessageContext {
                year: start.year(),
                month: start.month(),
                memory_mb: a.mem_mb,
                limit_mb: task.mem_alloc_mb,
                lock_timeout_s: LOCK_TIMEOUT_S,
            };
            ErrorDetails {
                error_type: kind.error_type().to_owned(),
                code: Some(kind.code().to_owned()),
                message: Some(kind.message(bits, &cx)),
                stack_trace: None,
            }
        });
        let io_bytes = a.input_bytes + a.output_bytes;
        ExecutionRecord {
            execution_id: execution_id(&self.wfe_id, &task.key, a.attempt),
            workflow_id: spec.id.clone(),
            workflow_execution_id: self.wfe_id.clone(),
            task_id: task.task_id.clone(),
            instance_id: None,
            workflow_name: Some(spec.name.clone()),
            task_name: task.key.clone(),
            task_type: task.task_type,
            status: a.status,
            attempt_number: i32::from(a.attempt),
            start_time: ts(a.start_ms),
            end_time: a.end_ms.map(ts),
            duration_ms: a.end_ms.map(|e| e - a.start_ms),
            input_size_bytes: some_if(!skipped, a.input_bytes),
            output_size_bytes: some_if(completed, a.output_bytes),
            cpu_time_ms: some_if(finished, a.cpu_ms),
            memory_peak_mb: finished.then_some(a.mem_mb),
            io_operations: some_if(finished && !network, io_bytes / 65_536 + 1),
            read_bytes: some_if(finished && !network, a.input_bytes),
            write_bytes: some_if(finished && !network, a.output_bytes),
            network_calls: some_if(finished && network, a.input_bytes / 8_000_000 + 1),
            bytes_transferred: some_if(finished && network, io_bytes),
            cpu_allocated_cores: (!skipped).then_some(task.cpu_alloc),
            memory_allocated_mb: (!skipped)
                .then_some(task.mem_alloc_recorded_mb.unwrap_or(task.mem_alloc_mb)),
            host: (a.host > 0).then(|| format!("worker-{}", a.host)),
            error,
            retry_reason: a.retry_after.map(|k| k.retry_reason(a.attempt - 1)),
            input_hash: (!skipped).then(|| format!("{:016x}", a.input_hash)),
            attributes,
            correction: false,
        }
    }
}
