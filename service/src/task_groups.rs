//! A workflow's task groups: its executions in a window grouped by task type (see
//! [`types::TaskGroupStats`]), exact over the window's rows, ordered and capped as asked; the
//! answer says how many groups there are and whether it stopped short.

use types::{TaskGroupSort, TaskGroupStats, TimeWindow, WorkflowTaskGroups};

use crate::{ServiceError, Services, Windowed};

/// Groups returned when the caller names no limit, and the most it may name.
pub const DEFAULT_GROUPS: u32 = 100;
pub const MAX_GROUPS: u32 = 1_000;

pub async fn task_groups(
    s: &Services,
    workflow: &str,
    window: TimeWindow,
    sort: TaskGroupSort,
    limit: Option<u32>,
) -> Result<Windowed<WorkflowTaskGroups>, ServiceError> {
    let limit = limit.unwrap_or(DEFAULT_GROUPS);
    if !(1..=MAX_GROUPS).contains(&limit) {
        return Err(ServiceError::invalid(
            "limit",
            format!("must be between 1 and {MAX_GROUPS}"),
        ));
    }
    let wf = crate::workflows::find(s, workflow).await?;
    let rows = db::workflows::task_groups(&s.pool, wf.id, &window, i64::from(limit), sort).await?;
    let total_groups = rows
        .first()
        .map_or(0, |r| u64::try_from(r.total_groups).unwrap_or(0));
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    let groups: Vec<TaskGroupStats> = rows
        .into_iter()
        .map(|r| TaskGroupStats {
            runtime_share: if r.workflow_runtime_ms > 0.0 {
                r.total_runtime_ms / r.workflow_runtime_ms
            } else {
                0.0
            },
            group: r.group,
            tasks: count(r.tasks),
            executions: count(r.executions),
            completed: count(r.completed),
            failures: count(r.failures),
            total_runtime_ms: r.total_runtime_ms,
            mean_duration_ms: r.mean_ms,
            p50_duration_ms: r.p50_ms,
            p95_duration_ms: r.p95_ms,
            max_duration_ms: r.max_ms,
        })
        .collect();
    Ok(Windowed {
        window,
        data: WorkflowTaskGroups {
            workflow_id: wf.workflow_key,
            sort,
            truncated: (groups.len() as u64) < total_groups,
            total_groups,
            groups,
        },
    })
}
