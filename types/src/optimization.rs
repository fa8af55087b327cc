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
