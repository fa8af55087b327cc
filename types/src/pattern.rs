//! Recurring patterns (spec `TaskPattern`, `TimePattern` and the types they reference).

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PatternType {
    #[default]
    Execution,
    Resource,
    Failure,
    Performance,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    #[default]
    None,
    Hourly,
    Daily,
    Weekly,
    Monthly,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskPattern {
    pub id: String,
    pub pattern_name: String,
    pub pattern_type: PatternType,
    pub frequency: u64,
    pub tasks: Vec<String>,
    pub characteristics: PatternCharacteristics,
    pub impact: PatternImpact,
    pub recommendations: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PatternCharacteristics {
    pub time_distribution: TimePattern,
    pub resource_profile: ResourcePattern,
    pub failure_signature: FailurePattern,
    pub dependency_structure: DependencyPattern,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TimePattern {
    /// Spelled as in the spec (`periodicty`), which is the wire contract.
    #[serde(rename = "periodicty", alias = "periodicity")]
    pub periodicity: Periodicity,
    pub peak_times: Vec<String>,
    pub seasonality: SeasonalityInfo,
    pub burstiness: f64,
    pub predictability: f64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SeasonalityInfo {
    pub period_seconds: Option<f64>,
    pub confidence: f64,
    pub hour_of_day_p_value: Option<f64>,
    pub day_of_week_p_value: Option<f64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePattern {
    pub cluster_count: u32,
    pub silhouette: f64,
    pub centroids: Vec<Vec<f64>>,
    pub bimodal_durations: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct FailurePattern {
    pub peak_failure_hours: Vec<u32>,
    pub failing_hosts: Vec<String>,
    pub dominant_signature: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DependencyPattern {
    pub fan_in: u32,
    pub fan_out: u32,
    pub depth: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PatternImpact {
    pub severity: crate::Level,
    pub affected_executions: u64,
    pub time_cost_ms: f64,
}
