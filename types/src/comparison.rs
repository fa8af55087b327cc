//! Task comparison (spec `TaskComparison` and the types it references).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::Level;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskIdentifier {
    pub task_id: String,
    pub task_name: String,
    pub workflow_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TaskComparison {
    pub baseline_task: TaskIdentifier,
    pub comparison_tasks: Vec<TaskIdentifier>,
    pub metrics: ComparisonMetrics,
    pub analysis: ComparisonAnalysis,
    pub insights: Vec<ComparisonInsight>,
    pub recommendations: Vec<OptimizationRecommendation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonMetrics {
    pub performance_comparison: BTreeMap<String, PerformanceComparison>,
    pub resource_comparison: BTreeMap<String, ResourceComparison>,
    pub reliability_comparison: BTreeMap<String, ReliabilityComparison>,
    pub cost_comparison: BTreeMap<String, CostComparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceComparison {
    pub p50_duration: f64,
    pub p95_duration: f64,
    pub relative_to_baseline: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ResourceComparison {
    pub cpu_efficiency: f64,
    pub memory_peak_mb: f64,
    pub relative_to_baseline: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReliabilityComparison {
    pub failure_rate: f64,
    pub retry_success: f64,
    pub relative_to_baseline: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CostComparison {
    pub cost_per_execution: f64,
    pub total_cost: f64,
    pub relative_to_baseline: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonAnalysis {
    pub similarity: BTreeMap<String, f64>,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InsightType {
    #[default]
    PerformanceGap,
    ResourceInefficiency,
    ReliabilityIssue,
    CostAnomaly,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ComparisonInsight {
    #[serde(rename = "type")]
    pub insight_type: InsightType,
    pub description: String,
    pub severity: Level,
    pub affected_tasks: Vec<String>,
    pub potential_savings: f64,
    pub action_required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OptimizationRecommendation {
    pub task_id: String,
    pub title: String,
    pub description: String,
    pub expected_improvement_pct: f64,
}
