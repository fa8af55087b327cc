//! Comparing tasks with a baseline (spec `TaskComparison`, `TaskComparator.compare_tasks`):
//! performance, resources, reliability and cost side by side, and insights that claim a
//! difference only where a significance test shows one.
//!
//! * **Window figures** (p50/p95 of completed runs, CPU efficiency, largest memory peak,
//!   failure rate, cost per execution) come from each task's window summary ([`Rollup`]:
//!   counts and sums exact, percentiles from its DDSketch within 1 %).
//! * **Tests** read a sample: each task's latest executions of the window (the caller caps
//!   how many, and says so). Per compared task against the baseline:
//!   - durations of completed runs, CPU efficiency per run (CPU time ÷ wall time ÷ allocated
//!     cores) and cost per execution ([`crate::cost::execution_cost`]): **Mann-Whitney U**
//!     ([`mann_whitney_u`]), two-sided;
//!   - failure rates: **Fisher's exact test** ([`fisher_exact_greater`]) in the observed
//!     direction, doubled (Bonferroni for having picked the direction after looking).
//!
//!   Every p-value of an answer is adjusted together by **Benjamini-Hochberg**
//!   ([`benjamini_hochberg`]), so a 10-task comparison (36 tests) does not report chance
//!   differences: an insight needs an adjusted p below [`ALPHA`].
//! * **Practical relevance.** With thousands of runs a 2 % difference is "significant" and
//!   worth nobody's time, so an insight also needs an effect of a size worth acting on:
//!   [`MIN_DURATION_RATIO`], [`MIN_CPU_EFFICIENCY_GAP`], [`MIN_FAILURE_RATE_GAP`] with
//!   [`MIN_FAILURE_RATE_RATIO`], [`MIN_COST_RATIO`]. An insight names the worse task of the
//!   pair as affected, which is the baseline when a compared task does better.
//! * **Savings** are in the cost model's currency over the window: what the affected task
//!   would not have spent had it matched the better one (its cost × the relative gap for time
//!   and CPU; the extra failures × its cost per execution; the excess cost per execution ×
//!   its executions).
//!
//! **Mann-Whitney U** (Mann & Whitney 1947, "On a test of whether one of two random variables
//! is stochastically larger than the other", *Ann. Math. Statist.* 18): rank the pooled
//! sample (ties get their average rank), `U₁ = R₁ − n₁(n₁+1)/2`. Under H₀, `U` has mean
//! `n₁n₂/2` and, with ties, variance `n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1)))` (Lehmann 1975,
//! *Nonparametrics*, §1.4). Two-sided: `z = (max(U₁, U₂) − n₁n₂/2 − ½)/σ` (continuity
//! correction), `p = 2·(1 − Φ(z))`, capped at 1 — what
//! `scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")` returns
//! (reference values: `tests/oracle/mann_whitney_fixtures.py`). The normal approximation is
//! used at every size: the comparison's samples are tens to thousands of runs, and one method
//! keeps the p-values of one answer comparable. `U₁/(n₁n₂)` is the probability that a value of
//! the first sample exceeds one of the second (ties ½), reported as the effect size.

use statrs::distribution::{ContinuousCDF, Normal};
use types::{
    ComparisonInsight, ComparisonMetrics, CostComparison, ExecutionStatus, InsightEvidence,
    InsightType, Level, OptimizationRecommendation, PerformanceComparison, ReliabilityComparison,
    ResourceComparison,
};

use crate::cost::{CostModel, execution_cost};
use crate::execution::Execution;
use crate::failures::significance::{benjamini_hochberg, fisher_exact_greater};
use crate::rollup::Rollup;

