//! What executions cost: a cost model (prices per vCPU-hour and GB-hour) applied to allocated
//! (else used) cores and allocated (else peak) memory.

use types::TaskCostAnalysis;

use crate::execution::Execution;

/// Prices of the cost model: per allocated (else used) vCPU-hour and per GB-hour of allocated
/// (else peak) memory. Defaults are on-demand cloud list prices of a general-purpose instance
/// (about USD 0.048 per vCPU-hour and 0.0053 per GB-hour, 2026); configure your own.
#[derive(Debug, Clone, PartialEq)]
pub struct CostModel {
    pub cpu_hour: f64,
    pub gb_hour: f64,
    pub currency: String,
}

impl Default for CostModel {
    fn default() -> Self {
        Self {
            cpu_hour: 0.048,
            gb_hour: 0.0053,
            currency: "USD".into(),
        }
    }
}

/// Cost of one execution: hours × (cores × CPU price + GB × memory price), with allocated
/// cores (else used cores, cpuTime/duration) and allocated memory (else the peak).
pub fn execution_cost(e: &Execution, model: &CostModel) -> (f64, f64) {
    let Some(d) = e.duration_ms.filter(|d| *d > 0.0) else {
        return (0.0, 0.0);
    };
    let hours = d / 3_600_000.0;
    let cores = e
        .cpu_allocated_cores
        .or_else(|| e.cpu_time_ms.map(|c| c / d))
        .unwrap_or(1.0);
    let gb = e.memory_allocated_mb.or(e.memory_peak_mb).unwrap_or(0.0) / 1024.0;
    (hours * cores * model.cpu_hour, hours * gb * model.gb_hour)
}

/// Prices of core-hours and GB-hours (for aggregates summed in SQL).
pub fn price(model: &CostModel, core_hours: f64, gb_hours: f64) -> f64 {
    core_hours * model.cpu_hour + gb_hours * model.gb_hour
}

pub fn cost_analysis(execs: &[Execution], model: &CostModel) -> TaskCostAnalysis {
    let (cpu, mem) = execs
        .iter()
        .map(|e| execution_cost(e, model))
        .fold((0.0, 0.0), |a, c| (a.0 + c.0, a.1 + c.1));
    let total = cpu + mem;
    TaskCostAnalysis {
        cost_per_execution: if execs.is_empty() {
            0.0
        } else {
            total / execs.len() as f64
        },
        total_cost: total,
        cpu_cost: cpu,
        memory_cost: mem,
        currency: model.currency.clone(),
    }
}
