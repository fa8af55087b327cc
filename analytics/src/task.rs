//! A task's whole performance picture (spec `TaskPerformanceMetrics`), composed from the other
//! modules, plus the parts that belong to no single one: dependency timing over observed runs,
//! concurrency, caching opportunities and cost.

use std::collections::{BTreeMap, HashMap};

use types::{
    Basis, CachingMetrics, ConcurrencyMetrics, DependencyInfo, DependencyMetrics, DependencyType,
    ExecutionStatus, TaskCostAnalysis, TaskPerformanceMetrics, TaskType,
};

use crate::dag::{Dag, TaskRun, analyze_run};
use crate::execution::Execution;
use crate::failures::{FailureEvidence, FailureOptions, failure_metrics_with};
use crate::resources::resource_metrics;
use crate::statistics::{execution_statistics, quantiles};

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

/// An edge of the workflow's DAG as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub upstream: String,
    pub downstream: String,
    pub dependency_type: DependencyType,
    pub optional: bool,
}

/// What the task's workflow contributes: every execution of its tasks in the window (or its
/// latest runs), the edges, and task names.
#[derive(Debug, Clone, Default)]
pub struct WorkflowContext {
    pub executions: Vec<Execution>,
    pub edges: Vec<Edge>,
    pub task_names: HashMap<String, String>,
}

impl WorkflowContext {
    /// The edges as `(upstream, downstream)` task id pairs.
    pub fn edge_pairs(&self) -> Vec<(String, String)> {
        self.edges
            .iter()
            .map(|e| (e.upstream.clone(), e.downstream.clone()))
            .collect()
    }

