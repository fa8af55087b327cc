//! `ExecutionStatistics` of one task over a window (the spec's `_calculate_execution_statistics`).
//!
//! **Departure from the spec.** The spec's duration statistics cover every execution that has
//! a duration, whatever its status (skipped ones excepted). Here the headline figures (mean,
//! min, max, p50/p95/p99, standard deviation, CV) cover *completed runs only*, and the other
//! executions that ran — failed, timed-out and cancelled attempts: every execution with a
//! duration that is neither completed nor skipped — get their own block
//! ([`types::UnsuccessfulDurations`]: count, mean, p50, p95, max). Why: a failed attempt's
//! duration is its time to failure, not the task's running time. An OOM-killed attempt that
//! ran for five minutes before the kill and a retry that completed in one minute averaged to
//! 194 s for a real Nextflow process whose completed runs average 61 s (issue #13). Skipped
//! executions never ran and are in neither. The failure rate still counts failed and
//! timed-out executions over all executions.
//! Percentiles are Hyndman-Fan type 7 (numpy's default, Postgres `percentile_cont`), found by
//! selection (`select_nth_unstable`, expected O(n)) rather than a full sort ([`quantiles`]), or
//! read off a sorted slice ([`quantile_sorted`], [`summarize`]): one definition, two access
//! paths. The trend is
//! Mann-Kendall with Sen's slope ([`crate::trend`]) on (start time, duration), reported as
//! degrading or improving only when it is both statistically significant at [`TREND_ALPHA`]
//! and practically relevant: a fitted change across the window of at least
//! [`MIN_RELATIVE_CHANGE`] of the median duration. Why these values: with thousands of
//! executions a 0.5 % drift is "significant" but worth nobody's attention; and a dashboard of
//! 66 stable tasks tested at α = 0.05 shows about 3 false trends at any time (66 × 0.05);
//! α = 0.01 shows fewer than one — the spec asks for alerts with < 5 % false positives.

use statrs::statistics::{Data, Distribution};
use types::{ExecutionStatistics, ExecutionStatus, TrendDirection, UnsuccessfulDurations};

use crate::execution::Execution;
use crate::trend::{DurationTrend, duration_trend_owned};

/// Smallest fitted change across the window, relative to the median, reported as a trend.
pub const MIN_RELATIVE_CHANGE: f64 = 0.15;
/// Significance level of the trend test.
pub const TREND_ALPHA: f64 = 0.01;

/// Quantiles of unsorted values by linear interpolation (type 7), using selection. Reorders
/// `values`. `qs` must be in `[0, 1]`; returns `None` for an empty slice.
pub fn quantiles(values: &mut [f64], qs: &[f64]) -> Option<Vec<f64>> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let lower = |q: f64| (q.clamp(0.0, 1.0) * (n - 1) as f64).floor() as usize;
    // Select in ascending rank order: after selecting rank k, every larger rank lies to its
    // right, so each selection partitions only what is left over.
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by_key(|&i| lower(qs[i]));
    let mut out = vec![0.0; qs.len()];
    // `values[..done]` holds the `done` smallest values, `values[done - 1]` the largest of them.
    let mut done = 0;
    for i in order {
        let h = qs[i].clamp(0.0, 1.0) * (n - 1) as f64;
        let lo = h.floor() as usize;
        if lo >= done {
            values[done..].select_nth_unstable_by(lo - done, f64::total_cmp);
            done = lo + 1;
        }
        let v_lo = values[lo];
        let frac = h - lo as f64;
        out[i] = if frac > 0.0 {
            // The next order statistic is the smallest value to the right of the pivot.
            let v_hi = values[lo + 1..]
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            v_lo + frac * (v_hi - v_lo)
        } else {
            v_lo
        };
    }
    Some(out)
}

/// Statistics and the full trend result (for callers that show slope and p-value).
#[derive(Debug, Clone, PartialEq)]
pub struct StatisticsReport {
    pub stats: ExecutionStatistics,
    pub trend: Option<DurationTrend>,
}

