//! Task comparison (spec `TaskComparison` and the types it references) and similar tasks
//! (spec `identify_similar_tasks`). `POST /tasks/compare` takes a [`CompareRequest`] and
//! answers a [`TaskComparison`]; `GET /tasks/{task_id}/similar` answers [`SimilarTasks`].
//!
//! Beyond the spec: every per-task comparison carries the p-value of the significance test
//! behind it (raw and Benjamini-Hochberg adjusted over the whole answer), every insight its
//! [`InsightEvidence`], and the answer its window and [`ComparisonBasis`] (how many executions
//! each task had in the window and how many of them were read for the tests).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{Level, TaskType, TimeWindow};

/// `POST /tasks/compare`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompareRequest {
    /// 2 to 10 distinct task keys; the first is the baseline.
    pub task_ids: Vec<String>,
    /// `1h`, `24h`, `7d`, `30d` (default), `90d` or `all`; or `from`/`to` (RFC 3339).
    pub time_range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskIdentifier {
    pub task_id: String,
    pub task_name: String,
    pub workflow_id: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskComparison {
    pub baseline_task: TaskIdentifier,
    pub comparison_tasks: Vec<TaskIdentifier>,
    /// The window every figure covers.
    pub window: Option<TimeWindow>,
    /// Per task (baseline first): executions in the window and those the tests read.
    pub basis: Vec<ComparisonBasis>,
    pub metrics: ComparisonMetrics,
    pub analysis: ComparisonAnalysis,
    pub insights: Vec<ComparisonInsight>,
    pub recommendations: Vec<OptimizationRecommendation>,
    /// Currency of every cost and saving.
    pub currency: String,
}

/// What a task's figures rest on. Window figures (percentiles, rates, costs) cover every
/// execution of the window, from the rollups; the significance tests read the task's latest
/// `executionsRead` executions of the window (all of them unless `capped`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonBasis {
    pub task_id: String,
    pub executions_in_window: u64,
    pub completed_in_window: u64,
    pub executions_read: u64,
    pub completed_read: u64,
    /// The window held more executions than the cap; the tests read the latest ones.
    pub capped: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonMetrics {
    pub performance_comparison: BTreeMap<String, PerformanceComparison>,
    pub resource_comparison: BTreeMap<String, ResourceComparison>,
    pub reliability_comparison: BTreeMap<String, ReliabilityComparison>,
    pub cost_comparison: BTreeMap<String, CostComparison>,
}

/// A task's completed-run durations (ms) beside the baseline's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceComparison {
    pub p50_duration: f64,
    pub p95_duration: f64,
    /// `p50 / baseline p50` (1 for the baseline; 0 when either has no completed run).
    pub relative_to_baseline: f64,
    /// P(a run of this task takes longer than a run of the baseline), ties ½: the
    /// Mann-Whitney `U / (n₁ n₂)`. Absent for the baseline.
    pub probability_slower: Option<f64>,
    /// Two-sided Mann-Whitney U test of the two samples of completed-run durations.
    pub p_value: Option<f64>,
    pub adjusted_p_value: Option<f64>,
}

