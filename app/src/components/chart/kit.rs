//! The chart kit every chart is drawn with: the frame (SVG backend, white background), the axes
//! (caption, margins, label areas grown for the narrow canvas, the mesh with the shared font,
//! label counts, formatters and axis descriptions), the series (lines with point markers, bars,
//! ranked bars labelled above, crosses, vertical markers, a percentile box) and one legend
//! style. A chart is then its data plus a few lines:
//!
//! ```ignore
//! frame(c, 420, |root| {
//!     let mut p = Axes::new(c, x0..x1, 0.0..y_max).caption("Duration over time", 24)
//!         .x_time(span).x_desc(time_desc(x0, x1)).y_desc("duration (s)").draw(root)?;
//!     p.line_with_points("p50", points, PALETTE[0])?;
//!     p.legend(SeriesLabelPosition::UpperLeft)
//! })
//! ```
//!
//! Every plot is f64 × f64 and every helper is a plain function rather than a generic one:
//! each distinct coordinate pair or element closure compiles its own copy of plotters' drawing
//! code into the wasm.

use std::ops::Range;

use chrono::{DateTime, Utc};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Canvas, ChartError, FONT, chart_err, ensure_font};

/// The drawing area of a frame (or a part of it, from `split_vertically`).
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

type Context<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws one chart `height` units high on `c`'s width, on white, into an SVG string.
pub fn frame(
    c: Canvas,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> Result<(), ChartError>,
) -> Result<Option<String>, ChartError> {
    ensure_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (c.width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        draw(&root)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// How an axis writes its tick labels.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    /// plotters' own number format.
    Plain,
    /// Whole numbers (counts, percent, MB).
    Whole,
    /// A UTC time (epoch milliseconds) for a window `span` milliseconds long; `years` when the
    /// window crosses a year, so that a label names it.
    Time { span: f64, years: bool },
}

impl Format {
    fn write(self, v: f64) -> String {
        match self {
            Format::Plain => format!("{v}"),
            Format::Whole => format!("{v:.0}"),
            Format::Time { span, years } => time_label(v, span, years),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Axis {
    desc: Option<String>,
    labels: Option<usize>,
    format: Format,
}

impl Axis {
    const PLAIN: Axis = Axis {
        desc: None,
        labels: None,
        format: Format::Plain,
    };
}

/// A time tick label: month-day for windows over two days (year-month-day when the window
/// crosses a year), else hour:minute (UTC).
fn time_label(ms: f64, span_ms: f64, years: bool) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms as i64) else {
        return String::new();
    };
    match (span_ms > 2.0 * 86_400_000.0, years) {
        (true, true) => crate::components::time::year_month_day(t),
        (true, false) => crate::components::time::month_day(t),
        (false, _) => crate::components::time::hour_minute(t),
    }
}

/// Whether the epoch-millisecond range `x0..x1` starts and ends in different years (UTC).
fn crosses_year(x0: f64, x1: f64) -> bool {
    use chrono::Datelike;
    let year = |ms: f64| DateTime::<Utc>::from_timestamp_millis(ms as i64).map(|t| t.year());
    year(x0) != year(x1)
}

/// The description of a time axis over `x0..x1` (epoch ms) whose labels [`Axes::x_time`]
/// writes.
pub fn time_desc(x0: f64, x1: f64) -> &'static str {
    match (x1 - x0 > 2.0 * 86_400_000.0, crosses_year(x0, x1)) {
        (true, true) => "start (UTC, year-month-day)",
        (true, false) => "start (UTC, month-day)",
        (false, _) => "start (UTC, hour:minute)",
    }
}

/// Ticks for a count axis up to `max`: whole numbers only, so a small range does not label
/// two ticks with the same rounded count.
fn count_labels(max: f64) -> usize {
    (max.floor() as usize + 1).clamp(2, 10)
}

/// One plot's frame and axes: caption, margins, label areas and mesh. Defaults: margin 12, an
/// x label area of 44 and a y label area of 70, labels at 16 (all grown on the narrow canvas
/// as [`Canvas`] says).
#[derive(Debug, Clone)]
pub struct Axes {
    c: Canvas,
    x_range: Range<f64>,
    y_range: Range<f64>,
    caption: Option<(&'static str, u32)>,
    top_margin: bool,
    x_area: u32,
    y_area: u32,
    font: u32,
    x: Axis,
    y: Axis,
    y_hidden: bool,
}

impl Axes {
    pub fn new(c: Canvas, x: Range<f64>, y: Range<f64>) -> Self {
        Axes {
            c,
            x_range: x,
            y_range: y,
            caption: None,
            top_margin: true,
            x_area: 44,
            y_area: 70,
            font: 16,
            x: Axis::PLAIN,
            y: Axis::PLAIN,
            y_hidden: false,
        }
    }

    pub fn caption(mut self, text: &'static str, size: u32) -> Self {
        self.caption = Some((text, size));
        self
    }

    /// No margin above the plot: it continues the one drawn above it.
    pub fn flush_top(mut self) -> Self {
        self.top_margin = false;
        self
    }

    /// Height of the x label area on the wide canvas.
    pub fn x_area(mut self, size: u32) -> Self {
        self.x_area = size;
        self
    }

    /// Size of axis labels (and of the legend) on the wide canvas.
    pub fn font(mut self, size: u32) -> Self {
        self.font = size;
        self
    }

    pub fn x_desc(mut self, desc: impl Into<String>) -> Self {
        self.x.desc = Some(desc.into());
        self
    }

    pub fn y_desc(mut self, desc: impl Into<String>) -> Self {
        self.y.desc = Some(desc.into());
        self
    }

    /// A time axis (epoch milliseconds over a window `span` long), as many labels as fit.
    pub fn x_time(mut self, span: f64) -> Self {
        self.x.labels = Some(self.c.x_labels());
        let years = crosses_year(self.x_range.start, self.x_range.end);
        self.x.format = Format::Time { span, years };
        self
    }

    /// Whole-number labels on x, `labels` of them (`None`: as many as fit the canvas).
    pub fn x_whole(mut self, labels: Option<usize>) -> Self {
        self.x.labels = Some(labels.unwrap_or(self.c.x_labels()));
        self.x.format = Format::Whole;
        self
    }

    /// Whole-number labels on y (percent, MB).
    pub fn y_whole(mut self) -> Self {
        self.y.format = Format::Whole;
        self
    }

    /// A count axis on y: whole numbers, never two ticks with the same label.
    pub fn y_count(mut self) -> Self {
        self.y.labels = Some(count_labels(self.y_range.end));
        self.y.format = Format::Whole;
        self
    }

    /// No y axis, mesh or label area: rows labelled inside the plot (see [`Plot::ranked_bars`]).
    pub fn hide_y(mut self) -> Self {
        self.y_hidden = true;
        self.y_area = 0;
        self
    }

    /// The plot with its axes drawn.
    pub fn draw<'a, 'b>(self, area: &'a Area<'b>) -> Result<Plot<'a, 'b>, ChartError> {
        self.plot(area, true)
    }

    /// The plot without axes or mesh (sharing the x axis of the plot above it).
    pub fn bare<'a, 'b>(self, area: &'a Area<'b>) -> Result<Plot<'a, 'b>, ChartError> {
        self.plot(area, false)
    }

    fn plot<'a, 'b>(self, area: &'a Area<'b>, mesh: bool) -> Result<Plot<'a, 'b>, ChartError> {
        let c = self.c;
        let mut b = ChartBuilder::on(area);
        if let Some((text, size)) = self.caption {
            b.caption(text, (FONT, size));
        }
        if self.top_margin {
            b.margin(12);
        } else {
            b.margin_left(12).margin_right(12).margin_bottom(12);
        }
        let mut chart = b
            .x_label_area_size(c.x_area(self.x_area))
            .y_label_area_size(self.y_area)
            .build_cartesian_2d(self.x_range.clone(), self.y_range.clone())
            .map_err(chart_err)?;
        if mesh {
            let (xf, yf) = (self.x.format, self.y.format);
            let x_fmt = move |v: &f64| xf.write(*v);
            let y_fmt = move |v: &f64| yf.write(*v);
            let mut m = chart.configure_mesh();
            m.light_line_style(WHITE)
                .label_style((FONT, c.font(self.font)));
            if self.y_hidden {
                m.disable_y_mesh().disable_y_axis();
            }
            if let Some(d) = &self.x.desc {
                m.x_desc(d.as_str());
            }
            if let Some(d) = &self.y.desc {
                m.y_desc(d.as_str());
            }
            if let Some(n) = self.x.labels {
                m.x_labels(n);
            }
            if let Some(n) = self.y.labels {
                m.y_labels(n);
            }
            if xf != Format::Plain {
                m.x_label_formatter(&x_fmt);
            }
            if yf != Format::Plain {
                m.y_label_formatter(&y_fmt);
            }
            m.draw().map_err(chart_err)?;
        }
        Ok(Plot {
            chart,
            c,
            font: self.font,
        })
    }
}

/// How [`Plot::ranked_bars`] places a row's bar and its label (fractions of the row, from its
/// bottom).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rows {
    pub bar: (f64, f64),
    pub label_at: f64,
    pub font: u32,
    /// The label's vertical centre (not its top) is at `label_at`.
    pub centred: bool,
}

/// A plot with axes, ready for series. Series with a label get a legend entry.
pub struct Plot<'a, 'b> {
    chart: Context<'a, 'b>,
    c: Canvas,
    font: u32,
}

impl<'a, 'b: 'a> Plot<'a, 'b> {
    /// A line through `points` with its legend entry.
    pub fn line(
        &mut self,
        label: &str,
        points: Vec<(f64, f64)>,
        style: ShapeStyle,
    ) -> Result<(), ChartError> {
        self.chart
            .draw_series(LineSeries::new(points, style))
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
        Ok(())
    }

    /// A thick line in `color` with a dot on every point.
    pub fn line_with_points(
        &mut self,
        label: &str,
        points: Vec<(f64, f64)>,
        color: RGBColor,
    ) -> Result<(), ChartError> {
        self.line(label, points.clone(), color.stroke_width(3))?;
        self.chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )
            .map_err(chart_err)?;
        Ok(())
    }

    /// Filled rectangles, each from one corner to the other.
    pub fn bars(&mut self, bars: Vec<[(f64, f64); 2]>, color: RGBColor) -> Result<(), ChartError> {
        self.chart
            .draw_series(bars.into_iter().map(|r| Rectangle::new(r, color.filled())))
            .map_err(chart_err)?;
        Ok(())
    }

    /// One row per item, the first on top: a bar of its value from 0 and its label above it,
    /// written inside the plot (an axis label column would not fit a phone). Use with
    /// [`Axes::hide_y`] and y over `0..rows.len()`.
    pub fn ranked_bars(
        &mut self,
        rows: Vec<(String, f64)>,
        color: RGBColor,
        layout: Rows,
    ) -> Result<(), ChartError> {
        let mut style = TextStyle::from((FONT, self.c.font(layout.font)).into_font()).color(&BLACK);
        if layout.centred {
            style = style.pos(Pos::new(HPos::Left, VPos::Center));
        }
        let n = rows.len();
        for (i, (label, v)) in rows.into_iter().enumerate() {
            let y = (n - 1 - i) as f64;
            self.chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + layout.bar.0), (v, y + layout.bar.1)],
                    color.filled(),
                )))
                .map_err(chart_err)?;
            self.chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (0.0, y + layout.label_at),
                    style.clone(),
                )))
                .map_err(chart_err)?;
        }
        Ok(())
    }

    /// [`Plot::ranked_bars`] with a colour per row and, where a row's interval `lo`–`hi` is not
    /// a point, a whisker across its bar: one row per `(label, value, lo, hi, colour)`.
    pub fn ranked_intervals(
        &mut self,
        rows: Vec<(String, f64, f64, f64, RGBColor)>,
        layout: Rows,
    ) -> Result<(), ChartError> {
        let style = TextStyle::from((FONT, self.c.font(layout.font)).into_font()).color(&BLACK);
        let ink = BLACK.mix(0.8).stroke_width(2);
        let n = rows.len();
        for (i, (label, v, lo, hi, color)) in rows.into_iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let (b0, b1) = (y + layout.bar.0, y + layout.bar.1);
            self.chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, b0), (v, b1)],
                    color.filled(),
                )))
                .map_err(chart_err)?;
            if hi > lo {
                let mid = (b0 + b1) / 2.0;
                self.chart
                    .draw_series([
                        PathElement::new([(lo, mid), (hi, mid)], ink),
                        PathElement::new([(lo, b0), (lo, b1)], ink),
                        PathElement::new([(hi, b0), (hi, b1)], ink),
                    ])
                    .map_err(chart_err)?;
            }
            self.chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (0.0, y + layout.label_at),
                    style.clone(),
                )))
                .map_err(chart_err)?;
        }
        Ok(())
    }

    /// A solid vertical line at `x` over the whole plot, with a filled legend swatch.
    pub fn vline(&mut self, label: &str, x: f64, color: RGBColor) -> Result<(), ChartError> {
        let y = self.chart.y_range();
        self.chart
            .draw_series(LineSeries::new(
                [(x, y.start), (x, y.end)],
                color.stroke_width(3),
            ))
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], color.filled()));
        Ok(())
    }

    /// Dashed vertical lines at each of `xs` over the whole plot, one legend entry for all.
    pub fn dashed_vlines(
        &mut self,
        label: &str,
        xs: Vec<f64>,
        color: RGBColor,
    ) -> Result<(), ChartError> {
        let y = self.chart.y_range();
        let style = color.stroke_width(3);
        self.chart
            .draw_series(
                xs.into_iter()
                    .map(|x| DashedPathElement::new([(x, y.start), (x, y.end)], 8, 5, style)),
            )
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| {
                DashedPathElement::new([(x + 9, y - 8), (x + 9, y + 8)], 4, 3, style)
            });
        Ok(())
    }

    /// A cross at each point, one legend entry for all.
    pub fn crosses(
        &mut self,
        label: &str,
        points: Vec<(f64, f64)>,
        color: RGBColor,
    ) -> Result<(), ChartError> {
        let style = color.stroke_width(2);
        self.chart
            .draw_series(points.into_iter().map(|p| Cross::new(p, 6, style)))
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| Cross::new((x + 9, y), 6, style));
        Ok(())
    }

    /// A horizontal percentile box on y 0..1: whiskers `lo`–`hi`, box `q1`–`q3` filled with
    /// `fill`, and `note` (what the box shows) above it on the left.
    pub fn percentile_box(
        &mut self,
        [lo, q1, q3, hi]: [f64; 4],
        fill: RGBColor,
        note: &str,
    ) -> Result<(), ChartError> {
        let ink = BLACK.mix(0.75).stroke_width(2);
        self.chart
            .draw_series([
                PathElement::new([(lo, 0.5), (hi, 0.5)], ink),
                PathElement::new([(lo, 0.35), (lo, 0.65)], ink),
                PathElement::new([(hi, 0.35), (hi, 0.65)], ink),
            ])
            .map_err(chart_err)?;
        self.chart
            .draw_series([
                Rectangle::new([(q1, 0.25), (q3, 0.75)], fill.mix(0.35).filled()),
                Rectangle::new([(q1, 0.25), (q3, 0.75)], ink),
            ])
            .map_err(chart_err)?;
        self.chart
            .draw_series(std::iter::once(Text::new(
                note.to_owned(),
                (0.0, 0.98),
                (FONT, self.c.font(15)).into_font().color(&BLACK.mix(0.7)),
            )))
            .map_err(chart_err)?;
        Ok(())
    }

    /// The legend of the labelled series, in `corner`.
    pub fn legend(&mut self, corner: SeriesLabelPosition) -> Result<(), ChartError> {
        self.chart
            .configure_series_labels()
            .position(corner)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, self.c.font(self.font)))
            .draw()
            .map_err(chart_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_axes_label_whole_numbers_only() {
        assert_eq!(count_labels(1.2), 2);
        assert_eq!(count_labels(4.6), 5);
        assert_eq!(count_labels(300.0), 10);
        assert_eq!(Format::Whole.write(2.6), "3");
    }

    #[test]
    fn time_axes_switch_to_days_over_two_days() {
        let t = "2026-11-20T13:45:00Z".parse::<DateTime<Utc>>().unwrap();
        let ms = t.timestamp_millis() as f64;
        let time = |span, years| Format::Time { span, years }.write(ms);
        assert_eq!(time(3_600_000.0, false), "13:45");
        assert_eq!(time(7.0 * 86_400_000.0, false), "11-20");
        assert_eq!(time(400.0 * 86_400_000.0, true), "2026-11-20");
        assert_eq!(
            time_desc(ms, ms + 7.0 * 86_400_000.0),
            "start (UTC, month-day)"
        );
        assert_eq!(time_desc(ms, ms + 3_600_000.0), "start (UTC, hour:minute)");
    }

    #[test]
    fn a_time_axis_across_a_new_year_labels_the_year() {
        // 2021-03-04 to 2022-05-13, as `range=all` over the two openproblems runs.
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap().timestamp_millis() as f64;
        let (x0, x1) = (at("2021-03-04T21:06:07Z"), at("2022-05-13T22:00:00Z"));
        assert!(crosses_year(x0, x1) && !crosses_year(x0, at("2021-12-31T23:59:59Z")));
        assert_eq!(time_desc(x0, x1), "start (UTC, year-month-day)");
        let axes = Axes::new(Canvas::WIDE, x0..x1, 0.0..1.0).x_time(x1 - x0);
        assert_eq!(axes.x.format.write(x0), "2021-03-04");
        assert_eq!(axes.x.format.write(x1), "2022-05-13");
    }

    #[test]
    fn a_frame_is_an_svg_of_the_canvas_width_with_every_series_kind() {
        let svg = frame(Canvas::NARROW, 300, |root| {
            let mut p = Axes::new(Canvas::NARROW, 0.0..10.0, 0.0..5.0)
                .caption("Kit", 24)
                .x_desc("x (s)")
                .y_count()
                .draw(root)?;
            p.line_with_points("line", vec![(1.0, 1.0), (2.0, 2.0)], RGBColor(1, 2, 3))?;
            p.crosses("crosses", vec![(3.0, 3.0)], RGBColor(4, 5, 6))?;
            p.dashed_vlines("shifts", vec![5.0], RGBColor(7, 8, 9))?;
            p.vline("mark", 6.0, RGBColor(10, 11, 12))?;
            p.legend(SeriesLabelPosition::UpperLeft)
        })
        .unwrap()
        .unwrap();
        assert!(svg.contains(r#"viewBox="0 0 440 300""#), "{}", &svg[..120]);
        for text in ["Kit", "x (s)", "line", "crosses", "shifts", "mark"] {
            assert!(svg.contains(text), "{text}");
        }
    }
}
