//! The optimisation page's charts: the workflow's simulated makespan p50 and p95, baseline
//! against changed, each with its 95 % interval; and the task's current figures against the
//! proposed ones, each as a share of the current.

use plotters::prelude::*;
use types::{Interval, SimulationAnswer};

use super::chart::kit::{Axes, Rows, frame};
use super::chart::{Canvas, ChartError, PALETTE};
use super::task_charts::{fmt_duration, unit_for};

/// A row's bar in the lower half, its label centred in the upper half.
const ROWS: Rows = Rows {
    bar: (0.1, 0.5),
    label_at: 0.75,
    font: 16,
    centred: true,
};

/// Baseline and changed makespan p50 and p95 as bars with their 95 % intervals; `Ok(None)`
/// when every simulated run failed on both sides.
pub fn makespan_intervals_svg(
    a: &SimulationAnswer,
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    let sides = [
        ("baseline", &a.baseline, PALETTE[0]),
        ("changed", &a.changed, PALETTE[1]),
    ];
    let mut rows: Vec<(String, Interval, RGBColor)> = Vec::new();
    for (q, pick) in [
        ("p50", (|m: &types::MakespanEstimate| m.p50) as fn(&_) -> _),
        ("p95", |m| m.p95),
    ] {
        for (name, side, color) in &sides {
            if let Some(i) = pick(&side.makespan_ms) {
                rows.push((format!("{name} {q}"), i, *color));
            }
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let top = rows.iter().map(|r| r.1.high).fold(1.0, f64::max);
    let unit = unit_for(top);
    let n = rows.len();
    frame(c, 70 + 62 * n as u32, |root| {
        Axes::new(c, 0.0..top / unit.div * 1.08, 0.0..n as f64)
            .caption("Workflow makespan (95 % intervals)", 22)
            .x_desc(format!("makespan ({})", unit.name))
            .hide_y()
            .draw(root)?
            .ranked_intervals(
                rows.into_iter()
                    .map(|(label, i, color)| {
                        (
                            format!(
                                "{label}: {} ({}–{})",
                                fmt_duration(i.value),
                                fmt_duration(i.low),
                                fmt_duration(i.high)
                            ),
                            i.value / unit.div,
                            i.low / unit.div,
                            i.high / unit.div,
                            color,
                        )
                    })
                    .collect(),
                ROWS,
            )
    })
}

/// Each metric's current and proposed value as a share of the current (current = 100 %);
/// `rows` are (metric, current, proposed, current text, proposed text). Metrics whose current
/// value is 0 are left out; `Ok(None)` when none is left.
pub fn resources_svg(
    rows: &[(String, f64, f64, String, String)],
    c: Canvas,
) -> Result<Option<String>, ChartError> {
    let bars: Vec<(String, f64, f64, f64, RGBColor)> = rows
        .iter()
        .filter(|r| r.1 > 0.0 && r.2.is_finite())
        .flat_map(|(name, now, new, now_text, new_text)| {
            let share = 100.0 * new / now;
            [
                (
                    format!("{name}: current {now_text}"),
                    100.0,
                    100.0,
                    100.0,
                    PALETTE[0],
                ),
                (
                    format!("{name}: proposed {new_text} ({share:.0} %)"),
                    share,
                    share,
                    share,
                    PALETTE[2],
                ),
            ]
        })
        .collect();
    if bars.is_empty() {
        return Ok(None);
    }
    let top = bars.iter().map(|b| b.1).fold(100.0, f64::max) * 1.08;
    let n = bars.len();
    frame(c, 70 + 52 * n as u32, |root| {
        Axes::new(c, 0.0..top, 0.0..n as f64)
            .caption("Current and proposed (share of current)", 22)
            .x_desc("% of current")
            .x_whole(None)
            .hide_y()
            .draw(root)?
            .ranked_intervals(bars, ROWS)
    })
}

#[cfg(test)]
mod tests {
    use super::super::chart::both;
    use super::*;

    #[test]
    fn the_resource_chart_draws_shares_of_the_current_value() {
        let rows = vec![
            ("Cores".to_owned(), 8.0, 2.0, "8".to_owned(), "2".to_owned()),
            ("Nothing".to_owned(), 0.0, 1.0, "0".into(), "1".into()),
        ];
        let svg = both(|c| resources_svg(&rows, c)).unwrap().unwrap();
        assert!(
            svg.wide.contains("Cores: proposed 2 (25 %)"),
            "{}",
            svg.wide
        );
        assert!(!svg.wide.contains("Nothing"));
        assert_eq!(both(|c| resources_svg(&rows[1..], c)), Ok(None));
    }
}
