//! A task's place in its workflow over observed runs: the workflow context (its executions,
//! edges and task names), the DAG weighted by median durations, and waits, blocking and failure
//! impact per edge (spec `DependencyMetrics`).
//!
//! A workflow without edges has no critical path ([`critical_path_unavailable`]): its
//! contribution and parallelisation figures are 0 with the reason beside them, never a path
//! made of one task.

use std::collections::{BTreeMap, HashMap};

use types::{DependencyInfo, DependencyMetrics, DependencyType, ExecutionStatus};

use crate::dag::{Dag, TaskRun, analyze_run};
use crate::execution::Execution;
use crate::statistics::quantiles;

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

/// Why a workflow's critical path is unknown: it has no dependency data.
pub const NO_DEPENDENCY_DATA: &str = "the workflow has no dependency data";

/// `Some(reason)` when the workflow's critical path cannot be known: it has no edges. A DAG of
/// unconnected tasks would make each task its own root-to-sink path, so the longest task would
/// come out as a one-task "critical path" holding the whole length, and every workflow's
/// longest task a bottleneck with share 1.0 (issue #13). A trace format without dependencies
/// (Nextflow's trace file) is the usual cause; one task without edges is no exception, since
/// nothing says it is the whole workflow.
pub fn critical_path_unavailable(ctx: &WorkflowContext) -> Option<String> {
    ctx.edges.is_empty().then(|| NO_DEPENDENCY_DATA.to_owned())
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
pub(crate) fn runs(ctx: &WorkflowContext) -> BTreeMap<&str, BTreeMap<&str, &Execution>> {
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
/// edges between them); `complete` is false when some task of the run has not finished. The
/// makespan is the run's observed one ([`observed_makespan`]), over every record of the run.
pub(crate) fn analyze_observed(
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
    let run = tasks
        .values()
        .next()
        .map(|e| e.workflow_execution_id.as_str());
    analyze_run(&finished, edges).ok().map(|mut a| {
        if let Some(span) = run.and_then(|r| observed_makespan(ctx, r)) {
            a.makespan = span;
        }
        (a, complete)
    })
}

/// Observed makespan of run `run`: its latest end minus its earliest start over *every* record
/// of the run in the context — every attempt of every instance of every task — not only the
/// final record of each task that [`runs`] keeps, which dropped a process's other instances
/// (577 s for a run that took 703 s, issue #13). `None` when no record of the run has ended.
pub(crate) fn observed_makespan(ctx: &WorkflowContext, run: &str) -> Option<f64> {
    let (start, end) = ctx
        .executions
        .iter()
        .filter(|e| e.workflow_execution_id == run)
        .fold((i64::MAX, None), |(s, end), e| {
            (s.min(e.start_ms), end.max(e.end_ms))
        });
    end.map(|end| (end - start) as f64)
}

pub(crate) fn mean(v: &[f64]) -> f64 {
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
    let unavailable = critical_path_unavailable(ctx);
    let dag = workflow_dag(ctx).ok().filter(|_| unavailable.is_none());
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
        critical_path_unavailable: unavailable,
        basis: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_observed_makespan_spans_every_instance_of_the_run() {
        // Run r: process a over samples s1 (0 → 100 ms) and s2 (50 → 300 ms), then b
        // (120 → 200 ms) after a. The final record of a (latest start) is s2's, so the final
        // records alone span 50 → 300 = 250 ms; every record spans 0 → 300 = 300 ms.
        let rec = |id: &str, task: &str, instance: &str, start: i64, end: i64| Execution {
            instance: instance.to_owned(),
            ..Execution::new(id, task, "r", ExecutionStatus::Completed, start, Some(end))
        };
        let ctx = WorkflowContext {
            executions: vec![
                rec("1", "a", "s1", 0, 100),
                rec("2", "a", "s2", 50, 300),
                rec("3", "b", "", 120, 200),
            ],
            edges: vec![Edge {
                upstream: "a".into(),
                downstream: "b".into(),
                dependency_type: DependencyType::Data,
                optional: false,
            }],
            task_names: HashMap::new(),
        };
        assert_eq!(observed_makespan(&ctx, "r"), Some(300.0));
        assert_eq!(observed_makespan(&ctx, "other"), None);
        let report = crate::critical_path::critical_path_report("w", &ctx).unwrap();
        assert_eq!((report.observed_runs, report.mean_makespan_ms), (1, 300.0));
    }
}
