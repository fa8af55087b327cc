//! A task's duration anomalies over a window: the outlying executions and level shifts the
//! dashboard's duration chart draws, as an answer of their own (REST `/anomalies`, and
//! `performance` patterns in `/patterns`). Read from the dashboard's own computation, so the
//! two can never disagree.

use types::{
    ChangePoint, Level, OUTLIER_RULE, OutlierExecution, PatternCharacteristics, PatternImpact,
    PatternType, TaskAnomalies, TaskPattern, TimeWindow,
};

use crate::tasks::Windowed;
use crate::{ServiceError, Services};

/// Outliers and level shifts of `key`'s durations over `window`.
pub async fn task_anomalies(
    s: &Services,
    key: &str,
    window: TimeWindow,
) -> Result<Windowed<TaskAnomalies>, ServiceError> {
    let d = crate::task_dashboard(s, key, window).await?;
    let series = d.series;
    Ok(Windowed {
        window: d.window,
        data: TaskAnomalies {
            outliers: series
                .outliers
                .into_iter()
                .map(|o| OutlierExecution {
                    rule: if o.score > 0.0 { "slow" } else { "fast" }.to_owned(),
                    execution_id: o.execution_id,
                    start_time: o.start_time,
                    duration_ms: o.duration_ms,
                    score: o.score,
                })
                .collect(),
            outliers_truncated: series.outliers_truncated,
            outlier_threshold: series.outlier_threshold,
            change_points: series.change_points,
        },
    })
}

/// The anomalies as the spec's `performance` patterns: one for the slow outliers, one for the
/// fast ones, one per level shift.
pub fn performance_patterns(task: &str, a: &TaskAnomalies) -> Vec<TaskPattern> {
    let mut out = Vec::new();
    for (rule, name) in [
        ("slow", "Unusually slow runs"),
        ("fast", "Unusually fast runs"),
    ] {
        let runs: Vec<&OutlierExecution> = a.outliers.iter().filter(|o| o.rule == rule).collect();
        if runs.is_empty() {
            continue;
        }
        let count = runs.len() as u64;
        out.push(TaskPattern {
            id: format!("{task}:performance:{rule}-outliers"),
            pattern_name: name.to_owned(),
            pattern_type: PatternType::Performance,
            frequency: count,
            tasks: vec![task.to_owned()],
            characteristics: PatternCharacteristics::default(),
            impact: PatternImpact {
                severity: if rule == "slow" && count >= 3 {
                    Level::Medium
                } else {
                    Level::Low
                },
                affected_executions: count,
                time_cost_ms: runs.iter().map(|o| o.duration_ms).sum(),
            },
            recommendations: vec![format!(
                "{count} run(s) flagged by the rule: {OUTLIER_RULE} (threshold {:.2}{}); see \
                 /anomalies for their execution ids",
                a.outlier_threshold,
                if a.outliers_truncated {
                    ", list truncated"
                } else {
                    ""
                }
            )],
        });
    }
    for c in &a.change_points {
        out.push(level_shift(task, c));
    }
    out
}

fn level_shift(task: &str, c: &ChangePoint) -> TaskPattern {
    let ratio = c.after_ms / c.before_ms;
    let slower = ratio > 1.0;
    TaskPattern {
        id: format!("{task}:performance:level-shift:{}", c.at.timestamp()),
        pattern_name: format!(
            "Typical duration {} {:.0} % at {}",
            if slower { "rose" } else { "fell" },
            (ratio - 1.0).abs() * 100.0,
            c.at.format("%Y-%m-%d %H:%M UTC")
        ),
        pattern_type: PatternType::Performance,
        frequency: 1,
        tasks: vec![task.to_owned()],
        characteristics: PatternCharacteristics::default(),
        impact: PatternImpact {
            severity: match (slower, ratio) {
                (true, r) if r >= 2.0 => Level::High,
                (true, _) => Level::Medium,
                (false, _) => Level::Low,
            },
            affected_executions: 0,
            time_cost_ms: 0.0,
        },
        recommendations: vec![format!(
            "The median run took {:.0} ms before and {:.0} ms after: look for what changed then \
             (a deploy, an input, a host)",
            c.before_ms, c.after_ms
        )],
    }
}
