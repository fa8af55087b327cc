//! Optimisation opportunities of one task, each found from evidence in its executions and
//! each priced by the what-if simulator ([`crate::simulate`]), never by a constant.
//!
//! **Detectors** ([`opportunities`]), each returning the numbers it decided on as evidence:
//! * **Parallelisation** ([`parallelisation`]): an edge into the task that carries no data
//!   (a `control` or `resource` dependency, or one marked optional) while the task, in every
//!   run that observed both (at least [`MIN_RUNS`]), started only after the upstream ended:
//!   the two are serialised by the edge alone. Change: remove the edge; the simulator's DAG
//!   schedule (the critical path method, [`crate::dag`]) says whether the slack it frees
//!   shortens the workflow.
//! * **Caching** ([`caching`]): repeated `inputHash`es ([`crate::task::caching`]: an
//!   execution whose hash was already seen could have been served from a cache). At least
//!   [`MIN_REPEATED_INPUTS`] repeats and a hit rate of [`MIN_HIT_RATE`]. Change: a cache with
//!   that hit rate.
//! * **Batching** ([`batching`]): the intercept of completed executions' duration against
//!   their input size by ordinary least squares ([`least_squares`]) is the fixed overhead each
//!   execution pays. When it is positive at 95 % and at least [`BATCH_OVERHEAD_SHARE`] of the
//!   median duration, and the task runs several instances per workflow run, batching `k` of
//!   them (`k` = the median instances per run, at most [`MAX_BATCH`]) pays it once.
//! * **Resources** ([`resources`]): the allocation rules of [`crate::resources::provisioning`]
//!   (one rule for the dashboard and the optimiser): CPU over-provisioned (p95 busy/allocated
//!   cores < 0.5) → fewer cores; memory under-provisioned (p95 peak/allocated ≥ 0.9, or any
//!   out-of-memory failure) → more memory, `p95 peak × 1.2` rounded up (at least the
//!   allocation × 1.2). Change: the new allocation; the simulator prices it and replays kills
//!   for memory against it.
//! * **Retries** ([`retries`]): per attempt number ([`crate::failures::attempt_counts`]). At
//!   least [`MIN_RETRIES`] finished retries of which at most [`FUTILE_RETRY_SUCCESS`] completed:
//!   retrying is futile → one attempt. Retries that complete at least [`TRANSIENT_RETRY_SUCCESS`]
//!   of the time while some logical executions still ran out of attempts: the errors are
//!   transient → one attempt more, spaced by exponential backoff with full jitter (Brooker
//!   2015, "Exponential Backoff And Jitter", AWS Architecture Blog).
//! * **Concurrency** ([`concurrency`]): each completed execution's concurrency is the number
//!   of the task's executions running at its start (itself included); least squares of
//!   `ln duration` on it. A slope positive at 95 % whose fitted slowdown from the least to the
//!   90th-percentile concurrency is at least [`MIN_CONCURRENCY_SLOWDOWN`] → limit concurrency
//!   to the least observed. Change: durations scaled by the share of the task's time left when
//!   each execution runs at the least concurrency, `Σ dᵢ·exp(slope · (c_min − cᵢ)) / Σ dᵢ`.
//! * **Algorithm** ([`algorithm`]): least squares of `ln duration` on `ln input`, the fitted
//!   exponent `b` of `duration ∝ input^b` with its 95 % interval. A lower bound above 1
//!   ([`MIN_EXPONENT`]): duration grows faster than the input → a linear algorithm of the same
//!   time at the median input `x̃`. Change: durations scaled by the share of the task's time
//!   left, `Σ dᵢ·(xᵢ / x̃)^(1 − b) / Σ dᵢ`.
//!
//! Each fit needs [`MIN_EXECUTIONS`] points. Least squares and its intervals: slope `b =
//! Sxy/Sxx`, intercept `a = ȳ − b·x̄`, `s² = SSE/(n − 2)`, `se(b) = s/√Sxx`, `se(a) =
//! s·√(1/n + x̄²/Sxx)`, intervals `± t(0.975, n − 2)·se` (Draper & Smith 1998, *Applied
//! Regression Analysis*, 3rd ed., §1.4; the figures of `scipy.stats.linregress`).
//!
//! **Pricing and ranking** ([`plan`]): every opportunity's changes are simulated against no
//! change, on one seed (common random numbers), twice: on the task alone (its own observed
//! runs as a one-task workflow: its time from ready to done with retries, its cost, its
//! failure probability) and on the whole workflow's history (the impact: makespan p50 and
//! cost per run deltas). The expected improvement is the task's own, except for a change of
//! the DAG (parallelisation), whose gain is the workflow's: the relative reduction of the
//! simulated mean makespan (the mean, not the median: a cache with a 70 % hit rate takes the
//! median to 0 but the expected time down by 70 %), cost per run and failure probability, with
//! the changed mean's normal 95 % interval (`± 1.96·sd/√n`) relative to the baseline mean. An opportunity whose simulated gain (the sum of
//! the three reductions, in percent) is below [`MIN_GAIN_PCT`] is not proposed: evidence
//! without a gain is no optimisation. The rest are ranked by gain per effort (effort 1, 2 and
//! 4 for low, medium and high complexity).

use std::collections::HashMap;

use statrs::distribution::{ContinuousCDF, StudentsT};
use types::{
    ChangeType, DependencyType, ExecutionStatus, ImpactAssessment, ImplementationDetails,
    ImprovementEstimate, Level, OptimizationRisk, OptimizationType, PerformanceBaseline,
    ProposedChange, RollbackStrategy, TaskOptimization, ValidationPlan,
};

use crate::cost::CostModel;
use crate::dependencies::WorkflowContext;
use crate::execution::Execution;
use crate::resources::{ProvisioningKind, provisioning};
use crate::simulate::{Change, History, Observed, Outcome, SimulationError, simulate};
use crate::statistics::quantile_sorted;

/// Fewest points a fit is made from.
pub const MIN_EXECUTIONS: usize = 20;
/// Fewest runs observing both ends of an edge before it is called serial.
pub const MIN_RUNS: usize = 3;
/// Fewest repeated inputs, and the smallest hit rate, worth a cache.
pub const MIN_REPEATED_INPUTS: u64 = 5;
pub const MIN_HIT_RATE: f64 = 0.1;
/// Smallest share of the median duration the fixed overhead must take to batch.
pub const BATCH_OVERHEAD_SHARE: f64 = 0.5;
/// Largest batch proposed.
pub const MAX_BATCH: u32 = 20;
/// Fewest finished retries before judging them.
pub const MIN_RETRIES: u64 = 10;
/// Retries completing at most this often are futile.
pub const FUTILE_RETRY_SUCCESS: f64 = 0.05;
/// Retries completing at least this often absorb transient errors.
pub const TRANSIENT_RETRY_SUCCESS: f64 = 0.5;
/// Smallest fitted slowdown from the least to the 90th-percentile concurrency.
pub const MIN_CONCURRENCY_SLOWDOWN: f64 = 1.2;
/// The exponent's 95 % lower bound must exceed this.
pub const MIN_EXPONENT: f64 = 1.0;
/// Smallest simulated gain (percent) proposed.
pub const MIN_GAIN_PCT: f64 = 0.5;

