//! What-if simulation of a workflow (`POST /tasks/simulate`): its latest runs in the window
//! become an [`analytics::simulate::History`], simulated as observed and with the changes, on
//! the same seed.
//!
//! From executions to the history: [`History::from_records`] (one logical execution per run,
//! task and `instanceId`; waits from ready, gaps before retries, kills for memory from exit
//! 137 or memory error types, median allocations), fed the rows in run, task, instance and
//! attempt order.
//!
//! Bounds: at most [`MAX_HISTORY_RUNS`] runs are read (the latest; the answer's basis says how
//! many of how many), at most [`analytics::simulate::MAX_TASKS`] tasks, and runs × tasks at
//! most [`MAX_TASK_STEPS`] per side, so one request cannot hold a core for long.

use analytics::simulate::{Change, History, Outcome, Recorded, killed_for_memory};
use types::{
    DEFAULT_SIMULATION_RUNS, Interval, MAX_SIMULATION_RUNS, MakespanEstimate, SimulatedImprovement,
    SimulatedOutcome, SimulationAnswer, SimulationBasis, SimulationChange, SimulationRequest,
    TimeRangePreset,
};

use crate::{ServiceError, Services, WindowParams, resolve_window};

/// The most observed runs one simulation resamples (the latest in the window).
pub const MAX_HISTORY_RUNS: i64 = 2_000;
/// The most simulated task executions (runs × tasks) per side.
pub const MAX_TASK_STEPS: u64 = 200_000_000;

pub async fn simulate_workflow(
    s: &Services,
    req: SimulationRequest,
) -> Result<SimulationAnswer, ServiceError> {
    let runs = req.runs.unwrap_or(DEFAULT_SIMULATION_RUNS);
    if !(1..=MAX_SIMULATION_RUNS).contains(&runs) {
        return Err(ServiceError::invalid(
            "runs",
            format!("must be between 1 and {MAX_SIMULATION_RUNS}"),
        ));
    }
    if let Some(c) = req.one_off_cost
        && !(c.is_finite() && c >= 0.0)
    {
        return Err(ServiceError::invalid(
            "oneOffCost",
            "must be a finite number ≥ 0",
        ));
    }
    let window = resolve_window(
        &WindowParams {
            time_range: req.time_range.clone(),
            from: req.from.clone(),
            to: req.to.clone(),
        },
        TimeRangePreset::Month,
        chrono::Utc::now(),
    )?;
    let wf = crate::workflows::find(s, &req.workflow_id).await?;
    let (rows, edges) = tokio::try_join!(
        db::simulation::history(&s.pool, wf.id, &window, MAX_HISTORY_RUNS),
        db::executions::workflow_edges(&s.pool, wf.id),
    )?;
    let runs_in_window = rows
        .first()
        .map_or(0, |r| u64::try_from(r.runs_in_window).unwrap_or(0));
    let edges: Vec<(String, String)> = edges
        .into_iter()
        .map(|e| (e.upstream_key, e.downstream_key))
        .collect();
    let history = history_of(&rows, &edges);
    if history.runs.is_empty() {
        return Err(ServiceError::invalid(
            "timeRange",
            format!(
                "workflow {:?} has no runs in the window to resample",
                req.workflow_id
            ),
        ));
    }
    let steps = u64::from(runs) * history.tasks.len() as u64;
    if steps > MAX_TASK_STEPS {
        return Err(ServiceError::invalid(
            "runs",
            format!(
                "{runs} runs of {} tasks exceed the {MAX_TASK_STEPS} task executions one simulation may take; ask for fewer runs",
                history.tasks.len()
            ),
        ));
    }
    let changes: Vec<Change> = req.changes.iter().map(change_of).collect();
    let seed = req.seed.unwrap_or(0);
    let prices = s.cost.clone();
    let basis = SimulationBasis {
        runs_used: history.runs.len() as u64,
        runs_in_window,
        tasks: history.tasks.len() as u64,
        edges: history.edges.len() as u64,
        seed,
        currency: prices.currency.clone(),
    };
    let (baseline, changed) = crate::tasks::compute(move || {
        let sim =
            |c: &[Change]| analytics::simulate::simulate(&history, c, runs as usize, seed, &prices);
        Ok::<_, analytics::simulate::SimulationError>((sim(&[])?, sim(&changes)?))
    })
    .await?
    .map_err(refusal)?;
    Ok(SimulationAnswer {
        workflow_id: wf.workflow_key,
        basis,
        improvement: improvement(&baseline, &changed, req.one_off_cost),
        baseline: outcome(&baseline),
        changed: outcome(&changed),
    })
}

