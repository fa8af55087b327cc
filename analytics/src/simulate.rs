//! What-if simulation of a workflow: Monte Carlo over its DAG, resampling its own history.
//!
//! **Model.** A [`History`] holds the workflow's tasks (with their allocation), its edges and,
//! per observed workflow run, each task's [`Observed`] logical execution: the wait from ready
//! (its upstreams done) to its first start, and its attempts in order (duration, success, peak
//! memory, whether it was killed for memory). One simulated run:
//! 1. draws one historical run `r` uniformly (a bootstrap over runs, Efron 1979), and takes
//!    every task's behaviour from `r`, so what correlates within a run — a slow day slows every
//!    task, an outage fails several — stays together; a task `r` lacks is drawn from another
//!    run that has it;
//! 2. applies the [`Change`]s to those observations (below);
//! 3. schedules the DAG with unlimited parallelism, as the critical path method does
//!    ([`crate::dag`]): a task starts `wait` after its last upstream ends and takes the sum of
//!    its attempts and of the gaps before its retries (backoff and queueing, as observed: a
//!    scheduler that retries after 30 s · 2^(attempt−1) adds that much per retry, which a sum
//!    of attempt durations alone would miss); the makespan is the latest end;
//! 4. fails when a task's last attempt fails (its downstream tasks never run); cost is every
//!    attempt's hours × (cores × CPU price + GB × memory price) ([`crate::cost::CostModel`]).
//!
//! **Changes** ([`Change`]), several at once: scale a task's durations; cache it with hit rate
//! `h` (a hit takes no time and cannot fail); batch `k` executions (the fixed overhead is paid
//! once per batch: `d' = overhead / k + (d − overhead)`); add or remove an edge; set its
//! per-attempt failure probability (attempts redrawn as independent Bernoulli trials, the
//! durations of failed and successful attempts resampled from the task's own); set the most
//! attempts allowed (a logical execution whose history needed more fails; one that failed with
//! attempts left retries, each retry succeeding with the task's observed retry success rate);
//! an attempt the history lacks waits a gap drawn from the task's observed gaps before the
//! same retry (the k-th retry's gaps, else the latest retry observed). Set cores and memory
//! (cost; an attempt whose peak exceeds the new memory is killed, and one that was killed for
//! memory succeeds once the memory covers what it needed: its logical execution's successful
//! attempt's peak, running as long as that attempt; or, when every attempt was killed, its own
//! peak at the kill — a lower bound, the need being censored there — running for a duration
//! drawn from the task's successful attempts after a kill, which are the runs with inputs
//! large enough to be killed, else from all its successful attempts).
//!
//! **Randomness.** Every draw of simulated run `i` for task `t` comes from its own SplitMix64
//! stream (Steele, Lea & Flood 2014) seeded from `(seed, i, t)`, so results are deterministic
//! per seed and the baseline and the changed workflow see the same draws where the change does
//! not act (common random numbers): their difference is measured, not their noise.
//!
//! **History** ([`History::from_records`]): built from execution records, one logical
//! execution per (run, task, instance), as described there. [`along_trends`] moves drifting
//! tasks' durations to one time before resampling (a slower-every-week task is predicted at
//! the time asked about, not at the history's average).
//!
//! **Output** ([`Outcome`]): the makespan of successful runs (p10, p50, p90 and p95, type 7, each with a
//! distribution-free 95 % interval from the binomial distribution of order statistics, e.g.
//! Conover 1999, *Practical Nonparametric Statistics*, §3.2, normal approximation), its mean,
//! the failure probability with a Wilson 95 % interval (Wilson 1927), mean cost per run and
//! throughput (successful runs per hour, back to back).

use std::collections::HashMap;

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};
use rand_xoshiro::SplitMix64;
use rand_xoshiro::rand_core::{RngCore, SeedableRng};

use crate::cost::CostModel;
use crate::statistics::quantile_sorted;

mod drift;
mod history;

pub use drift::along_trends;
pub use history::{Recorded, killed_for_memory};

/// The most simulated runs one call may ask for.
pub const MAX_RUNS: usize = 100_000;
/// The most tasks a simulated DAG may have.
pub const MAX_TASKS: usize = 10_000;
/// z for two-sided 95 % intervals.
const Z95: f64 = 1.959_963_984_540_054;

/// A task of the simulated workflow and its allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub id: String,
    /// Allocated cores (1 when unknown).
    pub cores: f64,
    /// Allocated memory, MB (`None`: unknown; cost then counts no memory).
    pub memory_mb: Option<f64>,
}

