//! Accuracy of Tasklens analytics against the demo workload's ground truth.
//!
//! [`evaluate`] generates a history with [`workload::Generator`], runs every analysis the way
//! the product does (per task over the whole window), and compares each finding with what the
//! generator put in: trend directions, schedule periods (within 5 %), peak hours, error
//! signature counts (exact), correlated factors, memory leaks, provisioning problems, critical
//! paths (exact) and injected duration outliers (precision and recall).
//! `tasklens eval --seed N` prints the report; `docs/accuracy.md` keeps one.

mod checks;
pub mod prediction;
pub mod simulation;

use std::collections::BTreeMap;

use analytics::execution::Execution;
use workload::{DemoParams, GroundTruth};

pub use checks::{Check, Kind};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("workload: {0}")]
    Workload(#[from] workload::WorkloadError),
}

/// The generated history, grouped the way the analyses read it.
pub struct History {
    pub truth: GroundTruth,
    /// Executions per task id, in start order.
    pub by_task: BTreeMap<String, Vec<Execution>>,
    /// Edges per workflow id: (upstream task id, downstream task id).
    pub edges: BTreeMap<String, Vec<(String, String)>>,
    pub executions: usize,
}

impl History {
    pub fn generate(params: DemoParams) -> Result<Self, EvalError> {
        let generator = workload::Generator::new(params)?;
        let mut by_task: BTreeMap<String, Vec<Execution>> = BTreeMap::new();
        let mut edges: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut executions = 0;
        for batch in generator.batches(50_000) {
            for d in &batch.dependencies {
                edges
                    .entry(d.workflow_id.clone())
                    .or_default()
                    .push((d.upstream_task_id.clone(), d.downstream_task_id.clone()));
            }
            for r in &batch.executions {
                executions += 1;
                by_task
                    .entry(r.task_id.clone())
                    .or_default()
                    .push(Execution::from(r));
            }
        }
        for execs in by_task.values_mut() {
            execs.sort_by_key(|e| e.start_ms);
        }
        Ok(History {
            truth: generator.ground_truth(),
            by_task,
            edges,
            executions,
        })
    }

    /// Executions of every task of one workflow.
    pub fn workflow_executions(&self, workflow_id: &str) -> Vec<&Execution> {
        self.by_task
            .values()
            .flatten()
            .filter(|e| e.workflow_id == workflow_id)
            .collect()
    }
}

/// The scored comparison.
#[derive(Debug, Clone)]
pub struct Report {
    pub params: DemoParams,
    pub executions: usize,
    pub checks: Vec<Check>,
    pub outlier_precision: f64,
    pub outlier_recall: f64,
}

/// Outlier precision and recall must reach this (the target).
pub const OUTLIER_TARGET: f64 = 0.9;
/// Most false alarms, as a share of the places where nothing should be found (the spec's
/// alert precision: < 5 % false positives).
pub const FALSE_ALARM_TARGET: f64 = 0.05;

impl Report {
    fn count(&self, kind: Kind) -> (usize, usize) {
        let of_kind = self.checks.iter().filter(|c| c.kind == kind);
        (of_kind.clone().filter(|c| c.pass).count(), of_kind.count())
    }

    /// Every label found, few false alarms, outliers on target.
    pub fn all_passed(&self) -> bool {
        let (found, labels) = self.count(Kind::Label);
        found == labels
            && self.false_alarm_rate() <= FALSE_ALARM_TARGET
            && self.outlier_precision >= OUTLIER_TARGET
            && self.outlier_recall >= OUTLIER_TARGET
    }

    /// False alarms over the places where nothing should have been found.
    pub fn false_alarm_rate(&self) -> f64 {
        let (quiet, places) = self.count(Kind::Absence);
        if places == 0 {
            0.0
        } else {
            (places - quiet) as f64 / places as f64
        }
    }

    /// A Markdown summary (per area: found / expected) and every failed check.
    pub fn to_markdown(&self) -> String {
        let mut areas: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for c in &self.checks {
            let e = areas.entry(c.area).or_default();
            e.1 += 1;
            if c.pass {
                e.0 += 1;
            }
        }
        let p = &self.params;
        let mut out = format!(
            "Workload: seed {}, {} days, {} workflows, scale {} — {} executions.\n\n\
             | area | correct | expected |\n|---|---:|---:|\n",
            p.seed, p.days, p.workflows, p.scale, self.executions
        );
        for (area, (ok, n)) in &areas {
            out.push_str(&format!("| {area} | {ok} | {n} |\n"));
        }
        let (found, labels) = self.count(Kind::Label);
        let (quiet, places) = self.count(Kind::Absence);
        out.push_str(&format!(
            "| outliers: precision | {:.3} | ≥ {OUTLIER_TARGET} |\n| outliers: recall | {:.3} | ≥ {OUTLIER_TARGET} |\n\n\
             Labels found: {found} of {labels}. False alarms: {} in {places} places where nothing \
             was planted ({:.1} %, target ≤ {:.0} %).\n",
            self.outlier_precision,
            self.outlier_recall,
            places - quiet,
            100.0 * self.false_alarm_rate(),
            100.0 * FALSE_ALARM_TARGET
        ));
        let failed: Vec<&Check> = self.checks.iter().filter(|c| !c.pass).collect();
        if !failed.is_empty() {
            out.push_str(
                "\n| miss or false alarm | item | expected | found |\n|---|---|---|---|\n",
            );
            for c in failed {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    c.area, c.item, c.expected, c.found
                ));
            }
        }
        out
    }
}

/// Generates the workload and scores every analysis against its ground truth.
pub fn evaluate(params: DemoParams) -> Result<Report, EvalError> {
    let history = History::generate(params.clone())?;
    let mut checks = Vec::new();
    checks.extend(checks::trends(&history));
    checks.extend(checks::schedules(&history));
    checks.extend(checks::critical_paths(&history));
    checks.extend(checks::failures(&history));
    checks.extend(checks::resources(&history));
    let (outlier_precision, outlier_recall) = checks::outliers(&history);
    Ok(Report {
        params,
        executions: history.executions,
        checks,
        outlier_precision,
        outlier_recall,
    })
}

/// Totals over several reports: per area, labels found and false alarms; outlier precision and
/// recall over all seeds; which seeds passed.
pub fn summarize(reports: &[Report]) -> String {
    let mut areas: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for r in reports {
        for c in &r.checks {
            let e = areas.entry(c.area).or_default();
            match c.kind {
                Kind::Label => {
                    e[1] += 1;
                    e[0] += usize::from(c.pass);
                }
                Kind::Absence => {
                    e[3] += 1;
                    e[2] += usize::from(!c.pass);
                }
            }
        }
    }
    let mut out = String::from(
        "| area | labels found | labels | false alarms | places without a label |\n|---|---:|---:|---:|---:|\n",
    );
    for (area, [found, labels, alarms, places]) in &areas {
        out.push_str(&format!(
            "| {area} | {found} | {labels} | {alarms} | {places} |\n"
        ));
    }
    let n = reports.len() as f64;
    let precision = reports.iter().map(|r| r.outlier_precision).sum::<f64>() / n;
    let recall = reports.iter().map(|r| r.outlier_recall).sum::<f64>() / n;
    let passed = reports.iter().filter(|r| r.all_passed()).count();
    out.push_str(&format!(
        "\nOutliers: mean precision {precision:.3}, mean recall {recall:.3}. \
         Workloads meeting every target: {passed} of {}.\n",
        reports.len()
    ));
    out
}
