//! A task's whole performance picture (spec `TaskPerformanceMetrics`), composed from the other
//! modules (statistics, resources, failures, [`crate::dependencies`], [`crate::cost`]), plus the
//! parts that belong to no single one: concurrency and caching opportunities.

use std::collections::BTreeMap;

use types::{
    Basis, CachingMetrics, ConcurrencyMetrics, ExecutionStatus, TaskPerformanceMetrics, TaskType,
};

use crate::cost::{CostModel, cost_analysis};
use crate::dependencies::{WorkflowContext, dependencies};
use crate::execution::Execution;
use crate::failures::{FailureEvidence, FailureOptions, failure_metrics_with};
use crate::resources::resource_metrics;
use crate::statistics::execution_statistics;

#[derive(Debug, Clone)]
pub struct TaskInfo {
    pub task_id: String,
    pub task_name: String,
    pub task_type: TaskType,
}

/// Everything the dashboard shows about one task over a window: statistics, resources,
/// concurrency, caching, cost and error signatures from `execs` (the task's records, possibly
/// the latest of the window), waits and the critical path from `ctx`, and root causes,
/// cascades, retries, recovery and dependency failures from `evidence` (the whole window).
pub fn performance(
    info: &TaskInfo,
    execs: &[Execution],
    ctx: &WorkflowContext,
    evidence: &FailureEvidence,
    cost: &CostModel,
) -> TaskPerformanceMetrics {
    let deps = dependencies(&info.task_id, ctx, evidence.skipped());
    TaskPerformanceMetrics {
        id: info.task_id.clone(),
        task_id: info.task_id.clone(),
        task_name: info.task_name.clone(),
        task_type: info.task_type,
        execution_stats: execution_statistics(execs).stats,
        resource_usage: resource_metrics(execs),
        failure_analysis: failure_metrics_with(
            execs,
            evidence,
            &ctx.edge_pairs(),
            &FailureOptions::default(),
        ),
        concurrency: concurrency(execs, queue_time(execs).unwrap_or(deps.wait_time)),
        dependencies: deps,
        caching_metrics: caching(execs),
        cost_analysis: cost_analysis(execs, cost),
        metadata: BTreeMap::new(),
        basis: None,
    }
}

/// Marks what was sampled, given what the answer read (`basis`): the failure analysis when its
/// error signatures came from fewer than all the window's executions (its runs part: all
/// runs, which it covers), the dependencies when waits and the critical path came from fewer
/// than all the window's runs (its executions part: all executions, which its dependency
/// failures count), the whole answer as read when either was sampled. Nothing is marked when
/// nothing was sampled.
pub fn with_basis(mut m: TaskPerformanceMetrics, basis: Basis) -> TaskPerformanceMetrics {
    let failures = Basis {
        workflow_runs: basis.of_workflow_runs,
        ..basis
    };
    let dependencies = Basis {
        executions: basis.of_executions,
        ..basis
    };
    m.failure_analysis.basis = failures.samples_executions().then_some(failures);
    m.dependencies.basis = dependencies.samples_runs().then_some(dependencies);
    m.basis = (basis.samples_executions() || basis.samples_runs()).then_some(basis);
    m
}

/// Attribute holding the scheduler's queue time in milliseconds (submit → start), as the
/// Nextflow importer records it.
pub const QUEUED_MS_ATTRIBUTE: &str = "queuedMs";

