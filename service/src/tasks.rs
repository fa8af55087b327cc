//! Questions about one task.

use std::collections::HashMap;
use std::sync::Arc;

use analytics::dependencies::{Edge, WorkflowContext};
use analytics::task::TaskInfo;
use serde::Serialize;
use types::{
    Basis, DependencyMetrics, FailureMetrics, TaskPattern, TaskPerformanceMetrics, TimeWindow,
};

use crate::{ServiceError, Services};

/// Any answer about a window says which window it covers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Windowed<T> {
    pub window: TimeWindow,
    #[serde(flatten)]
    pub data: T,
}

/// The task of a key from a URL or a server function's argument. A string that cannot be a
/// key (NUL or other control characters, over 255 characters, `.`) is refused as a parameter
/// before it reaches SQL.
pub(crate) async fn find(s: &Services, key: &str) -> Result<db::executions::TaskRef, ServiceError> {
    types::TaskKey::parse(key).map_err(|e| ServiceError::invalid("task_id", e.to_string()))?;
    db::executions::find_task(&s.pool, key)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("task {key:?}")))
}

/// Runs of the window the context read, and how many the window holds: the context holds
/// every run of the window unless it reached [`db::executions::MAX_CONTEXT_RUNS`] (a run's
/// start is its earliest execution's, so each run of the window has an execution in it).
async fn runs_basis(
    s: &Services,
    task: &db::executions::TaskRef,
    window: &TimeWindow,
    ctx: &WorkflowContext,
) -> Result<(u64, u64), ServiceError> {
    let read = ctx.runs() as u64;
    if (read as i64) < db::executions::MAX_CONTEXT_RUNS {
        return Ok((read, read));
    }
    let of = db::executions::workflow_runs_in(&s.pool, task.workflow_id, window).await?;
    Ok((read, of.max(read)))
}

/// The context `task`'s workflow gives its analyses over the window (the same for each of its
/// tasks).
pub(crate) async fn context(
    s: &Services,
    task: &db::executions::TaskRef,
    window: &TimeWindow,
) -> Result<WorkflowContext, ServiceError> {
    let (executions, edges, names) = tokio::try_join!(
        db::executions::workflow_executions(&s.pool, task, window),
        db::executions::workflow_edges(&s.pool, task.workflow_id),
        db::executions::workflow_task_names(&s.pool, task.workflow_id),
    )?;
    Ok(WorkflowContext {
        executions,
        edges: edges_of(edges),
        task_names: names.into_iter().collect::<HashMap<_, _>>(),
    })
}

/// Stored edges in the analytics' terms.
pub(crate) fn edges_of(rows: Vec<db::executions::EdgeRow>) -> Vec<Edge> {
    rows.into_iter()
        .map(|e| Edge {
            upstream: e.upstream_key,
            downstream: e.downstream_key,
            dependency_type: e.dependency_type,
            optional: e.optional.unwrap_or(false),
        })
        .collect()
}

fn info(task: &db::executions::TaskRef) -> TaskInfo {
    TaskInfo {
        task_id: task.task_key.clone(),
        task_name: task.task_name.clone(),
        task_type: task.task_type,
    }
}

/// Runs CPU-bound analysis off the async workers.
pub(crate) async fn compute<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        tracing::error!(error = %e, "analysis task failed");
        ServiceError::Analysis
    })
}