/// A simulator error as the request's field it is about.
fn refusal(e: analytics::simulate::SimulationError) -> ServiceError {
    use analytics::simulate::SimulationError as E;
    match &e {
        E::UnknownTask { index, .. } => {
            ServiceError::invalid(&format!("changes[{index}].taskId"), e.to_string())
        }
        E::Invalid { index, field, .. } => {
            ServiceError::invalid(&format!("changes[{index}].{field}"), e.to_string())
        }
        E::Cycle(_) => ServiceError::invalid("changes", e.to_string()),
        E::Runs(_) => ServiceError::invalid("runs", e.to_string()),
        E::TooLarge(_) | E::NoRuns => ServiceError::invalid("workflowId", e.to_string()),
    }
}

fn change_of(c: &SimulationChange) -> Change {
    match c.clone() {
        SimulationChange::Scale { task_id, factor } => Change::Scale {
            task: task_id,
            factor,
        },
        SimulationChange::Cache { task_id, hit_rate } => Change::Cache {
            task: task_id,
            hit_rate,
        },
        SimulationChange::Batch {
            task_id,
            k,
            overhead_ms,
        } => Change::Batch {
            task: task_id,
            k,
            overhead_ms,
        },
        SimulationChange::AddEdge { from, to } => Change::AddEdge { from, to },
        SimulationChange::RemoveEdge { from, to } => Change::RemoveEdge { from, to },
        SimulationChange::FailureRate { task_id, rate } => Change::FailureRate {
            task: task_id,
            rate,
        },
        SimulationChange::MaxAttempts { task_id, attempts } => Change::MaxAttempts {
            task: task_id,
            attempts,
        },
        SimulationChange::Resources {
            task_id,
            cores,
            memory_mb,
        } => Change::Resources {
            task: task_id,
            cores,
            memory_mb,
        },
    }
}

fn interval(e: analytics::simulate::Estimate) -> Interval {
    Interval {
        value: e.value,
        low: e.low,
        high: e.high,
    }
}

fn outcome(o: &Outcome) -> SimulatedOutcome {
    SimulatedOutcome {
        runs: u32::try_from(o.runs).unwrap_or(u32::MAX),
        makespan_ms: MakespanEstimate {
            p50: o.makespan_p50.map(interval),
            p95: o.makespan_p95.map(interval),
            mean: o.makespan_mean,
        },
        failure_probability: interval(o.failure_probability),
        cost_per_run: o.cost_per_run,
        throughput_per_hour: o.throughput_per_hour,
    }
}

/// `(changed − baseline) / baseline` in percent; `None` when the baseline is 0 or absent.
fn pct(base: Option<f64>, changed: Option<f64>) -> Option<f64> {
    match (base, changed) {
        (Some(b), Some(c)) if b != 0.0 => Some(100.0 * (c - b) / b),
        _ => None,
    }
}

fn improvement(
    base: &Outcome,
    changed: &Outcome,
    one_off_cost: Option<f64>,
) -> SimulatedImprovement {
    let saving = base.cost_per_run - changed.cost_per_run;
    SimulatedImprovement {
        makespan_p50_pct: pct(
            base.makespan_p50.map(|e| e.value),
            changed.makespan_p50.map(|e| e.value),
        ),
        makespan_p95_pct: pct(
            base.makespan_p95.map(|e| e.value),
            changed.makespan_p95.map(|e| e.value),
        ),
        failure_probability_points: 100.0
            * (changed.failure_probability.value - base.failure_probability.value),
        cost_per_run_pct: pct(Some(base.cost_per_run), Some(changed.cost_per_run)),
        throughput_pct: pct(
            Some(base.throughput_per_hour),
            Some(changed.throughput_per_hour),
        ),
        break_even_runs: one_off_cost.filter(|_| saving > 0.0).map(|c| c / saving),
    }
}

/// The simulator's history from the rows (ordered by run, task, instance, attempt) and edges
/// ([`History::from_records`]).
pub(crate) fn history_of(
    rows: &[db::simulation::HistoryRow],
    edges: &[(String, String)],
) -> History {
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64;
    let records: Vec<Recorded<'_>> = rows
        .iter()
        .map(|r| Recorded {
            run: &r.run_key,
            task: &r.task_key,
            instance: &r.instance_key,
            status: r.status,
            start_ms: ms(r.start_time),
            end_ms: r.end_time.map(ms),
            duration_ms: r.duration_ms.map(|d| d as f64),
            memory_peak_mb: r.memory_peak_mb,
            cpu_allocated_cores: r.cpu_allocated_cores,
            memory_allocated_mb: r.memory_allocated_mb,
            oom: killed_for_memory(r.error_type.as_deref(), r.error_code.as_deref()),
        })
        .collect();
    History::from_records(&records, edges)
}
