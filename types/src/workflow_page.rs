//! The workflow page's read model (`/workflows/{id}`): the DAG with its critical path, one point
//! per run (makespan, how its logical executions ended) and the slowest and least reliable
//! tasks, over a window.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{TimeWindow, WorkflowGraph};

/// Everything the workflow page shows but the what-if simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowOverview {
    pub window: TimeWindow,
    pub workflow_id: String,
    pub workflow_name: Option<String>,
    /// Layered, weighted by each task's median completed duration, critical path marked; no
    /// edges when the workflow has no dependency data.
    pub graph: WorkflowGraph,
    /// The latest runs that started in the window (at most `maxRuns`), oldest first.
    pub runs: Vec<WorkflowRun>,
    pub runs_in_window: u64,
    /// The cap on `runs`: when `runsInWindow` is larger, the earlier runs are left out.
    pub max_runs: u64,
    /// By p95 of completed runs, slowest first.
    pub slowest: Vec<WorkflowTaskStat>,
    /// By failure rate (failed and timed-out attempts over attempts), tasks with failures only.
    pub least_reliable: Vec<WorkflowTaskStat>,
    /// Tasks with executions in the window.
    pub tasks_in_window: u64,
}

/// How a run ended: `failed` when a logical execution's last attempt failed, timed out or was
/// cancelled; `running` while an execution has not ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunOutcome {
    Succeeded,
    Failed,
    Running,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowRun {
    pub run_id: String,
    pub start_time: DateTime<Utc>,
    /// First start to last end of its executions; `null` while running.
    pub makespan_ms: Option<f64>,
    pub outcome: RunOutcome,
    /// Logical executions (task, instance) and how many of them completed.
    pub logical: u64,
    pub completed: u64,
    pub failed: u64,
}

impl WorkflowRun {
    /// Share of the logical executions that ended (completed or failed) that completed, in
    /// percent; `None` when none ended.
    pub fn success_rate(&self) -> Option<f64> {
        let ended = self.completed + self.failed;
        (ended > 0).then(|| 100.0 * self.completed as f64 / ended as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowTaskStat {
    pub task_id: String,
    pub task_name: String,
    pub executions: u64,
    pub failures: u64,
    /// Of completed runs, ms.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
}

impl WorkflowTaskStat {
    pub fn failure_rate(&self) -> f64 {
        crate::failure_rate(self.failures, self.executions)
    }
}
