//! A task's resource profile (the spec's `task_resource_profiles`): what it needs, what it was
//! given, what to give it, how its duration scales with input, and how many slots it needs.

use types::{
    CostProfile, CpuRequirements, IoRequirements, MemoryRequirements, NetworkRequirements,
    ResourceProfile, ScalingCharacteristics,
};

use crate::cost::{CostModel, cost_analysis};
use crate::execution::Execution;
use crate::resources::{ProvisioningKind, cpu_usage, memory_pressure, provisioning};
use crate::statistics::quantiles;

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    quantiles(&mut v, &[0.5]).map(|q| q[0])
}

/// Ordinary least squares of `ln(duration)` on `ln(input size)` over completed runs with
/// both: the slope is the elasticity (1 linear, < 1 sublinear, > 1 superlinear). `None`
/// below 10 samples or without spread in input size.
pub fn input_size_elasticity(execs: &[Execution]) -> ScalingCharacteristics {
    let pts: Vec<(f64, f64)> = execs
        .iter()
        .filter(|e| e.status == types::ExecutionStatus::Completed)
        .filter_map(|e| {
            let (s, d) = (e.input_size_bytes?, e.duration_ms?);
            (s > 0.0 && d > 0.0).then(|| (s.ln(), d.ln()))
        })
        .collect();
    let n = pts.len();
    let mut out = ScalingCharacteristics {
        samples: n as u64,
        ..Default::default()
    };
    if n < 10 {
        return out;
    }
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / n as f64,
        pts.iter().map(|p| p.1).sum::<f64>() / n as f64,
    );
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let syy: f64 = pts.iter().map(|p| (p.1 - my).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx > 0.0 {
        out.input_size_elasticity = Some(sxy / sxx);
        out.r_squared = (syy > 0.0).then(|| sxy * sxy / (sxx * syy));
    }
    out
}

/// Slots needed so that the busiest hour's arrivals do not queue on average: Little's law,
/// `⌈λ_peak · W⌉` with `λ_peak` the starts in the busiest clock hour per ms and `W` the mean
/// duration (Little 1961). At least 1 when the task ran.
pub fn optimal_concurrency(execs: &[Execution]) -> u64 {
    let mut per_hour: std::collections::HashMap<i64, u64> = std::collections::HashMap::new();
    for e in execs {
        *per_hour
            .entry(e.start_ms.div_euclid(3_600_000))
            .or_default() += 1;
    }
    let Some(peak) = per_hour.values().copied().max() else {
        return 0;
    };
    let w = mean(
        &execs
            .iter()
            .filter_map(|e| e.duration_ms)
            .collect::<Vec<_>>(),
    );
    ((peak as f64 / 3_600_000.0 * w).ceil() as u64).max(1)
}

pub fn resource_profile(task_id: &str, execs: &[Execution], cost: &CostModel) -> ResourceProfile {
    let cpu = cpu_usage(execs);
    let findings = provisioning(execs);
    let recommended = |kinds: &[ProvisioningKind]| {
        findings
            .iter()
            .find(|f| kinds.contains(&f.kind))
            .map(|f| f.recommended)
    };
    let peaks: Vec<f64> = execs.iter().filter_map(|e| e.memory_peak_mb).collect();
    let per =
        |f: fn(&Execution) -> Option<f64>| mean(&execs.iter().filter_map(f).collect::<Vec<_>>());
    let c = cost_analysis(execs, cost);
    ResourceProfile {
        task_id: task_id.to_owned(),
        profile_name: format!("{task_id} (observed)"),
        cpu_requirements: CpuRequirements {
            average_cores: cpu.average,
            p95_cores: cpu.peak,
            allocated_cores: median(execs.iter().filter_map(|e| e.cpu_allocated_cores).collect()),
            recommended_cores: recommended(&[
                ProvisioningKind::CpuOverProvisioned,
                ProvisioningKind::CpuUnderProvisioned,
            ]),
            efficiency: cpu.efficiency,
        },
        memory_requirements: MemoryRequirements {
            average_mb: mean(&peaks),
            peak_mb: peaks.iter().copied().fold(0.0, f64::max),
            allocated_mb: median(execs.iter().filter_map(|e| e.memory_allocated_mb).collect()),
            recommended_mb: recommended(&[
                ProvisioningKind::MemoryOverProvisioned,
                ProvisioningKind::MemoryUnderProvisioned,
            ]),
            pressure: memory_pressure(execs),
        },
        io_requirements: IoRequirements {
            read_bytes_per_execution: per(|e| e.read_bytes),
            write_bytes_per_execution: per(|e| e.write_bytes),
            operations_per_execution: per(|e| e.io_operations),
        },
        network_requirements: NetworkRequirements {
            calls_per_execution: per(|e| e.network_calls),
            bytes_per_execution: per(|e| e.bytes_transferred),
        },
        optimal_concurrency: optimal_concurrency(execs),
        scaling_characteristics: input_size_elasticity(execs),
        cost_profile: CostProfile {
            cost_per_execution: c.cost_per_execution,
            total_cost: c.total_cost,
            currency: c.currency,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::Execution;
    use types::ExecutionStatus;

    fn exec(i: i64, size: f64, duration: f64) -> Execution {
        let start = i * 600_000;
        Execution {
            input_size_bytes: Some(size),
            duration_ms: Some(duration),
            ..Execution::new(
                i.to_string(),
                "t",
                i.to_string(),
                ExecutionStatus::Completed,
                start,
                Some(start + duration as i64),
            )
        }
    }

    #[test]
    fn square_root_scaling_has_elasticity_one_half() {
        // duration = 10 · size^0.5 exactly: the log-log slope is 0.5 and R² is 1.
        let e: Vec<Execution> = (1..=20)
            .map(|i| {
                let size = (i * i * 1000) as f64;
                exec(i, size, 10.0 * size.sqrt())
            })
            .collect();
        let s = input_size_elasticity(&e);
        assert!((s.input_size_elasticity.unwrap() - 0.5).abs() < 1e-12);
        assert!((s.r_squared.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(s.samples, 20);
    }

    #[test]
    fn optimal_concurrency_follows_littles_law_for_the_busiest_hour() {
        // Six starts within one hour (every 10 min), each 30 min long: λ = 6/h, W = 0.5 h → 3.
        let e: Vec<Execution> = (0..6).map(|i| exec(i, 1.0, 1_800_000.0)).collect();
        assert_eq!(optimal_concurrency(&e), 3);
        assert_eq!(optimal_concurrency(&[]), 0);
    }
}
