//! The task dashboard's plotters charts: duration distribution, duration over time, resource
//! usage and failures. Same rules as [`super::chart`]: SVG strings drawn identically on the
//! server and in the browser, one palette, units on every axis, text escaped by plotters.
//! Each returns `Ok(None)` when the window holds nothing to draw, so the panel can say so.

use plotters::prelude::*;
use types::{ErrorSignature, ExecutionStatistics, HistogramBin, SeriesBucket, TaskSeries};

use super::chart::kit::{Axes, Rows, frame, time_desc};
use super::chart::{Canvas, ChartError, PALETTE, shorten};

/// A readable unit for durations up to `max_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationUnit {
    pub div: f64,
    pub name: &'static str,
}

pub fn unit_for(max_ms: f64) -> DurationUnit {
    if max_ms >= 3.0 * 3_600_000.0 {
        DurationUnit {
            div: 3_600_000.0,
            name: "h",
        }
    } else if max_ms >= 180_000.0 {
        DurationUnit {
            div: 60_000.0,
            name: "min",
        }
    } else if max_ms >= 2_000.0 {
        DurationUnit {
            div: 1_000.0,
            name: "s",
        }
    } else {
        DurationUnit {
            div: 1.0,
            name: "ms",
        }
    }
}

/// `1.2 s`, `340 ms`, `3.5 min`: a duration with the unit that suits it.
pub fn fmt_duration(ms: f64) -> String {
    let u = unit_for(ms);
    let v = ms / u.div;
    if u.name == "ms" || v >= 100.0 {
        format!("{v:.0} {}", u.name)
    } else {
        format!("{v:.1} {}", u.name)
    }
}

fn time_range(s: &TaskSeries) -> Option<(f64, f64)> {
    let first = s.buckets.first()?.start.timestamp_millis() as f64;
    let last = s.buckets.last()?.start.timestamp_millis() as f64 + s.bucket_ms as f64;
    Some((first, last))
}

/// `(bucket middle, f(bucket))` for every bucket where `f` has a value.
fn per_bucket(s: &TaskSeries, f: fn(&SeriesBucket) -> Option<f64>) -> Vec<(f64, f64)> {
    let mid = |b: &SeriesBucket| b.start.timestamp_millis() as f64 + s.bucket_ms as f64 / 2.0;
    s.buckets
        .iter()
        .filter_map(|b| Some((mid(b), f(b)?)))
        .collect()
}

/// Histogram of the durations of every execution that ran (failed attempts included) with the
/// p50/p95/p99 marks of completed runs (the headline statistics), and below it their
/// percentile box (box p50–p95, whiskers minimum–p99) on the same axis.
pub fn distribution_svg(
    bins: &[HistogramBin],
    stats: &ExecutionStatistics,
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let (Some(last), true) = (bins.last(), max_count > 0) else {
        return Ok(None);
    };
    let unit = unit_for(last.to_ms);
    let x_max = last.to_ms / unit.div;
    let x = |ms: f64| (ms / unit.div).min(x_max);
    let bars = bins
        .iter()
        .map(|b| {
            [
                (b.from_ms / unit.div, 0.0),
                (b.to_ms / unit.div, b.count as f64),
            ]
        })
        .collect();
    frame(c, 470, |root| {
        let (upper, lower) = root.split_vertically(370);
        let mut p = Axes::new(c, 0.0..x_max, 0.0..(max_count + max_count / 8 + 1) as f64)
            .caption("Duration distribution", 24)
            .x_desc(format!(
                "duration ({}) of every run, failed ones too; slowest 1 % in the last bar",
                unit.name
            ))
            .y_desc("executions")
            .y_count()
            .draw(&upper)?;
        p.bars(bars, PALETTE[5])?;
        for (label, v, color) in [
            ("p50", stats.p50_duration, PALETTE[2]),
            ("p95", stats.p95_duration, PALETTE[1]),
            ("p99", stats.p99_duration, PALETTE[3]),
        ] {
            p.vline(
                &format!("{label} completed {}", fmt_duration(v)),
                x(v),
                color,
            )?;
        }
        p.legend(SeriesLabelPosition::UpperRight)?;
        Axes::new(c, 0.0..x_max, 0.0..1.0)
            .flush_top()
            .x_area(0)
            .bare(&lower)?
            .percentile_box(
                [
                    stats.min_duration,
                    stats.p50_duration,
                    stats.p95_duration,
                    stats.p99_duration,
                ]
                .map(x),
                PALETTE[1],
                "completed runs: box p50–p95, whiskers min–p99",
            )
    })
}

