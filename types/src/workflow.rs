//! Workflow-level and cross-task read models (workflows, critical paths, bottlenecks, rankings,
//! resource profiles): shapes of the REST API beyond the spec's per-task interfaces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowSummary {
    pub workflow_id: String,
    pub workflow_name: Option<String>,
    pub tasks: u64,
    pub runs: u64,
    pub last_run: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriticalPathTask {
    pub task_id: String,
    pub median_duration_ms: f64,
    pub earliest_start_ms: f64,
    pub slack_ms: f64,
    pub on_critical_path: bool,
    /// Median duration over the critical path's length.
    pub critical_share: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bottleneck {
    pub task_id: String,
    pub workflow_id: String,
    /// `criticalShare × (1 + fanOut)`: time share of the critical path, weighted by how many
    /// tasks wait on it.
    pub severity: f64,
    pub critical_share: f64,
    pub fan_out: u64,
    pub median_duration_ms: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowCriticalPath {
    pub workflow_id: String,
    /// Why there is no critical path, e.g. "the workflow has no dependency data"; `null` when
    /// there is one. Without dependency data `path` and `bottlenecks` are empty and no task is
    /// marked critical: every task would otherwise be its own one-task "critical path".
    pub unavailable: Option<String>,
    /// Task ids from a root to a sink, weighted by median duration of completed runs.
    pub path: Vec<String>,
    pub length_ms: f64,
    pub tasks: Vec<CriticalPathTask>,
    pub bottlenecks: Vec<Bottleneck>,
    /// Observed runs in the window, and how many had this critical path (by real times).
    pub observed_runs: u64,
    pub runs_following_path: u64,
    pub mean_makespan_ms: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRanking {
    pub rank: u64,
    pub task_id: String,
    pub task_name: String,
    pub workflow_id: String,
    /// The ranked quantity (see `metric`).
    pub value: f64,
    pub executions: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rankings {
    pub metric: String,
    /// What `value` means, with its unit.
    pub value_description: String,
    pub items: Vec<TaskRanking>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CpuRequirements {
    pub average_cores: f64,
    pub p95_cores: f64,
    pub allocated_cores: Option<f64>,
    pub recommended_cores: Option<f64>,
    pub efficiency: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct MemoryRequirements {
    pub average_mb: f64,
    pub peak_mb: f64,
    pub allocated_mb: Option<f64>,
    pub recommended_mb: Option<f64>,
    pub pressure: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IoRequirements {
    pub read_bytes_per_execution: f64,
    pub write_bytes_per_execution: f64,
    pub operations_per_execution: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct NetworkRequirements {
    pub calls_per_execution: f64,
    pub bytes_per_execution: f64,
}

/// How duration scales with input size: `duration ∝ inputSize^elasticity`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ScalingCharacteristics {
    pub input_size_elasticity: Option<f64>,
    pub r_squared: Option<f64>,
    pub samples: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CostProfile {
    pub cost_per_execution: f64,
    pub total_cost: f64,
    pub currency: String,
}

/// The spec's `task_resource_profiles` row as a response.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResourceProfile {
    pub task_id: String,
    pub profile_name: String,
    pub cpu_requirements: CpuRequirements,
    pub memory_requirements: MemoryRequirements,
    pub io_requirements: IoRequirements,
    pub network_requirements: NetworkRequirements,
    pub optimal_concurrency: u64,
    pub scaling_characteristics: ScalingCharacteristics,
    pub cost_profile: CostProfile,
}
