//! Mergeable summaries of a task's executions: what the hourly and daily rollups store
//! (`migrations/*_rollups.sql` computes the same fields in SQL) and how windows are built from
//! them. Counts and sums add; duration moments merge exactly with the parallel-variance formula
//! of Chan, Golub & LeVeque ("Algorithms for computing the sample variance", 1983); quantiles
//! come from a [`Sketch`] within [`crate::sketch::RELATIVE_ACCURACY`].
//!
//! Two groups of durations are kept, as [`crate::statistics`] defines them: every execution
//! with a duration except skipped ones (`dur_*`, `sketch`), and completed runs among them
//! (`completed_*`, `completed_sketch`), which the headline statistics describe. The other
//! attempts that ran (`UnsuccessfulDurations`) are the difference: counts and sums subtract
//! exactly, and so do the sketch's buckets key by key (a sketch of a union is the sum of the
//! sketches), so their quantiles keep the sketch's α. Their M2 would not subtract cleanly
//! (Chan's merge runs one way), which is why that block has no standard deviation.

use chrono::{DateTime, Utc};
use types::{
    ExecutionStatistics, ExecutionStatus, HistogramBin, SeriesBucket, TaskCostAnalysis,
    TaskPerformanceMetrics, TrendDirection, UnsuccessfulDurations,
};

use crate::cost::CostModel;
use crate::execution::Execution;
use crate::sketch::Sketch;
use crate::statistics::{TREND_ALPHA, direction_of};
use crate::trend::duration_trend_owned;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollup {
    pub executions: u64,
    pub completed: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
    pub skipped: u64,
    pub running: u64,
    /// Attempts after the first.
    pub retried: u64,
    /// Durations the statistics use: every execution with one, except skipped executions.
    pub dur_n: u64,
    pub dur_sum: f64,
    /// Σ (d − mean)² over those durations.
    pub dur_m2: f64,
    pub dur_min: Option<f64>,
    pub dur_max: Option<f64>,
    pub sketch: Sketch,
    /// Cost inputs: core-hours (allocated cores, else used cores, else 1) and GB-hours
    /// (allocated memory, else the peak), as `cost::execution_cost` prices them.
    pub core_hours: f64,
    pub gb_hours: f64,
    /// Durations of completed runs (the headline percentiles, the charts' p50/p95 per bucket,
    /// outlier cut-offs).
    pub completed_sketch: Sketch,
    /// Moments of the completed runs' durations, as `dur_*` are of all of them.
    pub completed_n: u64,
    pub completed_sum: f64,
    pub completed_m2: f64,
    pub completed_min: Option<f64>,
    pub completed_max: Option<f64>,
    /// Σ and count of CPU shares (CPU time ÷ wall time ÷ allocated cores).
    pub cpu_share_sum: f64,
    pub cpu_share_n: u64,
    pub memory_peak_max: Option<f64>,
    pub memory_allocated_max: Option<f64>,
}

impl Rollup {
    /// The summary of these executions (the rules the SQL rollup follows).
    pub fn of(execs: &[Execution]) -> Rollup {
        let mut r = Rollup::default();
        let mut durations = Vec::with_capacity(execs.len());
        let mut completed = Vec::new();
        // Priced at 1 per core-hour and per GB-hour, the cost model yields the hours themselves.
        let unit = CostModel {
            cpu_hour: 1.0,
            gb_hour: 1.0,
            ..CostModel::default()
        };
        for e in execs {
            r.executions += 1;
            let (core_hours, gb_hours) = crate::cost::execution_cost(e, &unit);
            r.core_hours += core_hours;
            r.gb_hours += gb_hours;
            if let (Some(d), Some(cores), Some(cpu)) =
                (e.duration_ms, e.cpu_allocated_cores, e.cpu_time_ms)
                && d > 0.0
                && cores > 0.0
            {
                r.cpu_share_sum += cpu / d / cores;
                r.cpu_share_n += 1;
            }
            r.memory_peak_max = opt(r.memory_peak_max, e.memory_peak_mb, f64::max);
            r.memory_allocated_max = opt(r.memory_allocated_max, e.memory_allocated_mb, f64::max);
            match e.status {
                ExecutionStatus::Completed => r.completed += 1,
                ExecutionStatus::Failed => r.failed += 1,
                ExecutionStatus::Timeout => r.timeout += 1,
                ExecutionStatus::Cancelled => r.cancelled += 1,
                ExecutionStatus::Skipped => r.skipped += 1,
                ExecutionStatus::Running => r.running += 1,
            }
            if e.attempt > 1 {
                r.retried += 1;
            }
            if let Some(d) = e.duration_ms {
                if e.status != ExecutionStatus::Skipped {
                    durations.push(d);
                }
                if e.status == ExecutionStatus::Completed {
                    completed.push(d);
                }
            }
        }
        (r.dur_n, r.dur_sum, r.dur_m2, r.dur_min, r.dur_max) = moments(&durations);
        (
            r.completed_n,
            r.completed_sum,
            r.completed_m2,
            r.completed_min,
            r.completed_max,
        ) = moments(&completed);
        r.sketch = Sketch::of(durations);
        r.completed_sketch = Sketch::of(completed);
        r
    }