/// p50 and p95 duration per time bucket (completed runs), outliers as crosses, level shifts of
/// the typical duration as dashed vertical lines at the first bucket of the new level.
pub fn timeline_svg(s: &TaskSeries, c: Canvas) -> Result<Option<String>, ChartError> {
    let Some((x0, x1)) = time_range(s) else {
        return Ok(None);
    };
    let top = s
        .buckets
        .iter()
        .filter_map(|b| b.p95_ms)
        .chain(s.outliers.iter().map(|o| o.duration_ms))
        .fold(0f64, f64::max);
    if top <= 0.0 {
        return Ok(None);
    }
    let unit = unit_for(top);
    let span = x1 - x0;
    frame(c, 420, |root| {
        let mut p = Axes::new(c, x0..x1, 0.0..top / unit.div * 1.1)
            .caption("Duration over time", 24)
            .x_time(span)
            .x_desc(time_desc(x0, x1))
            .y_desc(format!("duration ({})", unit.name))
            .draw(root)?;
        let line = |f| {
            per_bucket(s, f)
                .into_iter()
                .map(|(x, ms)| (x, ms / unit.div))
                .collect()
        };
        p.line_with_points("p50", line(|b| b.p50_ms), PALETTE[0])?;
        p.line_with_points("p95", line(|b| b.p95_ms), PALETTE[1])?;
        if !s.outliers.is_empty() {
            let points = s.outliers.iter();
            let points = points.map(|o| {
                (
                    o.start_time.timestamp_millis() as f64,
                    o.duration_ms / unit.div,
                )
            });
            let label = format!("outliers ({})", s.outliers.len());
            p.crosses(&label, points.collect(), PALETTE[3])?;
        }
        if !s.change_points.is_empty() {
            let xs = s
                .change_points
                .iter()
                .map(|p| p.at.timestamp_millis() as f64);
            let label = format!("level shifts ({})", s.change_points.len());
            p.dashed_vlines(&label, xs.collect(), PALETTE[4])?;
        }
        p.legend(SeriesLabelPosition::UpperLeft)
    })
}

/// CPU efficiency (busy over allocated cores, 100 % = the allocation) and memory peak against
/// the allocation, per time bucket.
pub fn resources_svg(s: &TaskSeries, c: Canvas) -> Result<Option<String>, ChartError> {
    let Some((x0, x1)) = time_range(s) else {
        return Ok(None);
    };
    let cpu = per_bucket(s, |b| Some(b.cpu_efficiency? * 100.0));
    let peak = per_bucket(s, |b| b.memory_peak_mb);
    let alloc = per_bucket(s, |b| b.memory_allocated_mb);
    if cpu.is_empty() && peak.is_empty() {
        return Ok(None);
    }
    let span = x1 - x0;
    let cpu_max = cpu.iter().map(|p| p.1).fold(100f64, f64::max) * 1.1;
    let mem_max = peak.iter().chain(&alloc).map(|p| p.1).fold(1f64, f64::max) * 1.15;
    let reference = BLACK.mix(0.5).stroke_width(2);
    frame(c, 640, |root| {
        let (top, bottom) = root.split_vertically(320);
        let mut p = Axes::new(c, x0..x1, 0.0..cpu_max)
            .caption("Resource usage", 24)
            .x_area(36)
            .x_time(span)
            .y_desc("CPU efficiency (%)")
            .y_whole()
            .draw(&top)?;
        p.line(
            "allocated cores (100 %)",
            vec![(x0, 100.0), (x1, 100.0)],
            reference,
        )?;
        p.line("busy ÷ allocated cores", cpu, PALETTE[0].stroke_width(3))?;
        p.legend(SeriesLabelPosition::UpperLeft)?;
        let mut p = Axes::new(c, x0..x1, 0.0..mem_max)
            .x_time(span)
            .x_desc(time_desc(x0, x1))
            .y_desc("memory (MB)")
            .y_whole()
            .draw(&bottom)?;
        p.line("allocated", alloc, reference)?;
        p.line("peak (highest in bucket)", peak, PALETTE[4].stroke_width(3))?;
        p.legend(SeriesLabelPosition::UpperLeft)
    })
}

/// Error signatures as bars (most frequent on top, up to six), then failures per time bucket.
pub fn failures_svg(
    errors: &[ErrorSignature],
    s: &TaskSeries,
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    let failures: u64 = s.buckets.iter().map(|b| b.failures).sum();
    let (Some((x0, x1)), false) = (time_range(s), failures == 0 && errors.is_empty()) else {
        return Ok(None);
    };
    let rows: Vec<(String, f64)> = errors
        .iter()
        .take(6)
        .map(|e| {
            let sig = shorten(
                &format!("{}: {}", e.error_type, e.message),
                c.label_chars(70),
            );
            (format!("{sig} · {}", e.frequency), e.frequency as f64)
        })
        .collect();
    let n = rows.len();
    // Each row holds a label above its bar; the narrow canvas's larger text needs more room.
    let row_h = if c.narrow { 58 } else { 46 };
    let bars_h = if n == 0 { 0 } else { 70 + row_h * n as u32 };
    let most = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let span = x1 - x0;
    let y_max = (s.buckets.iter().map(|b| b.failures).max().unwrap_or(0) as f64 * 1.15).max(1.0);
    let w = s.bucket_ms as f64;
    let bars = s.buckets.iter().filter(|b| b.failures > 0).map(|b| {
        let x = b.start.timestamp_millis() as f64;
        [(x + w * 0.1, 0.0), (x + w * 0.9, b.failures as f64)]
    });
    let bars = bars.collect();
    frame(c, bars_h + 320, |root| {
        let (upper, lower) = root.split_vertically(bars_h);
        if n > 0 {
            Axes::new(c, 0.0..most * 1.1 + 1.0, 0.0..n as f64)
                .caption("Failures: error signatures", 24)
                .x_area(30)
                .x_whole(Some(6))
                .hide_y()
                .draw(&upper)?
                .ranked_bars(rows, PALETTE[3], SIGNATURE_ROWS)?;
        }
        Axes::new(c, x0..x1, 0.0..y_max)
            .caption("Failures over time", 20)
            .x_time(span)
            .x_desc(time_desc(x0, x1))
            .y_desc("failed or timed out")
            .y_count()
            .draw(&lower)?
            .bars(bars, PALETTE[3])
    })
}

