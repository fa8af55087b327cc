//! Questions about workflows: the workflow list, critical paths, bottlenecks.

use std::collections::HashMap;

use analytics::dependencies::WorkflowContext;
use serde::Serialize;
use types::{Bottleneck, TimeWindow, WorkflowCriticalPath, WorkflowSummary};

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
    /// Workflows whose critical path is unavailable, with the reason (none of their tasks is
    /// ranked).
    pub unavailable: Vec<UnavailableCriticalPath>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnavailableCriticalPath {
    pub workflow_id: String,
    pub reason: String,
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

pub(crate) async fn find(
    s: &Services,
    key: &str,
) -> Result<db::workflows::WorkflowRow, ServiceError> {
    types::WorkflowKey::parse(key)
        .map_err(|e| ServiceError::invalid("workflow_id", e.to_string()))?;
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
    let data =
        crate::tasks::compute(move || analytics::critical_path::critical_path_report(&id, &ctx))
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
    let (mut all, mut unavailable) = (Vec::new(), Vec::new());
    for wf in &workflows {
        let ctx = context(s, wf, &window).await?;
        let id = wf.workflow_key.clone();
        if let Ok(report) =
            crate::tasks::compute(move || analytics::critical_path::critical_path_report(&id, &ctx))
                .await?
        {
            if let Some(reason) = report.unavailable {
                unavailable.push(UnavailableCriticalPath {
                    workflow_id: report.workflow_id,
                    reason,
                });
            }
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
        data: Bottlenecks {
            bottlenecks: all,
            unavailable,
        },
    })
}