    /// Adds another summary: exact for counts, sums, min, max and M2; the sketch keeps α.
    pub fn merge(&mut self, o: &Rollup) {
        self.dur_m2 = chan_m2(
            (self.dur_n, self.dur_sum, self.dur_m2),
            (o.dur_n, o.dur_sum, o.dur_m2),
        );
        self.completed_m2 = chan_m2(
            (self.completed_n, self.completed_sum, self.completed_m2),
            (o.completed_n, o.completed_sum, o.completed_m2),
        );
        self.completed_n += o.completed_n;
        self.completed_sum += o.completed_sum;
        self.completed_min = opt(self.completed_min, o.completed_min, f64::min);
        self.completed_max = opt(self.completed_max, o.completed_max, f64::max);
        self.executions += o.executions;
        self.completed += o.completed;
        self.failed += o.failed;
        self.timeout += o.timeout;
        self.cancelled += o.cancelled;
        self.skipped += o.skipped;
        self.running += o.running;
        self.retried += o.retried;
        self.dur_n += o.dur_n;
        self.dur_sum += o.dur_sum;
        self.dur_min = opt(self.dur_min, o.dur_min, f64::min);
        self.dur_max = opt(self.dur_max, o.dur_max, f64::max);
        self.sketch.merge(&o.sketch);
        self.core_hours += o.core_hours;
        self.gb_hours += o.gb_hours;
        self.completed_sketch.merge(&o.completed_sketch);
        self.cpu_share_sum += o.cpu_share_sum;
        self.cpu_share_n += o.cpu_share_n;
        self.memory_peak_max = opt(self.memory_peak_max, o.memory_peak_max, f64::max);
        self.memory_allocated_max =
            opt(self.memory_allocated_max, o.memory_allocated_max, f64::max);
    }

    /// ExecutionStatistics from the summary: counts, mean, min, max and standard deviation
    /// (of completed runs) exact; p50/p95/p99 within α of the exact type-7 values (and clamped
    /// to [min, max]); the unsuccessful block as [`Rollup::unsuccessful`] says.
    pub fn statistics(&self, trend_direction: TrendDirection) -> ExecutionStatistics {
        let mut s = ExecutionStatistics {
            total_executions: self.executions,
            successful_executions: self.completed,
            failed_executions: self.failed,
            retried_executions: self.retried,
            timeout_executions: self.timeout,
            trend_direction,
            ..Default::default()
        };
        if self.executions > 0 {
            s.success_rate = 100.0 * self.completed as f64 / self.executions as f64;
        }
        if let (Some(min), Some(max)) = (self.completed_min, self.completed_max) {
            let mean = mean(self.completed_sum, self.completed_n);
            s.avg_duration = mean;
            s.min_duration = min;
            s.max_duration = max;
            s.standard_deviation = if self.completed_n > 1 {
                (self.completed_m2.max(0.0) / (self.completed_n - 1) as f64).sqrt()
            } else {
                0.0
            };
            s.coefficient_of_variation = if mean > 0.0 {
                s.standard_deviation / mean
            } else {
                0.0
            };
            let q = |q: f64| {
                self.completed_sketch
                    .quantile(q)
                    .map_or(0.0, |v| v.clamp(min, max))
            };
            (s.p50_duration, s.p95_duration, s.p99_duration) = (q(0.5), q(0.95), q(0.99));
        }
        s.unsuccessful_durations = self.unsuccessful();
        s
    }

