//! Mergeable summaries of a task's executions: what the hourly and daily rollups store
//! (`migrations/*_rollups.sql` computes the same fields in SQL) and how windows are built from
//! them. Counts and sums add; duration moments merge exactly with the parallel-variance formula
//! of Chan, Golub & LeVeque ("Algorithms for computing the sample variance", 1983); quantiles
//! come from a [`Sketch`] within [`crate::sketch::RELATIVE_ACCURACY`].

use types::{
    ExecutionStatistics, ExecutionStatus, TaskCostAnalysis, TaskPerformanceMetrics, TrendDirection,
};

use crate::execution::Execution;
use crate::sketch::Sketch;
use crate::statistics::{TREND_ALPHA, direction_of};
use crate::task::CostModel;
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
    /// (allocated memory, else the peak), as `task::execution_cost` prices them.
    pub core_hours: f64,
    pub gb_hours: f64,
}

impl Rollup {
    /// The summary of these executions (the rules the SQL rollup follows).
    pub fn of(execs: &[Execution]) -> Rollup {
        let mut r = Rollup::default();
        let mut durations = Vec::with_capacity(execs.len());
        for e in execs {
            r.executions += 1;
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
                if d > 0.0 {
                    let hours = d / 3_600_000.0;
                    let cores = e
                        .cpu_allocated_cores
                        .or_else(|| e.cpu_time_ms.map(|c| c / d))
                        .unwrap_or(1.0);
                    let gb = e.memory_allocated_mb.or(e.memory_peak_mb).unwrap_or(0.0) / 1024.0;
                    r.core_hours += hours * cores;
                    r.gb_hours += hours * gb;
                }
            }
        }
        r.dur_n = durations.len() as u64;
        r.dur_sum = durations.iter().sum();
        let mean = r.mean();
        r.dur_m2 = durations.iter().map(|d| (d - mean).powi(2)).sum();
        r.dur_min = durations.iter().copied().reduce(f64::min);
        r.dur_max = durations.iter().copied().reduce(f64::max);
        r.sketch = Sketch::of(durations);
        r
    }

    fn mean(&self) -> f64 {
        if self.dur_n == 0 {
            0.0
        } else {
            self.dur_sum / self.dur_n as f64
        }
    }

    /// Adds another summary: exact for counts, sums, min, max and M2; the sketch keeps α.
    pub fn merge(&mut self, o: &Rollup) {
        let (na, nb) = (self.dur_n as f64, o.dur_n as f64);
        if nb > 0.0 {
            let delta = o.mean() - self.mean();
            self.dur_m2 += o.dur_m2 + delta * delta * na * nb / (na + nb);
        }
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
    }

    /// ExecutionStatistics from the summary: counts, mean, min, max and standard deviation
    /// exact; p50/p95/p99 within α of the exact type-7 values (and clamped to [min, max]).
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
        if let (Some(min), Some(max)) = (self.dur_min, self.dur_max) {
            let mean = self.mean();
            s.avg_duration = mean;
            s.min_duration = min;
            s.max_duration = max;
            s.standard_deviation = if self.dur_n > 1 {
                (self.dur_m2.max(0.0) / (self.dur_n - 1) as f64).sqrt()
            } else {
                0.0
            };
            s.coefficient_of_variation = if mean > 0.0 {
                s.standard_deviation / mean
            } else {
                0.0
            };
            let q = |q: f64| self.sketch.quantile(q).map_or(0.0, |v| v.clamp(min, max));
            (s.p50_duration, s.p95_duration, s.p99_duration) = (q(0.5), q(0.95), q(0.99));
        }
        s
    }

    /// The cost analysis from the summed cost inputs (equal to `task::cost_analysis` over the
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
    m.failure_analysis.failure_rate = if totals.executions == 0 {
        0.0
    } else {
        (totals.failed + totals.timeout) as f64 / totals.executions as f64
    };
    m
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
            (200, 160, 10)
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
    }

    #[test]
    fn cost_equals_the_per_execution_cost_model() {
        let all = runs();
        let model = CostModel::default();
        let exact = crate::task::cost_analysis(&all, &model);
        let c = Rollup::of(&all).cost(&model);
        assert!((c.total_cost - exact.total_cost).abs() < 1e-9 * exact.total_cost.max(1.0));
        assert!((c.cost_per_execution - exact.cost_per_execution).abs() < 1e-12);
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
