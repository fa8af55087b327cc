//! Raw-data views behind the dashboard's charts: a duration histogram, equal-width time
//! buckets (p50/p95, failures, CPU efficiency, memory), duration outliers, level shifts and the
//! workflow DAG in layers. Percentiles are type 7 ([`crate::statistics::quantiles`]), outliers
//! are [`crate::anomaly::duration_outliers`], level shifts [`crate::anomaly::pelt_mean_shifts`],
//! the critical path is [`crate::dependencies::workflow_dag`]'s, so every chart agrees with the numbers
//! on the cards.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use types::{
    ChangePoint, DurationPoint, ExecutionStatus, GraphEdge, GraphNode, HistogramBin,
    MAX_OUTLIER_POINTS, SeriesBucket, TaskSeries, WorkflowGraph,
};

use crate::anomaly::{PeltOptions, pelt_mean_shifts, robust_sigma};
use crate::dag::Dag;
use crate::dependencies::Edge;
use crate::execution::Execution;
use crate::statistics::quantiles;

/// Bars of the duration histogram.
pub const HISTOGRAM_BINS: usize = 24;
/// Most time buckets drawn: enough to show a trend, few enough to read at 390 px.
pub const MAX_BUCKETS: i64 = 48;

/// Bucket widths people read without arithmetic (1 min … 1 week).
const NICE_WIDTHS_MS: [i64; 12] = [
    60_000,
    300_000,
    900_000,
    1_800_000,
    3_600_000,
    3 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    86_400_000,
    2 * 86_400_000,
    3 * 86_400_000,
    7 * 86_400_000,
];

/// The smallest nice width giving at most `max` buckets over `span_ms`.
pub fn bucket_width_ms(span_ms: i64, max: i64) -> i64 {
    let span = span_ms.max(1) as u64;
    let max = max.max(1) as u64;
    NICE_WIDTHS_MS
        .iter()
        .copied()
        .find(|w| span.div_ceil(*w as u64) <= max)
        .unwrap_or_else(|| span.div_ceil(max) as i64)
}

/// Durations of executions that ran (skipped ones never did, as in the statistics).
fn ran(e: &Execution) -> Option<f64> {
    (e.status != ExecutionStatus::Skipped)
        .then_some(e.duration_ms)
        .flatten()
        .filter(|d| d.is_finite() && *d >= 0.0)
}