    /// The attempts that ran without completing: all durations minus the completed ones.
    /// Count exact, mean exact up to the rounding of two sums, p50/p95 within α (from the
    /// difference of the two sketches); max exact when such an attempt is the longest of the
    /// window, else its sketch bucket's (within α, at most the window's longest).
    pub fn unsuccessful(&self) -> UnsuccessfulDurations {
        let n = self.dur_n.saturating_sub(self.completed_n);
        let (Some(lo), Some(hi)) = (self.dur_min, self.dur_max) else {
            return UnsuccessfulDurations::default();
        };
        if n == 0 {
            return UnsuccessfulDurations::default();
        }
        let sketch = self.sketch.minus(&self.completed_sketch);
        let max = match self.completed_max {
            Some(c) if c >= hi => sketch.quantile(1.0).map_or(hi, |v| v.clamp(lo, hi)),
            _ => hi,
        };
        let q = |q: f64| sketch.quantile(q).map_or(0.0, |v| v.clamp(lo, max));
        UnsuccessfulDurations {
            count: n,
            avg: (self.dur_sum - self.completed_sum).max(0.0) / n as f64,
            p50: q(0.5),
            p95: q(0.95),
            max,
        }
    }

    /// The cost analysis from the summed cost inputs (equal to `cost::cost_analysis` over the
    /// same executions).
    pub fn cost(&self, model: &CostModel) -> TaskCostAnalysis {
        let (cpu, mem) = (
            self.core_hours * model.cpu_hour,
            self.gb_hours * model.gb_hour,
        );
        let total = cpu + mem;
        TaskCostAnalysis {
            cost_per_execution: if self.executions == 0 {
                0.0
            } else {
                total / self.executions as f64
            },
            total_cost: total,
            cpu_cost: cpu,
            memory_cost: mem,
            currency: model.currency.clone(),
        }
    }
}

/// Replaces what a window's totals answer exactly (statistics, cost, failure rate) in metrics
/// computed from a sample of its executions (see `db::executions::MAX_TASK_RECORDS`).
pub fn with_totals(
    mut m: TaskPerformanceMetrics,
    totals: &Rollup,
    trend: TrendDirection,
    model: &CostModel,
) -> TaskPerformanceMetrics {
    m.execution_stats = totals.statistics(trend);
    m.cost_analysis = totals.cost(model);
    m.failure_analysis.failure_rate =
        types::failure_rate(totals.failed + totals.timeout, totals.executions);
    m
}

/// The dashboard's time buckets from hourly rollups (`(hour start ms, rollup)`) and the raw
/// executions of the window's partial edge hours, as `series::time_buckets` makes them from
/// executions (same alignment; `width_ms` a multiple of an hour): counts exact, p50/p95 of
/// completed runs within the sketch's α.
pub fn series_buckets(
    hours: &[(i64, Rollup)],
    edges: &[Execution],
    from_ms: i64,
    to_ms: i64,
    width_ms: i64,
) -> Vec<SeriesBucket> {
    let first = from_ms.div_euclid(width_ms) * width_ms;
    let n = ((to_ms - first).max(1) as u64).div_ceil(width_ms as u64) as usize;
    let mut slots = vec![Rollup::default(); n];
    let slot = |t: i64| usize::try_from((t - first).div_euclid(width_ms)).ok();
    for (start, r) in hours {
        if let Some(s) = slot(*start).and_then(|i| slots.get_mut(i)) {
            s.merge(r);
        }
    }
    let mut by_slot: std::collections::BTreeMap<usize, Vec<Execution>> = Default::default();
    for e in edges
        .iter()
        .filter(|e| e.start_ms >= from_ms && e.start_ms < to_ms)
    {
        if let Some(i) = slot(e.start_ms) {
            by_slot.entry(i).or_default().push(e.clone());
        }
    }
    for (i, execs) in by_slot {
        if let Some(s) = slots.get_mut(i) {
            s.merge(&Rollup::of(&execs));
        }
    }
    slots
        .iter()
        .enumerate()
        .map(|(i, r)| SeriesBucket {
            start: DateTime::<Utc>::from_timestamp_millis(first + i as i64 * width_ms)
                .unwrap_or_default(),
            executions: r.executions,
            failures: r.failed + r.timeout,
            p50_ms: r.completed_sketch.quantile(0.5),
            p95_ms: r.completed_sketch.quantile(0.95),
            cpu_efficiency: (r.cpu_share_n > 0).then(|| r.cpu_share_sum / r.cpu_share_n as f64),
            memory_peak_mb: r.memory_peak_max,
            memory_allocated_mb: r.memory_allocated_max,
        })
        .collect()
}

