//! The dashboard's one question: everything `/tasks/{key}` shows over a window, loaded in one
//! database round and computed in one analysis pass. The cards (statistics, trend, cost) come
//! from the window's rollups through the same function as `/performance`'s
//! ([`crate::tasks::window_numbers`]), so the two always agree. Up to [`DASHBOARD_RECORDS`]
//! executions in the window, the charts are computed from the executions themselves; above,
//! the duration distribution and the time buckets come from the hourly rollups (so a page costs
//! the same at 100,000 executions as at 2,000), outliers from one indexed query with cut-offs
//! read from the rollups, and error signatures from the latest [`DASHBOARD_RECORDS`]
//! executions, which the answer then says (`errorsBasis`).

use std::collections::HashMap;

use analytics::failures::{FailureOptions, error_patterns};
use analytics::rollup::{Rollup, outlier_cutoffs, series_buckets, sketch_histogram};
use analytics::series::{
    HISTOGRAM_BINS, MAX_BUCKETS, bucket_width_ms, duration_change_points, layered_graph, medians,
    most_extreme,
};
use analytics::task::TaskInfo;
use types::{
    DurationPoint, ErrorSignature, MAX_OUTLIER_POINTS, TaskDashboard, TaskSeries, TimeWindow,
};

use crate::tasks::{compute, edges_of};
use crate::{ServiceError, Services};

/// Completed runs per workflow task whose median weighs the DAG (see `db::samples`).
pub const DAG_SAMPLE_PER_TASK: i64 = 200;
/// Executions read one by one: the whole window below this, the latest this many above.
pub const DASHBOARD_RECORDS: i64 = 2_000;

const HOUR_MS: i64 = 3_600_000;

/// The outliers of the rollup path (the records path finds its own).
struct Outliers {
    outliers: Vec<DurationPoint>,
    outlier_threshold: f64,
}

/// The cards' parts of TaskPerformanceMetrics (statistics, cost, error signatures: the same
/// analytics functions as the REST API) plus the duration distribution, per-bucket series and
/// the layered workflow DAG of a task over a window.
pub async fn task_dashboard(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<TaskDashboard, ServiceError> {
    let task = crate::tasks::find(s, key).await?;
    // The workflow's other tasks contribute a bounded sample each (their median weighs the
    // DAG), so the page costs O(own executions), not O(workflow).
    // The baseline reads every execution of the window.
    let limit = if s.read_raw {
        i64::MAX
    } else {
        DASHBOARD_RECORDS
    };
    // One read of the window's rollups serves the cards (as `/performance` reads them) and,
    // above the record limit, the charts.
    let ((own, edges, names, samples), numbers) = tokio::try_join!(
        async {
            Ok::<_, ServiceError>(tokio::try_join!(
                db::executions::latest_task_executions(&s.pool, &task, &window, limit),
                db::executions::workflow_edges(&s.pool, task.workflow_id),
                db::executions::workflow_task_names(&s.pool, task.workflow_id),
                db::samples::recent_completed_durations(
                    &s.pool,
                    task.workflow_id,
                    &window,
                    DAG_SAMPLE_PER_TASK
                ),
            )?)
        },
        async {
            if s.read_raw {
                Ok(None)
            } else {
                crate::tasks::window_numbers(s, task.id, &window)
                    .await
                    .map(Some)
            }
        },
    )?;
    let outliers = match &numbers {
        Some(n) if own.len() as i64 >= DASHBOARD_RECORDS => {
            Some(rollup_outliers(s, task.id, &window, &n.totals).await?)
        }
        _ => None,
    };
    let (edges, names) = (
        edges_of(edges),
        names.into_iter().collect::<HashMap<_, _>>(),
    );
    let info = TaskInfo {
        task_id: task.task_key.clone(),
        task_name: task.task_name.clone(),
        task_type: task.task_type,
    };
    let cost = s.cost.clone();
    let workflow_id = task.workflow_key.clone();
    compute(move || {
        let graph = layered_graph(&edges, &names, &medians(&samples));
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
        let (from_ms, to_ms) = (
            window.from.map(|f| f.timestamp_millis()),
            window.to.timestamp_millis(),
        );
        // The cards' numbers: the window's rollups, as `/performance` reads them (from the
        // records only in the raw-rows baseline, as `/performance` then does too).
        let (stats, cost_of) = match &numbers {
            Some(n) => (n.totals.statistics(n.trend), n.totals.cost(&cost)),
            None => (
                analytics::statistics::execution_statistics(&own).stats,
                analytics::cost::cost_analysis(&own, &cost),
            ),
        };
        let series = match numbers.as_ref().zip(outliers) {
            None => analytics::series::task_series(&own, graph, from_ms, to_ms),
            Some((n, o)) => {
                let from = from_ms
                    .or_else(|| n.hours.first().map(|h| h.0))
                    .unwrap_or(to_ms - HOUR_MS);
                // `all` spans the data's own extent: to the end of its last hour or edge record.
                let to_ms = match from_ms {
                    Some(_) => to_ms,
                    None => n
                        .hours
                        .last()
                        .map(|h| h.0 + HOUR_MS)
                        .max(analytics::series::data_end(&n.edges))
                        .map_or(to_ms, |end| end.clamp(from + 1, to_ms.max(from + 1))),
                };
                // Whole hours, so that every hourly rollup falls in one bucket.
                let width =
                    (bucket_width_ms(to_ms - from, MAX_BUCKETS) + HOUR_MS - 1) / HOUR_MS * HOUR_MS;
                let buckets = series_buckets(&n.hours, &n.edges, from, to_ms, width);
                let (outliers, outliers_truncated) = most_extreme(o.outliers);
                TaskSeries {
                    histogram: sketch_histogram(&n.totals.sketch, HISTOGRAM_BINS),
                    change_points: duration_change_points(&buckets),
                    buckets,
                    bucket_ms: width,
                    outliers,
                    outliers_truncated,
                    outlier_threshold: o.outlier_threshold,
                    graph,
                }
            }
        };
        let sampled = numbers
            .as_ref()
            .map(|n| n.totals.executions)
            .filter(|all| *all > own.len() as u64);
        let errors_basis = sampled.map(|of| types::Basis {
            executions: own.len() as u64,
            of_executions: of,
            workflow_runs: 0,
            of_workflow_runs: 0,
        });
        TaskDashboard {
            window,
            errors_basis,
            task_id: info.task_id,
            task_name: info.task_name,
            workflow_id,
            stats,
            cost: cost_of,
            errors,
            series,
        }
    })
    .await
}

/// Outliers of the window by one indexed query, with cut-offs read off the completed-run
/// sketch of the window's totals.
async fn rollup_outliers(
    s: &Services,
    task_id: uuid::Uuid,
    window: &TimeWindow,
    totals: &Rollup,
) -> Result<Outliers, ServiceError> {
    let cutoffs = outlier_cutoffs(&totals.completed_sketch);
    let outliers = match cutoffs {
        None => Vec::new(),
        // One more than shown on each side tells whether any were dropped.
        Some(c) => db::rollups::duration_extremes(
            &s.pool,
            task_id,
            window,
            (c.fast_below_ms, c.slow_above_ms),
            MAX_OUTLIER_POINTS as i64 + 1,
        )
        .await?
        .into_iter()
        .map(|(execution_id, start_time, duration_ms)| DurationPoint {
            start_time,
            duration_ms,
            execution_id,
            score: c.score(duration_ms),
        })
        .collect(),
    };
    Ok(Outliers {
        outliers,
        outlier_threshold: cutoffs.map_or(0.0, |c| c.threshold),
    })
}