/// Significance level of every insight, on Benjamini-Hochberg adjusted p-values.
pub const ALPHA: f64 = 0.05;
/// A performance gap: the slower task's median at least 1.2 × the faster one's.
pub const MIN_DURATION_RATIO: f64 = 1.2;
/// A resource inefficiency: mean CPU efficiency at least 0.2 (20 points of the allocated
/// cores) below the other task's.
pub const MIN_CPU_EFFICIENCY_GAP: f64 = 0.2;
/// A reliability issue: a failure rate at least 2 points above the other task's ...
pub const MIN_FAILURE_RATE_GAP: f64 = 0.02;
/// ... and at least 1.5 × it.
pub const MIN_FAILURE_RATE_RATIO: f64 = 1.5;
/// A cost anomaly: a cost per execution at least 1.5 × the other task's.
pub const MIN_COST_RATIO: f64 = 1.5;

/// Result of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// `U₁`, the statistic of the first sample.
    pub u: f64,
    /// Two-sided, normal approximation with tie and continuity corrections.
    pub p_value: f64,
    /// `U₁ / (n₁ n₂)`: P(a value of the first sample exceeds one of the second), ties ½.
    pub probability_greater: f64,
}

/// Two-sided Mann-Whitney U test of `x` against `y` (see the module documentation). `None`
/// when either sample is empty or holds a non-finite value.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (x.len(), y.len());
    if n1 == 0 || n2 == 0 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let mut pooled: Vec<(f64, bool)> = x
        .iter()
        .map(|&v| (v, true))
        .chain(y.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let n = pooled.len();
    let (mut rank_sum, mut ties) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        let from_x = pooled[i..=j].iter().filter(|p| p.1).count();
        rank_sum += from_x as f64 * average_rank;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let (f1, f2, nf) = (n1 as f64, n2 as f64, n as f64);
    let u1 = rank_sum - f1 * (f1 + 1.0) / 2.0;
    let u2 = f1 * f2 - u1;
    let mu = f1 * f2 / 2.0;
    let var = f1 * f2 / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)).max(1.0));
    let p_value = if var > 0.0 {
        let z = (u1.max(u2) - mu - 0.5) / var.sqrt();
        (2.0 * Normal::standard().sf(z)).clamp(0.0, 1.0)
    } else {
        1.0 // every value tied: nothing tells the samples apart
    };
    Some(MannWhitney {
        u: u1,
        p_value,
        probability_greater: u1 / (f1 * f2),
    })
}

/// One task of a comparison: its window summary and a sample of its latest executions.
#[derive(Debug, Clone)]
pub struct TaskInput {
    pub key: String,
    pub summary: Rollup,
    pub sample: Vec<Execution>,
}

/// The per-run values the tests compare, drawn from a task's sample.
#[derive(Debug, Clone, Default)]
struct Samples {
    durations: Vec<f64>,
    cpu_efficiency: Vec<f64>,
    memory_utilization: Vec<f64>,
    costs: Vec<f64>,
    retries: u64,
    retries_completed: u64,
}

fn samples(execs: &[Execution], model: &CostModel) -> Samples {
    let mut s = Samples::default();
    for e in execs {
        let completed = e.status == ExecutionStatus::Completed;
        if let Some(d) = e
            .duration_ms
            .filter(|d| completed && d.is_finite() && *d >= 0.0)
        {
            s.durations.push(d);
        }
        // As the rollups define the CPU share: every execution that reports all three.
        if let (Some(d), Some(c), Some(k)) = (e.duration_ms, e.cpu_time_ms, e.cpu_allocated_cores)
            && d > 0.0
            && k > 0.0
        {
            s.cpu_efficiency.push(c / d / k);
        }
        if let (Some(p), Some(a)) = (e.memory_peak_mb, e.memory_allocated_mb)
            && a > 0.0
        {
            s.memory_utilization.push(p / a);
        }
        let (cpu, mem) = execution_cost(e, model);
        s.costs.push(cpu + mem);
        if e.attempt > 1 {
            s.retries += 1;
            s.retries_completed += u64::from(completed);
        }
    }
    s
}

fn median(values: &mut [f64]) -> Option<f64> {
    crate::statistics::quantiles(values, &[0.5]).map(|q| q[0])
}