/// What kind of opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Parallelisation,
    Caching,
    Batching,
    FewerCores,
    MoreMemory,
    FewerRetries,
    RetryBackoff,
    Concurrency,
    Algorithm,
}

impl Kind {
    /// Stable name (stored, and the key of an opportunity of a task).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parallelisation => "parallelisation",
            Self::Caching => "caching",
            Self::Batching => "batching",
            Self::FewerCores => "fewer_cores",
            Self::MoreMemory => "more_memory",
            Self::FewerRetries => "fewer_retries",
            Self::RetryBackoff => "retry_backoff",
            Self::Concurrency => "concurrency",
            Self::Algorithm => "algorithm",
        }
    }

    pub fn change_type(self) -> ChangeType {
        match self {
            Self::Parallelisation => ChangeType::Parallelization,
            Self::Caching => ChangeType::Caching,
            Self::Batching => ChangeType::Batching,
            Self::FewerCores | Self::MoreMemory => ChangeType::ResourceAdjustment,
            Self::FewerRetries | Self::RetryBackoff | Self::Concurrency => {
                ChangeType::Configuration
            }
            Self::Algorithm => ChangeType::Algorithm,
        }
    }

    pub fn optimization_type(self) -> OptimizationType {
        match self {
            Self::FewerCores => OptimizationType::Cost,
            Self::MoreMemory => OptimizationType::Resource,
            Self::FewerRetries | Self::RetryBackoff => OptimizationType::Reliability,
            _ => OptimizationType::Performance,
        }
    }

    pub fn complexity(self) -> Level {
        match self {
            Self::FewerCores | Self::MoreMemory | Self::FewerRetries | Self::RetryBackoff => {
                Level::Low
            }
            Self::Concurrency | Self::Parallelisation | Self::Caching | Self::Batching => {
                Level::Medium
            }
            Self::Algorithm => Level::High,
        }
    }
}

fn effort(l: Level) -> f64 {
    match l {
        Level::Low => 1.0,
        Level::Medium => 2.0,
        Level::High => 4.0,
    }
}

/// One opportunity: what was seen (`evidence`, named numbers) and the simulator's changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub kind: Kind,
    pub task: String,
    pub summary: String,
    pub evidence: Vec<(&'static str, f64)>,
    pub changes: Vec<Change>,
}

/// A least-squares line with 95 % intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    pub n: usize,
    pub intercept: f64,
    pub slope: f64,
    pub intercept_se: f64,
    pub slope_se: f64,
    pub intercept_ci: [f64; 2],
    pub slope_ci: [f64; 2],
}

/// Ordinary least squares of `y` on `x` (see the module documentation); `None` for fewer
/// than 3 finite points or a constant `x`.
pub fn least_squares(points: &[(f64, f64)]) -> Option<Fit> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = pts.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let xm = pts.iter().map(|p| p.0).sum::<f64>() / nf;
    let ym = pts.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = pts.iter().map(|p| (p.0 - xm).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - xm) * (p.1 - ym)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = ym - slope * xm;
    let sse: f64 = pts
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let s2 = sse / (nf - 2.0);
    let slope_se = (s2 / sxx).sqrt();
    let intercept_se = (s2 * (1.0 / nf + xm * xm / sxx)).sqrt();
    let t = StudentsT::new(0.0, 1.0, nf - 2.0).ok()?.inverse_cdf(0.975);
    Some(Fit {
        n,
        intercept,
        slope,
        intercept_se,
        slope_se,
        intercept_ci: [intercept - t * intercept_se, intercept + t * intercept_se],
        slope_ci: [slope - t * slope_se, slope + t * slope_se],
    })
}

fn completed(execs: &[Execution]) -> impl Iterator<Item = (&Execution, f64)> {
    execs.iter().filter_map(|e| {
        (e.status == ExecutionStatus::Completed)
            .then_some(e.duration_ms)
            .flatten()
            .filter(|d| d.is_finite() && *d > 0.0)
            .map(|d| (e, d))
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, 0.5).ok().flatten()
}

fn sorted_quantile(v: &[f64], q: f64) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, q).ok().flatten()
}

/// (input bytes, duration ms) of completed executions with a positive input size.
fn size_points(execs: &[Execution]) -> Vec<(f64, f64)> {
    completed(execs)
        .filter_map(|(e, d)| {
            e.input_size_bytes
                .filter(|x| x.is_finite() && *x > 0.0)
                .map(|x| (x, d))
        })
        .collect()
}

/// Median number of instances (logical executions) per workflow run.
fn instances_per_run(execs: &[Execution]) -> f64 {
    let mut per_run: HashMap<&str, std::collections::HashSet<&str>> = HashMap::new();
    for e in execs {
        per_run
            .entry(&e.workflow_execution_id)
            .or_default()
            .insert(&e.instance);
    }
    median(per_run.values().map(|s| s.len() as f64).collect()).unwrap_or(0.0)
}

