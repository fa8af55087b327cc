//! The workflow's critical path report: the path weighted by median durations, each task's
//! schedule and slack, the bottlenecks, and how often observed runs followed the path.
//!
//! Without dependency data (no edges; see
//! [`crate::dependencies::critical_path_unavailable`]) the report says so in `unavailable` and
//! has no path, no task schedule and no bottleneck; the observed runs' makespans still count.

use crate::dependencies::{
    WorkflowContext, analyze_observed, critical_path_unavailable, mean, runs, workflow_dag,
};

/// The workflow's critical path weighted by median durations, each task's schedule, the
/// bottlenecks, and how often observed runs (by real start/end times) followed that path.
pub fn critical_path_report(
    workflow_id: &str,
    ctx: &WorkflowContext,
) -> Result<types::WorkflowCriticalPath, crate::dag::DagError> {
    if let Some(reason) = critical_path_unavailable(ctx) {
        let makespans: Vec<f64> = runs(ctx)
            .values()
            .filter_map(|tasks| analyze_observed(tasks, ctx).filter(|(_, complete)| *complete))
            .map(|(a, _)| a.makespan)
            .collect();
        return Ok(types::WorkflowCriticalPath {
            workflow_id: workflow_id.to_owned(),
            unavailable: Some(reason),
            path: Vec::new(),
            length_ms: 0.0,
            tasks: Vec::new(),
            bottlenecks: Vec::new(),
            observed_runs: makespans.len() as u64,
            runs_following_path: 0,
            mean_makespan_ms: mean(&makespans),
        });
    }
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
        unavailable: None,
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
    use crate::dependencies::{Edge, NO_DEPENDENCY_DATA};
    use crate::execution::Execution;
    use types::{DependencyType, ExecutionStatus::Completed};

    /// Run r: a 0–10 s, b 10–40 s, c 12–20 s (ms).
    fn ctx(edges: &[(&str, &str)]) -> WorkflowContext {
        let run = |id: &str, task: &str, start: i64, end: i64| {
            Execution::new(id, task, "r", Completed, start, Some(end))
        };
        WorkflowContext {
            executions: vec![
                run("1", "a", 0, 10_000),
                run("2", "b", 10_000, 40_000),
                run("3", "c", 12_000, 20_000),
            ],
            edges: edges
                .iter()
                .map(|(u, d)| Edge {
                    upstream: (*u).into(),
                    downstream: (*d).into(),
                    dependency_type: DependencyType::Data,
                    optional: false,
                })
                .collect(),
            task_names: Default::default(),
        }
    }

    #[test]
    fn without_edges_there_is_no_critical_path_and_no_bottleneck() {
        // Unconnected, b (30 s) would be a one-task "critical path" and a bottleneck with share
        // 1.0; instead: unavailable, nothing ranked, the run's makespan (0 → 40 s) kept.
        let r = critical_path_report("w", &ctx(&[])).unwrap();
        assert_eq!(r.unavailable.as_deref(), Some(NO_DEPENDENCY_DATA));
        assert!(r.path.is_empty() && r.tasks.is_empty() && r.bottlenecks.is_empty());
        assert_eq!((r.length_ms, r.runs_following_path), (0.0, 0));
        assert_eq!((r.observed_runs, r.mean_makespan_ms), (1, 40_000.0));
        let d = crate::dependencies::dependencies("b", &ctx(&[]), 0);
        assert_eq!(
            d.critical_path_unavailable.as_deref(),
            Some(NO_DEPENDENCY_DATA)
        );
        assert_eq!(
            (d.critical_path_contribution, d.parallelization_potential),
            (0.0, 0.0)
        );
    }

    #[test]
    fn with_edges_the_path_is_the_longest_chain_by_median() {
        // a(10 s) → b(30 s), a → c(8 s): path a-b, 40 s; b's share 30/40, a's 10/40 · (1 + 2).
        let r = critical_path_report("w", &ctx(&[("a", "b"), ("a", "c")])).unwrap();
        assert_eq!(r.unavailable, None);
        assert_eq!(r.path, ["a", "b"]);
        assert_eq!(r.length_ms, 40_000.0);
        let ranked: Vec<(&str, f64)> = r
            .bottlenecks
            .iter()
            .map(|b| (b.task_id.as_str(), b.severity))
            .collect();
        assert_eq!(ranked, [("a", 0.75), ("b", 0.75)]);
        let d = crate::dependencies::dependencies("b", &ctx(&[("a", "b"), ("a", "c")]), 0);
        assert_eq!(d.critical_path_unavailable, None);
        assert_eq!(d.critical_path_contribution, 0.75);
    }
}