/// Window figures of one task.
#[derive(Debug, Clone, Default)]
struct Figures {
    p50: f64,
    p95: f64,
    cpu_efficiency: Option<f64>,
    memory_peak: f64,
    memory_allocated: Option<f64>,
    memory_utilization: Option<f64>,
    failures: u64,
    executions: u64,
    failure_rate: f64,
    retry_success: f64,
    cost_per_execution: f64,
    total_cost: f64,
    cpu_cost: f64,
}

fn figures(t: &TaskInput, s: &mut Samples, model: &CostModel) -> Figures {
    let stats = t.summary.statistics(types::TrendDirection::Stable);
    let cost = t.summary.cost(model);
    let failures = t.summary.failed + t.summary.timeout;
    Figures {
        p50: stats.p50_duration,
        p95: stats.p95_duration,
        cpu_efficiency: (t.summary.cpu_share_n > 0)
            .then(|| t.summary.cpu_share_sum / t.summary.cpu_share_n as f64),
        memory_peak: t.summary.memory_peak_max.unwrap_or(0.0),
        memory_allocated: t.summary.memory_allocated_max,
        memory_utilization: median(&mut s.memory_utilization.clone()),
        failures,
        executions: t.summary.executions,
        failure_rate: ratio(failures as f64, t.summary.executions as f64),
        retry_success: ratio(s.retries_completed as f64, s.retries as f64),
        cost_per_execution: cost.cost_per_execution,
        total_cost: cost.total_cost,
        cpu_cost: cost.cpu_cost,
    }
}

/// `a / b`, 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Which test of which compared task a p-value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Duration,
    Cpu,
    Failures,
    Cost,
}

/// What [`compare`] finds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    pub metrics: ComparisonMetrics,
    pub insights: Vec<ComparisonInsight>,
    pub recommendations: Vec<OptimizationRecommendation>,
    pub summary: String,
}