/// Edges into `task` that carry no data and that the task always waited for.
pub fn parallelisation(task: &str, ctx: &WorkflowContext) -> Vec<Opportunity> {
    // Per run and task: first start and last end.
    let mut span: HashMap<(&str, &str), (i64, i64)> = HashMap::new();
    for e in &ctx.executions {
        if e.status == ExecutionStatus::Skipped {
            continue;
        }
        let s = span
            .entry((&e.workflow_execution_id, &e.task_id))
            .or_insert((i64::MAX, i64::MIN));
        s.0 = s.0.min(e.start_ms);
        s.1 = s.1.max(e.end_ms.unwrap_or(e.start_ms));
    }
    let runs: Vec<&str> = {
        let mut r: Vec<&str> = span.keys().map(|k| k.0).collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    let mut out = Vec::new();
    for edge in ctx.edges.iter().filter(|e| e.downstream == task) {
        if edge.dependency_type == DependencyType::Data && !edge.optional {
            continue; // data flows: the wait is needed
        }
        let (mut both, mut serial, mut gaps) = (0usize, 0usize, Vec::new());
        for r in &runs {
            if let (Some(u), Some(d)) = (
                span.get(&(*r, edge.upstream.as_str())),
                span.get(&(*r, task)),
            ) {
                both += 1;
                if d.0 >= u.1 {
                    serial += 1;
                    gaps.push((d.0 - u.1) as f64);
                }
            }
        }
        if both < MIN_RUNS || serial < both {
            continue;
        }
        let gap = median(gaps).unwrap_or(0.0);
        out.push(Opportunity {
            kind: Kind::Parallelisation,
            task: task.to_owned(),
            summary: format!(
                "{task} started after {} ended in all {both} runs that ran both, {:.0} ms later \
                 at the median, though the edge carries no data ({}{})",
                edge.upstream,
                gap,
                edge.dependency_type.as_str(),
                if edge.optional { ", optional" } else { "" }
            ),
            evidence: vec![
                ("runsObserved", both as f64),
                ("runsSerial", serial as f64),
                ("medianGapMs", gap),
            ],
            changes: vec![Change::RemoveEdge {
                from: edge.upstream.clone(),
                to: task.to_owned(),
            }],
        });
    }
    out
}

/// Repeated inputs a cache would serve.
pub fn caching(task: &str, execs: &[Execution]) -> Option<Opportunity> {
    let c = crate::task::caching(execs);
    if c.repeated_inputs < MIN_REPEATED_INPUTS || c.potential_hit_rate < MIN_HIT_RATE {
        return None;
    }
    Some(Opportunity {
        kind: Kind::Caching,
        task: task.to_owned(),
        summary: format!(
            "{} of {} executions with an input hash repeated an earlier input (hit rate {:.1} %), \
             {:.0} s of completed work a cache would have skipped",
            c.repeated_inputs,
            c.executions_with_input_hash,
            100.0 * c.potential_hit_rate,
            c.potential_time_saved_ms / 1000.0
        ),
        evidence: vec![
            (
                "executionsWithInputHash",
                c.executions_with_input_hash as f64,
            ),
            ("repeatedInputs", c.repeated_inputs as f64),
            ("hitRate", c.potential_hit_rate),
            ("timeSavedMs", c.potential_time_saved_ms),
        ],
        changes: vec![Change::Cache {
            task: task.to_owned(),
            hit_rate: c.potential_hit_rate,
        }],
    })
}

/// Many executions per run dominated by a fixed overhead.
pub fn batching(task: &str, execs: &[Execution]) -> Option<Opportunity> {
    let per_run = instances_per_run(execs);
    if per_run < 2.0 {
        return None;
    }
    let pts = size_points(execs);
    if pts.len() < MIN_EXECUTIONS {
        return None;
    }
    let fit = least_squares(&pts)?;
    let med = median(pts.iter().map(|p| p.1).collect())?;
    let share = fit.intercept / med;
    if fit.intercept_ci[0] <= 0.0 || share < BATCH_OVERHEAD_SHARE {
        return None;
    }
    let k = (per_run.floor() as u32).clamp(2, MAX_BATCH);
    let overhead = fit.intercept.min(med);
    Some(Opportunity {
        kind: Kind::Batching,
        task: task.to_owned(),
        summary: format!(
            "a fixed overhead of {:.0} ms (95 % interval {:.0}–{:.0}) is {:.0} % of the median \
             duration, paid by each of a median {per_run} executions per run",
            fit.intercept,
            fit.intercept_ci[0],
            fit.intercept_ci[1],
            100.0 * share
        ),
        evidence: vec![
            ("executions", fit.n as f64),
            ("overheadMs", fit.intercept),
            ("overheadLowMs", fit.intercept_ci[0]),
            ("overheadHighMs", fit.intercept_ci[1]),
            ("msPerByte", fit.slope),
            ("medianDurationMs", med),
            ("executionsPerRun", per_run),
        ],
        changes: vec![Change::Batch {
            task: task.to_owned(),
            k,
            overhead_ms: overhead,
        }],
    })
}

/// Fewer cores for an idle allocation, more memory for a tight or killed one.
pub fn resources(task: &str, execs: &[Execution]) -> Vec<Opportunity> {
    provisioning(execs)
        .into_iter()
        .filter_map(|f| {
            let evidence = vec![
                ("executions", f.executions as f64),
                ("allocated", f.allocated),
                ("typicalUse", f.typical_use),
                ("p95Use", f.p95_use),
                ("utilisation", f.utilisation),
                ("oomFailures", f.oom_failures as f64),
                ("recommended", f.recommended),
            ];
            let (kind, summary, change) = match f.kind {
                ProvisioningKind::CpuOverProvisioned if f.recommended < f.allocated => (
                    Kind::FewerCores,
                    format!(
                        "{:.2} of {:.2} allocated cores busy at the median, {:.2} at p95 \
                         (p95 efficiency {:.0} %)",
                        f.typical_use,
                        f.allocated,
                        f.p95_use,
                        100.0 * f.utilisation
                    ),
                    Change::Resources {
                        task: task.to_owned(),
                        cores: Some(f.recommended),
                        memory_mb: None,
                    },
                ),
                ProvisioningKind::MemoryUnderProvisioned => (
                    Kind::MoreMemory,
                    format!(
                        "memory peaks reach {:.0} % of the {:.0} MB allocated at p95 (p95 peak \
                         {:.0} MB) and {} executions failed out of memory",
                        100.0 * f.utilisation,
                        f.allocated,
                        f.p95_use,
                        f.oom_failures
                    ),
                    Change::Resources {
                        task: task.to_owned(),
                        cores: None,
                        memory_mb: Some(f.recommended),
                    },
                ),
                _ => return None,
            };
            Some(Opportunity {
                kind,
                task: task.to_owned(),
                summary,
                evidence,
                changes: vec![change],
            })
        })
        .collect()
}

/// Futile retries (→ fewer), or transient errors that retries absorb (→ one more, backed off).
pub fn retries(task: &str, execs: &[Execution]) -> Option<Opportunity> {
    let counts = crate::failures::attempt_counts(execs);
    let (ok, finished) = counts
        .iter()
        .filter(|c| c.attempt > 1)
        .fold((0u64, 0u64), |(o, f), c| (o + c.completed, f + c.finished));
    let logical: u64 = counts.iter().map(|c| c.logical).sum();
    let exhausted: u64 = counts.iter().map(|c| c.logical - c.succeeded).sum();
    let top = counts
        .iter()
        .filter(|c| c.records > 0)
        .map(|c| c.attempt)
        .max()?;
    if finished < MIN_RETRIES {
        return None;
    }
    let rate = ok as f64 / finished as f64;
    let evidence = vec![
        ("retries", finished as f64),
        ("retriesCompleted", ok as f64),
        ("retrySuccessRate", rate),
        ("logicalExecutions", logical as f64),
        ("exhausted", exhausted as f64),
        ("mostAttempts", f64::from(top)),
    ];
    if rate <= FUTILE_RETRY_SUCCESS {
        return Some(Opportunity {
            kind: Kind::FewerRetries,
            task: task.to_owned(),
            summary: format!(
                "{ok} of {finished} retries completed ({:.1} %): retrying only repeats the failure",
                100.0 * rate
            ),
            evidence,
            changes: vec![Change::MaxAttempts {
                task: task.to_owned(),
                attempts: 1,
            }],
        });
    }
    if rate >= TRANSIENT_RETRY_SUCCESS && exhausted > 0 {
        return Some(Opportunity {
            kind: Kind::RetryBackoff,
            task: task.to_owned(),
            summary: format!(
                "{ok} of {finished} retries completed ({:.0} %), yet {exhausted} of {logical} \
                 logical executions ran out of their {top} attempts: the errors are transient",
                100.0 * rate
            ),
            evidence,
            changes: vec![Change::MaxAttempts {
                task: task.to_owned(),
                attempts: top + 1,
            }],
        });
    }
    None
}

/// Concurrency of each completed execution: the task's executions running at its start.
fn concurrency_points(execs: &[Execution]) -> Vec<(f64, f64)> {
    let mut starts: Vec<i64> = Vec::new();
    let mut ends: Vec<i64> = Vec::new();
    for e in execs
        .iter()
        .filter(|e| e.status != ExecutionStatus::Skipped)
    {
        if let Some(end) = e.end_ms {
            starts.push(e.start_ms);
            ends.push(end);
        }
    }
    starts.sort_unstable();
    ends.sort_unstable();
    completed(execs)
        .map(|(e, d)| {
            // Started at or before it, and not ended by then (back to back is no overlap).
            let started = starts.partition_point(|&s| s <= e.start_ms);
            let ended = ends.partition_point(|&x| x <= e.start_ms);
            ((started - ended) as f64, d.ln())
        })
        .collect()
}

/// Durations growing with the task's own concurrency.
pub fn concurrency(task: &str, execs: &[Execution]) -> Option<Opportunity> {
    let pts = concurrency_points(execs);
    if pts.len() < MIN_EXECUTIONS {
        return None;
    }
    let fit = least_squares(&pts)?;
    let cs: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let least = cs.iter().copied().fold(f64::INFINITY, f64::min);
    let p90 = sorted_quantile(&cs, 0.9)?;
    let slowdown = (fit.slope * (p90 - least)).exp();
    if fit.slope_ci[0] <= 0.0 || slowdown < MIN_CONCURRENCY_SLOWDOWN {
        return None;
    }
    let factor = time_ratio(
        pts.iter()
            .map(|p| (p.1.exp(), (fit.slope * (least - p.0)).exp())),
    );
    Some(Opportunity {
        kind: Kind::Concurrency,
        task: task.to_owned(),
        summary: format!(
            "each concurrent execution adds {:.1} % to the duration (95 % interval {:.1}–{:.1} %); \
             at {p90:.0} at once (p90) it runs {slowdown:.2}× as long as at {least:.0}",
            100.0 * (fit.slope.exp() - 1.0),
            100.0 * (fit.slope_ci[0].exp() - 1.0),
            100.0 * (fit.slope_ci[1].exp() - 1.0),
        ),
        evidence: vec![
            ("executions", fit.n as f64),
            ("logSlopePerExecution", fit.slope),
            ("logSlopeLow", fit.slope_ci[0]),
            ("logSlopeHigh", fit.slope_ci[1]),
            ("leastConcurrency", least),
            ("p90Concurrency", p90),
            ("slowdown", slowdown),
            ("durationFactor", factor),
        ],
        changes: vec![Change::Scale {
            task: task.to_owned(),
            factor,
        }],
    })
}

/// Durations growing faster than the input: the log-log exponent above 1.
pub fn algorithm(task: &str, execs: &[Execution]) -> Option<Opportunity> {
    let pts: Vec<(f64, f64)> = size_points(execs)
        .into_iter()
        .map(|(x, d)| (x.ln(), d.ln()))
        .collect();
    if pts.len() < MIN_EXECUTIONS {
        return None;
    }
    let fit = least_squares(&pts)?;
    if fit.slope_ci[0] <= MIN_EXPONENT {
        return None;
    }
    let ln_med = median(pts.iter().map(|p| p.0).collect())?;
    let factor = time_ratio(
        pts.iter()
            .map(|p| (p.1.exp(), ((p.0 - ln_med) * (1.0 - fit.slope)).exp())),
    );
    if factor >= 1.0 {
        return None;
    }
    Some(Opportunity {
        kind: Kind::Algorithm,
        task: task.to_owned(),
        summary: format!(
            "duration grows as input^{:.2} (95 % interval {:.2}–{:.2}) over {} executions: \
             faster than the input",
            fit.slope, fit.slope_ci[0], fit.slope_ci[1], fit.n
        ),
        evidence: vec![
            ("executions", fit.n as f64),
            ("exponent", fit.slope),
            ("exponentLow", fit.slope_ci[0]),
            ("exponentHigh", fit.slope_ci[1]),
            ("medianInputBytes", ln_med.exp()),
            ("durationFactor", factor),
        ],
        changes: vec![Change::Scale {
            task: task.to_owned(),
            factor,
        }],
    })
}

/// `Σ dᵢ·fᵢ / Σ dᵢ` over `(dᵢ, fᵢ)`: the share of the task's time left when each duration
/// `dᵢ` is multiplied by `fᵢ` (1 without durations).
fn time_ratio(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let (num, den) = pairs.fold((0.0, 0.0), |(n, d), (x, f)| (n + x * f, d + x));
    if den > 0.0 { num / den } else { 1.0 }
}

/// Every opportunity of `task` (its executions `execs`, its workflow `ctx`).
pub fn opportunities(task: &str, execs: &[Execution], ctx: &WorkflowContext) -> Vec<Opportunity> {
    let mut out = parallelisation(task, ctx);
    out.extend(caching(task, execs));
    out.extend(batching(task, execs));
    out.extend(resources(task, execs));
    out.extend(retries(task, execs));
    out.extend(concurrency(task, execs));
    out.extend(algorithm(task, execs));
    out
}

/// A priced opportunity, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub kind: Kind,
    /// Expected gain (percent) per unit of effort.
    pub score: f64,
    pub evidence: Vec<(&'static str, f64)>,
    pub summary: String,
    pub optimization: TaskOptimization,
}

/// Reduction from `base` to `changed` in percent of `base` (0 when `base` is 0).
fn reduction(base: f64, changed: f64) -> f64 {
    if base > 0.0 {
        100.0 * (base - changed) / base
    } else {
        0.0
    }
}

/// Mean of the simulated makespans with a normal 95 % interval (`± 1.96·sd/√n`).
fn mean_interval(o: &Outcome) -> Option<(f64, f64, f64)> {
    let n = o.makespans.len();
    let mean = o.makespan_mean?;
    if n < 2 {
        return Some((mean, mean, mean));
    }
    let var = o.makespans.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = 1.959_963_984_540_054 * (var / n as f64).sqrt();
    Some((mean, mean - half, mean + half))
}

fn improvement(base: &Outcome, changed: &Outcome) -> ImprovementEstimate {
    let (duration, interval) = match (base.makespan_mean, mean_interval(changed)) {
        (Some(b), Some((c, lo, hi))) => (reduction(b, c), [reduction(b, hi), reduction(b, lo)]),
        _ => (0.0, [0.0, 0.0]),
    };
    ImprovementEstimate {
        duration_reduction_pct: duration,
        cost_reduction_pct: reduction(base.cost_per_run, changed.cost_per_run),
        failure_rate_reduction_pct: reduction(
            base.failure_probability.value,
            changed.failure_probability.value,
        ),
        confidence_interval: interval,
    }
}

/// The task's current figures from its executions.
pub fn baseline(execs: &[Execution], prices: &CostModel) -> PerformanceBaseline {
    let durations: Vec<f64> = completed(execs).map(|(_, d)| d).collect();
    let ran: Vec<&Execution> = execs
        .iter()
        .filter(|e| e.status != ExecutionStatus::Skipped)
        .collect();
    let failures = ran.iter().filter(|e| e.is_failure()).count();
    let failure_rate = if ran.is_empty() {
        0.0
    } else {
        failures as f64 / ran.len() as f64
    };
    let span_h = match (
        ran.iter().map(|e| e.start_ms).min(),
        ran.iter().filter_map(|e| e.end_ms).max(),
    ) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 3_600_000.0,
        _ => 0.0,
    };
    let cost = crate::cost::cost_analysis(execs, prices);
    PerformanceBaseline {
        execution_time: median(durations.clone()).unwrap_or(0.0),
        resource_cost: cost.cost_per_execution,
        failure_rate,
        throughput: if span_h > 0.0 {
            durations.len() as f64 / span_h
        } else {
            0.0
        },
        efficiency: crate::resources::cpu_usage(execs).efficiency,
        quality_score: 1.0 - failure_rate,
    }
}

