//! A task's optimisations (issue #14): `POST /tasks/{task_id}/optimize` finds its
//! opportunities in the window ([`analytics::optimize`]), prices each with the what-if
//! simulator on its workflow's history (the same history `POST /tasks/simulate` resamples,
//! [`crate::simulate::history_of`]), stores them ranked and returns them;
//! `GET .../optimizations` lists the stored ones by rank; a transition moves one through
//! `proposed → accepted → implemented → validated | rolled_back`, refusing any other move.
//!
//! Re-optimising replaces the task's proposals still `proposed`; one accepted or further along
//! is kept, and its kind is not proposed again while it is accepted or implemented.

use std::collections::BTreeMap;

use types::{
    OptimizationList, OptimizationStatus, OptimizeAnswer, OptimizeRequest, StoredOptimization,
    TimeRangePreset,
};

use crate::simulate::{MAX_HISTORY_RUNS, MAX_TASK_STEPS, history_of};
use crate::{ServiceError, Services, WindowParams, resolve_window};

/// Simulated runs per side for each opportunity.
pub const OPTIMIZE_RUNS: u32 = 2_000;

/// The task's stored optimisations, by rank.
pub async fn task_optimizations(s: &Services, key: &str) -> Result<OptimizationList, ServiceError> {
    let task = crate::tasks::find(s, key).await?;
    let rows = db::optimizations::list(&s.pool, task.id).await?;
    Ok(OptimizationList {
        task_id: task.task_key,
        optimizations: rows.into_iter().map(Into::into).collect(),
    })
}

/// Finds, prices, stores and returns the task's optimisations (see the module documentation).
pub async fn optimize_task(
    s: &Services,
    key: &str,
    req: OptimizeRequest,
) -> Result<OptimizeAnswer, ServiceError> {
    let window = resolve_window(
        &WindowParams {
            time_range: req.time_range.clone(),
            from: req.from.clone(),
            to: req.to.clone(),
        },
        TimeRangePreset::Month,
        chrono::Utc::now(),
    )?;
    let task = crate::tasks::find(s, key).await?;
    let _slot = s
        .analysis_slots
        .acquire()
        .await
        .map_err(|_| ServiceError::Analysis)?;
    let (execs, ctx, rows, stored) = tokio::try_join!(
        async { Ok(db::executions::task_executions(&s.pool, &task, &window).await?) },
        crate::tasks::context(s, &task, &window),
        async {
            Ok(
                db::simulation::history(&s.pool, task.workflow_id, &window, MAX_HISTORY_RUNS)
                    .await?,
            )
        },
        async { Ok::<_, ServiceError>(db::optimizations::list(&s.pool, task.id).await?) },
    )?;
    if execs.is_empty() {
        return Err(ServiceError::invalid(
            "timeRange",
            format!("task {key:?} has no executions in the window"),
        ));
    }
    let history = history_of(&rows, &ctx.edge_pairs());
    if history.runs.is_empty() {
        return Err(ServiceError::invalid(
            "timeRange",
            format!("the workflow of task {key:?} has no runs in the window to simulate"),
        ));
    }
    if u64::from(OPTIMIZE_RUNS) * history.tasks.len() as u64 > MAX_TASK_STEPS {
        return Err(ServiceError::invalid(
            "taskId",
            format!(
                "its workflow has too many tasks ({}) to simulate",
                history.tasks.len()
            ),
        ));
    }
    // Kinds being carried out are not proposed again.
    let active: Vec<String> = stored
        .iter()
        .filter(|r| r.status == "accepted" || r.status == "implemented")
        .map(|r| r.kind.clone())
        .collect();
    let seed = req.seed.unwrap_or(0);
    let (prices, task_key) = (s.cost.clone(), task.task_key.clone());
    let (executions, workflow_runs) = (execs.len() as u64, history.runs.len() as u64);
    let ranked = crate::tasks::compute(move || {
        let found = analytics::optimize::opportunities(&task_key, &execs, &ctx)
            .into_iter()
            .filter(|o| {
                req.optimization_types
                    .as_ref()
                    .is_none_or(|t| t.contains(&o.kind.optimization_type()))
                    && req
                        .change_types
                        .as_ref()
                        .is_none_or(|t| t.contains(&o.kind.change_type()))
                    && !active.iter().any(|k| k == o.kind.as_str())
            })
            .collect();
        analytics::optimize::plan(
            &task_key,
            &execs,
            found,
            &history,
            OPTIMIZE_RUNS as usize,
            seed,
            &prices,
        )
    })
    .await?
    .map_err(|e| ServiceError::invalid("timeRange", e.to_string()))?;
    let new: Vec<db::optimizations::NewOptimization> = ranked
        .into_iter()
        .enumerate()
        .map(|(i, r)| db::optimizations::NewOptimization {
            kind: r.kind.as_str().to_owned(),
            rank: i32::try_from(i + 1).unwrap_or(i32::MAX),
            score: r.score,
            summary: r.summary,
            evidence: r
                .evidence
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<BTreeMap<_, _>>(),
            optimization: r.optimization,
        })
        .collect();
    let rows = db::optimizations::replace_proposed(&s.pool, task.id, &new).await?;
    Ok(OptimizeAnswer {
        task_id: task.task_key,
        window,
        executions,
        workflow_runs,
        simulated_runs: OPTIMIZE_RUNS,
        seed,
        optimizations: rows.into_iter().map(Into::into).collect(),
    })
}