/// `series::duration_histogram` from a sketch: `bins` equal-width bins from 0 to the p99, the
/// slower tail in the last; each sketch bucket counts in the bin of its representative value,
/// so a count may sit one bin off when a bucket straddles a bin edge (within α of it).
pub fn sketch_histogram(sketch: &Sketch, bins: usize) -> Vec<HistogramBin> {
    let Some(p99) = sketch.quantile(0.99) else {
        return Vec::new();
    };
    let bins = bins.max(1);
    let width = p99.max(1.0) / bins as f64;
    let mut counts = vec![0u64; bins];
    for (v, c) in sketch.buckets() {
        counts[((v / width) as usize).min(bins - 1)] += c;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| HistogramBin {
            from_ms: i as f64 * width,
            to_ms: (i + 1) as f64 * width,
            count,
        })
        .collect()
}

/// Weighted median of `(value, count)` pairs sorted by value.
fn weighted_median(sorted: &[(f64, u64)]) -> f64 {
    let n: u64 = sorted.iter().map(|p| p.1).sum();
    let mut seen = 0;
    for &(v, c) in sorted {
        seen += c;
        if 2 * seen >= n {
            return v;
        }
    }
    0.0
}

/// Durations beyond which a completed run is an outlier under `anomaly::duration_outliers`'
/// rule (modified z-score of the log duration beyond `anomaly::outlier_threshold(n)`, and for
/// slow runs at least `MIN_OUTLIER_RATIO` × the median), with the median and the MAD of the log
/// durations read from the completed runs' sketch (within α). `None` without positive
/// durations or spread.
pub fn outlier_cutoffs(completed: &Sketch) -> Option<OutlierCutoffs> {
    use crate::anomaly::{MAD_CONSTANT, MIN_OUTLIER_RATIO, outlier_threshold};
    let logs: Vec<(f64, u64)> = completed
        .buckets()
        .filter(|(v, _)| *v > 0.0)
        .map(|(v, c)| (v.ln(), c))
        .collect();
    let n: u64 = logs.iter().map(|p| p.1).sum();
    if n == 0 {
        return None;
    }
    let med = weighted_median(&logs);
    let mut dev: Vec<(f64, u64)> = logs.iter().map(|&(l, c)| ((l - med).abs(), c)).collect();
    dev.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mad = weighted_median(&dev);
    if mad <= 0.0 {
        return None;
    }
    let threshold = outlier_threshold(n as usize);
    let reach = threshold * mad / MAD_CONSTANT;
    let slow = (med + reach).exp().max(MIN_OUTLIER_RATIO * med.exp());
    Some(OutlierCutoffs {
        fast_below_ms: (med - reach).exp(),
        slow_above_ms: slow,
        median_log: med,
        mad_log: mad,
        threshold,
    })
}

/// Where the outlier rule cuts a task's durations, from its sketch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlierCutoffs {
    pub fast_below_ms: f64,
    pub slow_above_ms: f64,
    /// Median of ln(duration ms).
    pub median_log: f64,
    /// Median absolute deviation of ln(duration ms) from it.
    pub mad_log: f64,
    /// The cut-off on |modified z| for the sketch's count.
    pub threshold: f64,
}

impl OutlierCutoffs {
    /// The modified z-score of a duration, as `anomaly::duration_outliers` computes it.
    pub fn score(&self, duration_ms: f64) -> f64 {
        crate::anomaly::MAD_CONSTANT * (duration_ms.ln() - self.median_log) / self.mad_log
    }
}

fn mean(sum: f64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Count, Σ, M2, min and max of some durations.
fn moments(d: &[f64]) -> (u64, f64, f64, Option<f64>, Option<f64>) {
    let sum: f64 = d.iter().sum();
    let m = mean(sum, d.len() as u64);
    (
        d.len() as u64,
        sum,
        d.iter().map(|x| (x - m).powi(2)).sum(),
        d.iter().copied().reduce(f64::min),
        d.iter().copied().reduce(f64::max),
    )
}

/// M2 of the union of two groups given as (count, Σ, M2): Chan et al.'s parallel formula,
/// M2a + M2b + δ² na nb / (na + nb), δ the difference of the means.
fn chan_m2((na, sa, m2a): (u64, f64, f64), (nb, sb, m2b): (u64, f64, f64)) -> f64 {
    if na == 0 || nb == 0 {
        return m2a + m2b;
    }
    let delta = mean(sb, nb) - mean(sa, na);
    let (na, nb) = (na as f64, nb as f64);
    m2a + m2b + delta * delta * na * nb / (na + nb)
}

fn opt(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    }
}