/// The implementation details: `steps`, the simulated changes' parameters and the evidence
/// (as `evidence.<name>`).
fn details(o: &Opportunity, steps: Vec<String>) -> ImplementationDetails {
    let mut d = ImplementationDetails {
        steps,
        ..ImplementationDetails::default()
    };
    let m = &mut d.parameters;
    for c in &o.changes {
        match c {
            Change::Cache { hit_rate, .. } => {
                m.insert("hitRate".into(), (*hit_rate).into());
            }
            Change::Batch { k, overhead_ms, .. } => {
                m.insert("batchSize".into(), (*k).into());
                m.insert("overheadMs".into(), (*overhead_ms).into());
            }
            Change::Scale { factor, .. } => {
                m.insert("durationFactor".into(), (*factor).into());
            }
            Change::RemoveEdge { from, to } | Change::AddEdge { from, to } => {
                m.insert("removeEdgeFrom".into(), from.clone().into());
                m.insert("removeEdgeTo".into(), to.clone().into());
            }
            Change::MaxAttempts { attempts, .. } => {
                m.insert("maxAttempts".into(), (*attempts).into());
            }
            Change::FailureRate { rate, .. } => {
                m.insert("failureRate".into(), (*rate).into());
            }
            Change::Resources {
                cores, memory_mb, ..
            } => {
                if let Some(c) = cores {
                    m.insert("cores".into(), (*c).into());
                }
                if let Some(mb) = memory_mb {
                    m.insert("memoryMb".into(), (*mb).into());
                }
            }
        }
    }
    for (k, v) in &o.evidence {
        m.insert(format!("evidence.{k}"), (*v).into());
    }
    d
}

