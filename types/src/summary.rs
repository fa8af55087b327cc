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

/// One execution attempt in a task's history list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSummary {
    pub execution_id: String,
    pub workflow_execution_id: String,
    pub status: crate::ExecutionStatus,
    pub attempt_number: i32,
    pub start_time: DateTime<Utc>,
    pub end_time: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub cpu_time_ms: Option<i64>,
    pub memory_peak_mb: Option<i32>,
    pub host: Option<String>,
    pub error: Option<crate::ingest::ErrorDetails>,
    pub retry_reason: Option<String>,
}

/// A page of a list; `nextCursor` fetches the next one (absent on the last page).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
