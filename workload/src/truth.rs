//! The ground truth: what analytics should find in the generated history. Configured facts
//! (trends, schedules, leaks, provisioning, critical paths) come from the workflow specs;
//! everything counted (totals, error signatures, factor breakdowns, outliers, cache repeats) is
//! tallied by re-running the same simulation that feeds [`crate::Generator::batches`], so the
//! counts are exact for what the batches contain.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use types::{ExecutionStatus, TaskType};

use crate::errors::{ErrorKind, MessageContext};
use crate::records::{self, ts};
use crate::schedule::Schedule;
use crate::simulate::{self, Attempt, LOCK_TIMEOUT_S};
use crate::stream::RunStream;
use crate::templates::{self, InputKey, WorkflowSpec};
use crate::{DemoParams, Generator};

/// Everything the generated history is known to contain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroundTruth {
    pub params: DemoParams,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub totals: Totals,
    pub workflows: Vec<WorkflowTruth>,
    pub tasks: Vec<TaskTruth>,
    pub error_signatures: Vec<ErrorSignature>,
    pub correlated_failures: Vec<CorrelatedFailure>,
    pub memory_leaks: Vec<MemoryLeak>,
    pub provisioning: Vec<ProvisioningProblem>,
    pub outliers: Vec<Outlier>,
    pub caching_opportunities: Vec<CachingOpportunity>,
}

/// Record counts over the whole history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub workflows: u64,
    pub tasks: u64,
    pub dependencies: u64,
    /// Workflow runs with at least one record.
    pub runs: u64,
    /// Execution records (attempts, skips and running attempts).
    pub executions: u64,
    pub completed: u64,
    /// Status `failed`.
    pub failed: u64,
    /// Status `timeout`.
    pub timed_out: u64,
    /// `failed` + `timeout` (what a failure rate counts).
    pub failures: u64,
    /// Records with `attemptNumber` > 1.
    pub retries: u64,
    pub skipped: u64,
    /// Started before the window end, not ended by it (no `endTime`).
    pub running: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowTruth {
    pub workflow_id: String,
    pub workflow_name: String,
    /// `etl`, `ml_training`, `ci`, `bioinformatics` or `media`.
    pub template: String,
    pub schedule: Schedule,
    /// Hours (UTC) in which runs start most often; empty when flat (hourly or faster).
    pub peak_hours_utc: Vec<u32>,
    pub tasks: u64,
    pub dependencies: u64,
    pub runs: u64,
    /// Task ids of the longest root-to-sink path weighted by window-median durations.
    pub critical_path: Vec<String>,
    pub critical_path_median_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskTruth {
    pub task_id: String,
    pub workflow_id: String,
    pub task_name: String,
    pub task_type: TaskType,
    /// Median duration at the window start.
    pub median_seconds: f64,
    /// Median over the whole window (mid-window value of the linear trend).
    pub window_median_seconds: f64,
    /// Log-scale σ of the duration (before input-size effects).
    pub sigma: f64,
    /// `degrading`, `improving` or `stable`.
    pub trend: String,
    /// Change of the median from window start to end, in percent (+40 = 40 % slower).
    pub trend_percent: f64,
    pub max_attempts: u8,
    pub executions: u64,
    pub completed: u64,
    pub failures: u64,
    pub retries: u64,
    pub skipped: u64,
    pub running: u64,
}

/// One error signature: all failed attempts whose message normalises to `template`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorSignature {
    pub error_type: String,
    pub code: String,
    /// The message normalised by [`crate::normalise`].
    pub template: String,
    /// `failed` or `timeout`.
    pub status: ExecutionStatus,
    pub example_message: String,
    /// Failed attempts with this signature.
    pub count: u64,
    pub by_task: BTreeMap<String, u64>,
}

/// A factor under which a task fails far more often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CorrelatedFailure {
    pub task_id: String,
    /// `host` or `inputSize`.
    pub factor: String,
    /// `worker-7`, or `top decile`.
    pub value: String,
    pub error_type: String,
    /// Configured failure probability per attempt with the factor, and without it.
    pub failure_rate: f64,
    pub baseline_rate: f64,
    /// Observed over finished attempts (completed, failed, timeout) in the batches.
    pub attempts_with: u64,
    pub failures_with: u64,
    pub attempts_without: u64,
    pub failures_without: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryLeak {
    pub task_id: String,
    /// `memoryPeakMb` grows by this much per day over the window.
    pub mb_per_day: f64,
    /// Median peak at the window start.
    pub baseline_mb: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningProblem {
    pub task_id: String,
    /// `cpu_over_provisioned` or `memory_under_provisioned`.
    pub kind: String,
    /// Cores or MB allocated.
    pub allocated: f64,
    /// Typical use: busy cores, or median memory peak in MB.
    pub typical_use: f64,
}

/// An injected duration outlier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outlier {
    pub execution_id: String,
    pub task_id: String,
    /// Duration multiplier applied (10–30).
    pub factor: f64,
    pub duration_ms: i64,
}