/// Mean queue time (ms) over the executions whose record carries a finite, non-negative
/// [`QUEUED_MS_ATTRIBUTE`]; `None` when none does. Queue time is what the scheduler reports
/// when it reports it; otherwise [`performance`] falls back to the wait after the upstream
/// finished ([`crate::dependencies`]).
pub fn queue_time(execs: &[Execution]) -> Option<f64> {
    let (sum, n) = execs
        .iter()
        .filter_map(|e| {
            let (_, v) = e
                .attributes
                .iter()
                .find(|(k, _)| k == QUEUED_MS_ATTRIBUTE)?;
            match v {
                types::ingest::AttributeValue::Number(q) => Some(*q),
                types::ingest::AttributeValue::Text(s) => s.trim().parse().ok(),
                types::ingest::AttributeValue::Bool(_) => None,
            }
            .filter(|q: &f64| q.is_finite() && *q >= 0.0)
        })
        .fold((0.0, 0usize), |(s, n), q| (s + q, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Peak concurrent executions by a sweep over `[start, end)` intervals; average concurrency is
/// busy time over the span from first start to last end (Little's law, L = λW).
pub fn concurrency(execs: &[Execution], average_queue_time: f64) -> ConcurrencyMetrics {
    let mut events: Vec<(i64, i32)> = Vec::with_capacity(execs.len() * 2);
    let mut busy = 0.0;
    for e in execs {
        if let Some(end) = e.end_ms {
            events.push((e.start_ms, 1));
            events.push((end, -1));
            busy += (end - e.start_ms) as f64;
        }
    }
    // Ends sort before starts at the same instant: back-to-back runs do not overlap.
    events.sort_unstable();
    let (mut current, mut peak) = (0i32, 0i32);
    for (_, delta) in &events {
        current += delta;
        peak = peak.max(current);
    }
    let span = match (events.first(), events.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (b.0 - a.0) as f64,
        _ => 0.0,
    };
    ConcurrencyMetrics {
        peak_concurrent: u64::try_from(peak).unwrap_or(0),
        average_concurrent: if span > 0.0 { busy / span } else { 0.0 },
        average_queue_time,
    }
}

/// Repeated inputs: an execution whose `inputHash` was already seen (in start order) could
/// have been served from a cache; its duration is the time a cache would have saved.
pub fn caching(execs: &[Execution]) -> CachingMetrics {
    let mut ordered: Vec<&Execution> = execs.iter().filter(|e| e.input_hash.is_some()).collect();
    ordered.sort_by_key(|e| e.start_ms);
    let mut seen = std::collections::HashSet::new();
    let (mut repeated, mut saved) = (0u64, 0.0);
    for e in &ordered {
        if !seen.insert(e.input_hash.as_deref()) && e.status == ExecutionStatus::Completed {
            repeated += 1;
            saved += e.duration_ms.unwrap_or(0.0);
        }
    }
    let with_hash = ordered.len() as u64;
    CachingMetrics {
        executions_with_input_hash: with_hash,
        repeated_inputs: repeated,
        potential_hit_rate: if with_hash == 0 {
            0.0
        } else {
            repeated as f64 / with_hash as f64
        },
        potential_time_saved_ms: saved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::execution_cost;
    use crate::dependencies::Edge;
    use std::collections::HashMap;
    use types::DependencyType;

    fn exec(task: &str, run: &str, status: ExecutionStatus, start: i64, end: i64) -> Execution {
        Execution {
            workflow_id: "w".into(),
            ..Execution::new(format!("{run}/{task}"), task, run, status, start, Some(end))
        }
    }

    fn edge(u: &str, d: &str) -> Edge {
        Edge {
            upstream: u.into(),
            downstream: d.into(),
            dependency_type: DependencyType::Data,
            optional: false,
        }
    }

    #[test]
    fn waits_and_critical_path_share_on_a_hand_worked_diamond() {
        use ExecutionStatus::Completed;
        // a → {b, c} → d; run r1: a 0–10, b 12–30, c 11–15, d 31–40 (ms).
        // d waits 1 ms after b (the later upstream); median weights a 10, b 18, c 4, d 9:
        // critical path a → b → d of 37 ms, d's share 9/37.
        let run = vec![
            exec("a", "r1", Completed, 0, 10),
            exec("b", "r1", Completed, 12, 30),
            exec("c", "r1", Completed, 11, 15),
            exec("d", "r1", Completed, 31, 40),
        ];
        let ctx = WorkflowContext {
            executions: run.clone(),
            edges: vec![
                edge("a", "b"),
                edge("a", "c"),
                edge("b", "d"),
                edge("c", "d"),
            ],
            task_names: HashMap::new(),
        };
        let d = dependencies("d", &ctx, 0);
        assert_eq!(d.wait_time, 1.0);
        assert!((d.critical_path_contribution - 9.0 / 37.0).abs() < 1e-12);
        assert_eq!(d.upstream_dependencies.len(), 2);
        let via_b = d
            .upstream_dependencies
            .iter()
            .find(|u| u.task_id == "b")
            .unwrap();
        assert_eq!(via_b.average_wait_time, 1.0);
        // c has 14 ms of slack on a 37 ms path.
        let c = dependencies("c", &ctx, 0);
        assert!((c.parallelization_potential - 14.0 / 37.0).abs() < 1e-12);
    }

    #[test]
    fn concurrency_peak_and_mean_by_sweep() {
        use ExecutionStatus::Completed;
        // [0,10), [5,15), [10,20): at most 2 at once; 30 ms busy over 20 ms → 1.5.
        let e = vec![
            exec("t", "1", Completed, 0, 10),
            exec("t", "2", Completed, 5, 15),
            exec("t", "3", Completed, 10, 20),
        ];
        let c = concurrency(&e, 0.0);
        assert_eq!((c.peak_concurrent, c.average_concurrent), (2, 1.5));
    }

    #[test]
    fn queue_time_is_the_mean_recorded_queued_ms_and_absent_without_one() {
        use ExecutionStatus::Completed;
        use types::ingest::AttributeValue::{Bool, Number, Text};
        let mut e: Vec<Execution> = (0..5)
            .map(|i| exec("t", &i.to_string(), Completed, i * 100, i * 100 + 50))
            .collect();
        assert_eq!(queue_time(&e), None);
        // 10,000 and 2,000 ms count; a text number counts; a negative or boolean one does not;
        // a record without the attribute is not a zero: (10000 + 2000 + 600) / 3 = 4200.
        e[0].attributes
            .push((QUEUED_MS_ATTRIBUTE.into(), Number(10_000.0)));
        e[1].attributes
            .push((QUEUED_MS_ATTRIBUTE.into(), Number(2_000.0)));
        e[2].attributes
            .push((QUEUED_MS_ATTRIBUTE.into(), Text("600".into())));
        e[3].attributes
            .push((QUEUED_MS_ATTRIBUTE.into(), Number(-5.0)));
        e[4].attributes
            .push((QUEUED_MS_ATTRIBUTE.into(), Bool(true)));
        assert_eq!(queue_time(&e), Some(4200.0));
    }

    #[test]
    fn repeated_input_hashes_are_potential_cache_hits() {
        use ExecutionStatus::Completed;
        let mut e: Vec<Execution> = (0..4)
            .map(|i| exec("t", &i.to_string(), Completed, i * 100, i * 100 + 50))
            .collect();
        for (x, h) in e.iter_mut().zip(["a", "b", "a", "a"]) {
            x.input_hash = Some(h.into());
        }
        let c = caching(&e);
        assert_eq!(
            (
                c.executions_with_input_hash,
                c.repeated_inputs,
                c.potential_hit_rate,
                c.potential_time_saved_ms
            ),
            (4, 2, 0.5, 100.0)
        );
    }

    #[test]
    fn cost_uses_allocation_else_usage() {
        use ExecutionStatus::Completed;
        let mut e = exec("t", "1", Completed, 0, 3_600_000); // one hour
        e.cpu_allocated_cores = Some(2.0);
        e.memory_allocated_mb = Some(4096.0);
        let m = CostModel::default();
        let (cpu, mem) = execution_cost(&e, &m);
        assert!((cpu - 0.096).abs() < 1e-12 && (mem - 4.0 * 0.0053).abs() < 1e-12);
        e.cpu_allocated_cores = None;
        e.cpu_time_ms = Some(1_800_000.0); // half a core used
        assert!((execution_cost(&e, &m).0 - 0.024).abs() < 1e-12);
    }
}