/// One attempt of a logical execution.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub duration_ms: f64,
    pub succeeded: bool,
    pub memory_peak_mb: Option<f64>,
    /// Killed for memory (exit 137, an out-of-memory error type).
    pub oom: bool,
    /// From the previous attempt's end to this one's start (retry backoff and queueing), ms;
    /// 0 for the first attempt.
    pub gap_ms: f64,
}

/// One task's logical execution in one observed run.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// From ready (every upstream ended; the run's start for a root) to the first start, ms.
    pub wait_ms: f64,
    /// In order; the last one decides the outcome.
    pub attempts: Vec<Attempt>,
}

/// A workflow's history: tasks, edges (upstream, downstream) and, per observed run, what each
/// task did (indexed like `tasks`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub tasks: Vec<TaskSpec>,
    pub edges: Vec<(String, String)>,
    pub runs: Vec<HashMap<usize, Observed>>,
}

/// One what-if change.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Multiply the task's attempt durations by `factor` (0.7 = 30 % faster).
    Scale {
        task: String,
        factor: f64,
    },
    /// A cache in front of the task with hit rate `hit_rate`.
    Cache {
        task: String,
        hit_rate: f64,
    },
    /// Batch `k` executions, paying `overhead_ms` once per batch.
    Batch {
        task: String,
        k: u32,
        overhead_ms: f64,
    },
    AddEdge {
        from: String,
        to: String,
    },
    RemoveEdge {
        from: String,
        to: String,
    },
    /// Per-attempt failure probability.
    FailureRate {
        task: String,
        rate: f64,
    },
    /// The most attempts a logical execution may make.
    MaxAttempts {
        task: String,
        attempts: u32,
    },
    /// New allocation (either may be kept as is with `None`).
    Resources {
        task: String,
        cores: Option<f64>,
        memory_mb: Option<f64>,
    },
}

impl Change {
    fn task(&self) -> &str {
        match self {
            Self::Scale { task, .. }
            | Self::Cache { task, .. }
            | Self::Batch { task, .. }
            | Self::FailureRate { task, .. }
            | Self::MaxAttempts { task, .. }
            | Self::Resources { task, .. } => task,
            Self::AddEdge { from, .. } | Self::RemoveEdge { from, .. } => from,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    #[error("the history has no runs to resample")]
    NoRuns,
    #[error("runs must be between 1 and {MAX_RUNS}, not {0}")]
    Runs(usize),
    #[error("the workflow has {0} tasks; at most {MAX_TASKS} can be simulated")]
    TooLarge(usize),
    #[error("change {index}: unknown task {task:?}")]
    UnknownTask { index: usize, task: String },
    #[error("change {index}: {field} {message}")]
    Invalid {
        index: usize,
        field: &'static str,
        message: String,
    },
    #[error("the dependencies contain a cycle through task {0:?}")]
    Cycle(String),
}

/// A quantile with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// One side (baseline or changed) of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub runs: usize,
    /// Of successful runs; `None` when every run failed. p10 and p90 bound the band a
    /// backtest checks real runs against.
    pub makespan_p10: Option<Estimate>,
    pub makespan_p50: Option<Estimate>,
    pub makespan_p90: Option<Estimate>,
    pub makespan_p95: Option<Estimate>,
    pub makespan_mean: Option<f64>,
    pub failure_probability: Estimate,
    pub cost_per_run: f64,
    /// Successful runs per hour, run back to back: `(1 − failure) × 3,600,000 / mean makespan`.
    pub throughput_per_hour: f64,
    /// Every successful run's makespan, sorted (for distributions and tests).
    pub makespans: Vec<f64>,
}

/// The parts of a history one simulation reads, with the changes applied.
struct Plan<'a> {
    history: &'a History,
    order: Vec<usize>,
    upstreams: Vec<Vec<usize>>,
    /// Per task: the changes acting on it, in order.
    changes: Vec<Vec<&'a Change>>,
    /// Per task: runs that observed it (the fallback draw).
    observed_in: Vec<Vec<usize>>,
    /// Per task: pools of failed and successful attempt durations, and its retry success rate.
    failed_pool: Vec<Vec<f64>>,
    success_pool: Vec<Vec<f64>>,
    retry_success: Vec<f64>,
    /// Per task: durations of successful attempts whose logical execution had been killed for
    /// memory before (what a killed attempt runs for once given the memory).
    after_kill_pool: Vec<Vec<f64>>,
    /// Per task and retry (index 0: the first retry): the observed gaps before it.
    gap_pool: Vec<Vec<Vec<f64>>>,
    cores: Vec<f64>,
    memory_mb: Vec<Option<f64>>,
}