/// Compares `tasks[1..]` with the baseline `tasks[0]` (see the module documentation).
pub fn compare(tasks: &[TaskInput], model: &CostModel) -> Comparison {
    let Some(base) = tasks.first() else {
        return Comparison::default();
    };
    let mut samples: Vec<Samples> = tasks.iter().map(|t| samples(&t.sample, model)).collect();
    let figs: Vec<Figures> = tasks
        .iter()
        .zip(samples.iter_mut())
        .map(|(t, s)| figures(t, s, model))
        .collect();

    // Every test of the answer: (task index, test, p-value, the worse task's index).
    let mut tests: Vec<(usize, Test, f64, usize)> = Vec::new();
    let mut probability_slower: Vec<Option<f64>> = vec![None; tasks.len()];
    for i in 1..tasks.len() {
        let (s, b) = (&samples[i], &samples[0]);
        if let Some(mw) = mann_whitney_u(&s.durations, &b.durations) {
            probability_slower[i] = Some(mw.probability_greater);
            let worse = if mw.probability_greater >= 0.5 { i } else { 0 };
            tests.push((i, Test::Duration, mw.p_value, worse));
        }
        if let Some(mw) = mann_whitney_u(&s.cpu_efficiency, &b.cpu_efficiency) {
            let worse = if mw.probability_greater <= 0.5 { i } else { 0 };
            tests.push((i, Test::Cpu, mw.p_value, worse));
        }
        if let Some(mw) = mann_whitney_u(&s.costs, &b.costs) {
            let worse = if mw.probability_greater >= 0.5 { i } else { 0 };
            tests.push((i, Test::Cost, mw.p_value, worse));
        }
        let (ft, fb) = (&figs[i], &figs[0]);
        if ft.executions > 0 && fb.executions > 0 {
            let table = |a: &Figures, o: &Figures| {
                fisher_exact_greater(
                    a.failures,
                    a.executions - a.failures,
                    o.failures,
                    o.executions - o.failures,
                )
            };
            let (p, worse) = if ft.failure_rate > fb.failure_rate {
                ((2.0 * table(ft, fb)).min(1.0), i)
            } else if ft.failure_rate < fb.failure_rate {
                ((2.0 * table(fb, ft)).min(1.0), 0)
            } else {
                (1.0, i)
            };
            tests.push((i, Test::Failures, p, worse));
        }
    }
    let adjusted = benjamini_hochberg(&tests.iter().map(|t| t.2).collect::<Vec<_>>());

    let mut metrics = ComparisonMetrics::default();
    for (i, (t, f)) in tasks.iter().zip(&figs).enumerate() {
        let b = &figs[0];
        let p = |which: Test| {
            tests
                .iter()
                .zip(&adjusted)
                .find(|(x, _)| x.0 == i && x.1 == which)
                .map(|(x, a)| (x.2, *a))
        };
        metrics.performance_comparison.insert(
            t.key.clone(),
            PerformanceComparison {
                p50_duration: f.p50,
                p95_duration: f.p95,
                relative_to_baseline: ratio(f.p50, b.p50),
                probability_slower: probability_slower[i],
                p_value: p(Test::Duration).map(|x| x.0),
                adjusted_p_value: p(Test::Duration).map(|x| x.1),
            },
        );
        metrics.resource_comparison.insert(
            t.key.clone(),
            ResourceComparison {
                cpu_efficiency: f.cpu_efficiency.unwrap_or(0.0),
                memory_peak_mb: f.memory_peak,
                memory_allocated_mb: f.memory_allocated,
                memory_utilization: f.memory_utilization,
                relative_to_baseline: ratio(
                    f.cpu_efficiency.unwrap_or(0.0),
                    b.cpu_efficiency.unwrap_or(0.0),
                ),
                p_value: p(Test::Cpu).map(|x| x.0),
                adjusted_p_value: p(Test::Cpu).map(|x| x.1),
            },
        );
        metrics.reliability_comparison.insert(
            t.key.clone(),
            ReliabilityComparison {
                failure_rate: f.failure_rate,
                retry_success: f.retry_success,
                relative_to_baseline: f.failure_rate - b.failure_rate,
                executions: f.executions,
                failures: f.failures,
                p_value: p(Test::Failures).map(|x| x.0),
                adjusted_p_value: p(Test::Failures).map(|x| x.1),
            },
        );
        metrics.cost_comparison.insert(
            t.key.clone(),
            CostComparison {
                cost_per_execution: f.cost_per_execution,
                total_cost: f.total_cost,
                relative_to_baseline: ratio(f.cost_per_execution, b.cost_per_execution),
                p_value: p(Test::Cost).map(|x| x.0),
                adjusted_p_value: p(Test::Cost).map(|x| x.1),
            },
        );
    }

    let mut insights = Vec::new();
    let mut recommendations = Vec::new();
    for ((i, test, p, worse), adj) in tests.iter().zip(&adjusted) {
        if *adj >= ALPHA {
            continue;
        }
        let better = if *worse == 0 { *i } else { 0 };
        let (w, o) = (&figs[*worse], &figs[better]);
        let (wk, ok) = (&tasks[*worse].key, &tasks[better].key);
        let found = match test {
            Test::Duration => duration_gap(w, o, wk, ok),
            Test::Cpu => cpu_gap(w, o, wk, ok),
            Test::Failures => failure_gap(w, o, wk, ok),
            Test::Cost => cost_gap(w, o, wk, ok),
        };
        let Some((mut insight, recommendation)) = found else {
            continue;
        };
        if let Some(e) = insight.evidence.as_mut() {
            e.p_value = *p;
            e.adjusted_p_value = *adj;
        }
        insights.push(insight);
        if !recommendations
            .iter()
            .any(|r: &OptimizationRecommendation| {
                r.task_id == *wk && r.title == recommendation.title
            })
        {
            recommendations.push(recommendation);
        }
    }
    insights.sort_by(|a, b| {
        level_rank(b.severity)
            .cmp(&level_rank(a.severity))
            .then(b.potential_savings.total_cmp(&a.potential_savings))
    });
    recommendations.sort_by(|a, b| {
        b.expected_improvement_pct
            .total_cmp(&a.expected_improvement_pct)
    });
    let summary = summary(&base.key, tasks.len() - 1, tests.len(), &insights);
    Comparison {
        metrics,
        insights,
        recommendations,
        summary,
    }
}

