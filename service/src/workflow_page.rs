//! The workflow page's one question: a workflow over a window — its DAG with the critical path
//! (weighted as on the task dashboard), one point per run (makespan and how its logical
//! executions ended; the latest [`MAX_RUN_POINTS`] runs, the answer says of how many) and its
//! slowest and least reliable tasks (exact, [`TASKS_PER_LIST`] each), in one database round.

use std::collections::HashMap;

use analytics::series::{layered_graph, medians};
use types::{RunOutcome, TimeWindow, WorkflowOverview, WorkflowRun, WorkflowTaskStat};

use crate::dashboard::DAG_SAMPLE_PER_TASK;
use crate::{ServiceError, Services};

/// The most runs the page draws (the latest in the window).
pub const MAX_RUN_POINTS: i64 = 500;
/// Tasks in each of the slowest and least reliable lists.
pub const TASKS_PER_LIST: i64 = 8;

pub async fn workflow_overview(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<WorkflowOverview, ServiceError> {
    let wf = crate::workflows::find(s, key).await?;
    let (runs, tasks, edges, names, samples) = tokio::try_join!(
        db::workflow_runs::runs(&s.pool, wf.id, &window, MAX_RUN_POINTS),
        db::workflow_runs::tasks(&s.pool, wf.id, &window, TASKS_PER_LIST),
        db::executions::workflow_edges(&s.pool, wf.id),
        db::executions::workflow_task_names(&s.pool, wf.id),
        db::samples::recent_completed_durations(&s.pool, wf.id, &window, DAG_SAMPLE_PER_TASK),
    )?;
    let edges = crate::tasks::edges_of(edges);
    let names: HashMap<String, String> = names.into_iter().collect();
    let graph =
        crate::tasks::compute(move || layered_graph(&edges, &names, &medians(&samples))).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let runs_in_window = runs.first().map_or(0, |r| count(r.runs_in_window));
    let tasks_in_window = tasks.first().map_or(0, |t| count(t.total_tasks));
    let stat = |t: &db::workflow_runs::TaskRow| WorkflowTaskStat {
        task_id: t.task_key.clone(),
        task_name: t.task_name.clone(),
        executions: count(t.executions),
        failures: count(t.failures),
        p50_ms: t.p50_ms,
        p95_ms: t.p95_ms,
    };
    let slowest = tasks
        .iter()
        .filter(|t| t.slow_rank <= TASKS_PER_LIST && t.p95_ms.is_some())
        .map(stat)
        .collect();
    let mut unreliable: Vec<_> = tasks
        .iter()
        .filter(|t| t.fail_rank <= TASKS_PER_LIST && t.failures > 0)
        .collect();
    unreliable.sort_by_key(|t| t.fail_rank);
    Ok(WorkflowOverview {
        window,
        workflow_id: wf.workflow_key,
        workflow_name: wf.workflow_name,
        graph,
        runs: runs.into_iter().map(run).collect(),
        runs_in_window,
        max_runs: MAX_RUN_POINTS as u64,
        slowest,
        least_reliable: unreliable.into_iter().map(stat).collect(),
        tasks_in_window,
    })
}

fn run(r: db::workflow_runs::RunRow) -> WorkflowRun {
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    WorkflowRun {
        outcome: if r.running {
            RunOutcome::Running
        } else if r.failed > 0 {
            RunOutcome::Failed
        } else {
            RunOutcome::Succeeded
        },
        run_id: r.run_key,
        start_time: r.start_time,
        makespan_ms: r.makespan_ms,
        logical: count(r.logical),
        completed: count(r.completed),
        failed: count(r.failed),
    }
}