/// Simulates the workflow as observed (`changes` empty) or changed, `runs` times from `seed`.
pub fn simulate(
    history: &History,
    changes: &[Change],
    runs: usize,
    seed: u64,
    prices: &CostModel,
) -> Result<Outcome, SimulationError> {
    if history.runs.is_empty() {
        return Err(SimulationError::NoRuns);
    }
    if !(1..=MAX_RUNS).contains(&runs) {
        return Err(SimulationError::Runs(runs));
    }
    if history.tasks.len() > MAX_TASKS {
        return Err(SimulationError::TooLarge(history.tasks.len()));
    }
    let plan = Plan::new(history, changes)?;
    let mut makespans = Vec::with_capacity(runs);
    let (mut failed, mut cost) = (0usize, 0.0);
    let mut end = vec![0.0f64; history.tasks.len()];
    for i in 0..runs {
        let mut run_rng = stream(seed, i as u64, u64::MAX);
        let r = pick(&mut run_rng, history.runs.len());
        let (mut ok, mut makespan) = (true, 0.0f64);
        for &t in &plan.order {
            let ready = plan.upstreams[t]
                .iter()
                .map(|&u| end[u])
                .fold(0.0, f64::max);
            let mut rng = stream(seed, i as u64, t as u64);
            let Some(obs) = plan.observation(t, r, &mut rng) else {
                end[t] = ready; // never observed: takes no time
                continue;
            };
            let (time, task_cost, succeeded) = plan.execute(t, obs, &mut rng, prices);
            cost += task_cost;
            end[t] = ready + obs.wait_ms + time;
            makespan = makespan.max(end[t]);
            if !succeeded {
                ok = false;
                break; // the run fails; its downstream tasks never run
            }
        }
        if ok {
            makespans.push(makespan);
        } else {
            failed += 1;
        }
    }
    makespans.sort_by(f64::total_cmp);
    let mean =
        (!makespans.is_empty()).then(|| makespans.iter().sum::<f64>() / makespans.len() as f64);
    let failure = wilson(failed, runs);
    Ok(Outcome {
        runs,
        makespan_p10: quantile_interval(&makespans, 0.1),
        makespan_p50: quantile_interval(&makespans, 0.5),
        makespan_p90: quantile_interval(&makespans, 0.9),
        makespan_p95: quantile_interval(&makespans, 0.95),
        makespan_mean: mean,
        throughput_per_hour: mean
            .filter(|m| *m > 0.0)
            .map_or(0.0, |m| (1.0 - failure.value) * 3_600_000.0 / m),
        failure_probability: failure,
        cost_per_run: cost / runs as f64,
        makespans,
    })
}

