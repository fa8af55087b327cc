//! Charts drawn with plotters into SVG strings, identical on the server (first paint) and in
//! the browser (re-render on data change). On the server, text is measured with a bundled
//! ASCII/Latin-1 subset of DejaVu Sans (17 KB, licence in `app/assets/`), registered once; in the
//! browser plotters measures text with the canvas API instead, so the font stays out of the
//! wasm. plotters escapes all text it writes into the SVG.
//!
//! Every chart is drawn at two widths ([`Canvas::WIDE`], [`Canvas::NARROW`]) and scales to its
//! box (`viewBox`, `width: 100%`); a container query shows the one that fits. One drawing
//! shrunk from 960 to a phone's 350 px would leave 6 px text; the narrow one keeps about 13 px,
//! with fewer ticks and shorter labels, and nothing scrolls sideways.

use leptos::prelude::*;
use plotters::prelude::*;
use types::TaskSummary;

pub mod kit;

use kit::{Axes, Rows, frame};

pub const FONT: &str = "sans-serif";
/// One palette for every chart (colour-blind safe, Okabe & Ito 2008).
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
];

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn ensure_font() {
    use plotters::style::{FontStyle, register_font};
    static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // The bytes are a fixed, checked-in asset: failure here is a build defect, which the
        // chart unit tests catch.
        let _ = register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn ensure_font() {}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("chart could not be drawn: {0}")]
pub struct ChartError(String);

/// The drawing width of a chart (SVG user units) and what fits in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canvas {
    pub width: u32,
    pub narrow: bool,
}

impl Canvas {
    /// Desktop and wide embeds: shown at up to 960 px, 1:1.
    pub const WIDE: Canvas = Canvas {
        width: 960,
        narrow: false,
    };
    /// Phones and narrow embeds (boxes under 640 px, see `style/main.css`).
    pub const NARROW: Canvas = Canvas {
        width: 440,
        narrow: true,
    };

    /// Tick labels on a time axis: about one per 110 units.
    pub fn x_labels(self) -> usize {
        if self.narrow { 4 } else { 8 }
    }

    /// Font size of axis labels, legends and notes: a quarter larger on the narrow canvas, which
    /// is shown smaller.
    pub fn font(self, size: u32) -> u32 {
        if self.narrow { size * 5 / 4 } else { size }
    }

    /// Height of an x axis area (ticks and description), grown with [`Canvas::font`].
    pub fn x_area(self, size: u32) -> u32 {
        if self.narrow { size + 10 } else { size }
    }

    /// Characters of a label written across the plot, `wide` on the wide canvas.
    pub fn label_chars(self, wide: usize) -> usize {
        if self.narrow { wide / 2 } else { wide }
    }
}

/// A chart drawn at both widths.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSvgs {
    pub wide: String,
    pub narrow: String,
}

/// Draws `draw` at both widths; `Ok(None)` when there is nothing to draw.
pub fn both(
    draw: impl Fn(Canvas) -> Result<Option<String>, ChartError>,
) -> Result<Option<ChartSvgs>, ChartError> {
    let Some(wide) = draw(Canvas::WIDE)? else {
        return Ok(None);
    };
    let narrow = draw(Canvas::NARROW)?.unwrap_or_default();
    Ok(Some(ChartSvgs { wide, narrow }))
}

pub(crate) fn chart_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

pub(crate) fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let head: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{head}…")
    }
}

/// Horizontal bars of execution counts for the (up to) ten busiest tasks with executions,
/// busiest on top, each labelled above its bar with the task key and count.
/// Returns `None` when no task has executions.
pub fn execution_counts_svg(
    tasks: &[TaskSummary],
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    let mut top: Vec<&TaskSummary> = tasks.iter().filter(|t| t.total_executions > 0).collect();
    top.sort_by_key(|t| std::cmp::Reverse(t.total_executions));
    top.truncate(10);
    let Some(max) = top.first().map(|t| t.total_executions as f64) else {
        return Ok(None);
    };
    let n = top.len();
    let rows = top
        .iter()
        .map(|t| {
            let key = shorten(&t.task_id, c.label_chars(60));
            (
                format!("{key} · {}", t.total_executions),
                t.total_executions as f64,
            )
        })
        .collect();
    frame(c, 84 + 46 * n as u32, |root| {
        Axes::new(c, 0.0..max * 1.1 + 1.0, 0.0..n as f64)
            .caption("Executions per task (top 10)", 24)
            .x_area(40)
            .font(18)
            .x_desc("executions (count)")
            .x_whole(None)
            .hide_y()
            .draw(root)?
            .ranked_bars(rows, PALETTE[0], COUNT_ROWS)
    })
}

/// A task's bar low in its row, its label above it.
const COUNT_ROWS: Rows = Rows {
    bar: (0.1, 0.48),
    label_at: 0.74,
    font: 18,
    centred: true,
};

/// Shows a chart drawn by this module at both widths (CSS shows one). Safe to inject: plotters
/// escapes every text node, and the hand-drawn DAG escapes its labels.
#[component]
pub fn SvgChart(
    /// Accessible name of the figure.
    title: String,
    svg: ChartSvgs,
) -> impl IntoView {
    view! {
        <figure class="chart" role="img" aria-label=title>
            <div class="chart-wide" inner_html=svg.wide></div>
            <div class="chart-narrow" inner_html=svg.narrow></div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::TaskType;

    fn task(key: &str, n: u64) -> TaskSummary {
        TaskSummary {
            task_id: key.into(),
            task_name: key.into(),
            workflow_id: "wf".into(),
            task_type: TaskType::Compute,
            total_executions: n,
            failed_executions: 0,
            last_run: None,
        }
    }

    #[test]
    fn chart_draws_one_bar_per_task_with_executions_and_labels_them() {
        let svg = execution_counts_svg(
            &[task("a.load", 5), task("b.idle", 0), task("c.run", 9)],
            Canvas::WIDE,
        )
        .unwrap()
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("a.load · 5") && svg.contains("c.run · 9") && !svg.contains("b.idle"));
        assert!(svg.contains("Executions per task"));
        let bars = svg.matches(r##"fill="#0072B2""##).count();
        assert_eq!(bars, 2, "one filled bar per task with executions");
    }

    #[test]
    fn chart_is_absent_without_executions() {
        assert_eq!(
            both(|c| execution_counts_svg(&[task("idle", 0)], c)),
            Ok(None)
        );
    }

    #[test]
    fn hostile_task_names_are_escaped_inside_the_svg() {
        let svgs = both(|c| execution_counts_svg(&[task("<img src=x onerror=alert(1)>", 3)], c))
            .unwrap()
            .unwrap();
        for svg in [svgs.wide, svgs.narrow] {
            assert!(!svg.contains("<img"), "raw markup leaked into the SVG");
            assert!(svg.contains("&lt;img"));
        }
    }

    #[test]
    fn charts_scale_to_their_box_and_the_narrow_one_shortens_labels() {
        let long = "team/".repeat(20);
        let svgs = both(|c| execution_counts_svg(&[task(&long, 3)], c))
            .unwrap()
            .unwrap();
        assert!(
            svgs.wide.contains(r#"viewBox="0 0 960 "#),
            "{}",
            &svgs.wide[..120]
        );
        assert!(
            svgs.narrow.contains(r#"viewBox="0 0 440 "#),
            "{}",
            &svgs.narrow[..120]
        );
        let label = |svg: &str| svg.matches("team/").count();
        assert!(label(&svgs.narrow) < label(&svgs.wide));
    }
}