fn level_rank(l: Level) -> u8 {
    match l {
        Level::Low => 0,
        Level::Medium => 1,
        Level::High => 2,
    }
}

fn summary(base: &str, compared: usize, tests: usize, insights: &[ComparisonInsight]) -> String {
    let count = |t: InsightType| insights.iter().filter(|i| i.insight_type == t).count();
    if insights.is_empty() {
        return format!(
            "{compared} task(s) compared with baseline {base}: no difference both significant \
             (Benjamini-Hochberg adjusted p < {ALPHA} over {tests} tests) and large enough to act on."
        );
    }
    format!(
        "{compared} task(s) compared with baseline {base}: {} significant difference(s) over \
         {tests} tests (Benjamini-Hochberg adjusted p < {ALPHA}): {} performance gap(s), {} \
         resource inefficiency(ies), {} reliability issue(s), {} cost anomaly(ies).",
        insights.len(),
        count(InsightType::PerformanceGap),
        count(InsightType::ResourceInefficiency),
        count(InsightType::ReliabilityIssue),
        count(InsightType::CostAnomaly),
    )
}

fn evidence(
    test: &str,
    metric: &str,
    reference: &str,
    reference_value: f64,
    value: f64,
) -> Option<InsightEvidence> {
    Some(InsightEvidence {
        test: test.into(),
        metric: metric.into(),
        reference_task: reference.into(),
        reference_value,
        task_value: value,
        p_value: 1.0,
        adjusted_p_value: 1.0,
    })
}

type Found = Option<(ComparisonInsight, OptimizationRecommendation)>;

fn duration_gap(w: &Figures, o: &Figures, wk: &str, ok: &str) -> Found {
    let r = ratio(w.p50, o.p50);
    if o.p50 <= 0.0 || r < MIN_DURATION_RATIO {
        return None;
    }
    let severity = if r >= 2.0 {
        Level::High
    } else if r >= 1.5 {
        Level::Medium
    } else {
        Level::Low
    };
    let share = 1.0 - 1.0 / r;
    Some((
        ComparisonInsight {
            insight_type: InsightType::PerformanceGap,
            description: format!(
                "{wk} takes {r:.2}× as long as {ok} (median {:.1} s vs {:.1} s)",
                w.p50 / 1e3,
                o.p50 / 1e3
            ),
            severity,
            affected_tasks: vec![wk.to_owned()],
            potential_savings: w.total_cost * share,
            action_required: severity != Level::Low,
            evidence: evidence("mann_whitney_u", "duration_p50_ms", ok, o.p50, w.p50),
        },
        OptimizationRecommendation {
            task_id: wk.to_owned(),
            title: "Close the performance gap".into(),
            description: format!(
                "Find what makes {wk} slower than {ok} (input sizes, hosts, allocation, code \
                 path) and bring its median toward {:.1} s.",
                o.p50 / 1e3
            ),
            expected_improvement_pct: 100.0 * share,
        },
    ))
}

fn cpu_gap(w: &Figures, o: &Figures, wk: &str, ok: &str) -> Found {
    let (Some(we), Some(oe)) = (w.cpu_efficiency, o.cpu_efficiency) else {
        return None;
    };
    let gap = oe - we;
    if gap < MIN_CPU_EFFICIENCY_GAP || oe <= 0.0 {
        return None;
    }
    let severity = if gap >= 0.5 {
        Level::High
    } else if gap >= 0.3 {
        Level::Medium
    } else {
        Level::Low
    };
    let share = (1.0 - we / oe).clamp(0.0, 1.0);
    Some((
        ComparisonInsight {
            insight_type: InsightType::ResourceInefficiency,
            description: format!(
                "{wk} uses {:.0} % of its allocated cores, {ok} {:.0} %",
                100.0 * we,
                100.0 * oe
            ),
            severity,
            affected_tasks: vec![wk.to_owned()],
            potential_savings: w.cpu_cost * share,
            action_required: severity != Level::Low,
            evidence: evidence("mann_whitney_u", "cpu_efficiency", ok, oe, we),
        },
        OptimizationRecommendation {
            task_id: wk.to_owned(),
            title: "Right-size the CPU allocation".into(),
            description: format!(
                "Allocate fewer cores to {wk} (or parallelise it) so that it uses them as \
                 {ok} does."
            ),
            expected_improvement_pct: 100.0 * share,
        },
    ))
}

