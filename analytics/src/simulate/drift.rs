//! Resampling along trends: a history whose task durations drift (a task getting slower over
//! the month) resampled as is predicts the past's average, not the time asked about. This
//! moves every observed duration to one time before resampling.
//!
//! Per task: the successful attempts' `(run start in days, ln duration)` are tested with
//! Mann-Kendall ([`crate::trend::mann_kendall`], Hirsch, Slack & Smith 1982) at `alpha`; with
//! a trend, Sen's slope `b` of the log durations (Sen 1968) — a relative change per day, as a
//! drifting median scales every duration alike — moves each of the task's attempts in run `r`
//! (started at `t_r`) to time `at` by the factor `exp(b · (at − t_r))`. Tasks without a
//! significant trend are left as observed, so noise does not tilt stable tasks. Waits and
//! retry gaps are not scaled (they are the scheduler's, not the task's). Only the durations
//! change: the runs, and what correlates within them, stay whole.

use crate::trend::{Direction, mann_kendall};

use super::History;

const MS_PER_DAY: f64 = 86_400_000.0;

/// `history` with every trending task's durations moved to time `at_ms`; `run_start_ms[r]` is
/// when run `r` started (epoch ms, one per run). Tasks with fewer than 10 successful attempts
/// are left as observed.
pub fn along_trends(history: &History, run_start_ms: &[f64], at_ms: f64, alpha: f64) -> History {
    let mut out = history.clone();
    if run_start_ms.len() != history.runs.len() {
        return out;
    }
    for t in 0..history.tasks.len() {
        let points: Vec<(f64, f64)> = history
            .runs
            .iter()
            .zip(run_start_ms)
            .filter_map(|(run, &start)| {
                let ok = run.get(&t)?.attempts.iter().find(|a| a.succeeded)?;
                (ok.duration_ms > 0.0).then(|| (start / MS_PER_DAY, ok.duration_ms.ln()))
            })
            .collect();
        if points.len() < 10 {
            continue;
        }
        let Ok(test) = mann_kendall(&points, alpha) else {
            continue;
        };
        if test.direction == Direction::NoTrend {
            continue;
        }
        for (run, &start) in out.runs.iter_mut().zip(run_start_ms) {
            if let Some(obs) = run.get_mut(&t) {
                let factor = (test.sen_slope * (at_ms - start) / MS_PER_DAY).exp();
                for a in &mut obs.attempts {
                    a.duration_ms *= factor;
                }
            }
        }
    }
    out
}
