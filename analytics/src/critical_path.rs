//! The workflow's critical path report: the path weighted by median durations, each task's
//! schedule and slack, the bottlenecks, and how often observed runs followed the path.

use crate::dependencies::{WorkflowContext, analyze_observed, mean, runs, workflow_dag};

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