fn failure_gap(w: &Figures, o: &Figures, wk: &str, ok: &str) -> Found {
    let gap = w.failure_rate - o.failure_rate;
    if gap < MIN_FAILURE_RATE_GAP || w.failure_rate < MIN_FAILURE_RATE_RATIO * o.failure_rate {
        return None;
    }
    let severity = if gap >= 0.1 {
        Level::High
    } else if gap >= 0.05 {
        Level::Medium
    } else {
        Level::Low
    };
    Some((
        ComparisonInsight {
            insight_type: InsightType::ReliabilityIssue,
            description: format!(
                "{wk} fails {:.1} % of its executions ({} of {}), {ok} {:.1} %",
                100.0 * w.failure_rate,
                w.failures,
                w.executions,
                100.0 * o.failure_rate
            ),
            severity,
            affected_tasks: vec![wk.to_owned()],
            potential_savings: gap * w.executions as f64 * w.cost_per_execution,
            action_required: true,
            evidence: evidence(
                "fisher_exact",
                "failure_rate",
                ok,
                o.failure_rate,
                w.failure_rate,
            ),
        },
        OptimizationRecommendation {
            task_id: wk.to_owned(),
            title: "Reduce failures".into(),
            description: format!(
                "Look at {wk}'s failure signatures and factors (GET /tasks/{wk}/failures) and \
                 remove the causes it does not share with {ok}."
            ),
            expected_improvement_pct: 100.0 * ratio(gap, w.failure_rate),
        },
    ))
}

fn cost_gap(w: &Figures, o: &Figures, wk: &str, ok: &str) -> Found {
    let r = ratio(w.cost_per_execution, o.cost_per_execution);
    if o.cost_per_execution <= 0.0 || r < MIN_COST_RATIO {
        return None;
    }
    let severity = if r >= 3.0 {
        Level::High
    } else if r >= 2.0 {
        Level::Medium
    } else {
        Level::Low
    };
    Some((
        ComparisonInsight {
            insight_type: InsightType::CostAnomaly,
            description: format!(
                "{wk} costs {r:.2}× as much per execution as {ok} ({:.4} vs {:.4})",
                w.cost_per_execution, o.cost_per_execution
            ),
            severity,
            affected_tasks: vec![wk.to_owned()],
            potential_savings: (w.cost_per_execution - o.cost_per_execution) * w.executions as f64,
            action_required: severity != Level::Low,
            evidence: evidence(
                "mann_whitney_u",
                "cost_per_execution",
                ok,
                o.cost_per_execution,
                w.cost_per_execution,
            ),
        },
        OptimizationRecommendation {
            task_id: wk.to_owned(),
            title: "Bring the cost per execution down".into(),
            description: format!(
                "{wk}'s allocation × duration costs more per run than {ok}'s: shorten it or \
                 allocate less (POST /tasks/{wk}/optimize prices the options)."
            ),
            expected_improvement_pct: 100.0 * (1.0 - 1.0 / r),
        },
    ))
}

/// For tests: a summary and sample of completed runs with these durations, as the rollups
/// would store them.
#[cfg(test)]
pub(crate) fn input_of(key: &str, execs: Vec<Execution>) -> TaskInput {
    TaskInput {
        key: key.into(),
        summary: Rollup::of(&execs),
        sample: execs,
    }
}

#[cfg(test)]
mod tests;
