//! Task groups: a workflow's executions grouped by the type of task they ran, for "which kind
//! of task is slowest" and "which costs the most runtime" when one type spans many tasks (a
//! WfCommons DAG has one task per node: forty `blastall_ID…` tasks are one `blastall` type).

use serde::{Deserialize, Serialize};

/// What orders the groups.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TaskGroupSort {
    /// Most total runtime first.
    #[default]
    Runtime,
    /// Slowest p95 of completed runs first.
    P95,
    /// Slowest mean of completed runs first.
    Mean,
    /// Most executions first.
    Executions,
    /// Most failed or timed-out executions first.
    Failures,
}

impl TaskGroupSort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Runtime => "runtime",
            Self::P95 => "p95",
            Self::Mean => "mean",
            Self::Executions => "executions",
            Self::Failures => "failures",
        }
    }
}

impl std::str::FromStr for TaskGroupSort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::Runtime,
            Self::P95,
            Self::Mean,
            Self::Executions,
            Self::Failures,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("{s:?} is not one of runtime, p95, mean, executions, failures"))
    }
}

/// One type of task in a workflow over a window.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskGroupStats {
    /// The record's `taskGroup` attribute (importers set it: WfCommons `command.program`),
    /// else the task name (a Nextflow task is already its process).
    pub group: String,
    /// Distinct tasks of the group with executions in the window.
    pub tasks: u64,
    pub executions: u64,
    pub completed: u64,
    /// Failed or timed-out executions.
    pub failures: u64,
    /// Σ durations of every execution that ran (skipped excluded), ms.
    pub total_runtime_ms: f64,
    /// The group's share of the workflow's total runtime in the window, 0–1.
    pub runtime_share: f64,
    /// Completed runs' mean, median, p95 (type 7, as `percentile_cont`) and maximum, ms;
    /// `null` without completed runs.
    pub mean_duration_ms: Option<f64>,
    pub p50_duration_ms: Option<f64>,
    pub p95_duration_ms: Option<f64>,
    pub max_duration_ms: Option<f64>,
}

/// A workflow's task groups.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowTaskGroups {
    pub workflow_id: String,
    pub sort: TaskGroupSort,
    /// Groups with executions in the window; `groups` holds the first `limit` of them.
    pub total_groups: u64,
    /// True when `groups` stops short of `totalGroups` (raise `limit`, at most 1,000).
    pub truncated: bool,
    pub groups: Vec<TaskGroupStats>,
}