/// A task whose `inputHash` repeats across runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachingOpportunity {
    pub task_id: String,
    /// `per_day` (a daily snapshot) or `per_revision` (rebuilds of the same revision).
    pub key: String,
    /// Records carrying an input hash, and how many distinct hashes they carry.
    pub executions_with_hash: u64,
    pub distinct_input_hashes: u64,
}

#[derive(Debug, Clone, Default)]
struct TaskTally {
    executions: u64,
    completed: u64,
    failures: u64,
    retries: u64,
    skipped: u64,
    running: u64,
    /// (attempts, failures) with and without the task's factor.
    with: (u64, u64),
    without: (u64, u64),
    hashed: u64,
    distinct_hashes: u64,
    last_hash: Option<u64>,
}

struct SignatureTally {
    count: u64,
    example: String,
    by_task: BTreeMap<String, u64>,
}

pub(crate) fn compute(g: &Generator) -> GroundTruth {
    let mut totals = Totals {
        workflows: g.workflows.len() as u64,
        ..Totals::default()
    };
    let mut tally: Vec<Vec<TaskTally>> = g
        .workflows
        .iter()
        .map(|w| vec![TaskTally::default(); w.tasks.len()])
        .collect();
    let mut runs = vec![0_u64; g.workflows.len()];
    let mut signatures: BTreeMap<ErrorKind, SignatureTally> = BTreeMap::new();
    let mut outliers = Vec::new();
    let mut scratch: Vec<Attempt> = Vec::new();
    for (wf, arrival) in RunStream::new(g) {
        let spec = &g.workflows[wf as usize];
        scratch.clear();
        simulate::simulate_run(spec, g.params.seed, wf, &arrival, g.window, &mut scratch);
        if scratch.is_empty() {
            continue;
        }
        runs[wf as usize] += 1;
        totals.runs += 1;
        for a in &scratch {
            let task = &spec.tasks[a.task];
            let t = &mut tally[wf as usize][a.task];
            totals.executions += 1;
            t.executions += 1;
            if a.attempt > 1 {
                totals.retries += 1;
                t.retries += 1;
            }
            match a.status {
                ExecutionStatus::Completed => {
                    totals.completed += 1;
                    t.completed += 1;
                }
                ExecutionStatus::Failed => totals.failed += 1,
                ExecutionStatus::Timeout => totals.timed_out += 1,
                ExecutionStatus::Skipped => {
                    totals.skipped += 1;
                    t.skipped += 1;
                }
                ExecutionStatus::Running => {
                    totals.running += 1;
                    t.running += 1;
                }
                ExecutionStatus::Cancelled => {}
            }
            let failed = a.status.is_failure();
            if failed {
                totals.failures += 1;
                t.failures += 1;
            }
            if a.status != ExecutionStatus::Skipped {
                t.hashed += 1;
                if t.last_hash != Some(a.input_hash) {
                    t.distinct_hashes += 1;
                    t.last_hash = Some(a.input_hash);
                }
            }
            let finished = failed || a.status == ExecutionStatus::Completed;
            if finished {
                let with = match (task.hotspot, task.large_input) {
                    (Some(h), _) => a.host == h.host,
                    (None, Some(_)) => a.large_input,
                    (None, None) => false,
                };
                let slot = if with { &mut t.with } else { &mut t.without };
                slot.0 += 1;
                slot.1 += u64::from(failed);
            }
            if let Some((kind, bits)) = a.error {
                let s = signatures.entry(kind).or_insert_with(|| {
                    let start = ts(a.start_ms);
                    let cx = MessageContext {
                        year: start.year(),
                        month: start.month(),
                        memory_mb: a.mem_mb,
                        limit_mb: task.mem_alloc_mb,
                        lock_timeout_s: LOCK_TIMEOUT_S,
                    };
                    SignatureTally {
                        count: 0,
                        example: kind.message(bits, &cx),
                        by_task: BTreeMap::new(),
                    }
                });
                s.count += 1;
                *s.by_task.entry(task.task_id.clone()).or_default() += 1;
            }
            if let (Some(factor), Some(end)) = (a.outlier, a.end_ms) {
                let wfe = records::workflow_execution_id(spec, &arrival);
                outliers.push(Outlier {
                    execution_id: records::execution_id(&wfe, &task.key, a.attempt),
                    task_id: task.task_id.clone(),
                    factor,
                    duration_ms: end - a.start_ms,
                });
            }
        }
    }

    let mut workflows = Vec::new();
    let mut tasks = Vec::new();
    let mut correlated = Vec::new();
    let mut leaks = Vec::new();
    let mut provisioning = Vec::new();
    let mut caching = Vec::new();
    for (wi, w) in g.workflows.iter().enumerate() {
        let deps: usize = w.tasks.iter().map(|t| t.upstream.len()).sum();
        totals.tasks += w.tasks.len() as u64;
        totals.dependencies += deps as u64;
        workflows.push(workflow_truth(w, deps as u64, runs[wi]));
        for (ti, t) in w.tasks.iter().enumerate() {
            let c = &tally[wi][ti];
            tasks.push(TaskTruth {
                task_id: t.task_id.clone(),
                workflow_id: w.id.clone(),
                task_name: t.key.clone(),
                task_type: t.task_type,
                median_seconds: t.median_s,
                window_median_seconds: t.window_median_s(),
                sigma: t.sigma,
                trend: if t.trend > 0.0 {
                    "degrading"
                } else if t.trend < 0.0 {
                    "improving"
                } else {
                    "stable"
                }
                .to_owned(),
                trend_percent: t.trend * 100.0,
                max_attempts: t.max_attempts,
                executions: c.executions,
                completed: c.completed,
                failures: c.failures,
                retries: c.retries,
                skipped: c.skipped,
                running: c.running,
            });
            let factor = match (t.hotspot, t.large_input) {
                (Some(h), _) => Some((
                    "host",
                    format!("worker-{}", h.host),
                    h.error,
                    h.rate,
                    t.base_fail,
                )),
                (None, Some(l)) => Some((
                    "inputSize",
                    "top decile".to_owned(),
                    l.error,
                    l.rate + (1.0 - l.rate) * t.base_fail,
                    t.base_fail,
                )),
                (None, None) => None,
            };
            if let Some((factor, value, error, rate, baseline)) = factor {
                correlated.push(CorrelatedFailure {
                    task_id: t.task_id.clone(),
                    factor: factor.to_owned(),
                    value,
                    error_type: error.error_type().to_owned(),
                    failure_rate: rate,
                    baseline_rate: baseline,
                    attempts_with: c.with.0,
                    failures_with: c.with.1,
                    attempts_without: c.without.0,
                    failures_without: c.without.1,
                });
            }
            if t.leak_mb_per_day > 0.0 {
                leaks.push(MemoryLeak {
                    task_id: t.task_id.clone(),
                    mb_per_day: t.leak_mb_per_day,
                    baseline_mb: t.mem_median_mb,
                });
            }
            if t.cpu_over_provisioned {
                provisioning.push(ProvisioningProblem {
                    task_id: t.task_id.clone(),
                    kind: "cpu_over_provisioned".to_owned(),
                    allocated: t.cpu_alloc,
                    typical_use: t.cpu_used,
                });
            }
            if t.memory_under_provisioned {
                provisioning.push(ProvisioningProblem {
                    task_id: t.task_id.clone(),
                    kind: "memory_under_provisioned".to_owned(),
                    allocated: t.mem_alloc_mb,
                    typical_use: t.mem_median_mb,
                });
            }
            let key = match t.input_key {
                InputKey::Unique => None,
                InputKey::PerDay => Some("per_day"),
                InputKey::PerRevision => Some("per_revision"),
            };
            if let Some(key) = key {
                caching.push(CachingOpportunity {
                    task_id: t.task_id.clone(),
                    key: key.to_owned(),
                    executions_with_hash: c.hashed,
                    distinct_input_hashes: c.distinct_hashes,
                });
            }
        }
    }
    let error_signatures = signatures
        .into_iter()
        .map(|(kind, s)| ErrorSignature {
            error_type: kind.error_type().to_owned(),
            code: kind.code().to_owned(),
            template: kind.template().to_owned(),
            status: kind.status(),
            example_message: s.example,
            count: s.count,
            by_task: s.by_task,
        })
        .collect();
    GroundTruth {
        params: g.params.clone(),
        window_start: ts(g.window.start_ms),
        window_end: ts(g.window.end_ms),
        totals,
        workflows,
        tasks,
        error_signatures,
        correlated_failures: correlated,
        memory_leaks: leaks,
        provisioning,
        outliers,
        caching_opportunities: caching,
    }
}

fn workflow_truth(w: &WorkflowSpec, deps: u64, runs: u64) -> WorkflowTruth {
    let (path, total) = templates::critical_path(&w.tasks);
    WorkflowTruth {
        workflow_id: w.id.clone(),
        workflow_name: w.name.clone(),
        template: w.template.as_str().to_owned(),
        peak_hours_utc: w.schedule.peak_hours_utc(),
        schedule: w.schedule.clone(),
        tasks: w.tasks.len() as u64,
        dependencies: deps,
        runs,
        critical_path: path.iter().map(|i| w.tasks[*i].task_id.clone()).collect(),
        critical_path_median_seconds: total,
    }
}
