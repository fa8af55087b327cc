//! The task dashboard's plotters charts: duration distribution, duration over time, resource
//! usage and failures. Same rules as [`super::chart`]: SVG strings drawn identically on the
//! server and in the browser, one palette, units on every axis, text escaped by plotters.
//! Each returns `Ok(None)` when the window holds nothing to draw, so the panel can say so.

use chrono::{DateTime, Utc};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use types::{ErrorSignature, ExecutionStatistics, HistogramBin, SeriesBucket, TaskSeries};

use super::chart::{Canvas, ChartError, FONT, PALETTE, chart_err, ensure_font, shorten};

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

fn fmt_time(ms: f64, span_ms: f64) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms as i64) else {
        return String::new();
    };
    if span_ms > 2.0 * 86_400_000.0 {
        super::time::month_day(t)
    } else {
        super::time::hour_minute(t)
    }
}

fn time_range(s: &TaskSeries) -> Option<(f64, f64)> {
    let first = s.buckets.first()?.start.timestamp_millis() as f64;
    let last = s.buckets.last()?.start.timestamp_millis() as f64 + s.bucket_ms as f64;
    Some((first, last))
}

fn bucket_mid(b: &SeriesBucket, width: i64) -> f64 {
    b.start.timestamp_millis() as f64 + width as f64 / 2.0
}

/// Ticks for a count axis up to `max`: whole numbers only, so a small range does not label
/// two ticks with the same rounded count.
fn count_labels(max: f64) -> usize {
    (max.floor() as usize + 1).clamp(2, 10)
}

fn x_desc(span_ms: f64) -> &'static str {
    if span_ms > 2.0 * 86_400_000.0 {
        "start (UTC, month-day)"
    } else {
        "start (UTC, hour:minute)"
    }
}

/// Histogram of durations with the p50/p95/p99 marks, and below it a percentile box
/// (box p50–p95, whiskers minimum–p99) on the same axis.
pub fn distribution_svg(
    bins: &[HistogramBin],
    stats: &ExecutionStatistics,
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    ensure_font();
    let Some(last) = bins.last() else {
        return Ok(None);
    };
    let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0);
    if max_count == 0 {
        return Ok(None);
    }
    let unit = unit_for(last.to_ms);
    let x_max = last.to_ms / unit.div;
    // One coordinate type (f64 × f64) for every chart here: each distinct pair compiles its own
    // copy of plotters' mesh and label code into the wasm.
    let y_max = (max_count + max_count / 8 + 1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, 470)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (upper, lower) = root.split_vertically(370);
        let mut chart = ChartBuilder::on(&upper)
            .caption("Duration distribution", (FONT, 24))
            .margin(12)
            .x_label_area_size(c.x_area(44))
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(format!(
                "duration ({}); slowest 1 % in the last bar",
                unit.name
            ))
            .y_desc("executions")
            .y_labels(count_labels(y_max))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, c.font(16)))
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_err)?;
        chart
            .draw_series(bins.iter().map(|b| {
                Rectangle::new(
                    [
                        (b.from_ms / unit.div, 0.0),
                        (b.to_ms / unit.div, b.count as f64),
                    ],
                    PALETTE[5].filled(),
                )
            }))
            .map_err(chart_err)?;
        let marks = [
            ("p50", stats.p50_duration, PALETTE[2]),
            ("p95", stats.p95_duration, PALETTE[1]),
            ("p99", stats.p99_duration, PALETTE[3]),
        ];
        for (label, v, color) in marks {
            let x = (v / unit.div).min(x_max);
            chart
                .draw_series(LineSeries::new(
                    [(x, 0.0), (x, y_max)],
                    color.stroke_width(3),
                ))
                .map_err(chart_err)?
                .label(format!("{label} {}", fmt_duration(v)))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, c.font(16)))
            .draw()
            .map_err(chart_err)?;

        let mut bx = ChartBuilder::on(&lower)
            .margin_left(12)
            .margin_right(12)
            .margin_bottom(12)
            .x_label_area_size(c.x_area(0))
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_max, 0f64..1f64)
            .map_err(chart_err)?;
        let s = |v: f64| (v / unit.div).min(x_max);
        let ink = BLACK.mix(0.75);
        bx.draw_series([
            PathElement::new(
                [(s(stats.min_duration), 0.5), (s(stats.p99_duration), 0.5)],
                ink.stroke_width(2),
            ),
            PathElement::new(
                [(s(stats.min_duration), 0.35), (s(stats.min_duration), 0.65)],
                ink.stroke_width(2),
            ),
            PathElement::new(
                [(s(stats.p99_duration), 0.35), (s(stats.p99_duration), 0.65)],
                ink.stroke_width(2),
            ),
        ])
        .map_err(chart_err)?;
        bx.draw_series([
            Rectangle::new(
                [(s(stats.p50_duration), 0.25), (s(stats.p95_duration), 0.75)],
                PALETTE[1].mix(0.35).filled(),
            ),
            Rectangle::new(
                [(s(stats.p50_duration), 0.25), (s(stats.p95_duration), 0.75)],
                ink.stroke_width(2),
            ),
        ])
        .map_err(chart_err)?;
        bx.draw_series(std::iter::once(Text::new(
            "box p50–p95, whiskers min–p99",
            (0.0, 0.98),
            (FONT, c.font(15)).into_font().color(&BLACK.mix(0.7)),
        )))
        .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// p50 and p95 duration per time bucket (completed runs), outliers as crosses, level shifts of