/// `bins` equal-width bins from 0 to the 99th percentile; the last bin also holds the slower
/// tail, so one extreme run cannot squash the rest into the first bar.
pub fn duration_histogram(durations: &[f64], bins: usize) -> Vec<HistogramBin> {
    let mut sorted = durations.to_vec();
    let Some(q) = quantiles(&mut sorted, &[0.99]) else {
        return Vec::new();
    };
    let top = q[0].max(1.0);
    let width = top / bins.max(1) as f64;
    let mut counts = vec![0u64; bins.max(1)];
    for d in durations {
        let i = ((d / width) as usize).min(counts.len() - 1);
        counts[i] += 1;
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

fn bucket_of(execs: &[&Execution], start_ms: i64) -> SeriesBucket {
    let mut durations: Vec<f64> = execs
        .iter()
        .filter(|e| e.status == ExecutionStatus::Completed)
        .filter_map(|e| ran(e))
        .collect();
    let q = quantiles(&mut durations, &[0.5, 0.95]);
    let efficiency: Vec<f64> = execs.iter().filter_map(|e| cpu_share(e)).collect();
    let max = |f: fn(&Execution) -> Option<f64>| {
        execs
            .iter()
            .filter_map(|e| f(e))
            .filter(|v| v.is_finite())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
    };
    SeriesBucket {
        start: DateTime::<Utc>::from_timestamp_millis(start_ms).unwrap_or_default(),
        executions: execs.len() as u64,
        failures: execs.iter().filter(|e| e.is_failure()).count() as u64,
        p50_ms: q.as_ref().map(|q| q[0]),
        p95_ms: q.as_ref().map(|q| q[1]),
        cpu_efficiency: (!efficiency.is_empty())
            .then(|| efficiency.iter().sum::<f64>() / efficiency.len() as f64),
        memory_peak_mb: max(|e| e.memory_peak_mb),
        memory_allocated_mb: max(|e| e.memory_allocated_mb),
    }
}

/// Busy cores (CPU time over wall time) over allocated cores, as in
/// [`crate::resources::cpu_usage`]'s efficiency.
fn cpu_share(e: &Execution) -> Option<f64> {
    let d = e.duration_ms.filter(|d| *d > 0.0)?;
    let cores = e.cpu_allocated_cores.filter(|c| *c > 0.0)?;
    let cpu = e.cpu_time_ms.filter(|c| c.is_finite() && *c >= 0.0)?;
    Some(cpu / d / cores)
}

/// Equal-width buckets over `[from_ms, to_ms)` (executions outside are ignored).
pub fn time_buckets(execs: &[Execution], from_ms: i64, to_ms: i64) -> (i64, Vec<SeriesBucket>) {
    let width = bucket_width_ms(to_ms - from_ms, MAX_BUCKETS);
    // Align to the width so buckets start on round times (whole hours, midnight UTC).
    let first = from_ms.div_euclid(width) * width;
    let n = ((to_ms - first).max(1) as u64).div_ceil(width as u64) as usize;
    let mut slots: Vec<Vec<&Execution>> = vec![Vec::new(); n];
    for e in execs {
        if e.start_ms >= from_ms && e.start_ms < to_ms {
            let i = ((e.start_ms - first) / width) as usize;
            if let Some(slot) = slots.get_mut(i) {
                slot.push(e);
            }
        }
    }
    let buckets = slots
        .iter()
        .enumerate()
        .map(|(i, s)| bucket_of(s, first + i as i64 * width))
        .collect();
    (width, buckets)
}

/// A new level must hold for this many buckets to be drawn: one or two slow buckets are
/// outliers, not a new normal.
pub const MIN_SHIFT_BUCKETS: usize = 3;
/// Smallest change of the typical duration drawn as a level shift (the same 15 % a trend needs):
/// smaller shifts can be real but are not worth a marker.
pub const MIN_SHIFT_RATIO: f64 = 0.15;
/// Penalty per level shift in units of `σ²·ln n`: 3, the modified BIC of Zhang & Siegmund
/// (2007, *Biometrics* 63), instead of PELT's default BIC 2: with ~25 candidate positions on a
/// week's 28 buckets, the best one beats `2 ln n` by chance in about one stable task in five.
pub const SHIFT_PENALTY_LN_N: f64 = 3.0;

/// Noise level of the bucket medians for the penalty: the larger of the robust
/// [`robust_sigma`] and the plain standard deviation of the first differences over √2. On 30
/// buckets the MAD behind the robust one is itself noisy (37 % efficiency) and, when low by
/// chance, lets noise pass as shifts (seen on the demo's stable tasks); the few shifts we look
/// for barely inflate the plain one (a shift δ adds δ²/(n−1) to the differences' variance).
fn shift_noise(logs: &[f64]) -> f64 {
    let diffs: Vec<f64> = logs.windows(2).map(|w| w[1] - w[0]).collect();
    let plain = if diffs.len() < 2 {
        0.0
    } else {
        let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
        let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64;
        (var / 2.0).sqrt()
    };
    robust_sigma(logs).max(plain)
}

/// Level shifts of the typical duration: PELT ([`crate::anomaly::pelt_mean_shifts`]) with a
/// [`SHIFT_PENALTY_LN_N`] penalty (noise from [`shift_noise`]) on the log of each bucket's
/// median, skipping buckets
/// without completed runs. Logs because durations shift by factors (a doubling looks the same at
/// 1 s and at 1 h); bucket medians because they ignore single slow runs and bound the work at
/// [`MAX_BUCKETS`] values, whatever the number of executions. A segment's level is the median
/// of its bucket medians, so one slow bucket that PELT puts in a short segment of its own does
/// not make a level; shifts of the level below [`MIN_SHIFT_RATIO`] are dropped.
pub fn duration_change_points(buckets: &[SeriesBucket]) -> Vec<ChangePoint> {
    let points: Vec<(DateTime<Utc>, f64)> = buckets
        .iter()
        .filter_map(|b| Some((b.start, b.p50_ms.filter(|v| *v > 0.0)?)))
        .collect();
    let logs: Vec<f64> = points.iter().map(|p| p.1.ln()).collect();
    let sigma = shift_noise(&logs);
    let options = PeltOptions {
        min_segment_length: MIN_SHIFT_BUCKETS,
        penalty: Some(SHIFT_PENALTY_LN_N * sigma * sigma * (logs.len().max(1) as f64).ln()),
    };
    let Ok(seg) = pelt_mean_shifts(&logs, &options) else {
        return Vec::new();
    };
    let mut bounds = vec![0];
    bounds.extend_from_slice(&seg.change_points);
    bounds.push(points.len());
    let levels: Vec<f64> = bounds
        .windows(2)
        .filter_map(|w| {
            let mut v: Vec<f64> = points.get(w[0]..w[1])?.iter().map(|p| p.1).collect();
            Some(quantiles(&mut v, &[0.5])?[0])
        })
        .collect();
    seg.change_points
        .iter()
        .zip(levels.windows(2))
        .filter(|(_, l)| (l[1] / l[0] - 1.0).abs() >= MIN_SHIFT_RATIO)
        .filter_map(|(&i, l)| {
            Some(ChangePoint {
                at: points.get(i)?.0,
                before_ms: l[0],
                after_ms: l[1],
            })
        })
        .collect()
}

/// Median duration per task from `(task, duration ms)` samples (type 7, as everywhere).
pub fn medians(samples: &[(String, f64)]) -> HashMap<String, f64> {
    let mut by_task: HashMap<&str, Vec<f64>> = HashMap::new();
    for (t, d) in samples.iter().filter(|(_, d)| d.is_finite() && *d >= 0.0) {
        by_task.entry(t).or_default().push(*d);
    }
    by_task
        .into_iter()
        .filter_map(|(t, mut d)| quantiles(&mut d, &[0.5]).map(|q| (t.to_owned(), q[0])))
        .collect()
}

/// The workflow DAG in layers, weighted by `medians` (ms; as [`crate::dependencies::workflow_dag`],
/// tasks without one weigh 0) with the critical path marked. A task's layer is its longest
/// chain of upstreams (Kahn's order), so every edge points right.
pub fn layered_graph(
    edges: &[Edge],
    task_names: &HashMap<String, String>,
    medians: &HashMap<String, f64>,
) -> WorkflowGraph {
    let mut names: BTreeMap<&str, f64> = BTreeMap::new();
    for e in edges {
        for t in [&e.upstream, &e.downstream] {
            names.insert(t, medians.get(t).copied().unwrap_or(0.0));
        }
    }
    let dag = Dag::new(
        names.iter().map(|(k, w)| ((*k).to_owned(), *w)),
        edges
            .iter()
            .map(|e| (e.upstream.as_str(), e.downstream.as_str())),
    )
    .ok();
    let critical: Vec<&str> = dag
        .as_ref()
        .map(|d| d.critical_path().nodes.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let on_path = |a: &str, b: &str| critical.windows(2).any(|w| w[0] == a && w[1] == b);
    let mut layer: HashMap<&str, u32> = names.keys().map(|k| (*k, 0)).collect();
    let mut indegree: HashMap<&str, usize> = names.keys().map(|k| (*k, 0)).collect();
    for e in edges {
        *indegree.entry(&e.downstream).or_default() += 1;
    }
    let mut ready: Vec<&str> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    while let Some(t) = ready.pop() {
        let here = layer.get(t).copied().unwrap_or(0);
        for e in edges.iter().filter(|e| e.upstream == t) {
            let l = layer.entry(&e.downstream).or_default();
            *l = (*l).max(here + 1);
            if let Some(d) = indegree.get_mut(e.downstream.as_str()) {
                *d = d.saturating_sub(1);
                if *d == 0 {
                    ready.push(&e.downstream);
                }
            }
        }
    }
    WorkflowGraph {
        nodes: names
            .iter()
            .map(|(id, w)| GraphNode {
                task_id: (*id).to_owned(),
                task_name: task_names.get(*id).cloned().unwrap_or_default(),
                layer: layer.get(id).copied().unwrap_or(0),
                median_ms: *w,
                critical: critical.contains(id),
            })
            .collect(),
        edges: edges
            .iter()
            .map(|e| GraphEdge {
                upstream: e.upstream.clone(),
                downstream: e.downstream.clone(),
                critical: on_path(&e.upstream, &e.downstream),
            })
            .collect(),
    }
}

/// The [`MAX_OUTLIER_POINTS`] most extreme outliers (largest |score|), most extreme first, and
/// whether any were dropped.
pub fn most_extreme(mut outliers: Vec<DurationPoint>) -> (Vec<DurationPoint>, bool) {
    outliers.sort_by(|a, b| {
        b.score
            .abs()
            .total_cmp(&a.score.abs())
            .then(a.start_time.cmp(&b.start_time))
    });
    let truncated = outliers.len() > MAX_OUTLIER_POINTS;
    outliers.truncate(MAX_OUTLIER_POINTS);
    (outliers, truncated)
}

/// Just after the last moment an execution covers (its end, or its start while running), so
/// that a half-open `[from, to)` window holds it; `None` without executions.
pub fn data_end(execs: &[Execution]) -> Option<i64> {
    execs
        .iter()
        .map(|e| e.end_ms.unwrap_or(e.start_ms).max(e.start_ms) + 1)
        .max()
}

/// All chart data of one task over `[from_ms, to_ms)`; `execs` are the task's own executions.
/// A window without a start (`all`) spans the data's own extent: from the first execution's
/// start to the last one's end (its start while running), not to `to_ms` (now), so that a
/// 19-hour run imported years later is not one dot on a years-long axis.
pub fn task_series(
    execs: &[Execution],
    graph: WorkflowGraph,
    from_ms: Option<i64>,
    to_ms: i64,
) -> TaskSeries {
    let durations: Vec<f64> = execs.iter().filter_map(ran).collect();
    let from = from_ms
        .or_else(|| execs.iter().map(|e| e.start_ms).min())
        .unwrap_or(to_ms - 3_600_000);
    let to_ms = match from_ms {
        Some(_) => to_ms,
        None => data_end(execs).map_or(to_ms, |end| end.clamp(from + 1, to_ms.max(from + 1))),
    };
    let (bucket_ms, buckets) = time_buckets(execs, from, to_ms);
    let completed: Vec<&Execution> = execs
        .iter()
        .filter(|e| e.status == ExecutionStatus::Completed && ran(e).is_some())
        .collect();
    let values: Vec<f64> = completed.iter().filter_map(|e| ran(e)).collect();
    let outliers: Vec<DurationPoint> = crate::anomaly::duration_outliers(&values)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| {
            let e = completed.get(o.index)?;
            Some(DurationPoint {
                start_time: DateTime::<Utc>::from_timestamp_millis(e.start_ms)?,
                duration_ms: o.value,
                execution_id: e.execution_id.clone(),
                score: o.score,
            })
        })
        .collect();
    let threshold = crate::anomaly::outlier_threshold(values.iter().filter(|v| **v > 0.0).count());
    let (outliers, outliers_truncated) = most_extreme(outliers);
    TaskSeries {
        histogram: duration_histogram(&durations, HISTOGRAM_BINS),
        change_points: duration_change_points(&buckets),
        buckets,
        bucket_ms,
        outliers,
        outliers_truncated,
        outlier_threshold: threshold,
        graph,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(start_ms: i64, duration: f64, status: ExecutionStatus) -> Execution {
        let mut e = crate::failures::test_support::exec("x", "t", status);
        e.start_ms = start_ms;
        e.duration_ms = Some(duration);
        e
    }

    #[test]
    fn bucket_widths_are_round_and_bounded() {
        assert_eq!(
            bucket_width_ms(3_600_000, 48),
            300_000,
            "1 h in 5 min buckets"
        );
        assert_eq!(bucket_width_ms(7 * 86_400_000, 48), 6 * 3_600_000);
        assert_eq!(bucket_width_ms(90 * 86_400_000, 48), 2 * 86_400_000);
        let years = 3 * 365 * 86_400_000;
        assert!(years / bucket_width_ms(years, 48) <= 48);
    }

    #[test]
    fn histogram_counts_every_duration_once_with_the_tail_in_the_last_bin() {
        let mut d: Vec<f64> = (1..=99).map(f64::from).collect();
        d.push(10_000.0);
        let h = duration_histogram(&d, 10);
        assert_eq!(h.len(), 10);
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 100);
        assert_eq!(
            h[9].count, 1,
            "the extreme run sits in the last bin, not off the chart"
        );
        assert!(duration_histogram(&[], 10).is_empty());
    }

    #[test]
    fn buckets_hold_percentiles_of_completed_runs_and_count_failures() {
        let execs = vec![
            exec(0, 10.0, ExecutionStatus::Completed),
            exec(1_000, 30.0, ExecutionStatus::Completed),
            exec(2_000, 99.0, ExecutionStatus::Failed),
            exec(3_700_000, 50.0, ExecutionStatus::Completed),
        ];
        let (w, b) = time_buckets(&execs, 0, 7_200_000);
        assert_eq!(w, 300_000);
        assert_eq!(b.len(), 24);
        assert_eq!((b[0].executions, b[0].failures), (3, 1));
        assert_eq!(
            b[0].p50_ms,
            Some(20.0),
            "numpy: np.percentile([10, 30], 50) = 20"
        );
        assert_eq!(b[12].p50_ms, Some(50.0));
        assert_eq!(b[1].p50_ms, None);
    }

    /// Two runs an hour for 48 hours, ±2 % alternating noise around `level(hour)` ms.
    fn hourly(level: impl Fn(i64) -> f64) -> Vec<Execution> {
        (0..96)
            .map(|i| {
                let hour = i / 2;
                let noise = if i % 3 == 0 { 1.02 } else { 0.98 };
                exec(
                    i * 1_800_000,
                    level(hour) * noise,
                    ExecutionStatus::Completed,
                )
            })
            .collect()
    }

    #[test]
    fn an_all_window_spans_the_data_not_up_to_now() {
        // Runs at 10:00, 10:30 and 11:00 (the last ends 11:05) of day 100, asked four years
        // later: the buckets cover 10:00 to just past 11:05, a span of 1 h 05 min + 1 ms, not
        // four years (with 48 buckets of a week each, all three runs in one).
        let day = 100 * 86_400_000;
        let hour = 3_600_000;
        let mut execs: Vec<Execution> = [0, hour / 2, hour]
            .iter()
            .map(|&t| exec(day + 10 * hour + t, 60_000.0, ExecutionStatus::Completed))
            .collect();
        for e in &mut execs {
            e.end_ms = Some(e.start_ms + 300_000);
        }
        let years_later = day + 4 * 365 * 86_400_000;
        let s = task_series(&execs, WorkflowGraph::default(), None, years_later);
        assert_eq!(data_end(&execs), Some(day + 11 * hour + 300_001));
        assert_eq!(s.bucket_ms, bucket_width_ms(hour + 300_001, MAX_BUCKETS));
        let first = s.buckets.first().unwrap().start.timestamp_millis();
        let last = s.buckets.last().unwrap().start.timestamp_millis() + s.bucket_ms;
        assert_eq!(first, day + 10 * hour);
        assert!(
            last >= day + 11 * hour + 300_001 && last < day + 12 * hour,
            "{last}"
        );
        let counted: u64 = s.buckets.iter().map(|b| b.executions).sum();
        assert_eq!(counted, 3);
    }

    #[test]
    fn a_step_change_in_duration_is_one_level_shift_at_the_step() {
        let execs = hourly(|h| if h < 30 { 100.0 } else { 300.0 });
        let s = task_series(&execs, WorkflowGraph::default(), Some(0), 48 * 3_600_000);
        assert_eq!(s.bucket_ms, 3_600_000, "48 hourly buckets");
        assert_eq!(s.change_points.len(), 1, "{:?}", s.change_points);
        let c = &s.change_points[0];
        assert_eq!(
            c.at.timestamp_millis(),
            30 * 3_600_000,
            "the first slow hour"
        );
        // Each hour's median is the mean of its two runs: 100 (1.02 + 0.98) or 98 (0.98 + 0.98)
        // × the level; numpy: np.median of those over the segment = 100 and 300.
        assert!((c.before_ms - 100.0).abs() < 1e-9, "{c:?}");
        assert!((c.after_ms - 300.0).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn a_steady_task_and_a_single_slow_hour_have_no_level_shift() {
        let steady = hourly(|_| 100.0);
        let s = task_series(&steady, WorkflowGraph::default(), Some(0), 48 * 3_600_000);
        assert_eq!(s.change_points, []);
        // One slow hour is an outlier: its segment (three buckets at least) keeps the old median.
        let spike = hourly(|h| if h == 20 { 900.0 } else { 100.0 });
        let s = task_series(&spike, WorkflowGraph::default(), Some(0), 48 * 3_600_000);
        assert_eq!(s.change_points, []);
    }

    #[test]
    fn shifts_smaller_than_the_minimum_ratio_are_not_drawn() {
        let execs = hourly(|h| if h < 24 { 100.0 } else { 110.0 });
        let s = task_series(&execs, WorkflowGraph::default(), Some(0), 48 * 3_600_000);
        assert_eq!(
            s.change_points,
            [],
            "a 10 % shift stays below the 15 % marker threshold"
        );
        assert!(duration_change_points(&[]).is_empty());
    }

    #[test]
    fn graph_layers_follow_the_longest_upstream_chain_and_mark_the_critical_path() {
        let edge = |a: &str, b: &str| Edge {
            upstream: a.into(),
            downstream: b.into(),
            dependency_type: Default::default(),
            optional: false,
        };
        let samples: Vec<(String, f64)> = [
            ("a", 10.0),
            ("b", 90.0),
            ("b", 110.0),
            ("c", 1.0),
            ("d", 5.0),
        ]
        .into_iter()
        .map(|(t, d)| (t.to_owned(), d))
        .collect();
        let m = medians(&samples);
        assert_eq!(
            m.get("b"),
            Some(&100.0),
            "numpy: np.median([90, 110]) = 100"
        );
        let edges = [
            edge("a", "b"),
            edge("a", "c"),
            edge("b", "d"),
            edge("c", "d"),
        ];
        let g = layered_graph(&edges, &HashMap::new(), &m);
        let layer = |id: &str| g.nodes.iter().find(|n| n.task_id == id).map(|n| n.layer);
        assert_eq!(
            (layer("a"), layer("b"), layer("c"), layer("d")),
            (Some(0), Some(1), Some(1), Some(2))
        );
        let critical: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.critical)
            .map(|n| n.task_id.as_str())
            .collect();
        assert_eq!(critical, ["a", "b", "d"]);
        assert!(
            g.edges
                .iter()
                .any(|e| e.upstream == "a" && e.downstream == "b" && e.critical)
        );
        assert!(
            !g.edges
                .iter()
                .any(|e| e.upstream == "a" && e.downstream == "c" && e.critical)
        );
    }
}