pub fn execution_statistics(execs: &[Execution]) -> StatisticsReport {
    let mut s = ExecutionStatistics {
        total_executions: execs.len() as u64,
        ..Default::default()
    };
    // One pass counts and collects the two groups of durations and the trend's points (of
    // completed runs, as the headline).
    let mut completed: Vec<f64> = Vec::with_capacity(execs.len());
    let mut unsuccessful: Vec<f64> = Vec::new();
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(execs.len());
    for e in execs {
        match e.status {
            ExecutionStatus::Completed => s.successful_executions += 1,
            ExecutionStatus::Failed => s.failed_executions += 1,
            ExecutionStatus::Timeout => s.timeout_executions += 1,
            _ => {}
        }
        if e.attempt > 1 {
            s.retried_executions += 1;
        }
        let Some(d) = e.duration_ms else { continue };
        match e.status {
            ExecutionStatus::Skipped => {}
            ExecutionStatus::Completed => {
                completed.push(d);
                points.push((e.start_ms as f64 / 1000.0, d));
            }
            _ => unsuccessful.push(d),
        }
    }
    if s.total_executions > 0 {
        s.success_rate = 100.0 * s.successful_executions as f64 / s.total_executions as f64;
    }
    let n = completed.len();
    if n > 0 {
        let (min, max, sum) = completed.iter().fold(
            (f64::INFINITY, f64::NEG_INFINITY, 0.0),
            |(lo, hi, sum), d| (lo.min(*d), hi.max(*d), sum + d),
        );
        let mean = sum / n as f64;
        let var = if n > 1 {
            completed.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        s.avg_duration = mean;
        s.min_duration = min;
        s.max_duration = max;
        s.standard_deviation = var.sqrt();
        s.coefficient_of_variation = if mean > 0.0 {
            s.standard_deviation / mean
        } else {
            0.0
        };
        if let Some(q) = quantiles(&mut completed, &[0.5, 0.95, 0.99]) {
            (s.p50_duration, s.p95_duration, s.p99_duration) = (q[0], q[1], q[2]);
        }
    }
    drop(completed);
    s.unsuccessful_durations = unsuccessful_durations(&mut unsuccessful);
    let trend = duration_trend_owned(points, TREND_ALPHA).ok();
    s.trend_direction = trend.as_ref().map_or(TrendDirection::Stable, direction_of);
    StatisticsReport { stats: s, trend }
}

/// The block of the attempts that ran without completing, from their durations (reordered).
fn unsuccessful_durations(durations: &mut [f64]) -> UnsuccessfulDurations {
    let Some(q) = quantiles(durations, &[0.5, 0.95]) else {
        return UnsuccessfulDurations::default();
    };
    let n = durations.len();
    UnsuccessfulDurations {
        count: n as u64,
        avg: durations.iter().sum::<f64>() / n as f64,
        p50: q[0],
        p95: q[1],
        max: durations.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// Significant and at least [`MIN_RELATIVE_CHANGE`] across the window, else stable.
pub fn direction_of(t: &DurationTrend) -> TrendDirection {
    let relevant = t
        .relative_change
        .is_some_and(|c| c.abs() >= MIN_RELATIVE_CHANGE);
    if relevant {
        t.direction
    } else {
        TrendDirection::Stable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::quantile_sorted;
    use proptest::prelude::*;

    fn exec(i: i64, status: ExecutionStatus, attempt: u32, duration: Option<f64>) -> Execution {
        let start = 1_700_000_000_000 + i * 3_600_000;
        Execution {
            attempt,
            ..Execution::new(
                format!("e{i}"),
                "t",
                format!("r{i}"),
                status,
                start,
                duration.map(|d| start + d as i64),
            )
        }
    }

    #[test]
    fn counts_rates_and_the_completed_duration_rule_on_a_hand_worked_window() {
        use ExecutionStatus::*;
        // Completed runs make the headline; failed, timed-out (and cancelled) attempts the
        // unsuccessful block; the running one has no duration, the skipped one never ran.
        let execs = vec![
            exec(0, Completed, 1, Some(120.0)),
            exec(1, Failed, 1, Some(80.0)),
            exec(2, Completed, 2, Some(200.0)),
            exec(3, Timeout, 1, Some(3000.0)),
            exec(4, Completed, 1, Some(110.0)),
            exec(5, Running, 1, None),
            exec(6, Skipped, 1, Some(0.0)),
        ];
        let s = execution_statistics(&execs).stats;
        assert_eq!(
            (
                s.total_executions,
                s.successful_executions,
                s.failed_executions,
                s.timeout_executions,
                s.retried_executions
            ),
            (7, 3, 1, 1, 1)
        );
        assert!((s.success_rate - 300.0 / 7.0).abs() < 1e-12);
        // Postgres 15: SELECT avg(d), stddev_samp(d), percentile_cont(array[0.5, 0.95, 0.99])
        //   WITHIN GROUP (ORDER BY d) FROM unnest(array[120, 200, 110]::float8[]) d
        //   -> 143.33333333333334 | 49.32882862316247 | {120, 192, 198.4}
        for (got, want) in [
            (s.avg_duration, 430.0 / 3.0),
            (s.standard_deviation, 49.328_828_623_162_47),
            (s.p50_duration, 120.0),
            (s.p95_duration, 192.0),
            (s.p99_duration, 198.4),
        ] {
            approx::assert_relative_eq!(got, want, max_relative = crate::tolerances::REL);
        }
        assert_eq!((s.min_duration, s.max_duration), (110.0, 200.0));
        // The failed 80 ms and the timed-out 3,000 ms: percentile_cont over [80, 3000]
        // -> {1540, 2854}.
        let u = &s.unsuccessful_durations;
        assert_eq!((u.count, u.avg, u.p50, u.max), (2, 1540.0, 1540.0, 3000.0));
        approx::assert_relative_eq!(u.p95, 2854.0, max_relative = crate::tolerances::REL);
    }

    #[test]
    fn an_oom_heavy_task_is_described_by_its_completed_runs_not_its_killed_attempts() {
        use ExecutionStatus::*;
        // The shape of issue #13's Nextflow process: attempts killed for memory after running
        // several minutes, retries that complete in about a minute. Over all seven attempts
        // the mean is 194 s (Postgres: avg over the seven values -> 194), as the spec's rule
        // reported; the completed runs average 61 s.
        let execs = vec![
            exec(0, Failed, 1, Some(250_000.0)),
            exec(1, Failed, 2, Some(280_000.0)),
            exec(2, Completed, 3, Some(55_000.0)),
            exec(3, Failed, 1, Some(300_000.0)),
            exec(4, Failed, 2, Some(345_000.0)),
            exec(5, Completed, 3, Some(61_000.0)),
            exec(6, Completed, 1, Some(67_000.0)),
        ];
        let s = execution_statistics(&execs).stats;
        // Postgres 15 over [55, 61, 67] s: avg 61, stddev_samp 6,
        // percentile_cont(0.5, 0.95, 0.99) -> {61, 66.4, 66.88}.
        for (got, want) in [
            (s.avg_duration, 61_000.0),
            (s.standard_deviation, 6_000.0),
            (s.coefficient_of_variation, 6.0 / 61.0),
            (s.p50_duration, 61_000.0),
            (s.p95_duration, 66_400.0),
            (s.p99_duration, 66_880.0),
        ] {
            approx::assert_relative_eq!(got, want, max_relative = crate::tolerances::REL);
        }
        assert_eq!((s.min_duration, s.max_duration), (55_000.0, 67_000.0));
        // Over the four killed attempts [250, 280, 300, 345] s: avg 293.75,
        // percentile_cont(0.5, 0.95) -> {290, 338.25}, max 345.
        let u = &s.unsuccessful_durations;
        assert_eq!((u.count, u.p50, u.max), (4, 290_000.0, 345_000.0));
        approx::assert_relative_eq!(u.avg, 293_750.0, max_relative = crate::tolerances::REL);
        approx::assert_relative_eq!(u.p95, 338_250.0, max_relative = crate::tolerances::REL);
        let all = (s.avg_duration * 3.0 + u.avg * 4.0) / 7.0;
        approx::assert_relative_eq!(all, 194_000.0, max_relative = crate::tolerances::REL);
    }

    #[test]
    fn a_forty_percent_slowdown_is_degrading_and_a_one_percent_drift_is_stable() {
        use ExecutionStatus::Completed;
        let slow: Vec<Execution> = (0..200)
            .map(|i| exec(i, Completed, 1, Some(1000.0 + 2.0 * i as f64)))
            .collect();
        assert_eq!(
            execution_statistics(&slow).stats.trend_direction,
            TrendDirection::Degrading
        );
        let fast: Vec<Execution> = (0..200)
            .map(|i| exec(i, Completed, 1, Some(1400.0 - 2.0 * i as f64)))
            .collect();
        assert_eq!(
            execution_statistics(&fast).stats.trend_direction,
            TrendDirection::Improving
        );
        let drift: Vec<Execution> = (0..200)
            .map(|i| exec(i, Completed, 1, Some(1000.0 + 0.05 * i as f64)))
            .collect();
        let r = execution_statistics(&drift);
        assert!(
            r.trend.as_ref().unwrap().test.p_value < 1e-6,
            "significant..."
        );
        assert_eq!(
            r.stats.trend_direction,
            TrendDirection::Stable,
            "...but irrelevant"
        );
    }

    #[test]
    fn an_empty_window_has_zero_statistics() {
        let s = execution_statistics(&[]).stats;
        assert_eq!(s, ExecutionStatistics::default());
    }

    proptest! {
        #[test]
        fn selection_quantiles_equal_sorted_quantiles(v in prop::collection::vec(-1e6f64..1e6, 1..300), q in 0.0f64..=1.0) {
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let want = quantile_sorted(&sorted, q).unwrap().unwrap();
            let mut work = v.clone();
            let got = quantiles(&mut work, &[q]).unwrap()[0];
            prop_assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0));
        }

        #[test]
        fn several_quantiles_in_any_order_equal_sorted_quantiles(
            v in prop::collection::vec(-1e3f64..1e3, 1..300),
            qs in prop::collection::vec(0.0f64..=1.0, 1..6),
        ) {
            // Few distinct values (many ties) and repeated or unordered qs.
            let v: Vec<f64> = v.iter().map(|x| x.round()).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f64::total_cmp);
            let got = quantiles(&mut v.clone(), &qs).unwrap();
            for (q, g) in qs.iter().zip(&got) {
                prop_assert_eq!(*g, quantile_sorted(&sorted, *q).unwrap().unwrap());
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("quantile {0} is outside [0, 1]")]
    QuantileOutOfRange(f64),
    #[error("sample contains a non-finite value")]
    NonFinite,
}

/// Summary of a sample of durations (milliseconds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Sample standard deviation (n − 1 denominator, numpy `ddof=1`); 0 for fewer than 2 values.
    pub std_dev: f64,
    /// `std_dev / mean`; 0 when the mean is 0.
    pub coefficient_of_variation: f64,
}

/// The `q`-quantile (`0 ≤ q ≤ 1`) of an ascending-sorted slice by linear interpolation
/// (Hyndman-Fan type 7). `None` for an empty slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Result<Option<f64>, StatsError> {
    if !(0.0..=1.0).contains(&q) {
        return Err(StatsError::QuantileOutOfRange(q));
    }
    let Some(last) = sorted.len().checked_sub(1) else {
        return Ok(None);
    };
    let h = q * last as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    Ok(Some(
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]),
    ))
}

