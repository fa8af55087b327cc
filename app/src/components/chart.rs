//! Charts drawn with plotters into SVG strings, identical on the server (first paint) and in
//! the browser (re-render on data change). Text is rendered with a bundled ASCII/Latin-1 subset
//! of DejaVu Sans (17 KB, licence in `app/assets/`), registered once; plotters escapes all text.

use std::sync::Once;

use leptos::prelude::*;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use types::TaskSummary;

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

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");
static REGISTER: Once = Once::new();

fn ensure_font() {
    REGISTER.call_once(|| {
        // The bytes are a fixed, checked-in asset: failure here is a build defect, which the
        // chart unit tests catch.
        let _ = register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("chart could not be drawn: {0}")]
pub struct ChartError(String);

fn chart_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let head: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{head}…")
    }
}

/// Horizontal bars of execution counts for the (up to) ten busiest tasks with executions.
/// Returns `None` when no task has executions.
pub fn execution_counts_svg(tasks: &[TaskSummary]) -> Result<Option<String>, ChartError> {
    ensure_font();
    let mut top: Vec<&TaskSummary> = tasks.iter().filter(|t| t.total_executions > 0).collect();
    top.sort_by(|a, b| b.total_executions.cmp(&a.total_executions));
    top.truncate(10);
    if top.is_empty() {
        return Ok(None);
    }
    let (width, height) = (720u32, 70 + 30 * top.len() as u32);
    let max = top.iter().map(|t| t.total_executions).max().unwrap_or(1);
    let labels: Vec<String> = top.iter().map(|t| shorten(&t.task_id, 28)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Executions per task (top 10)", (FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(190)
            .build_cartesian_2d(0u64..max + max / 10 + 1, (0..top.len()).into_segmented())
            .map_err(chart_err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("executions (count)")
            .y_labels(top.len())
            .label_style((FONT, 13))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .draw()
            .map_err(chart_err)?;
        chart
            .draw_series(top.iter().enumerate().map(|(i, t)| {
                let mut bar = Rectangle::new(
                    [
                        (0, SegmentValue::Exact(i)),
                        (t.total_executions, SegmentValue::Exact(i + 1)),
                    ],
                    PALETTE[0].filled(),
                );
                bar.set_margin(5, 5, 0, 0);
                bar
            }))
            .map_err(chart_err)?;
        root.present().map_err(chart_err)?;
    }
    Ok(Some(svg))
}

/// Shows an SVG produced by this module. Safe to inject: plotters escapes every text node.
#[component]
pub fn SvgChart(
    /// Accessible name of the figure.
    title: String,
    svg: String,
) -> impl IntoView {
    view! { <figure class="chart" role="img" aria-label=title inner_html=svg></figure> }
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
        let svg = execution_counts_svg(&[task("a.load", 5), task("b.idle", 0), task("c.run", 9)])
            .unwrap()
            .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("a.load") && svg.contains("c.run") && !svg.contains("b.idle"));
        assert!(svg.contains("Executions per task"));
        let bars = svg.matches(r##"fill="#0072B2""##).count();
        assert_eq!(bars, 2, "one filled bar per task with executions");
    }

    #[test]
    fn chart_is_absent_without_executions() {
        assert_eq!(execution_counts_svg(&[task("idle", 0)]), Ok(None));
    }

    #[test]
    fn hostile_task_names_are_escaped_inside_the_svg() {
        let svg = execution_counts_svg(&[task("<img src=x onerror=alert(1)>", 3)])
            .unwrap()
            .unwrap();
        assert!(!svg.contains("<img"), "raw markup leaked into the SVG");
        assert!(svg.contains("&lt;img"));
    }
}
