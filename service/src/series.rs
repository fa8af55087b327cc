//! The dashboard's one question: everything `/tasks/{key}` shows over a window, loaded once
//! (the task's workflow executions serve both the metrics and the charts) so a page costs one
//! database round and one analysis pass.

use std::collections::HashMap;

use analytics::failures::{FailureOptions, error_patterns};
use analytics::task::{Edge, TaskInfo};
use types::{ErrorSignature, TaskDashboard, TimeWindow};

use crate::{ServiceError, Services};

/// Completed runs per workflow task whose median weighs the DAG (see `db::samples`).
pub const DAG_SAMPLE_PER_TASK: i64 = 500;

fn plain<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s))
        .unwrap_or_default()
}

/// The cards' parts of TaskPerformanceMetrics (statistics, cost, error signatures: the same
/// analytics functions, so the numbers equal the REST API's) plus the duration distribution, per-bucket series and the layered
/// workflow DAG of a task over a window.
pub async fn task_dashboard(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<TaskDashboard, ServiceError> {
    let task = db::executions::find_task(&s.pool, key)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("task {key:?}")))?;
    // Only the task's own executions: the workflow's other tasks contribute a bounded sample
    // each (their median weighs the DAG), so the page costs O(own executions), not O(workflow).
    let (own, edges, names, samples) = tokio::try_join!(
        db::executions::task_executions(&s.pool, &task, &window),
        db::executions::workflow_edges(&s.pool, task.workflow_id),
        db::executions::workflow_task_names(&s.pool, task.workflow_id),
        db::samples::recent_completed_durations(
            &s.pool,
            task.workflow_id,
            &window,
            DAG_SAMPLE_PER_TASK
        ),
    )?;
    let edges: Vec<Edge> = edges
        .into_iter()
        .map(|e| Edge {
            upstream: e.upstream_key,
            downstream: e.downstream_key,
            dependency_type: plain(&e.dependency_type),
            optional: e.optional.unwrap_or(false),
        })
        .collect();
    let names: HashMap<String, String> = names.into_iter().collect();
    let info = TaskInfo {
        task_id: task.task_key.clone(),
        task_name: task.task_name.clone(),
        task_type: plain(&task.task_type),
    };
    let cost = s.cost.clone();
    let workflow_id = task.workflow_key.clone();
    tokio::task::spawn_blocking(move || {
        let graph =
            analytics::series::layered_graph(&edges, &names, &analytics::series::medians(&samples));
        // Only what the dashboard shows: the full TaskPerformanceMetrics also analyses every
        // workflow run (waits, cascades), which costs more than everything else here.
        let errors = error_patterns(&own, &FailureOptions::default())
            .into_iter()
            .map(|e| ErrorSignature {
                error_type: e.error_type,
                message: e.message,
                frequency: e.frequency,
                correlated_factors: e.correlated_factors,
            })
            .collect();
        let stats = analytics::statistics::execution_statistics(&own).stats;
        let cost = analytics::task::cost_analysis(&own, &cost);
        let series = analytics::series::task_series(
            &own,
            graph,
            window.from.map(|f| f.timestamp_millis()),
            window.to.timestamp_millis(),
        );
        TaskDashboard {
            window,
            task_id: info.task_id,
            task_name: info.task_name,
            workflow_id,
            stats,
            cost,
            errors,
            series,
        }
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "dashboard analysis failed");
        ServiceError::Analysis
    })
}