/// Describes a sample; `None` when it is empty.
pub fn summarize(values: &[f64]) -> Result<Option<Summary>, StatsError> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::NonFinite);
    }
    if values.is_empty() {
        return Ok(None);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p| quantile_sorted(&sorted, p).map(|v| v.unwrap_or_default());
    let data = Data::new(sorted.clone());
    let mean = data.mean().unwrap_or_default();
    let std_dev = if sorted.len() > 1 {
        data.std_dev().unwrap_or_default()
    } else {
        0.0
    };
    Ok(Some(Summary {
        count: sorted.len(),
        mean,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        p50: q(0.50)?,
        p95: q(0.95)?,
        p99: q(0.99)?,
        std_dev,
        coefficient_of_variation: if mean == 0.0 { 0.0 } else { std_dev / mean },
    }))
}

/// Median by statrs, used to cross-check our interpolation in tests.
#[cfg(test)]
fn statrs_median(values: &[f64]) -> f64 {
    use statrs::statistics::OrderStatistics;
    Data::new(values.to_vec()).median()
}

#[cfg(test)]
mod summary_tests {
    use super::*;
    use approx::assert_relative_eq;
    use proptest::prelude::*;

    /// Relative tolerance for comparisons with numpy (floating-point summation order differs).
    const TOL: f64 = crate::tolerances::REL;