fn risk(description: &str, likelihood: Level, mitigation: &str) -> OptimizationRisk {
    OptimizationRisk {
        description: description.to_owned(),
        likelihood,
        mitigation: mitigation.to_owned(),
    }
}

/// What to do, how to undo it, and what could go wrong, per kind.
fn texts(o: &Opportunity) -> (String, Vec<String>, Vec<String>, Vec<OptimizationRisk>) {
    let t = &o.task;
    let num = |name: &str| {
        o.evidence
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0.0, |(_, v)| *v)
    };
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    match o.kind {
        Kind::Parallelisation => {
            let (from, to) = match o.changes.first() {
                Some(Change::RemoveEdge { from, to }) => (from.as_str(), to.as_str()),
                _ => ("", ""),
            };
            (
                format!(
                    "Remove the dependency {from} → {to}, which carries no data, so {to} can start without waiting for {from}"
                ),
                vec![
                    format!(
                        "Confirm that {to} reads nothing {from} writes (inputs, tables, files)"
                    ),
                    format!("Remove the edge {from} → {to} from the workflow definition"),
                    "Deploy and watch the first runs' order and outputs".to_owned(),
                ],
                vec![
                    format!("Restore the edge {from} → {to} in the workflow definition"),
                    "Redeploy".to_owned(),
                ],
                vec![risk(
                    "An undeclared side effect (a shared table or file) made the order matter",
                    Level::Medium,
                    "Compare outputs of the first runs with the edge removed against earlier runs",
                )],
            )
        }
        Kind::Caching => (
            format!(
                "Cache {t}'s results by input hash (expected hit rate {:.0} %)",
                100.0 * num("hitRate")
            ),
            vec![
                format!("Key {t}'s outputs by its input hash and the task's code version"),
                "Before running, look the key up and reuse a stored output on a hit".to_owned(),
                "Bound the cache's size and age; record hits and misses".to_owned(),
            ],
            s(&[
                "Turn the cache lookup off (run every execution)",
                "Purge the stored outputs",
            ]),
            vec![
                risk(
                    "The input hash misses an input (configuration, time), so a hit serves a stale result",
                    Level::Medium,
                    "Include the code version and configuration in the key; audit a sample of hits",
                ),
                risk(
                    "Storage cost of the cached outputs",
                    Level::Low,
                    "Bound the cache by size and age",
                ),
            ],
        ),
        Kind::Batching => {
            let k = match o.changes.first() {
                Some(Change::Batch { k, .. }) => *k,
                _ => 1,
            };
            (
                format!(
                    "Batch {k} of {t}'s executions per run so the fixed overhead of {:.0} ms is paid once per batch",
                    num("overheadMs")
                ),
                vec![
                    format!("Group {t}'s per-run executions into batches of {k}"),
                    "Do the per-execution setup (start-up, connections, loading) once per batch"
                        .to_owned(),
                    "Keep per-item error handling so one bad item does not fail the batch"
                        .to_owned(),
                ],
                s(&["Set the batch size back to 1", "Redeploy"]),
                vec![
                    risk(
                        "A failure now fails a whole batch",
                        Level::Medium,
                        "Retry failed items individually",
                    ),
                    risk(
                        "Latency of the first item grows with the batch",
                        Level::Low,
                        "Cap the batch's wait time",
                    ),
                ],
            )
        }
        Kind::FewerCores => (
            format!(
                "Allocate {} cores to {t} instead of {}",
                num("recommended"),
                num("allocated")
            ),
            vec![
                format!("Set {t}'s CPU request to {} cores", num("recommended")),
                "Deploy and compare durations and CPU efficiency over the next executions"
                    .to_owned(),
            ],
            vec![format!(
                "Set the CPU request back to {} cores",
                num("allocated")
            )],
            vec![risk(
                "Bursts above the p95 busy cores run slower",
                Level::Low,
                "The proposal keeps 20 % headroom over the p95; roll back if p95 duration grows",
            )],
        ),
        Kind::MoreMemory => (
            format!(
                "Allocate {:.0} MB of memory to {t} instead of {:.0} MB",
                num("recommended"),
                num("allocated")
            ),
            vec![
                format!("Set {t}'s memory limit to {:.0} MB", num("recommended")),
                "Deploy and watch out-of-memory failures and memory peaks".to_owned(),
            ],
            vec![format!(
                "Set the memory limit back to {:.0} MB",
                num("allocated")
            )],
            vec![
                risk(
                    "Higher cost per execution",
                    Level::High,
                    "The expected cost change is in the estimate; roll back if failures do not fall",
                ),
                risk(
                    "A leak or an input-driven peak outgrows the new limit",
                    Level::Medium,
                    "Check the memory-leak finding; cap input sizes",
                ),
            ],
        ),
        Kind::FewerRetries => (
            format!(
                "Stop retrying {t}: {:.0} of {:.0} retries completed",
                num("retriesCompleted"),
                num("retries")
            ),
            vec![
                format!("Set {t}'s maximum attempts to 1"),
                "Alert on its failures instead".to_owned(),
            ],
            vec![format!(
                "Set the maximum attempts back to {:.0}",
                num("mostAttempts")
            )],
            vec![risk(
                "A rare transient failure is no longer absorbed",
                Level::Low,
                "Roll back if the failure rate rises",
            )],
        ),
        Kind::RetryBackoff => (
            format!("Retry {t} once more, with exponential backoff and full jitter",),
            vec![
                format!(
                    "Set {t}'s maximum attempts to {:.0}",
                    num("mostAttempts") + 1.0
                ),
                "Wait a random time in [0, base × 2^attempt] (capped) before each retry".to_owned(),
            ],
            vec![format!(
                "Set the maximum attempts back to {:.0} without backoff",
                num("mostAttempts")
            )],
            vec![risk(
                "Retries lengthen a failing run and add load on a struggling dependency",
                Level::Low,
                "Jitter spreads retries; cap the backoff",
            )],
        ),
        Kind::Concurrency => (
            format!(
                "Limit {t} to {:.0} concurrent executions",
                num("leastConcurrency").max(1.0)
            ),
            vec![
                format!(
                    "Set a concurrency limit of {:.0} on {t} (a queue or a semaphore)",
                    num("leastConcurrency").max(1.0)
                ),
                "Find the contended resource (disk, database, API quota)".to_owned(),
            ],
            s(&["Remove the concurrency limit"]),
            vec![
                risk(
                    "Queueing adds wait time before the task starts",
                    Level::Medium,
                    "Watch the queue time; raise the limit if the wait outweighs the gain",
                ),
                risk(
                    "Larger inputs may run concurrently and explain the slowdown",
                    Level::Medium,
                    "Check the effect within inputs of similar size",
                ),
            ],
        ),
        Kind::Algorithm => (
            format!(
                "Replace {t}'s algorithm: its duration grows as input^{:.2}",
                num("exponent")
            ),
            vec![
                format!("Profile {t} on a large input to find the super-linear step"),
                "Replace it with a linear or n log n method (sorting, hashing, streaming)"
                    .to_owned(),
                "Check outputs against the current implementation".to_owned(),
            ],
            s(&["Deploy the previous version of the task"]),
            vec![risk(
                "The new implementation changes results",
                Level::Medium,
                "Compare outputs on recorded inputs before switching",
            )],
        ),
    }
}