/// Why a transition failed.
#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The move is not in the lifecycle (409).
    #[error("optimization {id} is {from}; it cannot move to {to} (allowed: {allowed})")]
    Refused {
        id: String,
        from: &'static str,
        to: &'static str,
        allowed: String,
    },
}

impl From<db::DbError> for TransitionError {
    fn from(e: db::DbError) -> Self {
        TransitionError::Service(e.into())
    }
}

/// Moves optimisation `id` of the task to `to` when the lifecycle allows it.
pub async fn transition_optimization(
    s: &Services,
    key: &str,
    id: &str,
    to: OptimizationStatus,
) -> Result<StoredOptimization, TransitionError> {
    let task = crate::tasks::find(s, key).await?;
    let not_found = || ServiceError::NotFound(format!("optimization {id:?} of task {key:?}"));
    let uuid = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
    let current = db::optimizations::find(&s.pool, task.id, uuid)
        .await?
        .ok_or_else(not_found)?;
    let from = OptimizationStatus::parse(&current.status).unwrap_or_default();
    let refused = |from: OptimizationStatus| TransitionError::Refused {
        id: id.to_owned(),
        from: from.as_str(),
        to: to.as_str(),
        allowed: match from.next() {
            [] => "none: the lifecycle ends here".to_owned(),
            next => next
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
    };
    if !from.can_move_to(to) {
        return Err(refused(from));
    }
    match db::optimizations::transition(&s.pool, task.id, uuid, from, to).await? {
        Some(row) => Ok(row.into()),
        // Moved by someone else meanwhile: refuse against its state now.
        None => {
            let now = db::optimizations::find(&s.pool, task.id, uuid)
                .await?
                .ok_or_else(not_found)?;
            Err(refused(
                OptimizationStatus::parse(&now.status).unwrap_or_default(),
            ))
        }
    }
}

/// Simulated runs per side on the optimisation page: interactive (see `POST /tasks/simulate`).
pub const PAGE_SIMULATION_RUNS: u32 = 2_000;

/// What the optimisation page shows for one URL (see [`optimization_view`]).
#[derive(Debug)]
pub struct OptimizationView {
    pub task_id: String,
    pub workflow_id: String,
    /// The window the optimisations were found in (when found now) and the simulation resamples.
    pub window: types::TimeWindow,
    /// Whether the task had no stored optimisation and they were found for this answer.
    pub found_now: bool,
    /// The stored optimisations, by rank.
    pub optimizations: Vec<StoredOptimization>,
    /// Index of the selected one.
    pub selected: Option<usize>,
    /// The selected optimisation's simulation on the task's workflow, or why there is none.
    pub simulation: Option<Result<types::SimulationAnswer, ServiceError>>,
}

/// The optimisation page's question: the task's stored optimisations (found and stored now when
/// it has none, as `POST .../optimize` would), the one of kind `kind` (else the top-ranked), and
/// that one simulated on the task's workflow with its adjustable parameter at `value` (see
/// [`types::TaskOptimization::simulation_changes`]), `seed` and [`PAGE_SIMULATION_RUNS`] runs
/// per side over `window`.
pub async fn optimization_view(
    s: &Services,
    key: &str,
    params: &WindowParams,
    kind: Option<&str>,
    value: Option<f64>,
    seed: u64,
) -> Result<OptimizationView, ServiceError> {
    let window = resolve_window(params, TimeRangePreset::Month, chrono::Utc::now())?;
    let task = crate::tasks::find(s, key).await?;
    let mut optimizations: Vec<StoredOptimization> = db::optimizations::list(&s.pool, task.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let found_now = optimizations.is_empty();
    if found_now {
        let req = OptimizeRequest {
            time_range: params.time_range.clone(),
            from: params.from.clone(),
            to: params.to.clone(),
            seed: Some(seed),
            ..OptimizeRequest::default()
        };
        // No executions or runs in the window: nothing to find (the page says so).
        optimizations = match optimize_task(s, key, req).await {
            Ok(a) => a.optimizations,
            Err(ServiceError::Invalid { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
    }
    let selected = match kind {
        Some(k) => Some(
            optimizations
                .iter()
                .position(|o| o.kind == k)
                .ok_or_else(|| {
                    ServiceError::invalid("opt", format!("task {key:?} has no {k:?} optimisation"))
                })?,
        ),
        None => (!optimizations.is_empty()).then_some(0),
    };
    let simulation = match selected.map(|i| &optimizations[i]) {
        None => None,
        Some(o) => Some(match o.optimization.simulation_changes(value) {
            Err(e) => Err(ServiceError::invalid("value", e)),
            Ok(changes) => {
                crate::simulate_workflow(
                    s,
                    types::SimulationRequest {
                        workflow_id: task.workflow_key.clone(),
                        changes,
                        runs: Some(PAGE_SIMULATION_RUNS),
                        seed: Some(seed),
                        time_range: params.time_range.clone(),
                        from: params.from.clone(),
                        to: params.to.clone(),
                        one_off_cost: None,
                    },
                )
                .await
            }
        }),
    };
    Ok(OptimizationView {
        task_id: task.task_key,
        workflow_id: task.workflow_key,
        window,
        found_now,
        optimizations,
        selected,
        simulation,
    })
}
