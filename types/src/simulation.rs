//! The what-if simulator's wire types: `POST /tasks/simulate` takes a [`SimulationRequest`]
//! and answers a [`SimulationAnswer`] (baseline and changed outcomes, and the improvement).

use serde::{Deserialize, Serialize};

/// Simulated runs when the request names none, and the most it may name.
pub const DEFAULT_SIMULATION_RUNS: u32 = 10_000;
pub const MAX_SIMULATION_RUNS: u32 = 100_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimulationRequest {
    /// The workflow's key.
    pub workflow_id: String,
    /// Applied together; an empty list simulates the workflow as observed.
    #[serde(default)]
    pub changes: Vec<SimulationChange>,
    /// 1 to 100,000 (default 10,000).
    pub runs: Option<u32>,
    /// The random seed (default 0): the same request gives the same answer.
    pub seed: Option<u64>,
    /// The history to resample: `1h`, `24h`, `7d`, `30d` (default), `90d` or `all`; or
    /// `from`/`to` (RFC 3339).
    pub time_range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A one-off cost of making the change, in the cost model's currency: the answer then says
    /// after how many runs the per-run saving pays it back.
    pub one_off_cost: Option<f64>,
}

/// One change; `type` names it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum SimulationChange {
    /// Multiply the task's durations by `factor` (0.7: 30 % faster).
    #[serde(rename_all = "camelCase")]
    Scale { task_id: String, factor: f64 },
    /// A cache in front of the task: a hit (probability `hitRate`) takes no time.
    #[serde(rename_all = "camelCase")]
    Cache { task_id: String, hit_rate: f64 },
    /// Run `k` executions as one, paying the fixed `overheadMs` once per batch.
    #[serde(rename_all = "camelCase")]
    Batch {
        task_id: String,
        k: u32,
        overhead_ms: f64,
    },
    #[serde(rename_all = "camelCase")]
    AddEdge { from: String, to: String },
    #[serde(rename_all = "camelCase")]
    RemoveEdge { from: String, to: String },
    /// Per-attempt failure probability.
    #[serde(rename_all = "camelCase")]
    FailureRate { task_id: String, rate: f64 },
    /// The most attempts per logical execution.
    #[serde(rename_all = "camelCase")]
    MaxAttempts { task_id: String, attempts: u32 },
    /// A new allocation: cost, and out-of-memory kills when memory drops below observed peaks.
    #[serde(rename_all = "camelCase")]
    Resources {
        task_id: String,
        cores: Option<f64>,
        memory_mb: Option<f64>,
    },
}

/// An estimate with its 95 % interval.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Makespan of the successful simulated runs, ms; `null`s when every run failed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MakespanEstimate {
    pub p50: Option<Interval>,
    pub p95: Option<Interval>,
    pub mean: Option<f64>,
}

/// One side of a simulation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedOutcome {
    pub runs: u32,
    pub makespan_ms: MakespanEstimate,
    /// Share of simulated runs that failed (Wilson 95 % interval).
    pub failure_probability: Interval,
    pub cost_per_run: f64,
    /// Successful runs per hour, run back to back.
    pub throughput_per_hour: f64,
}

/// Changed against baseline: relative changes in percent (negative makespan and cost are
/// improvements), the failure probability's change in percentage points.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulatedImprovement {
    pub makespan_p50_pct: Option<f64>,
    pub makespan_p95_pct: Option<f64>,
    pub failure_probability_points: f64,
    pub cost_per_run_pct: Option<f64>,
    pub throughput_pct: Option<f64>,
    /// Runs after which the per-run saving repays `oneOffCost`; `null` without a one-off cost
    /// or without a saving.
    pub break_even_runs: Option<f64>,
}

/// What the simulation resampled.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationBasis {
    /// Observed workflow runs resampled: the latest `runsUsed` of the `runsInWindow`.
    pub runs_used: u64,
    pub runs_in_window: u64,
    pub tasks: u64,
    pub edges: u64,
    pub seed: u64,
    pub currency: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationAnswer {
    pub workflow_id: String,
    pub basis: SimulationBasis,
    pub baseline: SimulatedOutcome,
    pub changed: SimulatedOutcome,
    pub improvement: SimulatedImprovement,
}