/// A task's resource use beside the baseline's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResourceComparison {
    /// Mean share of the allocated cores a run used (CPU time ÷ wall time ÷ cores).
    pub cpu_efficiency: f64,
    /// Largest memory peak in the window.
    pub memory_peak_mb: f64,
    pub memory_allocated_mb: Option<f64>,
    /// Median of peak ÷ allocated memory over the runs read.
    pub memory_utilization: Option<f64>,
    /// `cpuEfficiency / baseline cpuEfficiency` (0 when the baseline's is unknown).
    pub relative_to_baseline: f64,
    /// Two-sided Mann-Whitney U test of per-run CPU efficiency.
    pub p_value: Option<f64>,
    pub adjusted_p_value: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReliabilityComparison {
    /// (failed + timed out) ÷ executions in the window.
    pub failure_rate: f64,
    /// Share of the retries read (attempt > 1) that completed; 0 without retries.
    pub retry_success: f64,
    /// `failureRate − baseline failureRate` (a difference: rates are often 0).
    pub relative_to_baseline: f64,
    pub executions: u64,
    pub failures: u64,
    /// Fisher's exact test of the 2×2 table (failures, others) × (task, baseline), one-sided
    /// in the observed direction and doubled.
    pub p_value: Option<f64>,
    pub adjusted_p_value: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CostComparison {
    pub cost_per_execution: f64,
    pub total_cost: f64,
    /// `costPerExecution / baseline costPerExecution` (0 when the baseline's is 0).
    pub relative_to_baseline: f64,
    /// Two-sided Mann-Whitney U test of per-execution costs.
    pub p_value: Option<f64>,
    pub adjusted_p_value: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonAnalysis {
    /// Similarity of each compared task to the baseline, in [0, 1] (as `/similar` scores it).
    pub similarity: BTreeMap<String, f64>,
    pub summary: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InsightType {
    #[default]
    PerformanceGap,
    ResourceInefficiency,
    ReliabilityIssue,
    CostAnomaly,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonInsight {
    #[serde(rename = "type")]
    pub insight_type: InsightType,
    pub description: String,
    pub severity: Level,
    pub affected_tasks: Vec<String>,
    /// In the answer's currency, over the window: what matching the better task would save.
    pub potential_savings: f64,
    pub action_required: bool,
    /// The test that shows the difference is not chance.
    pub evidence: Option<InsightEvidence>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InsightEvidence {
    /// `mann_whitney_u` or `fisher_exact`.
    pub test: String,
    /// What was compared (`duration_p50_ms`, `cpu_efficiency`, `failure_rate`,
    /// `cost_per_execution`).
    pub metric: String,
    /// The task the affected one is measured against.
    pub reference_task: String,
    pub reference_value: f64,
    pub task_value: f64,
    pub p_value: f64,
    /// Benjamini-Hochberg over every test of the answer.
    pub adjusted_p_value: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OptimizationRecommendation {
    pub task_id: String,
    pub title: String,
    pub description: String,
    pub expected_improvement_pct: f64,
}

/// `GET /tasks/{task_id}/similar`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SimilarTasks {
    pub task: TaskIdentifier,
    pub window: Option<TimeWindow>,
    pub threshold: f64,
    /// Tasks with executions in the window that were scored.
    pub tasks_scored: u64,
    /// How a score is computed.
    pub method: String,
    /// The task's own profile, the features every score compares.
    pub profile: TaskProfileFeatures,
    /// At or above the threshold, most similar first.
    pub similar: Vec<SimilarTask>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SimilarTask {
    pub task: TaskIdentifier,
    /// Weighted mean of the aspect scores, in [0, 1].
    pub similarity_score: f64,
    /// Aspects scoring at or above the threshold.
    pub similar_aspects: Vec<String>,
    pub aspects: Vec<AspectScore>,
    pub profile: TaskProfileFeatures,
    /// Validated optimisations of either task and whether they carry over to the other.
    pub optimization_transfer: Vec<OptimizationTransfer>,
}

/// One aspect's score: `1 − d`, `d` the aspect's normalised distance in [0, 1].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AspectScore {
    /// `duration`, `resources`, `failures`, `dag_position` or `task_type`.
    pub aspect: String,
    pub score: f64,
    /// Its weight in the overall score (weights of the aspects both tasks have, summing to 1).
    pub weight: f64,
}

/// The feature vector of a task (absent: the window shows nothing to measure it by).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskProfileFeatures {
    pub task_type: TaskType,
    /// 10th, 50th and 90th percentiles (ms) of a log-normal fitted to the hourly medians of
    /// completed-run durations (the mean and standard deviation of their logarithms).
    pub duration_quantiles_ms: Option<[f64; 3]>,
    pub cpu_efficiency: Option<f64>,
    /// Largest peak ÷ largest allocation of the window.
    pub memory_utilization: Option<f64>,
    pub failure_rate: f64,
    /// Executions with attempt > 1 ÷ executions.
    pub retry_share: f64,
    /// Longest chain of upstream tasks (0 for a root).
    pub depth: u32,
    pub fan_in: u32,
    pub fan_out: u32,
    pub executions: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OptimizationTransfer {
    pub optimization_id: String,
    /// The optimiser's kind (`caching`, `fewer_cores`, ...).
    pub kind: String,
    pub summary: String,
    /// Where it was validated.
    pub from_task: String,
    pub to_task: String,
    /// The aspects it depends on all score at or above the threshold.
    pub transfers: bool,
    pub reason: String,
}
