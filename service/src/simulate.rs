//! What-if simulation of a workflow (`POST /tasks/simulate`): its latest runs in the window
//! become an [`analytics::simulate::History`], simulated as observed and with the changes, on
//! the same seed.
//!
//! From executions to the history, per observed run:
//! * a task's logical executions are its instances (`instanceId`); their attempts are ordered
//!   by attempt number. With unlimited parallelism a task with many instances ends when its
//!   last instance does, so the run keeps, per task, the instance that failed in the end (the
//!   run failed there) or else the one that ended last;
//! * its wait is from ready — the latest end of its upstream tasks' kept instances in the run,
//!   or the run's first start for a task without upstreams — to the instance's first start;
//! * an attempt was killed for memory when its exit code is 137 (SIGKILL, what the kernel's
//!   out-of-memory killer sends) or its error type names memory (`OutOfMemory`, `OOMKilled`);
//! * a task's allocation is the median of its executions' allocated cores (1 when unknown) and
//!   allocated memory.
//!
//! Bounds: at most [`MAX_HISTORY_RUNS`] runs are read (the latest; the answer's basis says how
//! many of how many), at most [`analytics::simulate::MAX_TASKS`] tasks, and runs × tasks at
//! most [`MAX_TASK_STEPS`] per side, so one request cannot hold a core for long.

use std::collections::{BTreeMap, HashMap};

use analytics::simulate::{Attempt, Change, History, Observed, Outcome, TaskSpec};
use types::{
    DEFAULT_SIMULATION_RUNS, ExecutionStatus, Interval, MAX_SIMULATION_RUNS, MakespanEstimate,
    SimulatedImprovement, SimulatedOutcome, SimulationAnswer, SimulationBasis, SimulationChange,
    SimulationRequest, TimeRangePreset,
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

/// Killed for memory: exit 137 (SIGKILL, sent by the out-of-memory killer) or an error type
/// naming memory.
fn killed_for_memory(r: &db::simulation::HistoryRow) -> bool {
    let code = r.error_code.as_deref().map(str::trim);
    let ty = r.error_type.as_deref().unwrap_or("").to_ascii_lowercase();
    code == Some("137") || ty.contains("outofmemory") || ty.contains("oom") || ty == "sigkill"
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    analytics::statistics::quantile_sorted(&xs, 0.5)
        .ok()
        .flatten()
}

/// The simulator's history from the rows (ordered by run, task, instance, attempt) and edges.
pub(crate) fn history_of(
    rows: &[db::simulation::HistoryRow],
    edges: &[(String, String)],
) -> History {
    // Tasks: those with executions, then those only edges name.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for name in rows
        .iter()
        .map(|r| r.task_key.as_str())
        .chain(edges.iter().flat_map(|(a, b)| [a.as_str(), b.as_str()]))
    {
        let n = index.len();
        index.entry(name).or_insert(n);
    }
    let mut cores: Vec<Vec<f64>> = vec![Vec::new(); index.len()];
    let mut memory: Vec<Vec<f64>> = vec![Vec::new(); index.len()];
    let mut upstreams: Vec<Vec<usize>> = vec![Vec::new(); index.len()];
    for (a, b) in edges {
        upstreams[index[b.as_str()]].push(index[a.as_str()]);
    }
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64;

    let mut runs = Vec::new();
    for run in rows.chunk_by(|a, b| a.run_key == b.run_key) {
        let run_start = run
            .iter()
            .map(|r| ms(r.start_time))
            .fold(f64::INFINITY, f64::min);
        // Per task: (first start, end, attempts, failed in the end) of the kept instance.
        let mut kept: HashMap<usize, (f64, f64, Vec<Attempt>, bool)> = HashMap::new();
        for instance in
            run.chunk_by(|a, b| a.task_key == b.task_key && a.instance_key == b.instance_key)
        {
            let t = index[instance[0].task_key.as_str()];
            let mut attempts = Vec::with_capacity(instance.len());
            let (mut first, mut end) = (f64::INFINITY, f64::NEG_INFINITY);
            for r in instance {
                if r.status == ExecutionStatus::Skipped || r.status == ExecutionStatus::Running {
                    continue; // never ran, or has not ended
                }
                let start = ms(r.start_time);
                let finish = r.end_time.map_or(start, ms);
                first = first.min(start);
                end = end.max(finish);
                if let Some(c) = r.cpu_allocated_cores {
                    cores[t].push(c);
                }
                if let Some(m) = r.memory_allocated_mb {
                    memory[t].push(m);
                }
                attempts.push(Attempt {
                    duration_ms: r.duration_ms.map_or(finish - start, |d| d as f64).max(0.0),
                    succeeded: r.status == ExecutionStatus::Completed,
                    memory_peak_mb: r.memory_peak_mb,
                    oom: killed_for_memory(r),
                });
            }
            let Some(last) = attempts.last() else {
                continue;
            };
            let failed = !last.succeeded;
            let replace = match kept.get(&t) {
                None => true,
                Some(&(_, e, _, f)) => (failed && !f) || (failed == f && end > e),
            };
            if replace {
                kept.insert(t, (first, end, attempts, failed));
            }
        }
        let observed: HashMap<usize, Observed> = kept
            .iter()
            .map(|(&t, (first, _, attempts, _))| {
                let ready = upstreams[t]
                    .iter()
                    .filter_map(|u| kept.get(u).map(|k| k.1))
                    .fold(run_start, f64::max);
                (
                    t,
                    Observed {
                        wait_ms: (first - ready).max(0.0),
                        attempts: attempts.clone(),
                    },
                )
            })
            .collect();
        if !observed.is_empty() {
            runs.push(observed);
        }
    }
    let tasks = index
        .iter()
        .map(|(&id, &i)| (i, id))
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .map(|(i, id)| TaskSpec {
            id: id.to_owned(),
            cores: median(std::mem::take(&mut cores[i])).unwrap_or(1.0),
            memory_mb: median(std::mem::take(&mut memory[i])),
        })
        .collect();
    History {
        tasks,
        edges: edges.to_vec(),
        runs,
    }
}