    /// Distinct workflow runs among the executions.
    pub fn runs(&self) -> usize {
        self.executions
            .iter()
            .map(|e| e.workflow_execution_id.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len()
    }
}

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
        concurrency: concurrency(execs, deps.wait_time),
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

/// Median duration (ms) of completed executions per task.
pub fn median_durations(execs: &[Execution]) -> HashMap<String, f64> {
    let mut by_task: HashMap<&str, Vec<f64>> = HashMap::new();
    for e in execs
        .iter()
        .filter(|e| e.status == ExecutionStatus::Completed)
    {
        if let Some(d) = e.duration_ms {
            by_task.entry(&e.task_id).or_default().push(d);
        }
    }
    by_task
        .into_iter()
        .filter_map(|(t, mut d)| quantiles(&mut d, &[0.5]).map(|q| (t.to_owned(), q[0])))
        .collect()
}

/// The workflow's DAG weighted by median task duration (robust to outliers; a critical path
/// should describe the typical run). Tasks without a completed run weigh 0.
pub fn workflow_dag(ctx: &WorkflowContext) -> Result<Dag, crate::dag::DagError> {
    let medians = median_durations(&ctx.executions);
    let mut nodes: BTreeMap<String, f64> = BTreeMap::new();
    for e in &ctx.edges {
        for t in [&e.upstream, &e.downstream] {
            nodes.insert(t.clone(), medians.get(t).copied().unwrap_or(0.0));
        }
    }
    for (t, m) in &medians {
        nodes.entry(t.clone()).or_insert(*m);
    }
    Dag::new(
        nodes,
        ctx.edges
            .iter()
            .map(|e| (e.upstream.clone(), e.downstream.clone())),
    )
}

/// Per run: the last attempt of each task (latest start), as observed.
fn runs(ctx: &WorkflowContext) -> BTreeMap<&str, BTreeMap<&str, &Execution>> {
    let mut runs: BTreeMap<&str, BTreeMap<&str, &Execution>> = BTreeMap::new();
    for e in &ctx.executions {
        let slot = runs
            .entry(&e.workflow_execution_id)
            .or_default()
            .entry(&e.task_id)
            .or_insert(e);
        if e.start_ms > slot.start_ms {
            *slot = e;
        }
    }
    runs
}

/// Wait, blocking and critical path of one observed run, over its finished tasks (and the
/// edges between them); `complete` is false when some task of the run has not finished.
fn analyze_observed(
    tasks: &BTreeMap<&str, &Execution>,
    ctx: &WorkflowContext,
) -> Option<(crate::dag::RunAnalysis, bool)> {
    let finished: Vec<TaskRun> = tasks
        .values()
        .filter_map(|e| {
            e.end_ms.map(|end| TaskRun {
                id: e.task_id.clone(),
                start: e.start_ms as f64,
                end: end as f64,
            })
        })
        .collect();
    let complete = finished.len() == tasks.len();
    let present: std::collections::HashSet<&str> = finished.iter().map(|t| t.id.as_str()).collect();
    let edges = ctx
        .edges
        .iter()
        .filter(|e| {
            present.contains(e.upstream.as_str()) && present.contains(e.downstream.as_str())
        })
        .map(|e| (e.upstream.as_str(), e.downstream.as_str()));
    analyze_run(&finished, edges).ok().map(|a| (a, complete))
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Wait and blocking time over observed runs, per-edge waits and failure impact, and the
/// task's place on the median-weighted critical path; `dependency_failures` is the task's
/// skipped executions of the window (counted by the caller over the whole window).
pub fn dependencies(
    task: &str,
    ctx: &WorkflowContext,
    dependency_failures: u64,
) -> DependencyMetrics {
    let runs = runs(ctx);
    let mut waits = Vec::new();
    let mut blocking = Vec::new();
    for tasks in runs.values() {
        if !tasks.contains_key(task) {
            continue;
        }
        if let Some((a, _)) = analyze_observed(tasks, ctx)
            && let Some(t) = a.tasks.iter().find(|t| t.id == task)
        {
            waits.push(t.wait);
            blocking.push(t.blocking);
        }
    }
    let info = |other: &str, e: &Edge, upstream: bool| {
        let mut gaps = Vec::new();
        let mut impacted = 0usize;
        let mut failed_runs = 0usize;
        for tasks in runs.values() {
            let (Some(me), Some(them)) = (tasks.get(task), tasks.get(other)) else {
                continue;
            };
            let (first, second) = if upstream { (them, me) } else { (me, them) };
            if let Some(end) = first.end_ms {
                let gap = (second.start_ms - end) as f64;
                if gap >= 0.0 {
                    gaps.push(gap);
                }
            }
            if first.is_failure() {
                failed_runs += 1;
                if matches!(
                    second.status,
                    ExecutionStatus::Skipped | ExecutionStatus::Failed | ExecutionStatus::Timeout
                ) {
                    impacted += 1;
                }
            }
        }
        DependencyInfo {
            task_id: other.to_owned(),
            task_name: ctx
                .task_names
                .get(other)
                .cloned()
                .unwrap_or_else(|| other.to_owned()),
            dependency_type: e.dependency_type,
            average_wait_time: mean(&gaps),
            failure_impact: if failed_runs == 0 {
                0.0
            } else {
                impacted as f64 / failed_runs as f64
            },
            optional: e.optional,
        }
    };
    let upstream_dependencies = ctx
        .edges
        .iter()
        .filter(|e| e.downstream == task)
        .map(|e| info(&e.upstream, e, true))
        .collect();
    let downstream_dependents = ctx
        .edges
        .iter()
        .filter(|e| e.upstream == task)
        .map(|e| info(&e.downstream, e, false))
        .collect();
    let dag = workflow_dag(ctx).ok();
    DependencyMetrics {
        upstream_dependencies,
        downstream_dependents,
        wait_time: mean(&waits),
        blocking_time: mean(&blocking),
        dependency_failures,
        critical_path_contribution: dag
            .as_ref()
            .and_then(|d| d.critical_path_contribution(task))
            .unwrap_or(0.0),
        parallelization_potential: dag
            .as_ref()
            .and_then(|d| d.parallelization_potential(task))
            .unwrap_or(0.0),
        basis: None,
    }
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

/// The workflow's critical path weighted by median durations, each task's schedule, the
/// bottlenecks, and how often observed runs (by real start/end times) followed that path.
pub fn critical_path_report(
    workflow_id: &str,
    ctx: &WorkflowContext,
) -> Result<types::WorkflowCriticalPath, crate::dag::DagError> {
    let dag = workflow_dag(ctx)?;
    let cp = dag.critical_path();
    let length = cp.length;
    let tasks = dag
        .schedule()
        .iter()
        .map(|n| types::CriticalPathTask {
            task_id: n.id.clone(),
            median_duration_ms: n.weight,
            earliest_start_ms: n.earliest_start,
            slack_ms: n.slack,
            on_critical_path: n.on_critical_path,
            critical_share: if n.on_critical_path && length > 0.0 {
                n.weight / length
            } else {
                0.0
            },
        })
        .collect();
    let bottlenecks = dag
        .bottlenecks()
        .into_iter()
        .map(|b| types::Bottleneck {
            median_duration_ms: dag.node(&b.id).map_or(0.0, |n| n.weight),
            task_id: b.id,
            workflow_id: workflow_id.to_owned(),
            severity: b.severity,
            critical_share: b.critical_share,
            fan_out: b.fan_out as u64,
        })
        .collect();
    let (mut observed, mut following, mut makespans) = (0u64, 0u64, Vec::new());
    for tasks in runs(ctx).values() {
        // A run still in flight has no final critical path.
        if let Some((a, true)) = analyze_observed(tasks, ctx).filter(|_| !tasks.is_empty()) {
            observed += 1;
            following += u64::from(a.critical_path == cp.nodes);
            makespans.push(a.makespan);
        }
    }
    Ok(types::WorkflowCriticalPath {
        workflow_id: workflow_id.to_owned(),
        path: cp.nodes.clone(),
        length_ms: length,
        tasks,
        bottlenecks,
        observed_runs: observed,
        runs_following_path: following,
        mean_makespan_ms: mean(&makespans),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