/// the typical duration as dashed vertical lines at the first bucket of the new level.
pub fn timeline_svg(s: &TaskSeries, c: Canvas) -> Result<Option<String>, ChartError> {
    ensure_font();
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
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Duration over time", (FONT, 24))
            .margin(12)
            .x_label_area_size(c.x_area(44))
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..top / unit.div * 1.1)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc(span))
            .y_desc(format!("duration ({})", unit.name))
            .x_labels(c.x_labels())
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, c.font(16)))
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_err)?;
        let line = |f: fn(&SeriesBucket) -> Option<f64>| -> Vec<(f64, f64)> {
            s.buckets
                .iter()
                .filter_map(|b| Some((bucket_mid(b, s.bucket_ms), f(b)? / unit.div)))
                .collect()
        };
        for (label, points, color) in [
            ("p50", line(|b| b.p50_ms), PALETTE[0]),
            ("p95", line(|b| b.p95_ms), PALETTE[1]),
        ] {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(chart_err)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(3))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, color.filled())),
                )
                .map_err(chart_err)?;
        }
        if !s.outliers.is_empty() {
            chart
                .draw_series(s.outliers.iter().map(|o| {
                    Cross::new(
                        (
                            o.start_time.timestamp_millis() as f64,
                            o.duration_ms / unit.div,
                        ),
                        6,
                        PALETTE[3].stroke_width(2),
                    )
                }))
                .map_err(chart_err)?
                .label(format!("outliers ({})", s.outliers.len()))
                .legend(|(x, y)| Cross::new((x + 9, y), 6, PALETTE[3].stroke_width(2)));
        }
        if !s.change_points.is_empty() {
            let y_max = top / unit.div * 1.1;
            let shift = PALETTE[4].stroke_width(3);
            chart
                .draw_series(s.change_points.iter().map(|p| {
                    let x = p.at.timestamp_millis() as f64;
                    DashedPathElement::new([(x, 0.0), (x, y_max)], 8, 5, shift)
                }))
                .map_err(chart_err)?
                .label(format!("level shifts ({})", s.change_points.len()))
                .legend(move |(x, y)| {
                    DashedPathElement::new([(x + 9, y - 8), (x + 9, y + 8)], 4, 3, shift)
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, c.font(16)))
            .draw()
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// CPU efficiency (busy over allocated cores, 100 % = the allocation) and memory peak against
/// the allocation, per time bucket.
pub fn resources_svg(s: &TaskSeries, c: Canvas) -> Result<Option<String>, ChartError> {
    ensure_font();
    let Some((x0, x1)) = time_range(s) else {
        return Ok(None);
    };
    let pts = |f: fn(&SeriesBucket) -> Option<f64>, k: f64| -> Vec<(f64, f64)> {
        s.buckets
            .iter()
            .filter_map(|b| Some((bucket_mid(b, s.bucket_ms), f(b)? * k)))
            .collect()
    };
    let cpu = pts(|b| b.cpu_efficiency, 100.0);
    let peak = pts(|b| b.memory_peak_mb, 1.0);
    let alloc = pts(|b| b.memory_allocated_mb, 1.0);
    if cpu.is_empty() && peak.is_empty() {
        return Ok(None);
    }
    let span = x1 - x0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (top, bottom) = root.split_vertically(320);
        let cpu_max = cpu.iter().map(|p| p.1).fold(100f64, f64::max) * 1.1;
        let mut cpu_chart = ChartBuilder::on(&top)
            .caption("Resource usage", (FONT, 24))
            .margin(12)
            .x_label_area_size(c.x_area(36))
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..cpu_max)
            .map_err(chart_err)?;
        cpu_chart
            .configure_mesh()
            .y_desc("CPU efficiency (%)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(c.x_labels())
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, c.font(16)))
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_err)?;
        cpu_chart
            .draw_series(LineSeries::new(
                [(x0, 100.0), (x1, 100.0)],
                BLACK.mix(0.5).stroke_width(2),
            ))
            .map_err(chart_err)?
            .label("allocated cores (100 %)")
            .legend(|(x, y)| {
                PathElement::new([(x, y), (x + 18, y)], BLACK.mix(0.5).stroke_width(2))
            });
        cpu_chart
            .draw_series(LineSeries::new(cpu, PALETTE[0].stroke_width(3)))
            .map_err(chart_err)?
            .label("busy ÷ allocated cores")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], PALETTE[0].stroke_width(3)));
        cpu_chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, c.font(16)))
            .draw()
            .map_err(chart_err)?;

        let mem_max = peak.iter().chain(&alloc).map(|p| p.1).fold(1f64, f64::max) * 1.15;
        let mut m = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(c.x_area(44))
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..mem_max)
            .map_err(chart_err)?;
        m.configure_mesh()
            .x_desc(x_desc(span))
            .y_desc("memory (MB)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(c.x_labels())
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, c.font(16)))
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_err)?;
        m.draw_series(LineSeries::new(alloc, BLACK.mix(0.5).stroke_width(2)))
            .map_err(chart_err)?
            .label("allocated")
            .legend(|(x, y)| {
                PathElement::new([(x, y), (x + 18, y)], BLACK.mix(0.5).stroke_width(2))
            });
        m.draw_series(LineSeries::new(peak, PALETTE[4].stroke_width(3)))
            .map_err(chart_err)?
            .label("peak (highest in bucket)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], PALETTE[4].stroke_width(3)));
        m.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, c.font(16)))
            .draw()
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// Error signatures as bars (most frequent on top, up to six), then failures per time bucket.
pub fn failures_svg(
    errors: &[ErrorSignature],
    s: &TaskSeries,
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    ensure_font();
    let failures: u64 = s.buckets.iter().map(|b| b.failures).sum();
    if failures == 0 && errors.is_empty() {
        return Ok(None);
    }
    let Some((x0, x1)) = time_range(s) else {
        return Ok(None);
    };
    let top: Vec<&ErrorSignature> = errors.iter().take(6).collect();
    let n = top.len();
    // Each row holds a label above its bar; the narrow canvas's larger text needs more room.
    let row_h = if c.narrow { 58 } else { 46 };
    let bars_h = if n == 0 { 0 } else { 70 + row_h * n as u32 };
    let span = x1 - x0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, bars_h + 320)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (upper, lower) = root.split_vertically(bars_h);
        if n > 0 {
            let max = top.iter().map(|e| e.frequency).max().unwrap_or(1) as f64;
            let mut chart = ChartBuilder::on(&upper)
                .caption("Failures: error signatures", (FONT, 24))
                .margin(12)
                .x_label_area_size(c.x_area(30))
                .y_label_area_size(0)
                .build_cartesian_2d(0f64..max * 1.1 + 1.0, 0f64..n as f64)
                .map_err(chart_err)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .x_labels(6)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .light_line_style(WHITE)
                .label_style((FONT, c.font(16)))
                .draw()
                .map_err(chart_err)?;
            let label = TextStyle::from((FONT, c.font(17)).into_font()).color(&BLACK);
            for (i, e) in top.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y + 0.08), (e.frequency as f64, y + 0.45)],
                        PALETTE[3].filled(),
                    )))
                    .map_err(chart_err)?;
                let text = format!(
                    "{} · {}",
                    shorten(
                        &format!("{}: {}", e.error_type, e.message),
                        c.label_chars(70)
                    ),
                    e.frequency
                );
                chart
                    .draw_series(std::iter::once(Text::new(
                        text,
                        (0.0, y + 0.88),
                        label.clone(),
                    )))
                    .map_err(chart_err)?;
            }
        }
        let max = s.buckets.iter().map(|b| b.failures).max().unwrap_or(0) as f64;
        let mut chart = ChartBuilder::on(&lower)
            .caption("Failures over time", (FONT, 20))
            .margin(12)
            .x_label_area_size(c.x_area(44))
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..(max * 1.15).max(1.0))
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc(span))
            .y_desc("failed or timed out")
            .y_labels(count_labels((max * 1.15).max(1.0)))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(c.x_labels())
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, c.font(16)))
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_err)?;
        let w = s.bucket_ms as f64;
        chart
            .draw_series(s.buckets.iter().filter(|b| b.failures > 0).map(|b| {
                let x = b.start.timestamp_millis() as f64;
                Rectangle::new(
                    [(x + w * 0.1, 0.0), (x + w * 0.9, b.failures as f64)],
                    PALETTE[3].filled(),
                )
            }))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::chart::both;
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
            assert!(d.contains("Duration distribution") && d.contains("p95 300 ms"));
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
