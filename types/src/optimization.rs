//! Optimisation plans (spec `TaskOptimization` and the types it references).

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OptimizationType {
    #[default]
    Performance,
    Cost,
    Reliability,
    Resource,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Low,
    Medium,
    High,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChangeType {
    Parallelization,
    Caching,
    Batching,
    #[default]
    ResourceAdjustment,
    Algorithm,
    Configuration,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskOptimization {
    pub task_id: String,
    pub optimization_type: OptimizationType,
    pub current_performance: PerformanceBaseline,
    pub proposed_changes: Vec<ProposedChange>,
    pub expected_improvement: ImprovementEstimate,
    pub implementation_complexity: Level,
    pub risks: Vec<OptimizationRisk>,
    pub validation: ValidationPlan,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ProposedChange {
    pub change_type: ChangeType,
    pub description: String,
    pub implementation: ImplementationDetails,
    pub impact: ImpactAssessment,
    pub rollback_plan: RollbackStrategy,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceBaseline {
    pub execution_time: f64,
    pub resource_cost: f64,
    pub failure_rate: f64,
    pub throughput: f64,
    pub efficiency: f64,
    pub quality_score: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ImprovementEstimate {
    pub duration_reduction_pct: f64,
    pub cost_reduction_pct: f64,
    pub failure_rate_reduction_pct: f64,
    /// Central interval from the what-if simulation (`[low, high]`, percent).
    pub confidence_interval: [f64; 2],
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ImplementationDetails {
    pub steps: Vec<String>,
    pub parameters: serde_json::Map<String, serde_json::Value>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ImpactAssessment {
    pub duration_delta_ms: f64,
    pub cost_delta: f64,
    pub affected_tasks: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RollbackStrategy {
    pub steps: Vec<String>,
    pub trigger: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OptimizationRisk {
    pub description: String,
    pub likelihood: Level,
    pub mitigation: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ValidationPlan {
    pub metrics: Vec<String>,
    pub min_executions: u64,
    pub success_criteria: String,
}

/// Where a stored optimisation is in its lifecycle: `proposed → accepted → implemented →
/// validated | rolled_back` ([`OptimizationStatus::can_move_to`]).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OptimizationStatus {
    #[default]
    Proposed,
    Accepted,
    Implemented,
    Validated,
    RolledBack,
}

impl OptimizationStatus {
    pub const ALL: [Self; 5] = [
        Self::Proposed,
        Self::Accepted,
        Self::Implemented,
        Self::Validated,
        Self::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Accepted => "accepted",
            Self::Implemented => "implemented",
            Self::Validated => "validated",
            Self::RolledBack => "rolled_back",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The states this one may move to (none from `validated` or `rolled_back`).
    pub fn next(self) -> &'static [Self] {
        match self {
            Self::Proposed => &[Self::Accepted],
            Self::Accepted => &[Self::Implemented],
            Self::Implemented => &[Self::Validated, Self::RolledBack],
            Self::Validated | Self::RolledBack => &[],
        }
    }

    pub fn can_move_to(self, to: Self) -> bool {
        self.next().contains(&to)
    }
}

/// A stored optimisation: the spec's [`TaskOptimization`] with its id, lifecycle, rank and the
/// evidence it was found from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOptimization {
    pub id: String,
    /// `parallelisation`, `caching`, `batching`, `fewer_cores`, `more_memory`, `fewer_retries`,
    /// `retry_backoff`, `concurrency` or `algorithm`.
    pub kind: String,
    pub status: OptimizationStatus,
    /// 1 for the best expected gain per effort when proposed.
    pub rank: u32,
    /// Expected gain (percent: makespan + cost + failure reductions) per unit of effort (1, 2,
    /// 4 for low, medium, high complexity).
    pub score: f64,
    /// What was seen, in a sentence.
    pub summary: String,
    /// The numbers it was found from, by name.
    pub evidence: std::collections::BTreeMap<String, f64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub status_changed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub accepted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub implemented_at: Option<chrono::DateTime<chrono::Utc>>,
    pub validated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub rolled_back_at: Option<chrono::DateTime<chrono::Utc>>,
    pub optimization: TaskOptimization,
}

/// `POST /tasks/{task_id}/optimize`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptimizeRequest {
    /// Consider only these optimisation types (default: all).
    pub optimization_types: Option<Vec<OptimizationType>>,
    /// Consider only these change types (default: all).
    pub change_types: Option<Vec<ChangeType>>,
    /// The history: `1h`, `24h`, `7d`, `30d` (default), `90d` or `all`; or `from`/`to`
    /// (RFC 3339).
    pub time_range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The simulator's seed (default 0).
    pub seed: Option<u64>,
}

/// What `POST /tasks/{task_id}/optimize` computed and stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizeAnswer {
    pub task_id: String,
    pub window: crate::TimeWindow,
    /// Executions of the task read, workflow runs simulated, simulated runs per side, seed.
    pub executions: u64,
    pub workflow_runs: u64,
    pub simulated_runs: u32,
    pub seed: u64,
    /// The new proposals, best first (earlier proposals of the task were replaced; accepted
    /// and later ones are kept and listed by `GET .../optimizations`).
    pub optimizations: Vec<StoredOptimization>,
}

/// `GET /tasks/{task_id}/optimizations`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizationList {
    pub task_id: String,
    pub optimizations: Vec<StoredOptimization>,
}

/// `POST /tasks/{task_id}/optimizations/{id}/transition`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransitionRequest {
    pub to: OptimizationStatus,
}

#[cfg(test)]
mod tests {
    use super::OptimizationStatus::{self, *};

    #[test]
    fn the_lifecycle_allows_exactly_the_issue_s_transitions() {
        // proposed → accepted → implemented → validated | rolled_back (issue #14).
        let allowed = [
            (Proposed, Accepted),
            (Accepted, Implemented),
            (Implemented, Validated),
            (Implemented, RolledBack),
        ];
        for from in OptimizationStatus::ALL {
            for to in OptimizationStatus::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
            assert_eq!(OptimizationStatus::parse(from.as_str()), Some(from));
        }
        assert_eq!(OptimizationStatus::parse("rejected"), None);
    }
}