    #[test]
    fn summary_matches_numpy_on_a_hand_checked_sample() {
        // numpy 2.x: x = [120, 80, 200, 95, 3000, 110, 105, 90, 130, 100]
        // np.percentile(x, [50, 95, 99]) -> [107.5, 1740.0, 2748.0]
        // np.mean(x) -> 403.0, np.std(x, ddof=1) -> 913.1058110768008 (numpy 2.4.6)
        let x = [
            120.0, 80.0, 200.0, 95.0, 3000.0, 110.0, 105.0, 90.0, 130.0, 100.0,
        ];
        let s = summarize(&x).unwrap().unwrap();
        assert_eq!(s.count, 10);
        assert_relative_eq!(s.p50, 107.5, max_relative = TOL);
        assert_relative_eq!(s.p95, 1740.0, max_relative = TOL);
        assert_relative_eq!(s.p99, 2748.0, max_relative = TOL);
        assert_relative_eq!(s.mean, 403.0, max_relative = TOL);
        assert_relative_eq!(s.std_dev, 913.105_811_076_800_8, max_relative = TOL);
        assert_relative_eq!(s.p50, statrs_median(&x), max_relative = TOL);
        assert_eq!((s.min, s.max), (80.0, 3000.0));
    }

    #[test]
    fn empty_sample_has_no_summary_and_bad_quantile_is_an_error() {
        assert_eq!(summarize(&[]), Ok(None));
        assert_eq!(
            quantile_sorted(&[1.0], 1.5),
            Err(StatsError::QuantileOutOfRange(1.5))
        );
        assert_eq!(summarize(&[f64::NAN]), Err(StatsError::NonFinite));
    }

    #[test]
    fn a_single_value_is_every_percentile_and_has_zero_spread() {
        let s = summarize(&[42.0]).unwrap().unwrap();
        assert_eq!((s.p50, s.p95, s.p99, s.std_dev), (42.0, 42.0, 42.0, 0.0));
    }

    proptest! {
        #[test]
        fn percentiles_are_ordered_and_bounded(v in prop::collection::vec(0.0f64..1e9, 1..200)) {
            let s = summarize(&v).unwrap().unwrap();
            prop_assert!(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
        }
    }
}
