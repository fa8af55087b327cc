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
        crate::failure_rate(self.failed_executions, self.total_executions)
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
    /// Peak resident memory, MiB (sub-MiB precision).
    pub memory_peak_mb: Option<f64>,
    pub host: Option<String>,
    pub error: Option<crate::ingest::ErrorDetails>,
    pub retry_reason: Option<String>,
}

/// Orders of a task's execution history (`sort=`). Each is a keyset order with the row id as
/// the tie-break, so cursor pages neither skip nor repeat rows; runs without a duration (still
/// running) come last in both duration orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionSort {
    /// Latest start time first (the default).
    #[default]
    Newest,
    /// Earliest start time first.
    Oldest,
    /// Longest duration first.
    Longest,
    /// Shortest duration first.
    Shortest,
}

impl ExecutionSort {
    pub const ALL: [ExecutionSort; 4] = [Self::Newest, Self::Oldest, Self::Longest, Self::Shortest];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Longest => "longest",
            Self::Shortest => "shortest",
        }
    }

    /// `None` for anything but the four spellings of [`ExecutionSort::as_str`].
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A page of a list; `nextCursor` fetches the next one (absent on the last page).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Everything `/tasks/{key}` shows, fetched in one request so the page loads without a
/// waterfall: the aggregated metrics plus the raw-data views the charts need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDashboard {
    pub window: crate::TimeWindow,
    pub task_id: String,
    pub task_name: String,
    pub workflow_id: String,
    /// As in `TaskPerformanceMetrics.executionStats`.
    pub stats: crate::ExecutionStatistics,
    /// As in `TaskPerformanceMetrics.costAnalysis`.
    pub cost: crate::TaskCostAnalysis,
    /// The most frequent error signatures, most frequent first.
    pub errors: Vec<ErrorSignature>,
    /// Set when `errors` were read from the latest executions only (`executions` of
    /// `ofExecutions`); absent when from every execution of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors_basis: Option<crate::Basis>,
    pub series: TaskSeries,
}

/// The part of an `ErrorPattern` the dashboard shows (the browser bundle stays small by not
/// carrying the full `TaskPerformanceMetrics` it would not display).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ErrorSignature {
    pub error_type: String,
    pub message: String,
    pub frequency: u64,
    pub correlated_factors: Vec<String>,
}

/// Views of a task's executions that the aggregated `TaskPerformanceMetrics` cannot give:
/// the duration distribution, values over time and the workflow's layered DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskSeries {
    /// Durations (ms) of executions that ran, in equal-width bins from 0.
    pub histogram: Vec<HistogramBin>,
    /// Equal-width time buckets covering the window, oldest first.
    pub buckets: Vec<SeriesBucket>,
    pub bucket_ms: i64,
    /// Unusually slow or fast completed runs, most extreme first (at most
    /// [`MAX_OUTLIER_POINTS`]).
    pub outliers: Vec<DurationPoint>,
    /// More outliers were found than [`MAX_OUTLIER_POINTS`]; the least extreme were dropped.
    #[serde(default)]
    pub outliers_truncated: bool,
    /// The outlier rule's cut-off on the modified z-score of ln(duration) for this sample size.
    #[serde(default)]
    pub outlier_threshold: f64,
    /// Level shifts of the typical (median) duration, oldest first.
    #[serde(default)]
    pub change_points: Vec<ChangePoint>,
    pub graph: WorkflowGraph,
}

/// Outliers sent to the chart; more would only overdraw the same marks.
pub const MAX_OUTLIER_POINTS: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistogramBin {
    pub from_ms: f64,
    pub to_ms: f64,
    pub count: u64,
}

/// One time bucket; statistics are `None` when no execution in it measured them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesBucket {
    pub start: DateTime<Utc>,
    pub executions: u64,
    pub failures: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    /// Mean busy cores over allocated cores (0..1, above 1 when over-using).
    pub cpu_efficiency: Option<f64>,
    pub memory_peak_mb: Option<f64>,
    pub memory_allocated_mb: Option<f64>,
}

/// One outlying completed execution.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationPoint {
    pub start_time: DateTime<Utc>,
    pub duration_ms: f64,
    /// The caller's execution id.
    #[serde(default)]
    pub execution_id: String,
    /// Modified z-score of ln(duration) (Iglewicz & Hoaglin): positive for slow runs.
    #[serde(default)]
    pub score: f64,
}

/// A level shift in a task's duration: from `at` on, the typical (median) run takes `after_ms`
/// instead of `before_ms`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePoint {
    pub at: DateTime<Utc>,
    pub before_ms: f64,
    pub after_ms: f64,
}

/// The workflow's DAG, layered left to right (a task's layer is its longest upstream chain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    pub task_id: String,
    pub task_name: String,
    pub layer: u32,
    /// Median duration of completed runs in the window (ms), the critical path's weight.
    pub median_ms: f64,
    pub critical: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphEdge {
    pub upstream: String,
    pub downstream: String,
    pub critical: bool,
}

/// The rule that flags an outlier, in words (the same on the dashboard and the REST API).
pub const OUTLIER_RULE: &str = "modified z-score of ln(duration) (Iglewicz & Hoaglin 1993) beyond \
    ±threshold, the threshold raised for the sample size so that about 0.01 healthy runs per task \
    are flagged (Bonferroni); slow runs must also take at least 5 × the median";

/// Duration anomalies of a task over a window: outlying executions and level shifts of the
/// typical duration (spec: performance patterns). The same numbers as the dashboard's chart.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskAnomalies {
    /// Most extreme first; at most [`MAX_OUTLIER_POINTS`].
    pub outliers: Vec<OutlierExecution>,
    /// More outliers exist than listed (the least extreme were dropped).
    pub outliers_truncated: bool,
    /// The cut-off on |score| for this window's sample size.
    pub outlier_threshold: f64,
    /// Level shifts of the median duration, oldest first.
    pub change_points: Vec<ChangePoint>,
}

/// One outlying execution with the rule that flagged it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlierExecution {
    pub execution_id: String,
    pub start_time: DateTime<Utc>,
    pub duration_ms: f64,
    /// Modified z-score of ln(duration): positive for slow runs.
    pub score: f64,
    /// `slow` or `fast`, with [`OUTLIER_RULE`] behind both.
    pub rule: String,
}