impl<'a> Plan<'a> {
    fn new(history: &'a History, changes: &'a [Change]) -> Result<Self, SimulationError> {
        let n = history.tasks.len();
        let index: HashMap<&str, usize> = history
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let mut edges: Vec<(usize, usize)> = Vec::with_capacity(history.edges.len());
        for (a, b) in &history.edges {
            if let (Some(&a), Some(&b)) = (index.get(a.as_str()), index.get(b.as_str())) {
                edges.push((a, b));
            }
        }
        let mut per_task: Vec<Vec<&Change>> = vec![Vec::new(); n];
        let mut cores: Vec<f64> = history.tasks.iter().map(|t| t.cores).collect();
        let mut memory_mb: Vec<Option<f64>> = history.tasks.iter().map(|t| t.memory_mb).collect();
        for (k, c) in changes.iter().enumerate() {
            let find = |task: &str| {
                index
                    .get(task)
                    .copied()
                    .ok_or_else(|| SimulationError::UnknownTask {
                        index: k,
                        task: task.to_owned(),
                    })
            };
            let t = find(c.task())?;
            let bad = |field: &'static str, message: &str| SimulationError::Invalid {
                index: k,
                field,
                message: message.to_owned(),
            };
            match c {
                Change::Scale { factor, .. } if !(factor.is_finite() && *factor >= 0.0) => {
                    return Err(bad("factor", "must be a finite number ≥ 0"));
                }
                Change::Cache { hit_rate, .. } if !(0.0..=1.0).contains(hit_rate) => {
                    return Err(bad("hitRate", "must be between 0 and 1"));
                }
                Change::Batch {
                    k: size,
                    overhead_ms,
                    ..
                } if *size == 0 || !(overhead_ms.is_finite() && *overhead_ms >= 0.0) => {
                    return Err(bad("k", "must be ≥ 1 with a finite overhead ≥ 0"));
                }
                Change::FailureRate { rate, .. } if !(0.0..=1.0).contains(rate) => {
                    return Err(bad("rate", "must be between 0 and 1"));
                }
                Change::MaxAttempts { attempts, .. } if *attempts == 0 => {
                    return Err(bad("attempts", "must be ≥ 1"));
                }
                Change::Resources {
                    cores: c_new,
                    memory_mb: m_new,
                    ..
                } => {
                    if c_new.is_some_and(|c| !(c.is_finite() && c > 0.0)) {
                        return Err(bad("cores", "must be a finite number > 0"));
                    }
                    if m_new.is_some_and(|m| !(m.is_finite() && m > 0.0)) {
                        return Err(bad("memoryMb", "must be a finite number > 0"));
                    }
                    if let Some(c_new) = c_new {
                        cores[t] = *c_new;
                    }
                    if m_new.is_some() {
                        memory_mb[t] = *m_new;
                    }
                }
                Change::AddEdge { to, .. } => {
                    let b = find(to)?;
                    if b == t {
                        return Err(bad("to", "must differ from from"));
                    }
                    edges.push((t, b));
                }
                Change::RemoveEdge { to, .. } => {
                    let b = find(to)?;
                    edges.retain(|&e| e != (t, b));
                }
                _ => {}
            }
            per_task[t].push(c);
        }
        edges.sort_unstable();
        edges.dedup();
        let mut g: DiGraph<usize, ()> = DiGraph::with_capacity(n, edges.len());
        let nodes: Vec<NodeIndex> = (0..n).map(|i| g.add_node(i)).collect();
        let mut upstreams = vec![Vec::new(); n];
        for &(a, b) in &edges {
            g.add_edge(nodes[a], nodes[b], ());
            upstreams[b].push(a);
        }
        let order = toposort(&g, None)
            .map_err(|c| SimulationError::Cycle(history.tasks[g[c.node_id()]].id.clone()))?
            .into_iter()
            .map(|ix| g[ix])
            .collect();

