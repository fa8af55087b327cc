//! The task dashboard's plotters charts: duration distribution, duration over time, resource
//! usage and failures. Same rules as [`super::chart`]: SVG strings drawn identically on the
//! server and in the browser, one palette, units on every axis, text escaped by plotters.
//! Each returns `Ok(None)` when the window holds nothing to draw, so the panel can say so.

use chrono::{DateTime, Utc};
use plotters::prelude::*;
use types::{ErrorSignature, ExecutionStatistics, HistogramBin, SeriesBucket, TaskSeries};

use super::chart::{ChartError, FONT, PALETTE, chart_err, ensure_font, shorten};

const WIDTH: u32 = 960;

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
        t.format("%m-%d").to_string()
    } else {
        t.format("%H:%M").to_string()
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
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 470)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (upper, lower) = root.split_vertically(370);
        let mut chart = ChartBuilder::on(&upper)
            .caption("Duration distribution", (FONT, 24))
            .margin(12)
            .x_label_area_size(44)
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
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 16))
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
            .label_font((FONT, 16))
            .draw()
            .map_err(chart_err)?;

        let mut bx = ChartBuilder::on(&lower)
            .margin_left(12)
            .margin_right(12)
            .margin_bottom(12)
            .x_label_area_size(0)
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
            (FONT, 15).into_font().color(&BLACK.mix(0.7)),
        )))
        .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// p50 and p95 duration per time bucket (completed runs), outliers as crosses.
pub fn timeline_svg(s: &TaskSeries) -> Result<Option<String>, ChartError> {
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
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Duration over time", (FONT, 24))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..top / unit.div * 1.1)
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc(span))
            .y_desc(format!("duration ({})", unit.name))
            .x_labels(8)
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, 16))
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
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 16))
            .draw()
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// CPU efficiency (busy over allocated cores, 100 % = the allocation) and memory peak against
/// the allocation, per time bucket.
pub fn resources_svg(s: &TaskSeries) -> Result<Option<String>, ChartError> {
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
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 640)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (top, bottom) = root.split_vertically(320);
        let cpu_max = cpu.iter().map(|p| p.1).fold(100f64, f64::max) * 1.1;
        let mut c = ChartBuilder::on(&top)
            .caption("Resource usage", (FONT, 24))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..cpu_max)
            .map_err(chart_err)?;
        c.configure_mesh()
            .y_desc("CPU efficiency (%)")
            .x_labels(8)
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, 16))
            .light_line_style(WHITE)
            .draw()
            .map_err(chart_err)?;
        c.draw_series(LineSeries::new(
            [(x0, 100.0), (x1, 100.0)],
            BLACK.mix(0.5).stroke_width(2),
        ))
        .map_err(chart_err)?
        .label("allocated cores (100 %)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK.mix(0.5).stroke_width(2)));
        c.draw_series(LineSeries::new(cpu, PALETTE[0].stroke_width(3)))
            .map_err(chart_err)?
            .label("busy ÷ allocated cores")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], PALETTE[0].stroke_width(3)));
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 16))
            .draw()
            .map_err(chart_err)?;

        let mem_max = peak.iter().chain(&alloc).map(|p| p.1).fold(1f64, f64::max) * 1.15;
        let mut m = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..mem_max)
            .map_err(chart_err)?;
        m.configure_mesh()
            .x_desc(x_desc(span))
            .y_desc("memory (MB)")
            .x_labels(8)
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, 16))
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
            .label_font((FONT, 16))
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
    let bars_h = if n == 0 { 0 } else { 70 + 46 * n as u32 };
    let span = x1 - x0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, bars_h + 320)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let (upper, lower) = root.split_vertically(bars_h);
        if n > 0 {
            let max = top.iter().map(|e| e.frequency).max().unwrap_or(1) as f64;
            let mut chart = ChartBuilder::on(&upper)
                .caption("Failures: error signatures", (FONT, 24))
                .margin(12)
                .x_label_area_size(30)
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
                .label_style((FONT, 16))
                .draw()
                .map_err(chart_err)?;
            let label = TextStyle::from((FONT, 17).into_font()).color(&BLACK);
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
                    shorten(&format!("{}: {}", e.error_type, e.message), 70),
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
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0f64..(max * 1.15).max(1.0))
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc(span))
            .y_desc("failed or timed out")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .x_labels(8)
            .x_label_formatter(&|v| fmt_time(*v, span))
            .label_style((FONT, 16))
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
    use types::{DurationPoint, ExecutionStatistics, WorkflowGraph};

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
        let d = distribution_svg(&s.histogram, &stats).unwrap().unwrap();
        assert!(d.contains("Duration distribution") && d.contains("p95 300 ms"));
        let t = timeline_svg(&s).unwrap().unwrap();
        assert!(t.contains("Duration over time") && t.contains("outliers (1)"));
        let r = resources_svg(&s).unwrap().unwrap();
        assert!(r.contains("CPU efficiency (%)") && r.contains("memory (MB)"));
        let e = ErrorSignature {
            error_type: "<script>".into(),
            message: "boom".into(),
            frequency: 3,
            ..Default::default()
        };
        let f = failures_svg(&[e], &s).unwrap().unwrap();
        assert!(f.contains("&lt;script&gt;: boom · 3") && !f.contains("<script>"));
    }

    #[test]
    fn charts_are_absent_when_the_window_is_empty() {
        let empty = TaskSeries::default();
        assert_eq!(timeline_svg(&empty), Ok(None));
        assert_eq!(resources_svg(&empty), Ok(None));
        assert_eq!(failures_svg(&[], &empty), Ok(None));
        assert_eq!(
            distribution_svg(&[], &ExecutionStatistics::default()),
            Ok(None)
        );
    }
}