/// TaskPerformanceMetrics of a task over a window: statistics, cost and failure rate from the
/// rollups (every execution of the window); root causes, cascades, impact radius, retries,
/// recovery time and dependency failures from set-based queries over the whole window
/// ([`db::executions::failure_evidence`]); error signatures, resources, concurrency and caching
/// from its latest executions, waits and the critical path from its workflow's latest runs,
/// with `basis` saying so when those are fewer than the window's.
pub async fn task_performance(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<TaskPerformanceMetrics>, ServiceError> {
    let task = find(s, key).await?;
    let data = compute_performance(s, &task, &window, None).await?;
    Ok(Windowed { window, data })
}

/// The performance of `task` over `window`; `ctx` is its workflow's context when the caller
/// already has it (the background worker computes a workflow's tasks together).
pub(crate) async fn compute_performance(
    s: &Services,
    task: &db::executions::TaskRef,
    window: &TimeWindow,
    ctx: Option<Arc<WorkflowContext>>,
) -> Result<TaskPerformanceMetrics, ServiceError> {
    let _slot = s
        .analysis_slots
        .acquire()
        .await
        .map_err(|_| ServiceError::Analysis)?;
    let (execs, ctx, evidence, numbers) = tokio::try_join!(
        async { Ok(db::executions::task_executions(&s.pool, task, window).await?) },
        async {
            match ctx {
                Some(ctx) => Ok(ctx),
                None => context(s, task, window).await.map(Arc::new),
            }
        },
        async { Ok(db::executions::failure_evidence(&s.pool, task, window).await?) },
        window_numbers(s, task.id, window),
    )?;
    let WindowNumbers { totals, trend, .. } = numbers;
    let (workflow_runs, of_workflow_runs) = runs_basis(s, task, window, &ctx).await?;
    let basis = Basis {
        executions: execs.len() as u64,
        of_executions: totals.executions.max(execs.len() as u64),
        workflow_runs,
        of_workflow_runs,
    };
    let (info, cost) = (info(task), s.cost.clone());
    let read_raw = s.read_raw;
    compute(move || {
        let m = analytics::task::performance(&info, &execs, &ctx, &evidence, &cost);
        let m = analytics::task::with_basis(m, basis);
        if read_raw {
            return m;
        }
        analytics::rollup::with_totals(m, &totals, trend, &cost)
    })
    .await
}

/// What a window's rollups answer exactly (counts, sums, sketch percentiles, cost inputs) and
/// its trend over time buckets: the one source of the statistics, cost and failure rate of
/// both `/performance` and the dashboard's cards, so the two never disagree. The parts it was
/// merged from (whole hours and the raw executions of the partial edge hours) come with it, so
/// the dashboard draws its charts from the same read.
pub(crate) struct WindowNumbers {
    pub(crate) totals: analytics::rollup::Rollup,
    pub(crate) trend: types::TrendDirection,
    pub(crate) hours: Vec<(i64, analytics::rollup::Rollup)>,
    pub(crate) edges: Vec<analytics::execution::Execution>,
}

pub(crate) async fn window_numbers(
    s: &Services,
    task_id: uuid::Uuid,
    window: &TimeWindow,
) -> Result<WindowNumbers, ServiceError> {
    let ((hours, edges), points) = tokio::try_join!(
        db::rollups::task_hours(&s.pool, task_id, window),
        db::rollups::trend_points(&s.pool, task_id, window),
    )?;
    let mut totals = analytics::rollup::Rollup::of(&edges);
    for (_, h) in &hours {
        totals.merge(h);
    }
    Ok(WindowNumbers {
        totals,
        trend: analytics::rollup::bucketed_trend(points),
        hours,
        edges,
    })
}

/// As [`task_performance`] for a named window (`7d`, ...), through `task_performance_metrics`:
/// a stored result younger than [`Services::fresh_for`] is served; one up to
/// [`Services::max_stale`] older is served while the background worker recomputes it (see
/// [`crate::refresh`]); otherwise the result is computed and stored. Explicit `from`/`to`
/// windows (`label = None`) are always computed.
pub async fn task_performance_cached(
    s: &Services,
    key: &str,
    label: Option<&str>,
    window: TimeWindow,
) -> Result<Windowed<TaskPerformanceMetrics>, ServiceError> {
    let Some(label) = label else {
        return task_performance(s, key, window).await;
    };
    let task = find(s, key).await?;
    let cached =
        db::cache::cached_performance(&s.pool, task.id, label, s.served_for(label)).await?;
    if let Some(c) = cached {
        let fresh = s.is_fresh(label, c.age);
        if fresh
            || s.refresher.enqueue(crate::refresh::Job::Performance {
                task: task.clone(),
                label: label.to_owned(),
            })
        {
            crate::cache_result("performance", if fresh { "fresh" } else { "stale" });
            return Ok(Windowed {
                window: c.window,
                data: c.data,
            });
        }
    }
    crate::cache_result("performance", "miss");
    let data = compute_performance(s, &task, &window, None).await?;
    db::cache::store_performance(&s.pool, task.id, label, &window, &data).await?;
    Ok(Windowed { window, data })
}

/// FailureMetrics of a task, optionally restricted to one error type: error signatures from
/// its latest executions (`basis` says so when they are fewer than the window's), everything
/// else over the whole window.
pub async fn task_failures(
    s: &Services,
    key: &str,
    window: TimeWindow,
    error_type: Option<String>,
) -> Result<Windowed<FailureMetrics>, ServiceError> {
    let task = find(s, key).await?;
    let ids = [task.id];
    let (execs, evidence, edges, totals) = tokio::try_join!(
        db::executions::task_executions(&s.pool, &task, &window),
        db::executions::failure_evidence(&s.pool, &task, &window),
        db::executions::workflow_edges(&s.pool, task.workflow_id),
        db::rollups::summaries(&s.pool, &ids, &window),
    )?;
    let t = totals.get(&task.id).cloned().unwrap_or_default();
    let read = execs.len() as u64;
    let basis = if read < t.executions {
        // Only the signatures are sampled; the runs part reports the window's runs, all read.
        let runs = db::executions::workflow_runs_in(&s.pool, task.workflow_id, &window).await?;
        Some(Basis {
            executions: read,
            of_executions: t.executions,
            workflow_runs: runs,
            of_workflow_runs: runs,
        })
    } else {
        None
    };
    let mut data = compute(move || {
        let edges: Vec<(String, String)> = edges_of(edges)
            .into_iter()
            .map(|e| (e.upstream, e.downstream))
            .collect();
        analytics::failures::failure_metrics_with(
            &execs,
            &evidence,
            &edges,
            &analytics::failures::FailureOptions::default(),
        )
    })
    .await?;
    data.basis = basis;
    if let Some(t) = error_type {
        only_error_type(&mut data, &t);
    }
    if !s.read_raw {
        // Over every execution of the window, not only the records analysed.
        data.failure_rate = types::failure_rate(t.failed + t.timeout, t.executions);
    }
    Ok(Windowed { window, data })
}

fn only_error_type(data: &mut FailureMetrics, t: &str) {
    data.common_errors.retain(|e| e.error_type == t);
    data.root_causes.retain(|r| r.error_type == t);
}

/// As [`task_failures`] for a named window: the failure analysis inside the task's cached
/// performance result for that window, which is the same computation (records, workflow
/// context, failure rate over every execution), so both endpoints share one stored result, its
/// freshness and its prewarming. With the caches off, or for explicit windows, it computes.
pub async fn task_failures_cached(
    s: &Services,
    key: &str,
    label: Option<&str>,
    window: TimeWindow,
    error_type: Option<String>,
) -> Result<Windowed<FailureMetrics>, ServiceError> {
    let Some(label) = label.filter(|_| !s.cache_ttl.is_zero()) else {
        return task_failures(s, key, window, error_type).await;
    };
    let p = task_performance_cached(s, key, Some(label), window).await?;
    let mut data = p.data.failure_analysis;
    if let Some(t) = error_type {
        only_error_type(&mut data, &t);
    }
    Ok(Windowed {
        window: p.window,
        data,
    })
}

/// DependencyMetrics of a task: waits, failure impact and the critical path from its
/// workflow's latest runs of the window (`basis` says so when they are fewer than the
/// window's), dependency failures from the rollups (every execution of the window).
pub async fn task_dependencies(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<DependencyMetrics>, ServiceError> {
    let task = find(s, key).await?;
    let (ctx, totals) = tokio::try_join!(context(s, &task, &window), async {
        Ok(db::rollups::summaries(&s.pool, &[task.id], &window).await?)
    },)?;
    let t = totals.get(&task.id).cloned().unwrap_or_default();
    let (workflow_runs, of_workflow_runs) = runs_basis(s, &task, &window, &ctx).await?;
    let basis = Basis {
        executions: t.executions,
        of_executions: t.executions,
        workflow_runs,
        of_workflow_runs,
    };
    let id = task.task_key.clone();
    let mut data =
        compute(move || analytics::dependencies::dependencies(&id, &ctx, t.skipped)).await?;
    data.basis = basis.samples_runs().then_some(basis);
    Ok(Windowed { window, data })
}

/// A task's patterns (a list needs a name to sit beside the window).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskPatterns {
    pub patterns: Vec<TaskPattern>,
    /// Present when the patterns found in records (timing, resource clusters, bimodal
    /// durations, failure concentration) come from the latest executions of the window rather
    /// than all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<Basis>,
}

/// Recurring patterns of a task: timing, resource clusters, bimodal durations, failure
/// concentration.
pub async fn task_patterns(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<TaskPatterns>, ServiceError> {
    let task = find(s, key).await?;
    let ids = [task.id];
    let (execs, totals) = tokio::try_join!(
        db::executions::task_executions(&s.pool, &task, &window),
        db::rollups::summaries(&s.pool, &ids, &window),
    )?;
    let read = execs.len() as u64;
    let of = totals
        .get(&task.id)
        .map_or(read, |t| t.executions.max(read));
    // Patterns read no workflow runs: the runs part stays zero.
    let basis = (read < of).then_some(Basis {
        executions: read,
        of_executions: of,
        workflow_runs: 0,
        of_workflow_runs: 0,
    });
    let mut patterns = compute(move || analytics::patterns::task_patterns(&execs)).await?;
    // Duration outliers and level shifts, exactly as the dashboard and `/anomalies` give them.
    let anomalies = crate::anomalies::task_anomalies(s, key, window).await?;
    patterns.extend(crate::anomalies::performance_patterns(
        &task.task_key,
        &anomalies.data,
    ));
    db::cache::store_patterns(&s.pool, task.id, &patterns).await?;
    Ok(Windowed {
        window,
        data: TaskPatterns { patterns, basis },
    })
}

/// The spec's task_resource_profiles shape: percentiles of CPU, memory and I/O, efficiency
/// and cost of a task over a window.
pub async fn resource_profile(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<types::ResourceProfile>, ServiceError> {
    let task = find(s, key).await?;
    let execs = db::executions::task_executions(&s.pool, &task, &window).await?;
    let cost = s.cost.clone();
    let data = compute(move || analytics::profile::resource_profile(&task.task_key, &execs, &cost))
        .await?;
    Ok(Windowed { window, data })
}