        let mut observed_in = vec![Vec::new(); n];
        let mut failed_pool = vec![Vec::new(); n];
        let mut success_pool = vec![Vec::new(); n];
        let mut after_kill_pool = vec![Vec::new(); n];
        let mut gap_pool: Vec<Vec<Vec<f64>>> = vec![Vec::new(); n];
        let mut retries = vec![(0u64, 0u64); n];
        // Runs in order and tasks by index, so the pools (and the draws from them) do not
        // depend on the hash maps' iteration order.
        for (r, run) in history.runs.iter().enumerate() {
            let mut tasks: Vec<(&usize, &Observed)> = run.iter().filter(|(t, _)| **t < n).collect();
            tasks.sort_unstable_by_key(|(t, _)| **t);
            for (&t, obs) in tasks {
                observed_in[t].push(r);
                let mut killed = false;
                for (j, a) in obs.attempts.iter().enumerate() {
                    if a.succeeded {
                        success_pool[t].push(a.duration_ms);
                        if killed {
                            after_kill_pool[t].push(a.duration_ms);
                        }
                    } else {
                        failed_pool[t].push(a.duration_ms);
                    }
                    killed |= a.oom;
                    if j > 0 {
                        retries[t].1 += 1;
                        retries[t].0 += u64::from(a.succeeded);
                        if gap_pool[t].len() < j {
                            gap_pool[t].resize(j, Vec::new());
                        }
                        gap_pool[t][j - 1].push(a.gap_ms);
                    }
                }
            }
        }
        for o in &mut observed_in {
            o.sort_unstable();
        }
        // No retries observed: a retry succeeds as often as the task's attempts do.
        let retry_success = retries
            .iter()
            .enumerate()
            .map(|(t, &(ok, n))| {
                if n > 0 {
                    ok as f64 / n as f64
                } else {
                    let all = success_pool[t].len() + failed_pool[t].len();
                    if all == 0 {
                        1.0
                    } else {
                        success_pool[t].len() as f64 / all as f64
                    }
                }
            })
            .collect();
        Ok(Self {
            history,
            order,
            upstreams,
            changes: per_task,
            observed_in,
            failed_pool,
            success_pool,
            retry_success,
            after_kill_pool,
            gap_pool,
            cores,
            memory_mb,
        })
    }

    /// Task `t`'s observation in run `r`, else in a run drawn from those that observed it.
    fn observation(&self, t: usize, r: usize, rng: &mut SplitMix64) -> Option<&'a Observed> {
        if let Some(o) = self.history.runs[r].get(&t) {
            return Some(o);
        }
        let runs = &self.observed_in[t];
        if runs.is_empty() {
            return None;
        }
        self.history.runs[runs[pick(rng, runs.len())]].get(&t)
    }

    /// Runs task `t`'s logical execution with its changes: (time, cost, succeeded).
    fn execute(
        &self,
        t: usize,
        obs: &Observed,
        rng: &mut SplitMix64,
        prices: &CostModel,
    ) -> (f64, f64, bool) {
        let mut attempts: Vec<Try> = obs.attempts.iter().map(Try::from).collect();
        for c in &self.changes[t] {
            match c {
                Change::Scale { factor, .. } => {
                    for a in &mut attempts {
                        a.ms *= factor;
                    }
                }
                Change::Cache { hit_rate, .. } => {
                    let hit = uniform(rng) < *hit_rate;
                    if hit {
                        attempts = vec![Try::ok(0.0, 0.0)];
                    }
                }
                Change::Batch { k, overhead_ms, .. } => {
                    let k = f64::from(*k);
                    for a in &mut attempts {
                        let fixed = overhead_ms.min(a.ms);
                        a.ms = fixed / k + (a.ms - fixed);
                    }
                }
                Change::FailureRate { rate, .. } => {
                    let max = self.max_attempts(t).unwrap_or(attempts.len().max(1) as u32);
                    attempts = self.redraw(t, *rate, max, rng);
                }
                Change::MaxAttempts { attempts: max, .. } => {
                    let max = *max as usize;
                    if attempts.len() > max {
                        attempts.truncate(max);
                    } else if attempts.last().is_some_and(|a| !a.ok) {
                        while attempts.len() < max && attempts.last().is_some_and(|a| !a.ok) {
                            let ok = uniform(rng) < self.retry_success[t];
                            let gap = self.gap(t, attempts.len(), rng);
                            let ms = self.duration(t, ok, rng);
                            attempts.push(Try {
                                ok,
                                ..Try::ok(ms, gap)
                            });
                        }
                    }
                }
                Change::Resources {
                    memory_mb: Some(m), ..
                } => {
                    // What the logical execution needed when it succeeded: its run time (as
                    // changed so far) and its memory.
                    let success = attempts.iter().rev().find(|a| a.ok).map(|a| (a.ms, a.peak));
                    for a in &mut attempts {
                        if a.peak.is_some_and(|p| p > *m) {
                            a.ok = false;
                            a.oom = true;
                        } else if a.oom {
                            // Not killed: it runs as long as the attempt that succeeded (a
                            // killed attempt's duration is only its time to the kill) or, with
                            // none, as a successful attempt after a kill.
                            let rescued = match success {
                                Some((ms, Some(need))) => (*m >= need).then_some((ms, need)),
                                Some((_, None)) => None,
                                None => a.peak.map(|p| (self.after_kill(t, rng), p)),
                            };
                            if let Some((ms, need)) = rescued {
                                *a = Try {
                                    peak: Some(need),
                                    ..Try::ok(ms, a.gap)
                                };
                            }
                        }
                    }
                    // The first attempt that now succeeds ends the logical execution.
                    if let Some(first) = attempts.iter().position(|a| a.ok) {
                        attempts.truncate(first + 1);
                    }
                }
                _ => {}
            }
        }
        let run_ms: f64 = attempts.iter().map(|a| a.ms).sum();
        let time = run_ms + attempts.iter().skip(1).map(|a| a.gap).sum::<f64>();
        let memory_gb = self.memory_mb[t].unwrap_or(0.0) / 1024.0;
        let hours = run_ms / 3_600_000.0;
        let cost = hours * (self.cores[t] * prices.cpu_hour + memory_gb * prices.gb_hour);
        (time, cost, attempts.last().is_none_or(|a| a.ok))
    }

    fn max_attempts(&self, t: usize) -> Option<u32> {
        self.changes[t].iter().find_map(|c| match c {
            Change::MaxAttempts { attempts, .. } => Some(*attempts),
            _ => None,
        })
    }

    /// Attempts as independent trials failing with probability `rate`, at most `max`.
    fn redraw(&self, t: usize, rate: f64, max: u32, rng: &mut SplitMix64) -> Vec<Try> {
        let mut out: Vec<Try> = Vec::new();
        for j in 0..max.max(1) as usize {
            let ok = uniform(rng) >= rate;
            let gap = if j == 0 { 0.0 } else { self.gap(t, j, rng) };
            let ms = self.duration(t, ok, rng);
            out.push(Try {
                ok,
                ..Try::ok(ms, gap)
            });
            if ok {
                break;
            }
        }
        out
    }

    /// The gap before retry `j` (1: the first retry), drawn from those observed before that
    /// retry, else before the latest retry observed; 0 when the task never retried.
    fn gap(&self, t: usize, j: usize, rng: &mut SplitMix64) -> f64 {
        let pools = &self.gap_pool[t];
        match pools.get(j.saturating_sub(1)).or(pools.last()) {
            Some(pool) if !pool.is_empty() => pool[pick(rng, pool.len())],
            _ => 0.0,
        }
    }

    /// A duration for a killed attempt that is given enough memory.
    fn after_kill(&self, t: usize, rng: &mut SplitMix64) -> f64 {
        let pool = &self.after_kill_pool[t];
        if pool.is_empty() {
            self.duration(t, true, rng)
        } else {
            pool[pick(rng, pool.len())]
        }
    }

    /// A duration drawn from the task's successful (or failed) attempts, falling back to the
    /// other pool when one is empty.
    fn duration(&self, t: usize, succeeded: bool, rng: &mut SplitMix64) -> f64 {
        let (first, second) = if succeeded {
            (&self.success_pool[t], &self.failed_pool[t])
        } else {
            (&self.failed_pool[t], &self.success_pool[t])
        };
        let pool = if first.is_empty() { second } else { first };
        if pool.is_empty() {
            0.0
        } else {
            pool[pick(rng, pool.len())]
        }
    }
}