/// Trend direction from time-bucketed medians: Mann-Kendall with Sen's slope (as
/// `statistics::execution_statistics` applies it to single runs) on `(bucket time s, median
/// duration of the bucket's completed runs)`. Bucketing first is the documented way to keep the
/// trend O(buckets) at any volume (Hirsch, Slack & Smith 1982 test seasonal medians the same
/// way); with one run per bucket it is the per-run test.
pub fn bucketed_trend(points: Vec<(f64, f64)>) -> TrendDirection {
    duration_trend_owned(points, TREND_ALPHA)
        .ok()
        .as_ref()
        .map_or(TrendDirection::Stable, direction_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::execution_statistics;

    fn run(i: i64, status: ExecutionStatus, d: Option<i64>) -> Execution {
        let start = i * 600_000;
        Execution {
            attempt: if i % 7 == 0 { 2 } else { 1 },
            cpu_allocated_cores: (i % 3 == 0).then_some(2.0),
            memory_peak_mb: Some(512.0 + i as f64),
            duration_ms: d.map(|d| d as f64),
            ..Execution::new(
                format!("e{i}"),
                "t",
                "r",
                status,
                start,
                d.map(|d| start + d),
            )
        }
    }

    fn runs() -> Vec<Execution> {
        (0..200)
            .map(|i| {
                let status = match i % 20 {
                    0 => ExecutionStatus::Failed,
                    5 => ExecutionStatus::Skipped,
                    9 => ExecutionStatus::Timeout,
                    13 => ExecutionStatus::Running,
                    17 => ExecutionStatus::Cancelled,
                    _ => ExecutionStatus::Completed,
                };
                let d = (status != ExecutionStatus::Running).then_some(1_000 + (i * 37) % 900);
                run(i, status, d)
            })
            .collect()
    }

    #[test]
    fn merged_parts_give_the_statistics_of_the_whole() {
        let all = runs();
        let mut merged = Rollup::default();
        for part in all.chunks(17) {
            merged.merge(&Rollup::of(part));
        }
        let whole = Rollup::of(&all);
        let exact = execution_statistics(&all).stats;
        let s = merged.statistics(exact.trend_direction);
        assert_eq!(merged.sketch, whole.sketch);
        assert_eq!(
            (
                s.total_executions,
                s.successful_executions,
                s.failed_executions
            ),
            (200, 150, 10)
        );
        assert_eq!((s.timeout_executions, s.retried_executions), (10, 29));
        assert_eq!(
            (s.min_duration, s.max_duration),
            (exact.min_duration, exact.max_duration)
        );
        assert!((s.avg_duration - exact.avg_duration).abs() < 1e-9);
        assert!((s.standard_deviation - exact.standard_deviation).abs() < 1e-9);
        for (a, e) in [
            (s.p50_duration, exact.p50_duration),
            (s.p95_duration, exact.p95_duration),
            (s.p99_duration, exact.p99_duration),
        ] {
            assert!((a - e).abs() <= 0.01 * e, "{a} vs {e}");
        }
        // The unsuccessful block: the failed, timed-out and cancelled runs' 30 durations.
        let (u, x) = (&s.unsuccessful_durations, &exact.unsuccessful_durations);
        assert_eq!((u.count, x.count), (30, 30));
        assert!((u.avg - x.avg).abs() < 1e-9 * x.avg);
        for (a, e) in [(u.p50, x.p50), (u.p95, x.p95), (u.max, x.max)] {
            assert!((a - e).abs() <= 0.01 * e, "{a} vs {e}");
        }
        assert!(s.avg_duration != u.avg);
    }

    #[test]
    fn the_unsuccessful_max_is_exact_when_a_failed_attempt_is_the_longest() {
        use ExecutionStatus::*;
        let one = |status, d| run(1, status, Some(d));
        let killed_last = Rollup::of(&[one(Completed, 1000), one(Failed, 5000), one(Failed, 300)]);
        let u = killed_last.unsuccessful();
        assert_eq!((u.count, u.avg, u.max), (2, 2650.0, 5000.0));
        // Here the longest run completed: the failed attempts' max is read off the sketch.
        let completed_last =
            Rollup::of(&[one(Completed, 9000), one(Failed, 5000), one(Cancelled, 300)]);
        let u = completed_last.unsuccessful();
        assert_eq!((u.count, u.avg), (2, 2650.0));
        assert!((u.max - 5000.0).abs() <= 0.01 * 5000.0, "{}", u.max);
        assert_eq!(Rollup::of(&[one(Completed, 10)]).unsuccessful().count, 0);
    }

    #[test]
    fn cost_equals_the_per_execution_cost_model() {
        let all = runs();
        let model = CostModel::default();
        let exact = crate::cost::cost_analysis(&all, &model);
        let c = Rollup::of(&all).cost(&model);
        assert!((c.total_cost - exact.total_cost).abs() < 1e-9 * exact.total_cost.max(1.0));
        assert!((c.cost_per_execution - exact.cost_per_execution).abs() < 1e-12);
    }

    #[test]
    fn buckets_from_rollups_agree_with_buckets_from_executions() {
        let all = runs();
        let (from, to, width) = (0, 200 * 600_000, 3_600_000);
        let hours: Vec<(i64, Rollup)> = all
            .chunk_by(|a, b| a.start_ms / width == b.start_ms / width)
            .map(|c| (c[0].start_ms / width * width, Rollup::of(c)))
            .collect();
        // The first two hours as raw edge executions, the rest as rollups.
        let edges: Vec<Execution> = all
            .iter()
            .filter(|e| e.start_ms < 2 * width)
            .cloned()
            .collect();
        let (w, want) = crate::series::time_buckets(&all, from, to);
        assert_eq!(w, width, "the raw path picks 1 h buckets for 33 h");
        let got = series_buckets(&hours[2..], &edges, from, to, w);
        assert_eq!(got.len(), want.len());
        for (g, x) in got.iter().zip(&want) {
            assert_eq!(
                (g.start, g.executions, g.failures),
                (x.start, x.executions, x.failures)
            );
            assert_eq!(
                (g.memory_peak_mb, g.memory_allocated_mb),
                (x.memory_peak_mb, x.memory_allocated_mb)
            );
            for (a, b) in [(g.p50_ms, x.p50_ms), (g.p95_ms, x.p95_ms)] {
                let (a, b) = (a.unwrap(), b.unwrap());
                assert!((a - b).abs() <= 0.01 * b, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn the_sketch_histogram_counts_every_duration_once() {
        let d: Vec<f64> = (1..=99).map(f64::from).chain([10_000.0]).collect();
        let h = sketch_histogram(&Sketch::of(d.iter().copied()), 10);
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 100);
        assert_eq!(h[9].count, 1, "the extreme run sits in the last bin");
    }

    #[test]
    fn outlier_cutoffs_flag_what_duration_outliers_flags() {
        // 2,000 runs around 1 s (log-uniform ±20 %) and three 30 s runs.
        let mut d: Vec<f64> = (0..2000)
            .map(|i| 1000.0 * (0.4 * (i as f64 / 2000.0) - 0.2).exp())
            .collect();
        d.extend([30_000.0, 31_000.0, 32_000.0]);
        let cut = outlier_cutoffs(&Sketch::of(d.iter().copied())).unwrap();
        let (fast, slow) = (cut.fast_below_ms, cut.slow_above_ms);
        let exact = crate::anomaly::duration_outliers(&d).unwrap();
        let flagged: Vec<f64> = exact.iter().map(|o| o.value).collect();
        // The sketch's scores agree with the exact ones within the sketch's relative accuracy
        // (1 % in ln terms moves ln(30 s) ≈ 10.3 by 0.01; MAD ≈ 0.1 scales that to ≈ 0.07).
        for o in &exact {
            assert!(
                (cut.score(o.value) - o.score).abs() < 0.1 * o.score.abs(),
                "{o:?}"
            );
        }
        assert!((cut.threshold - crate::anomaly::outlier_threshold(d.len())).abs() < 1e-12);
        let by_cutoff: Vec<f64> = d
            .iter()
            .copied()
            .filter(|v| *v >= slow || *v <= fast)
            .collect();
        assert_eq!(flagged, vec![30_000.0, 31_000.0, 32_000.0]);
        assert_eq!(by_cutoff, flagged);
    }

    #[test]
    fn a_rising_bucket_median_is_a_degrading_trend() {
        let points = (0..48)
            .map(|h| (h as f64 * 3600.0, 1000.0 + 20.0 * h as f64))
            .collect();
        assert_eq!(bucketed_trend(points), TrendDirection::Degrading);
        let flat = (0..48)
            .map(|h| (h as f64 * 3600.0, 1000.0 + (h % 3) as f64))
            .collect();
        assert_eq!(bucketed_trend(flat), TrendDirection::Stable);
    }
}
