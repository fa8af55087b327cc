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

/// The one number of an optimisation a person adjusts in the simulator: which parameter of
/// its implementation, how the form labels it, and the proposed value in the form's unit
/// (a hit rate in %, a factor, a count, cores, MB).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adjustable {
    pub parameter: &'static str,
    pub label: &'static str,
    pub proposed: f64,
}

impl TaskOptimization {
    fn parameter(&self, name: &str) -> Option<&serde_json::Value> {
        self.proposed_changes
            .first()
            .and_then(|c| c.implementation.parameters.get(name))
    }

    fn number(&self, name: &str) -> Option<f64> {
        self.parameter(name)
            .and_then(serde_json::Value::as_f64)
            .filter(|v| v.is_finite())
    }

    /// The parameter the simulator form adjusts; `None` for a removed edge (nothing to tune).
    pub fn adjustable(&self) -> Option<Adjustable> {
        let a = |parameter, label, proposed| {
            Some(Adjustable {
                parameter,
                label,
                proposed,
            })
        };
        if let Some(h) = self.number("hitRate") {
            a("hitRate", "Cache hit rate (%)", h * 100.0)
        } else if let Some(f) = self.number("durationFactor") {
            a("durationFactor", "Duration factor (0.7: 30 % faster)", f)
        } else if let Some(k) = self.number("batchSize") {
            a("batchSize", "Executions per batch", k)
        } else if let Some(n) = self.number("maxAttempts") {
            a("maxAttempts", "Most attempts", n)
        } else if let Some(c) = self.number("cores") {
            a("cores", "Cores", c)
        } else if let Some(m) = self.number("memoryMb") {
            a("memoryMb", "Memory (MB)", m)
        } else {
            None
        }
    }

    /// The what-if simulator's changes for this optimisation (see `analytics::optimize`, which
    /// writes the parameters), its adjustable parameter set to `value` (in the form's unit)
    /// when given. Errors name what is wrong with `value`.
    pub fn simulation_changes(
        &self,
        value: Option<f64>,
    ) -> Result<Vec<crate::SimulationChange>, String> {
        use crate::SimulationChange as C;
        let task_id = self.task_id.clone();
        let v = |name: &str| match (value, self.adjustable()) {
            (Some(v), Some(a)) if a.parameter == name => Some(v),
            _ => self.number(name),
        };
        let whole = |x: f64, what: &str| -> Result<u32, String> {
            if x.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&x) {
                Ok(x as u32)
            } else {
                Err(format!("{what} must be a whole number ≥ 1, got {x}"))
            }
        };
        let text = |name: &str| {
            self.parameter(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        if let Some(h) = v("hitRate") {
            let h = if value.is_some() { h / 100.0 } else { h };
            return Ok(vec![C::Cache {
                task_id,
                hit_rate: h,
            }]);
        }
        if let Some(factor) = v("durationFactor") {
            return Ok(vec![C::Scale { task_id, factor }]);
        }
        if let Some(k) = v("batchSize") {
            return Ok(vec![C::Batch {
                task_id,
                k: whole(k, "the batch size")?,
                overhead_ms: self.number("overheadMs").unwrap_or(0.0),
            }]);
        }
        if let Some(n) = v("maxAttempts") {
            return Ok(vec![C::MaxAttempts {
                task_id,
                attempts: whole(n, "the most attempts")?,
            }]);
        }
        if let (Some(from), Some(to)) = (text("removeEdgeFrom"), text("removeEdgeTo")) {
            return Ok(vec![C::RemoveEdge { from, to }]);
        }
        let (cores, memory_mb) = (v("cores"), v("memoryMb"));
        if cores.is_some() || memory_mb.is_some() {
            return Ok(vec![C::Resources {
                task_id,
                cores,
                memory_mb,
            }]);
        }
        Err("this optimisation has no simulated change".to_owned())
    }
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

    fn with(parameters: serde_json::Value) -> super::TaskOptimization {
        super::TaskOptimization {
            task_id: "w.t".into(),
            proposed_changes: vec![super::ProposedChange {
                implementation: super::ImplementationDetails {
                    parameters: parameters.as_object().cloned().unwrap_or_default(),
                    ..Default::default()
                },
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn an_optimisation_becomes_the_simulator_s_changes_with_its_parameter_adjusted() {
        use crate::SimulationChange as C;
        let cache = with(serde_json::json!({"hitRate": 0.75, "evidence.runs": 12.0}));
        let a = cache.adjustable().unwrap();
        assert_eq!((a.parameter, a.proposed), ("hitRate", 75.0));
        let cached = |h: f64| C::Cache {
            task_id: "w.t".into(),
            hit_rate: h,
        };
        assert_eq!(cache.simulation_changes(None), Ok(vec![cached(0.75)]));
        // The form's unit is %.
        assert_eq!(cache.simulation_changes(Some(40.0)), Ok(vec![cached(0.4)]));
        let batch = with(serde_json::json!({"batchSize": 4, "overheadMs": 1500.0}));
        assert_eq!(
            batch.simulation_changes(Some(8.0)),
            Ok(vec![C::Batch {
                task_id: "w.t".into(),
                k: 8,
                overhead_ms: 1500.0
            }])
        );
        assert!(batch.simulation_changes(Some(2.5)).is_err());
        // Memory only: the adjustable parameter is memory, cores stay as they are (None).
        let memory = with(serde_json::json!({"memoryMb": 6144.0}));
        assert_eq!(memory.adjustable().unwrap().parameter, "memoryMb");
        assert_eq!(
            memory.simulation_changes(Some(8192.0)),
            Ok(vec![C::Resources {
                task_id: "w.t".into(),
                cores: None,
                memory_mb: Some(8192.0)
            }])
        );
        let edge = with(serde_json::json!({"removeEdgeFrom": "w.a", "removeEdgeTo": "w.t"}));
        assert_eq!(edge.adjustable(), None);
        assert_eq!(
            edge.simulation_changes(Some(3.0)),
            Ok(vec![C::RemoveEdge {
                from: "w.a".into(),
                to: "w.t".into()
            }])
        );
        assert!(
            with(serde_json::json!({}))
                .simulation_changes(None)
                .is_err()
        );
    }
}