/// One attempt as the simulation changes it.
#[derive(Debug, Clone, Copy)]
struct Try {
    ms: f64,
    gap: f64,
    ok: bool,
    peak: Option<f64>,
    oom: bool,
}

impl Try {
    fn ok(ms: f64, gap: f64) -> Self {
        Try {
            ms,
            gap,
            ok: true,
            peak: None,
            oom: false,
        }
    }
}

impl From<&Attempt> for Try {
    fn from(a: &Attempt) -> Self {
        Try {
            ms: a.duration_ms,
            gap: a.gap_ms,
            ok: a.succeeded,
            peak: a.memory_peak_mb,
            oom: a.oom,
        }
    }
}

/// The SplitMix64 stream of simulated run `run` and task `task` (`u64::MAX`: the run's own).
fn stream(seed: u64, run: u64, task: u64) -> SplitMix64 {
    // Distinct (seed, run, task) give distinct seeds for any run < 2³² and task < 2³² − 1;
    // SplitMix64 then scrambles the neighbouring seeds into independent-looking streams.
    let mixed = seed
        ^ run.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ task.wrapping_add(1).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    SplitMix64::seed_from_u64(mixed)
}

/// Uniform in [0, 1) from the top 53 bits.
fn uniform(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform index in `0..n` (n ≥ 1), by Lemire's multiply-shift (bias below 2⁻³² for n < 2³²).
fn pick(rng: &mut SplitMix64, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// The type-7 quantile of sorted `xs` with the order statistics bounding its 95 % interval:
/// ranks `nq ∓ z √(nq(1 − q))`, rounded outwards and clamped to the sample.
fn quantile_interval(sorted: &[f64], q: f64) -> Option<Estimate> {
    let value = quantile_sorted(sorted, q).ok().flatten()?;
    let n = sorted.len() as f64;
    let half = Z95 * (n * q * (1.0 - q)).sqrt();
    let last = sorted.len() - 1;
    let lo = ((n * q - half).floor().max(1.0) as usize - 1).min(last);
    let hi = ((n * q + half).ceil().max(1.0) as usize - 1).min(last);
    Some(Estimate {
        value,
        low: sorted[lo].min(value),
        high: sorted[hi].max(value),
    })
}

/// A proportion with its Wilson 95 % score interval.
fn wilson(k: usize, n: usize) -> Estimate {
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Estimate {
        value: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

#[cfg(test)]
mod tests;