/// The task alone: its own observations without its workflow (run as a one-task workflow,
/// its simulated makespan is its own time from ready to done, retries included); `None` when
/// the history never observed it.
fn task_alone(history: &History, task: &str) -> Option<History> {
    let t = history.tasks.iter().position(|s| s.id == task)?;
    let runs: Vec<HashMap<usize, Observed>> = history
        .runs
        .iter()
        .filter_map(|r| r.get(&t).map(|o| HashMap::from([(0, o.clone())])))
        .collect();
    (!runs.is_empty()).then(|| History {
        tasks: vec![history.tasks[t].clone()],
        edges: Vec::new(),
        runs,
    })
}

/// Prices each opportunity with the simulator on `history` (`runs` simulated runs per side,
/// `seed`), drops those without a simulated gain and ranks the rest by gain per effort. An
/// opportunity the history cannot simulate (its task or edge is not in it) is dropped.
pub fn plan(
    task: &str,
    execs: &[Execution],
    opportunities: Vec<Opportunity>,
    history: &History,
    runs: usize,
    seed: u64,
    prices: &CostModel,
) -> Result<Vec<Ranked>, SimulationError> {
    let Some(alone) = task_alone(history, task) else {
        return Ok(Vec::new()); // the history never observed the task: nothing to price
    };
    let base = simulate(history, &[], runs, seed, prices)?;
    let alone_base = simulate(&alone, &[], runs, seed, prices)?;
    let current = baseline(execs, prices);
    let min_executions = (current.throughput.max(1.0) * 24.0).clamp(MIN_EXECUTIONS as f64, 500.0);
    let mut out = Vec::new();
    for o in opportunities {
        let changed = match simulate(history, &o.changes, runs, seed, prices) {
            Ok(c) => c,
            Err(SimulationError::UnknownTask { .. }) => continue,
            Err(e) => return Err(e),
        };
        let structural = o
            .changes
            .iter()
            .any(|c| matches!(c, Change::AddEdge { .. } | Change::RemoveEdge { .. }));
        let expected = if structural {
            improvement(&base, &changed)
        } else {
            improvement(
                &alone_base,
                &simulate(&alone, &o.changes, runs, seed, prices)?,
            )
        };
        let gain = expected.duration_reduction_pct
            + expected.cost_reduction_pct
            + expected.failure_rate_reduction_pct;
        if gain.is_nan() || gain < MIN_GAIN_PCT {
            continue;
        }
        let complexity = o.kind.complexity();
        let (description, steps, rollback, risks) = texts(&o);
        let delta = match (base.makespan_mean, changed.makespan_mean) {
            (Some(b), Some(c)) => c - b,
            _ => 0.0,
        };
        let mut affected = vec![task.to_owned()];
        if let Some(Change::RemoveEdge { from, .. }) = o.changes.first() {
            affected.push(from.clone());
        }
        let optimization = TaskOptimization {
            task_id: task.to_owned(),
            optimization_type: o.kind.optimization_type(),
            current_performance: current.clone(),
            proposed_changes: vec![ProposedChange {
                change_type: o.kind.change_type(),
                description,
                implementation: details(&o, steps),
                impact: ImpactAssessment {
                    duration_delta_ms: delta,
                    cost_delta: changed.cost_per_run - base.cost_per_run,
                    affected_tasks: affected,
                },
                rollback_plan: RollbackStrategy {
                    steps: rollback,
                    trigger: format!(
                        "the mean duration over {min_executions:.0} executions is not lower than \
                         before, or its failure rate rises by more than 2 points"
                    ),
                },
            }],
            expected_improvement: expected.clone(),
            implementation_complexity: complexity,
            risks,
            validation: ValidationPlan {
                metrics: vec![
                    "makespanMeanMs".into(),
                    "costPerRun".into(),
                    "failureRate".into(),
                    "taskDurationMeanMs".into(),
                ],
                min_executions: min_executions as u64,
                success_criteria: format!(
                    "over {min_executions:.0} executions after the change: {} {:.1} % lower \
                     (95 % interval {:.1} to {:.1} %), cost {:.1} % lower, failure probability \
                     {:.1} % lower, as simulated",
                    if structural {
                        "the workflow's mean makespan"
                    } else {
                        "the task's mean time from ready to done"
                    },
                    expected.duration_reduction_pct,
                    expected.confidence_interval[0],
                    expected.confidence_interval[1],
                    expected.cost_reduction_pct,
                    expected.failure_rate_reduction_pct
                ),
            },
        };
        out.push(Ranked {
            kind: o.kind,
            score: gain / effort(complexity),
            evidence: o.evidence,
            summary: o.summary,
            optimization,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.kind.cmp(&b.kind)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dependencies::Edge;
    use ExecutionStatus::{Completed, Failed};

    fn exec(id: &str, run: &str, status: ExecutionStatus, start: i64, end: i64) -> Execution {
        Execution {
            workflow_id: "w".into(),
            ..Execution::new(id, "t", run, status, start, Some(end))
        }
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn least_squares_matches_a_hand_worked_line_with_intervals() {
        // x̄ 3, ȳ 4, Sxx 10, Sxy 6: slope 0.6, intercept 2.2; residuals −0.8, 0.6, 1.0, −0.6,
        // −0.2, SSE 2.4, s² 0.8; se(b) = √0.08 = 0.282843, se(a) = √(0.8·(1/5 + 9/10)) =
        // 0.938083 (scipy.stats.linregress: stderr 0.28284, intercept_stderr 0.93808);
        // t(0.975, 3) = 3.182446.
        let f =
            least_squares(&[(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0), (5.0, 5.0)]).unwrap();
        assert!(close(f.slope, 0.6, 1e-12) && close(f.intercept, 2.2, 1e-12));
        assert!(close(f.slope_se, 0.282_842_7, 1e-6));
        assert!(close(f.intercept_se, 0.938_083_2, 1e-6));
        assert!(close(f.slope_ci[0], 0.6 - 3.182_446 * 0.282_842_7, 1e-5));
        assert!(close(
            f.intercept_ci[1],
            2.2 + 3.182_446 * 0.938_083_2,
            1e-5
        ));
        assert_eq!(least_squares(&[(1.0, 1.0), (1.0, 2.0), (1.0, 3.0)]), None);
    }

    #[test]
    fn repeated_input_hashes_become_a_cache_with_their_hit_rate() {
        // Hashes h0 ×5 then h1 ×5, 1 s each: the first of each is new, 8 repeat: hit rate 0.8,
        // 8 s saved.
        let execs: Vec<Execution> = (0..10)
            .map(|i| Execution {
                input_hash: Some(format!("h{}", i / 5)),
                ..exec(
                    &format!("e{i}"),
                    &format!("r{i}"),
                    Completed,
                    i * 10_000,
                    i * 10_000 + 1_000,
                )
            })
            .collect();
        let o = caching("t", &execs).unwrap();
        assert_eq!(
            o.changes,
            vec![Change::Cache {
                task: "t".into(),
                hit_rate: 0.8
            }]
        );
        assert!(o.evidence.contains(&("timeSavedMs", 8_000.0)));
        // Four repeats are too few.
        assert_eq!(caching("t", &execs[..5]), None);
    }

    #[test]
    fn a_fixed_overhead_over_many_instances_per_run_is_batched() {
        // 3 runs × 10 instances, input i MB and duration 5,000 + 0.0005·x = 5,000 + 500·i ms:
        // intercept 5,000 ms exactly, median duration 7,750 ms, share 0.645 ≥ 0.5, k = 10.
        let mut execs = Vec::new();
        for r in 0..3 {
            for i in 1..=10i64 {
                let start = r * 1_000_000 + i * 20_000;
                execs.push(Execution {
                    instance: format!("i{i}"),
                    input_size_bytes: Some(i as f64 * 1e6),
                    ..exec(
                        &format!("r{r}i{i}"),
                        &format!("r{r}"),
                        Completed,
                        start,
                        start + 5_000 + 500 * i,
                    )
                });
            }
        }
        let o = batching("t", &execs).unwrap();
        match &o.changes[..] {
            [Change::Batch { k, overhead_ms, .. }] => {
                assert_eq!(*k, 10);
                assert!(close(*overhead_ms, 5_000.0, 1e-9), "{overhead_ms}");
            }
            c => panic!("{c:?}"),
        }
        // One instance per run: nothing to batch.
        for e in &mut execs {
            e.workflow_execution_id = e.execution_id.clone();
        }
        assert_eq!(batching("t", &execs), None);
    }

    #[test]
    fn idle_cores_and_tight_memory_become_allocations_from_the_provisioning_rules() {
        // 20 executions of 10 s on 4 cores using 0.5 (cpuTime 5 s): share 0.125 < 0.5, fewer
        // cores: 0.5 × 1.2 = 0.6 → 0.75 (quarter cores). Peaks 950 of 1,000 MB: share 0.95 ≥
        // 0.9, more memory: max(950, 1,000) × 1.2 = 1,200 → 1,280 MB (256 MB steps).
        let execs: Vec<Execution> = (0..20)
            .map(|i| Execution {
                cpu_allocated_cores: Some(4.0),
                cpu_time_ms: Some(5_000.0),
                memory_allocated_mb: Some(1_000.0),
                memory_peak_mb: Some(950.0),
                ..exec(
                    &format!("e{i}"),
                    &format!("r{i}"),
                    Completed,
                    i * 20_000,
                    i * 20_000 + 10_000,
                )
            })
            .collect();
        let found = resources("t", &execs);
        let changes: Vec<&Change> = found.iter().flat_map(|o| &o.changes).collect();
        assert_eq!(
            changes,
            vec![
                &Change::Resources {
                    task: "t".into(),
                    cores: Some(0.75),
                    memory_mb: None
                },
                &Change::Resources {
                    task: "t".into(),
                    cores: None,
                    memory_mb: Some(1_280.0)
                },
            ]
        );
        assert_eq!(found[0].kind, Kind::FewerCores);
        assert_eq!(found[1].kind, Kind::MoreMemory);
    }

    fn chain(run: &str, outcomes: &[ExecutionStatus]) -> Vec<Execution> {
        outcomes
            .iter()
            .enumerate()
            .map(|(a, s)| Execution {
                attempt: a as u32 + 1,
                ..exec(
                    &format!("{run}a{a}"),
                    run,
                    *s,
                    a as i64 * 100,
                    a as i64 * 100 + 50,
                )
            })
            .collect()
    }

    #[test]
    fn futile_retries_are_cut_and_transient_ones_get_another_backed_off_attempt() {
        // 10 logical executions failing twice: 10 retries, none completed → 1 attempt.
        let futile: Vec<Execution> = (0..10)
            .flat_map(|r| chain(&format!("r{r}"), &[Failed, Failed]))
            .collect();
        let o = retries("t", &futile).unwrap();
        assert_eq!(o.kind, Kind::FewerRetries);
        assert_eq!(
            o.changes,
            vec![Change::MaxAttempts {
                task: "t".into(),
                attempts: 1
            }]
        );
        // 10 fail then complete, 2 fail twice: 10 of 12 retries complete (0.83 ≥ 0.5) and 2
        // logical executions ran out of their 2 attempts → 3 attempts.
        let mut transient: Vec<Execution> = (0..10)
            .flat_map(|r| chain(&format!("r{r}"), &[Failed, Completed]))
            .collect();
        transient.extend((10..12).flat_map(|r| chain(&format!("r{r}"), &[Failed, Failed])));
        let o = retries("t", &transient).unwrap();
        assert_eq!(o.kind, Kind::RetryBackoff);
        assert_eq!(
            o.changes,
            vec![Change::MaxAttempts {
                task: "t".into(),
                attempts: 3
            }]
        );
        assert!(o.evidence.contains(&("exhausted", 2.0)));
        // Nine retries are too few to judge.
        assert_eq!(retries("t", &futile[..18]), None);
    }

    #[test]
    fn durations_growing_with_concurrency_are_limited_to_the_least_observed() {
        // Groups of c = 1..5 executions started together (twice each, 10 s apart, so groups
        // never overlap), each lasting 1,000·e^{0.2(c−1)} ms: ln d is exactly linear in c with
        // slope 0.2. p90 concurrency 5 (10 of 30 points), slowdown e^0.8 = 2.2255. Time left
        // at concurrency 1: 30 × 1,000 / Σ 2c·1,000·e^{0.2(c−1)} = 30 / 52.66892 = 0.569598.
        let mut execs = Vec::new();
        let mut start = 0;
        for c in 1..=5 {
            for _ in 0..2 {
                let d = 1_000.0 * (0.2 * (c - 1) as f64).exp();
                for j in 0..c {
                    execs.push(Execution {
                        duration_ms: Some(d),
                        ..exec(
                            &format!("s{start}j{j}"),
                            &format!("s{start}"),
                            Completed,
                            start,
                            start + d.ceil() as i64,
                        )
                    });
                }
                start += 10_000;
            }
        }
        let o = concurrency("t", &execs).unwrap();
        assert!(o.evidence.contains(&("leastConcurrency", 1.0)));
        assert!(o.evidence.contains(&("p90Concurrency", 5.0)));
        match &o.changes[..] {
            [Change::Scale { factor, .. }] => assert!(close(*factor, 0.569_598, 1e-5), "{factor}"),
            c => panic!("{c:?}"),
        }
        // Alone each time (one per group): no concurrency to limit.
        let alone: Vec<Execution> = execs
            .iter()
            .filter(|e| e.execution_id.ends_with("j0"))
            .cloned()
            .collect();
        assert_eq!(concurrency("t", &alone), None);
    }

    #[test]
    fn a_superlinear_exponent_is_found_with_its_interval_and_priced_as_linear() {
        // Input 1,000·i bytes, duration 100·i² ms for i = 1..20: exponent exactly 2. Median
        // input (type 7 on ln x) 1,000·√110; time left under a linear law anchored there:
        // Σ 100 i²·(√110 / i) / Σ 100 i² = √110 · 210 / 2,870 = 0.767421.
        let execs: Vec<Execution> = (1..=20i64)
            .map(|i| Execution {
                input_size_bytes: Some(1_000.0 * i as f64),
                ..exec(
                    &format!("e{i}"),
                    &format!("r{i}"),
                    Completed,
                    i * 100_000,
                    i * 100_000 + 100 * i * i,
                )
            })
            .collect();
        let o = algorithm("t", &execs).unwrap();
        let exponent = o.evidence.iter().find(|(k, _)| *k == "exponent").unwrap().1;
        assert!(close(exponent, 2.0, 1e-9), "{exponent}");
        match &o.changes[..] {
            [Change::Scale { factor, .. }] => assert!(close(*factor, 0.767_421, 1e-5), "{factor}"),
            c => panic!("{c:?}"),
        }
        // Linear growth (duration 100·i ms) is no opportunity.
        let linear: Vec<Execution> = execs
            .iter()
            .map(|e| Execution {
                duration_ms: e.duration_ms.map(f64::sqrt).map(|d| d * 10.0),
                ..e.clone()
            })
            .collect();
        assert_eq!(algorithm("t", &linear), None);
    }

    #[test]
    fn a_control_edge_the_task_always_waited_for_is_proposed_for_removal_a_data_edge_is_not() {
        // Runs r0..r2: a 0–100, b (after a by a control edge) 150–200, c (after a by a data
        // edge) 110–130. b started after a ended in 3 of 3 runs, 50 ms later.
        let mut execs = Vec::new();
        for r in 0..3 {
            let run = format!("r{r}");
            for (task, s, e) in [("a", 0, 100), ("b", 150, 200), ("c", 110, 130)] {
                execs.push(Execution {
                    task_id: task.into(),
                    ..exec(
                        &format!("{run}{task}"),
                        &run,
                        Completed,
                        r * 1_000 + s,
                        r * 1_000 + e,
                    )
                });
            }
        }
        let edge = |u: &str, d: &str, t| Edge {
            upstream: u.into(),
            downstream: d.into(),
            dependency_type: t,
            optional: false,
        };
        let ctx = WorkflowContext {
            executions: execs,
            edges: vec![
                edge("a", "b", DependencyType::Control),
                edge("a", "c", DependencyType::Data),
            ],
            task_names: HashMap::new(),
        };
        let o = parallelisation("b", &ctx);
        assert_eq!(o.len(), 1);
        assert_eq!(
            o[0].changes,
            vec![Change::RemoveEdge {
                from: "a".into(),
                to: "b".into()
            }]
        );
        assert!(o[0].evidence.contains(&("medianGapMs", 50.0)));
        assert!(parallelisation("c", &ctx).is_empty());
    }
}
