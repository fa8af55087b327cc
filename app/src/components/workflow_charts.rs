//! The workflow page's run charts: makespan per run over time, and the success rate of each
//! run's logical executions. Drawn with the chart kit at both widths, like every chart;
//! `Ok(None)` when the window holds no run to draw.

use plotters::prelude::*;
use types::{RunOutcome, WorkflowRun};

use super::chart::kit::{Axes, frame, time_desc};
use super::chart::{Canvas, ChartError, PALETTE};
use super::task_charts::unit_for;

/// The time axis over the runs' starts, padded so no point sits on the frame (an hour around a
/// single run).
fn time_axis(runs: &[WorkflowRun]) -> Option<(f64, f64)> {
    let ms = |r: &WorkflowRun| r.start_time.timestamp_millis() as f64;
    let (first, last) = (ms(runs.first()?), ms(runs.last()?));
    let pad = ((last - first) * 0.03).max(1_800_000.0);
    Some((first - pad, last + pad))
}

/// Makespan of each ended run at its start: succeeded runs as a line with points, failed runs
/// as crosses.
pub fn makespan_svg(runs: &[WorkflowRun], c: Canvas) -> Result<Option<String>, ChartError> {
    let ended: Vec<(f64, f64, bool)> = runs
        .iter()
        .filter_map(|r| {
            let m = r.makespan_ms?;
            let failed = r.outcome == RunOutcome::Failed;
            Some((r.start_time.timestamp_millis() as f64, m, failed))
        })
        .collect();
    let (Some((x0, x1)), false) = (time_axis(runs), ended.is_empty()) else {
        return Ok(None);
    };
    let top = ended.iter().map(|p| p.1).fold(0.0, f64::max).max(1.0);
    let unit = unit_for(top);
    let points = |failed: bool| -> Vec<(f64, f64)> {
        ended
            .iter()
            .filter(|p| p.2 == failed)
            .map(|p| (p.0, p.1 / unit.div))
            .collect()
    };
    let (ok, failed) = (points(false), points(true));
    frame(c, 400, |root| {
        let mut p = Axes::new(c, x0..x1, 0.0..top / unit.div * 1.15)
            .caption("Makespan per run", 24)
            .x_time(x1 - x0)
            .x_desc(time_desc(x0, x1))
            .y_desc(format!("makespan ({})", unit.name))
            .draw(root)?;
        if !ok.is_empty() {
            let label = format!("succeeded runs ({})", ok.len());
            p.line_with_points(&label, ok, PALETTE[0])?;
        }
        if !failed.is_empty() {
            p.crosses(
                &format!("failed runs ({})", failed.len()),
                failed,
                PALETTE[3],
            )?;
        }
        p.legend(SeriesLabelPosition::UpperLeft)
    })
}

/// Per run, the share of its ended logical executions that completed (%).
pub fn success_svg(runs: &[WorkflowRun], c: Canvas) -> Result<Option<String>, ChartError> {
    let points: Vec<(f64, f64)> = runs
        .iter()
        .filter_map(|r| Some((r.start_time.timestamp_millis() as f64, r.success_rate()?)))
        .collect();
    let (Some((x0, x1)), false) = (time_axis(runs), points.is_empty()) else {
        return Ok(None);
    };
    let low = points.iter().map(|p| p.1).fold(100.0, f64::min);
    // Room under the lowest point, so a 97 % run is visibly below a 100 % one.
    let y0 = ((low - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    frame(c, 340, |root| {
        let mut p = Axes::new(c, x0..x1, y0..101.0)
            .caption("Success rate per run", 24)
            .x_time(x1 - x0)
            .x_desc(time_desc(x0, x1))
            .y_desc("tasks completed (%)")
            .y_whole()
            .draw(root)?;
        p.line_with_points("completed ÷ ended logical executions", points, PALETTE[2])?;
        p.legend(SeriesLabelPosition::LowerLeft)
    })
}

#[cfg(test)]
mod tests {
    use super::super::chart::both;
    use super::*;

    fn run(id: &str, hour: u32, makespan: Option<f64>, outcome: RunOutcome) -> WorkflowRun {
        WorkflowRun {
            run_id: id.into(),
            start_time: format!("2026-11-20T{hour:02}:00:00Z").parse().unwrap(),
            makespan_ms: makespan,
            outcome,
            logical: 4,
            completed: if outcome == RunOutcome::Failed { 3 } else { 4 },
            failed: u64::from(outcome == RunOutcome::Failed),
        }
    }

    #[test]
    fn the_makespan_chart_draws_succeeded_runs_and_marks_failed_ones() {
        let runs = [
            run("r1", 1, Some(600_000.0), RunOutcome::Succeeded),
            run("r2", 2, Some(900_000.0), RunOutcome::Failed),
            run("r3", 3, None, RunOutcome::Running),
            run("r4", 4, Some(660_000.0), RunOutcome::Succeeded),
        ];
        let svgs = both(|c| makespan_svg(&runs, c)).unwrap().unwrap();
        for svg in [&svgs.wide, &svgs.narrow] {
            assert!(svg.contains("succeeded runs (2)"), "{svg}");
            assert!(svg.contains("failed runs (1)"));
            assert!(svg.contains("makespan (min)"));
        }
        let rates = both(|c| success_svg(&runs, c)).unwrap().unwrap();
        assert!(rates.wide.contains("Success rate per run"));
        assert_eq!(runs[1].success_rate(), Some(75.0));
    }

    #[test]
    fn no_ended_run_draws_nothing() {
        let runs = [run("r3", 3, None, RunOutcome::Running)];
        assert_eq!(both(|c| makespan_svg(&runs, c)), Ok(None));
        assert_eq!(both(|c| makespan_svg(&[], c)), Ok(None));
    }
}