/// A signature's bar high in its row, its label (top-aligned) above it.
const SIGNATURE_ROWS: Rows = Rows {
    bar: (0.08, 0.45),
    label_at: 0.88,
    font: 17,
    centred: false,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::chart::both;
    use chrono::{DateTime, Utc};
    use types::{ChangePoint, DurationPoint, ExecutionStatistics, WorkflowGraph};

    fn series() -> TaskSeries {
        let t0: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
        let buckets = (0..6)
            .map(|i| SeriesBucket {
                start: t0 + chrono::Duration::hours(i),
                executions: 10,
                failures: (i % 2) as u64,
                p50_ms: Some(1_000.0 + i as f64 * 100.0),
                p95_ms: Some(3_000.0),
                cpu_efficiency: Some(0.5),
                memory_peak_mb: Some(900.0),
                memory_allocated_mb: Some(1_024.0),
            })
            .collect();
        TaskSeries {
            histogram: vec![HistogramBin {
                from_ms: 0.0,
                to_ms: 500.0,
                count: 3,
            }],
            buckets,
            bucket_ms: 3_600_000,
            outliers: vec![DurationPoint {
                start_time: t0,
                duration_ms: 60_000.0,
                execution_id: "run-1".into(),
                score: 9.0,
            }],
            outliers_truncated: false,
            outlier_threshold: 4.4,
            change_points: vec![ChangePoint {
                at: t0 + chrono::Duration::hours(3),
                before_ms: 1_100.0,
                after_ms: 1_400.0,
            }],
            graph: WorkflowGraph::default(),
        }
    }

    #[test]
    fn durations_use_a_unit_that_suits_them() {
        assert_eq!(fmt_duration(340.0), "340 ms");
        assert_eq!(fmt_duration(1_250.0), "1250 ms");
        assert_eq!(fmt_duration(42_000.0), "42.0 s");
        assert_eq!(fmt_duration(600_000.0), "10.0 min");
    }

    #[test]
    fn every_chart_draws_titled_svg_with_units_from_series_data() {
        let s = series();
        let stats = ExecutionStatistics {
            p50_duration: 100.0,
            p95_duration: 300.0,
            p99_duration: 450.0,
            ..Default::default()
        };
        let e = ErrorSignature {
            error_type: "<script>".into(),
            message: "boom".into(),
            frequency: 3,
            ..Default::default()
        };
        for c in [Canvas::WIDE, Canvas::NARROW] {
            let d = distribution_svg(&s.histogram, &stats, c).unwrap().unwrap();
            assert!(d.contains("Duration distribution") && d.contains("p95 completed 300 ms"));
            let t = timeline_svg(&s, c).unwrap().unwrap();
            assert!(t.contains("Duration over time") && t.contains("outliers (1)"));
            let r = resources_svg(&s, c).unwrap().unwrap();
            assert!(r.contains("CPU efficiency (%)") && r.contains("memory (MB)"));
            let f = failures_svg(std::slice::from_ref(&e), &s, c)
                .unwrap()
                .unwrap();
            assert!(f.contains("&lt;script&gt;: boom · 3") && !f.contains("<script>"));
        }
    }

    #[test]
    fn level_shifts_are_dashed_vertical_lines_with_a_legend_entry() {
        let mut s = series();
        let t = timeline_svg(&s, Canvas::WIDE).unwrap().unwrap();
        assert!(t.contains("level shifts (1)"), "legend entry");
        // plotters draws a dashed line as one short <polyline> per dash, in the marker colour.
        let shift = r##"stroke="#CC79A7""##;
        let dashes = t.matches(shift).count();
        assert!(dashes > 10, "{dashes} dashes");
        s.change_points.clear();
        let t = timeline_svg(&s, Canvas::WIDE).unwrap().unwrap();
        assert!(!t.contains("level shifts") && !t.contains(shift));
    }

    #[test]
    fn charts_are_absent_when_the_window_is_empty() {
        let empty = TaskSeries::default();
        assert_eq!(both(|c| timeline_svg(&empty, c)), Ok(None));
        assert_eq!(both(|c| resources_svg(&empty, c)), Ok(None));
        assert_eq!(both(|c| failures_svg(&[], &empty, c)), Ok(None));
        assert_eq!(
            both(|c| distribution_svg(&[], &ExecutionStatistics::default(), c)),
            Ok(None)
        );
    }
}
