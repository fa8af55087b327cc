//! Questions about workflows and across tasks: the workflow list, critical paths, bottlenecks,
//! rankings, resource profiles.

use std::collections::HashMap;

use analytics::task::WorkflowContext;
use serde::Serialize;
use types::{
    Bottleneck, Rankings, ResourceProfile, TaskRanking, TimeWindow, WorkflowCriticalPath,
    WorkflowSummary,
};

use crate::{ServiceError, Services, Windowed};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workflows {
    pub workflows: Vec<WorkflowSummary>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bottlenecks {
    pub bottlenecks: Vec<Bottleneck>,
}

fn summary(r: db::workflows::WorkflowRow) -> WorkflowSummary {
    WorkflowSummary {
        workflow_id: r.workflow_key,
        workflow_name: r.workflow_name,
        tasks: u64::try_from(r.tasks).unwrap_or(0),
        runs: u64::try_from(r.runs).unwrap_or(0),
        last_run: r.last_run,
    }
}

pub async fn list_workflows(s: &Services) -> Result<Workflows, ServiceError> {
    let rows = db::workflows::list(&s.pool).await?;
    Ok(Workflows {
        workflows: rows.into_iter().map(summary).collect(),
    })
}

async fn context(
    s: &Services,
    wf: &db::workflows::WorkflowRow,
    window: &TimeWindow,
) -> Result<WorkflowContext, ServiceError> {
    let (executions, edges) = tokio::try_join!(
        db::executions::workflow_executions_by_id(&s.pool, wf.id, &wf.workflow_key, window),
        db::executions::workflow_edges(&s.pool, wf.id),
    )?;
    Ok(WorkflowContext {
        executions,
        edges: crate::tasks::edges_of(edges),
        task_names: HashMap::new(),
    })
}

async fn find(s: &Services, key: &str) -> Result<db::workflows::WorkflowRow, ServiceError> {
    db::workflows::find(&s.pool, key)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("workflow {key:?}")))
}

pub async fn workflow_critical_path(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<WorkflowCriticalPath>, ServiceError> {
    let wf = find(s, key).await?;
    let ctx = context(s, &wf, &window).await?;
    let id = wf.workflow_key.clone();
    let data = crate::tasks::compute(move || analytics::task::critical_path_report(&id, &ctx))
        .await?
        .map_err(|e| {
            ServiceError::invalid(
                "workflow_id",
                format!("the workflow's DAG is not acyclic: {e}"),
            )
        })?;
    Ok(Windowed { window, data })
}

/// Critical-path bottlenecks of one workflow, or of every workflow, by severity.
pub async fn bottlenecks(
    s: &Services,
    workflow: Option<&str>,
    window: TimeWindow,
) -> Result<Windowed<Bottlenecks>, ServiceError> {
    let workflows = match workflow {
        Some(k) => vec![find(s, k).await?],
        None => db::workflows::list(&s.pool).await?,
    };
    let mut all = Vec::new();
    for wf in &workflows {
        let ctx = context(s, wf, &window).await?;
        let id = wf.workflow_key.clone();
        if let Ok(report) =
            crate::tasks::compute(move || analytics::task::critical_path_report(&id, &ctx)).await?
        {
            all.extend(report.bottlenecks);
        }
    }
    all.sort_by(|a, b| {
        b.severity
            .total_cmp(&a.severity)
            .then_with(|| a.task_id.cmp(&b.task_id))
    });
    Ok(Windowed {
        window,
        data: Bottlenecks { bottlenecks: all },
    })
}

/// The ranking metrics and what their value means.
pub const RANKING_METRICS: [(&str, &str); 5] = [
    (
        "performance",
        "busy time in the window (executions × mean duration), ms: the biggest levers",
    ),
    (
        "failure_rate",
        "failed and timed-out executions over all executions",
    ),
    ("cost", "total cost in the window under the cost model"),
    ("duration", "p95 duration of executions that ran, ms"),
    ("executions", "executions in the window"),
];

pub const RANKINGS_DEFAULT_LIMIT: i64 = 20;
pub const RANKINGS_MAX_LIMIT: i64 = 100;

pub async fn rankings(
    s: &Services,
    metric: &str,
    limit: Option<i64>,
    window: TimeWindow,
) -> Result<Windowed<Rankings>, ServiceError> {
    let Some((metric, description)) = RANKING_METRICS.iter().find(|(m, _)| *m == metric) else {
        return Err(ServiceError::invalid(
            "metric",
            "must be one of performance, failure_rate, cost, duration, executions",
        ));
    };
    let n = match limit {
        None => RANKINGS_DEFAULT_LIMIT,
        Some(n) if (1..=RANKINGS_MAX_LIMIT).contains(&n) => n,
        Some(n) => {
            return Err(ServiceError::invalid(
                "limit",
                format!("must be 1..={RANKINGS_MAX_LIMIT}, got {n}"),
            ));
        }
    };
    let rows = db::workflows::task_aggregates(&s.pool, &window).await?;
    let value = |r: &db::workflows::TaskAggregateRow| match *metric {
        "performance" => r.busy_ms,
        "failure_rate" => r.failures as f64 / r.executions.max(1) as f64,
        "cost" => analytics::task::price(&s.cost, r.core_hours, r.gb_hours),
        "duration" => r.p95_duration_ms.unwrap_or(0.0),
        _ => r.executions as f64,
    };
    let mut scored: Vec<(f64, &db::workflows::TaskAggregateRow)> =
        rows.iter().map(|r| (value(r), r)).collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.task_key.cmp(&b.1.task_key))
    });
    let items = scored
        .into_iter()
        .take(n as usize)
        .enumerate()
        .map(|(i, (v, r))| TaskRanking {
            rank: i as u64 + 1,
            task_id: r.task_key.clone(),
            task_name: r.task_name.clone(),
            workflow_id: r.workflow_key.clone(),
            value: v,
            executions: u64::try_from(r.executions).unwrap_or(0),
        })
        .collect();
    Ok(Windowed {
        window,
        data: Rankings {
            metric: (*metric).to_owned(),
            value_description: (*description).to_owned(),
            items,
        },
    })
}

pub async fn resource_profile(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<ResourceProfile>, ServiceError> {
    let task = db::executions::find_task(&s.pool, key)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("task {key:?}")))?;
    let execs = db::executions::task_executions(&s.pool, &task, &window).await?;
    let cost = s.cost.clone();
    let data = crate::tasks::compute(move || {
        analytics::profile::resource_profile(&task.task_key, &execs, &cost)
    })
    .await?;
    Ok(Windowed { window, data })
}
