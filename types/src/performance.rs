//! `TaskPerformanceMetrics` and its sub-structures (spec §1.1), plus the types the spec
//! references without defining (`MemoryLeak`, `RetryDistribution`, `CascadeAnalysis`, ...).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    #[default]
    Compute,
    Io,
    Network,
    Decision,
    Human,
    Wait,
}

impl TaskType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compute => "compute",
            Self::Io => "io",
            Self::Network => "network",
            Self::Decision => "decision",
            Self::Human => "human",
            Self::Wait => "wait",
        }
    }
}

/// Status of one task execution attempt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    Completed,
    Failed,
    Timeout,
    Cancelled,
    Skipped,
    Running,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::Skipped => "skipped",
            Self::Running => "running",
        }
    }

    /// Failed or timed out: what the failure rate counts.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Timeout)
    }
}

/// A stored or sent string that names no value of the enum (database strings parse with this
/// error, never into a silent default).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {kind} (expected one of {expected})")]
pub struct UnknownVariant {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

/// `FromStr` from each variant's `as_str`.
macro_rules! from_str_by_as_str {
    ($ty:ty, $kind:literal, [$($v:ident),+ $(,)?]) => {
        impl TryFrom<String> for $ty {
            type Error = UnknownVariant;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl std::str::FromStr for $ty {
            type Err = UnknownVariant;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $(if s == <$ty>::$v.as_str() {
                    return Ok(<$ty>::$v);
                })+
                Err(UnknownVariant {
                    kind: $kind,
                    value: s.chars().take(64).collect(),
                    expected: concat!($(stringify!($v), " "),+),
                })
            }
        }
    };
}

from_str_by_as_str!(
    TaskType,
    "task type",
    [Compute, Io, Network, Decision, Human, Wait]
);
from_str_by_as_str!(
    ExecutionStatus,
    "execution status",
    [Completed, Failed, Timeout, Cancelled, Skipped, Running]
);
from_str_by_as_str!(DependencyType, "dependency type", [Data, Control, Resource]);

/// The failure rate: failed and timed-out attempts over all attempts (0 without any). The one
/// formula every answer uses (`ExecutionStatus::is_failure` names what counts).
pub fn failure_rate(failed_or_timed_out: u64, attempts: u64) -> f64 {
    if attempts == 0 {
        0.0
    } else {
        failed_or_timed_out as f64 / attempts as f64
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    Improving,
    Degrading,
    #[default]
    Stable,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskPerformanceMetrics {
    pub id: String,
    pub task_id: String,
    pub task_name: String,
    pub task_type: TaskType,
    pub execution_stats: ExecutionStatistics,
    pub resource_usage: TaskResourceMetrics,
    pub failure_analysis: FailureMetrics,
    pub dependencies: DependencyMetrics,
    pub concurrency: ConcurrencyMetrics,
    pub caching_metrics: CachingMetrics,
    pub cost_analysis: TaskCostAnalysis,
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Present when a part of this struct itself (resource usage, concurrency, caching) was
    /// computed from a sample of the window rather than all of it; the nested failure analysis
    /// and dependencies carry their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

/// What a sampled answer read: the latest `executions` of the task's `ofExecutions` executions
/// in the window, and the latest `workflowRuns` of its workflow's `ofWorkflowRuns` runs in the
/// window. Only present where something was sampled; an answer without it covers its whole
/// window.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Basis {
    pub executions: u64,
    pub of_executions: u64,
    pub workflow_runs: u64,
    pub of_workflow_runs: u64,
}

impl Basis {
    /// Whether the task's executions were sampled.
    pub fn samples_executions(&self) -> bool {
        self.executions < self.of_executions
    }

    /// Whether the workflow's runs were sampled.
    pub fn samples_runs(&self) -> bool {
        self.workflow_runs < self.of_workflow_runs
    }
}

/// Durations are milliseconds. The duration figures (`avgDuration` to
/// `coefficientOfVariation`) describe completed runs only: a failed attempt's duration is its
/// time to failure. The other attempts that ran are in `unsuccessfulDurations`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionStatistics {
    pub total_executions: u64,
    pub successful_executions: u64,
    pub failed_executions: u64,
    pub retried_executions: u64,
    pub timeout_executions: u64,
    /// Percent of executions that completed (the dashboard's "Success Rate" card).
    pub success_rate: f64,
    /// Mean duration of completed runs.
    pub avg_duration: f64,
    pub min_duration: f64,
    pub max_duration: f64,
    pub p50_duration: f64,
    pub p95_duration: f64,
    pub p99_duration: f64,
    pub standard_deviation: f64,
    pub coefficient_of_variation: f64,
    pub trend_direction: TrendDirection,
    /// Durations of the attempts that ran without completing (failed, timed out, cancelled).
    #[serde(default)]
    pub unsuccessful_durations: UnsuccessfulDurations,
}

/// Durations (ms) of the executions that ran but did not complete: every execution with a
/// duration that is neither completed nor skipped (failed, timed out and cancelled attempts;
/// a running record only if it reports its duration so far). All 0 when `count` is 0.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UnsuccessfulDurations {
    pub count: u64,
    pub avg: f64,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CpuUsage {
    pub average: f64,
    pub peak: f64,
    pub baseline: f64,
    pub efficiency: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MemoryUsage {
    pub average: f64,
    pub peak: f64,
    pub leaks: Vec<MemoryLeak>,
    pub gc_pressure: f64,
    /// Instances retried with more memory after out-of-memory-like failures: what the first
    /// attempt should have been given. Absent when no instance was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalating_retries: Option<MemoryEscalation>,
}

/// Logical executions (one instance of a task in one run) whose attempts failed
/// out-of-memory-like (exit 137 / SIGKILL, OOM error names) and were retried, and the memory of
/// the attempt that succeeded. A separate finding from [`MemoryLeak`]: escalating retries
/// within a run are the scheduler raising the limit, not growth over time.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MemoryEscalation {
    /// Instances with an out-of-memory-like failed attempt followed by a retry.
    pub instances: u64,
    /// Of them, those whose last attempt completed.
    pub succeeded: u64,
    /// Out-of-memory-like failed attempts over all the instances.
    pub oom_attempts: u64,
    /// Median and largest memory peak (MB) of the attempts that succeeded.
    pub succeeded_peak_p50_mb: Option<f64>,
    pub succeeded_peak_max_mb: Option<f64>,
    /// Median allocation (MB) of the attempts that succeeded, when recorded.
    pub succeeded_allocated_p50_mb: Option<f64>,
    /// Median memory peak and allocation (MB) of the instances' first attempts, when recorded
    /// (a killed attempt often has no measured peak).
    pub first_attempt_peak_p50_mb: Option<f64>,
    pub first_attempt_allocated_p50_mb: Option<f64>,
    /// Up to five instances, most attempts first: their attempts' memory.
    pub examples: Vec<MemoryRetryChain>,
    /// The finding in one sentence.
    pub summary: String,
}

/// One instance's attempts, in attempt order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MemoryRetryChain {
    pub workflow_execution_id: String,
    /// `task (instance)`: the task and its instance within the run (Nextflow's tag); the task
    /// alone when it runs once per run.
    pub instance: String,
    pub attempts: Vec<MemoryAttempt>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryAttempt {
    pub attempt: u32,
    pub status: ExecutionStatus,
    pub error_type: Option<String>,
    pub peak_mb: Option<f64>,
    pub allocated_mb: Option<f64>,
}

/// A significant upward trend of a task's memory peak.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MemoryLeak {
    pub detected_at: Option<DateTime<Utc>>,
    pub growth_mb_per_day: f64,
    pub p_value: f64,
    pub confidence: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IoMetrics {
    pub read_ops: f64,
    pub write_ops: f64,
    pub read_bytes: f64,
    pub write_bytes: f64,
    pub iowait: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkMetrics {
    pub requests_sent: f64,
    pub requests_received: f64,
    pub bytes_transferred: f64,
    pub latency: f64,
    pub errors: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskResourceMetrics {
    pub cpu_usage: CpuUsage,
    pub memory_usage: MemoryUsage,
    pub io_metrics: IoMetrics,
    pub network_metrics: NetworkMetrics,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailureMetrics {
    pub failure_rate: f64,
    pub common_errors: Vec<ErrorPattern>,
    /// Share of retried executions (attempt > 1) that completed: per attempt.
    pub retry_success: f64,
    /// Share of retried logical executions (a workflow run's task instance with more than one
    /// attempt, `retryAttempts.retried`) of which an attempt completed: whether retrying paid
    /// off in the end. 0 when nothing was retried.
    #[serde(default)]
    pub retried_eventually_succeeded: f64,
    pub retry_attempts: RetryDistribution,
    pub failure_cascades: Vec<CascadeAnalysis>,
    pub root_causes: Vec<RootCause>,
    /// Mean milliseconds from a failure to the task's next success.
    pub recovery_time: f64,
    /// Number of distinct downstream tasks affected by this task's failures.
    pub impact_radius: u64,
    /// Present when the error signatures (`commonErrors`) come from the latest executions of
    /// the window rather than all of them; everything else here covers the whole window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

/// How many executions reached each attempt number (`"1" → 120, "2" → 9, ...`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RetryDistribution {
    pub by_attempt: BTreeMap<u32, u64>,
    pub max_attempts: u32,
    /// Mean of the highest attempt number of each logical execution (workflow run, task,
    /// instance).
    pub mean_attempts: f64,
    /// Logical executions with more than one attempt.
    #[serde(default)]
    pub retried: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CascadeAnalysis {
    pub workflow_execution_id: String,
    pub origin_task_id: String,
    pub affected_task_ids: Vec<String>,
    pub depth: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RootCause {
    pub task_id: String,
    pub error_type: String,
    pub occurrences: u64,
    pub share: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPattern {
    pub error_type: String,
    pub error_code: String,
    pub frequency: u64,
    /// Normalised signature message (numbers, ids, paths masked).
    pub message: String,
    pub example_message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_trace: Option<String>,
    pub correlated_factors: Vec<String>,
    pub resolution: ResolutionStrategy,
    pub prevention_measures: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionStrategy {
    pub error_class: String,
    pub steps: Vec<String>,
    pub automatable: bool,
}

/// A factor whose failure rate is significantly higher than the rest.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CorrelatedFactor {
    pub factor: String,
    pub value: String,
    pub failure_rate: f64,
    pub baseline_failure_rate: f64,
    pub lift: f64,
    pub p_value: f64,
    pub support: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DependencyType {
    #[default]
    Data,
    Control,
    Resource,
}

impl DependencyType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Data => "data",
            Self::Control => "control",
            Self::Resource => "resource",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DependencyMetrics {
    pub upstream_dependencies: Vec<DependencyInfo>,
    pub downstream_dependents: Vec<DependencyInfo>,
    pub wait_time: f64,
    pub blocking_time: f64,
    /// The task's skipped executions in the window (skipped because an upstream failed).
    pub dependency_failures: u64,
    /// 0 when the critical path is unavailable (see `criticalPathUnavailable`).
    pub critical_path_contribution: f64,
    pub parallelization_potential: f64,
    /// Why the critical path (and so the two figures above) is unknown: the workflow has no
    /// dependency data. Absent when it is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_path_unavailable: Option<String>,
    /// Present when waits, per-edge failure impact and the critical path come from the
    /// workflow's latest runs of the window rather than all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DependencyInfo {
    pub task_id: String,
    pub task_name: String,
    pub dependency_type: DependencyType,
    pub average_wait_time: f64,
    pub failure_impact: f64,
    pub optional: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConcurrencyMetrics {
    pub peak_concurrent: u64,
    pub average_concurrent: f64,
    /// Mean milliseconds an execution waited before it started: the scheduler's queue time
    /// (the record's `queuedMs` attribute, submit → start) where recorded, else the wait after
    /// its upstream finished.
    pub average_queue_time: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CachingMetrics {
    pub executions_with_input_hash: u64,
    pub repeated_inputs: u64,
    pub potential_hit_rate: f64,
    pub potential_time_saved_ms: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskCostAnalysis {
    pub cost_per_execution: f64,
    pub total_cost: f64,
    pub cpu_cost: f64,
    pub memory_cost: f64,
    pub currency: String,
}

#[cfg(test)]
mod enum_tests {
    use super::*;

    #[test]
    fn every_variant_parses_from_its_own_name_and_nothing_else_parses() {
        for s in [
            ExecutionStatus::Completed,
            ExecutionStatus::Failed,
            ExecutionStatus::Timeout,
            ExecutionStatus::Cancelled,
            ExecutionStatus::Skipped,
            ExecutionStatus::Running,
        ] {
            assert_eq!(s.as_str().parse::<ExecutionStatus>(), Ok(s));
        }
        for t in [
            TaskType::Compute,
            TaskType::Io,
            TaskType::Network,
            TaskType::Decision,
            TaskType::Human,
            TaskType::Wait,
        ] {
            assert_eq!(TaskType::try_from(t.as_str().to_owned()), Ok(t));
        }
        for d in [
            DependencyType::Data,
            DependencyType::Control,
            DependencyType::Resource,
        ] {
            assert_eq!(d.as_str().parse::<DependencyType>(), Ok(d));
        }
        // Never a silent default: an unknown stored value is an error naming it.
        let e = "exploded".parse::<ExecutionStatus>().unwrap_err();
        assert_eq!(e.value, "exploded");
        assert!(e.to_string().contains("Completed"), "{e}");
        assert!(
            "Failed".parse::<ExecutionStatus>().is_err(),
            "names are lower case"
        );
    }

    #[test]
    fn the_failure_rate_is_failed_or_timed_out_over_all_and_zero_without_any() {
        assert_eq!(failure_rate(3, 12), 0.25);
        assert_eq!(failure_rate(0, 0), 0.0);
    }
}
