//! Small read models for selectors and lists (not in the spec's interfaces).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of the task list: a task with its execution counts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSummary {
    pub task_id: String,
    pub task_name: String,
    pub workflow_id: String,
    pub task_type: crate::TaskType,
    pub total_executions: u64,
    pub failed_executions: u64,
    pub last_run: Option<DateTime<Utc>>,
}

impl TaskSummary {
    /// Failed or timed-out share of executions, 0 when there are none.
    pub fn failure_rate(&self) -> f64 {
        if self.total_executions == 0 {
            0.0
        } else {
            self.failed_executions as f64 / self.total_executions as f64
        }
    }
}
