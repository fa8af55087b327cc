//! Validation of the what-if simulator ([`analytics::simulate`]) against the demo generator
//! (issue #14, "Validation").
//!
//! * **Backtest.** Per workflow, the simulator is fitted on the complete runs that started
//!   before the window's [`FIT_SHARE`] point and predicts, with no change, the makespan of the
//!   later ones: the relative error of its median against their median, and the share of them
//!   inside its P10–P90 band (80 % for a calibrated prediction).
//! * **Counterfactual.** The generator regenerates the same seed's history with one change
//!   applied ([`workload::Counterfactual`], common random numbers); the simulator, fitted on the
//!   original history of the whole window, predicts the changed workflow. Its makespan p50 and
//!   p95 must fall within [`MAKESPAN_TARGET`] of the counterfactual's and its failure
//!   probability within [`FAILURE_TARGET_POINTS`] points. The truth is tallied from the
//!   counterfactual's records, never from the simulator.
//!
//! A run is complete when no record of it is still running and every task of its workflow has
//! a record (runs cut by the window's end are left out of fit, test and truth alike); it failed
//! when some task's last attempt failed; its makespan is its last end minus its first start,
//! as the simulator measures it. Quantiles of the truth are type 7 (numpy's default `linear`).

use std::collections::{BTreeMap, HashMap};

use analytics::cost::CostModel;
use analytics::simulate::{Change, History, Recorded, along_trends, killed_for_memory, simulate};
use analytics::statistics::quantile_sorted;
use types::ExecutionStatus;
use types::ingest::ExecutionRecord;
use workload::{Counterfactual, DemoParams, Generator};

use crate::EvalError;

/// Share of the window the backtest fits on (the rest is predicted).
pub const FIT_SHARE: f64 = 2.0 / 3.0;
/// Most relative error of a counterfactual's makespan p50 and p95.
pub const MAKESPAN_TARGET: f64 = 0.05;
/// Most error of a counterfactual's failure probability, in percentage points.
pub const FAILURE_TARGET_POINTS: f64 = 2.0;
/// The P10–P90 band should hold this share of real runs.
pub const COVERAGE_TARGET: f64 = 0.8;
/// Simulated runs per prediction.
pub const RUNS: usize = 10_000;
/// Significance of the trends the adjusted backtest follows (the product's trend level).
pub const TREND_ALPHA: f64 = 0.01;

/// One workflow's backtest.
#[derive(Debug, Clone)]
pub struct Backtest {
    pub workflow: String,
    pub fit_runs: usize,
    /// Successful runs after the split.
    pub test_runs: usize,
    pub predicted_p50: f64,
    pub actual_p50: f64,
    /// `|predicted − actual| / actual`.
    pub median_error: f64,
    /// Share of the test runs' makespans within the predicted P10–P90.
    pub coverage: f64,
    /// The same, fitted along the tasks' trends to the middle of the test period
    /// ([`analytics::simulate::along_trends`], Mann-Kendall at [`TREND_ALPHA`]).
    pub adjusted_p50: f64,
    pub adjusted_median_error: f64,
    pub adjusted_coverage: f64,
}

/// Makespan p50, p95 and failure probability of one side.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub p50: f64,
    pub p95: f64,
    pub failure: f64,
}

/// One counterfactual check.
#[derive(Debug, Clone)]
pub struct CounterfactualCheck {
    pub workflow: String,
    pub change: String,
    pub runs: usize,
    /// The original history (what the simulator was fitted on).
    pub original: Figures,
    /// The counterfactual history's.
    pub truth: Figures,
    pub predicted: Figures,
}

impl CounterfactualCheck {
    pub fn p50_error(&self) -> f64 {
        (self.predicted.p50 - self.truth.p50).abs() / self.truth.p50
    }
    pub fn p95_error(&self) -> f64 {
        (self.predicted.p95 - self.truth.p95).abs() / self.truth.p95
    }
    pub fn failure_points(&self) -> f64 {
        100.0 * (self.predicted.failure - self.truth.failure).abs()
    }
    pub fn passed(&self) -> bool {
        self.p50_error() <= MAKESPAN_TARGET
            && self.p95_error() <= MAKESPAN_TARGET
            && self.failure_points() <= FAILURE_TARGET_POINTS
    }
}

#[derive(Debug, Clone)]
pub struct SimulationReport {
    pub seed: u64,
    /// Day of the window where the backtest splits fit from test.
    pub split_day: f64,
    pub backtests: Vec<Backtest>,
    pub counterfactuals: Vec<CounterfactualCheck>,
}

/// A workflow's complete runs in start order: per run, its records sorted by task, instance
/// and attempt.
pub(crate) struct Runs {
    pub runs: Vec<Vec<ExecutionRecord>>,
    pub edges: Vec<(String, String)>,
}

impl Runs {
    /// Collects workflow `workflow`'s complete runs from the generator.
    pub(crate) fn of(g: &Generator, workflow: &str) -> Runs {
        let mut edges = Vec::new();
        let mut by_run: Vec<Vec<ExecutionRecord>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for batch in g.batches(50_000) {
            for d in batch
                .dependencies
                .iter()
                .filter(|d| d.workflow_id == workflow)
            {
                edges.push((d.upstream_task_id.clone(), d.downstream_task_id.clone()));
            }
            for r in batch
                .executions
                .iter()
                .filter(|r| r.workflow_id == workflow)
            {
                let n = index.len();
                let i = *index.entry(r.workflow_execution_id.clone()).or_insert(n);
                if i == by_run.len() {
                    by_run.push(Vec::new());
                }
                by_run[i].push(r.clone());
            }
        }
        let tasks = by_run
            .iter()
            .map(|run| {
                let mut t: Vec<&str> = run.iter().map(|r| r.task_id.as_str()).collect();
                t.sort_unstable();
                t.dedup();
                t.len()
            })
            .max()
            .unwrap_or(0);
        let mut runs: Vec<Vec<ExecutionRecord>> = by_run
            .into_iter()
            .filter(|run| {
                let mut t: Vec<&str> = run.iter().map(|r| r.task_id.as_str()).collect();
                t.sort_unstable();
                t.dedup();
                t.len() == tasks && run.iter().all(|r| r.status != ExecutionStatus::Running)
            })
            .collect();
        for run in &mut runs {
            run.sort_by(|a, b| {
                (&a.task_id, &a.instance_id, a.attempt_number).cmp(&(
                    &b.task_id,
                    &b.instance_id,
                    b.attempt_number,
                ))
            });
        }
        runs.sort_by_key(|run| run.iter().map(|r| r.start_time).min());
        Runs { runs, edges }
    }

    /// The simulator's history of the runs.
    pub(crate) fn history(&self, runs: &[Vec<ExecutionRecord>]) -> History {
        let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64;
        let records: Vec<Recorded<'_>> = runs
            .iter()
            .flatten()
            .map(|r| Recorded {
                run: &r.workflow_execution_id,
                task: &r.task_id,
                instance: r.instance_id.as_deref().unwrap_or(""),
                status: r.status,
                start_ms: ms(r.start_time),
                end_ms: r.end_time.map(ms),
                duration_ms: r.duration_ms.map(|d| d as f64),
                memory_peak_mb: r.memory_peak_mb,
                cpu_allocated_cores: r.cpu_allocated_cores,
                memory_allocated_mb: r.memory_allocated_mb,
                oom: killed_for_memory(
                    r.error.as_ref().map(|e| e.error_type.as_str()),
                    r.error.as_ref().and_then(|e| e.code.as_deref()),
                ),
            })
            .collect();
        History::from_records(&records, &self.edges)
    }
}

/// Makespan (last end − first start, ms) of a run, `None` when it failed: some logical
/// execution's last attempt failed.
pub(crate) fn makespan(run: &[ExecutionRecord]) -> Option<f64> {
    let mut last: BTreeMap<(&str, Option<&str>), (i32, ExecutionStatus)> = BTreeMap::new();
    for r in run {
        let key = (r.task_id.as_str(), r.instance_id.as_deref());
        let e = last.entry(key).or_insert((r.attempt_number, r.status));
        if r.attempt_number >= e.0 {
            *e = (r.attempt_number, r.status);
        }
    }
    if last.values().any(|(_, s)| s.is_failure()) {
        return None;
    }
    let start = run.iter().map(|r| r.start_time).min()?;
    let end = run.iter().filter_map(|r| r.end_time).max()?;
    Some((end - start).num_milliseconds() as f64)
}

/// Observed p50, p95 and failure share of `runs`.
fn figures(runs: &[Vec<ExecutionRecord>]) -> Figures {
    let mut ms: Vec<f64> = runs.iter().filter_map(|r| makespan(r)).collect();
    ms.sort_by(f64::total_cmp);
    let q = |p| quantile_sorted(&ms, p).ok().flatten().unwrap_or(f64::NAN);
    Figures {
        p50: q(0.5),
        p95: q(0.95),
        failure: 1.0 - ms.len() as f64 / runs.len().max(1) as f64,
    }
}

fn predicted(o: &analytics::simulate::Outcome) -> Figures {
    Figures {
        p50: o.makespan_p50.map_or(f64::NAN, |e| e.value),
        p95: o.makespan_p95.map_or(f64::NAN, |e| e.value),
        failure: o.failure_probability.value,
    }
}

/// Backtests one workflow: fit before `split_ms`, predict the runs starting from it.
pub(crate) fn backtest(
    runs: &Runs,
    workflow: &str,
    split_ms: i64,
    end_ms: i64,
    seed: u64,
) -> Option<Backtest> {
    let at = runs.runs.partition_point(|run| {
        run.iter()
            .map(|r| r.start_time.timestamp_millis())
            .min()
            .is_some_and(|s| s < split_ms)
    });
    let (fit, test) = runs.runs.split_at(at);
    if fit.is_empty() {
        return None;
    }
    let mut actual: Vec<f64> = test.iter().filter_map(|r| makespan(r)).collect();
    actual.sort_by(f64::total_cmp);
    let actual_p50 = quantile_sorted(&actual, 0.5).ok().flatten()?;
    let history = runs.history(fit);
    let band = |h: &History| -> Option<(f64, f64, f64)> {
        let o = simulate(h, &[], RUNS, seed, &CostModel::default()).ok()?;
        Some((
            o.makespan_p10?.value,
            o.makespan_p50?.value,
            o.makespan_p90?.value,
        ))
    };
    let inside = |(lo, _, hi): (f64, f64, f64)| {
        actual.iter().filter(|&&m| lo <= m && m <= hi).count() as f64 / actual.len() as f64
    };
    let (p10, p50, p90) = band(&history)?;
    let starts: Vec<f64> = fit
        .iter()
        .map(|run| {
            run.iter()
                .map(|r| r.start_time.timestamp_millis())
                .min()
                .unwrap_or(0) as f64
        })
        .collect();
    let middle = (split_ms as f64 + end_ms as f64) / 2.0;
    let adjusted = band(&along_trends(&history, &starts, middle, TREND_ALPHA))?;
    Some(Backtest {
        adjusted_p50: adjusted.1,
        adjusted_median_error: (adjusted.1 - actual_p50).abs() / actual_p50,
        adjusted_coverage: inside(adjusted),
        workflow: workflow.to_owned(),
        fit_runs: fit.len(),
        test_runs: actual.len(),
        predicted_p50: p50,
        actual_p50,
        median_error: (p50 - actual_p50).abs() / actual_p50,
        coverage: inside((p10, p50, p90)),
    })
}

/// The four counterfactuals of the issue on the five demo workflows: the change as the
/// generator applies it and as the simulator is asked for it.
fn changes(g: &Generator) -> Vec<(String, Counterfactual, Change)> {
    let truth = g.ground_truth();
    // The straggler shard of the ETL load: on its critical path, killed for memory on large
    // inputs.
    let shard = truth
        .workflows
        .iter()
        .find(|w| w.workflow_id == "etl_orders")
        .and_then(|w| {
            w.critical_path
                .iter()
                .find(|t| t.contains("transform_shard"))
        })
        .cloned()
        .unwrap_or_else(|| "etl_orders.transform_shard_00".into());
    let memory = 1.5 * 4096.0;
    vec![
        (
            "media_transcode.transcode_2160p 30 % faster".into(),
            Counterfactual::Faster {
                task_id: "media_transcode.transcode_2160p".into(),
                factor: 0.7,
            },
            Change::Scale {
                task: "media_transcode.transcode_2160p".into(),
                factor: 0.7,
            },
        ),
        (
            "ci_web.build cached, hit rate 50 %".into(),
            Counterfactual::Cache {
                task_id: "ci_web.build".into(),
                hit_rate: 0.5,
            },
            Change::Cache {
                task: "ci_web.build".into(),
                hit_rate: 0.5,
            },
        ),
        (
            "ci_web: edge integration_tests → package removed".into(),
            Counterfactual::RemoveEdge {
                upstream: "ci_web.integration_tests".into(),
                downstream: "ci_web.package".into(),
            },
            Change::RemoveEdge {
                from: "ci_web.integration_tests".into(),
                to: "ci_web.package".into(),
            },
        ),
        (
            format!("{shard} memory 4,096 → 6,144 MB"),
            Counterfactual::Memory {
                task_id: shard.clone(),
                memory_mb: memory,
            },
            Change::Resources {
                task: shard,
                cores: None,
                memory_mb: Some(memory),
            },
        ),
    ]
}

/// Backtests every workflow and checks every counterfactual of one workload.
pub fn evaluate_simulation(params: DemoParams) -> Result<SimulationReport, EvalError> {
    let seed = params.seed;
    let days = params.days;
    let end_ms = params.end.timestamp_millis();
    let split_ms = {
        let days = i64::from(params.days) * 86_400_000;
        end_ms - days + (FIT_SHARE * days as f64) as i64
    };
    let g = Generator::new(params)?;
    let workflows: Vec<String> = g
        .ground_truth()
        .workflows
        .iter()
        .map(|w| w.workflow_id.clone())
        .collect();
    let mut original: BTreeMap<String, Runs> = BTreeMap::new();
    let mut backtests = Vec::new();
    for w in &workflows {
        let runs = Runs::of(&g, w);
        backtests.extend(backtest(&runs, w, split_ms, end_ms, seed));
        original.insert(w.clone(), runs);
    }
    let mut counterfactuals = Vec::new();
    for (label, cf, change) in changes(&g) {
        let workflow = change_workflow(&change);
        let Some(runs) = original.get(&workflow) else {
            continue;
        };
        let changed = Runs::of(&g.counterfactual(std::slice::from_ref(&cf))?, &workflow);
        let history = runs.history(&runs.runs);
        let o = simulate(&history, &[change], RUNS, seed, &CostModel::default())
            .expect("the changes name the workflow's tasks");
        counterfactuals.push(CounterfactualCheck {
            workflow,
            change: label,
            runs: changed.runs.len(),
            original: figures(&runs.runs),
            truth: figures(&changed.runs),
            predicted: predicted(&o),
        });
    }
    Ok(SimulationReport {
        seed,
        split_day: FIT_SHARE * f64::from(days),
        backtests,
        counterfactuals,
    })
}

/// The workflow of a task id (`ci_web.build` → `ci_web`).
fn change_workflow(c: &Change) -> String {
    let task = match c {
        Change::Scale { task, .. }
        | Change::Cache { task, .. }
        | Change::Resources { task, .. } => task,
        Change::RemoveEdge { from, .. } => from,
        _ => "",
    };
    task.split('.').next().unwrap_or("").to_owned()
}

impl SimulationReport {
    /// The backtest's pooled coverage: the share of every workflow's test runs inside their
    /// band.
    pub fn coverage(&self) -> f64 {
        self.pooled(|b| b.coverage)
    }

    /// The same with the bands fitted along the trends.
    pub fn adjusted_coverage(&self) -> f64 {
        self.pooled(|b| b.adjusted_coverage)
    }

    fn pooled(&self, share: impl Fn(&Backtest) -> f64) -> f64 {
        let inside: f64 = self
            .backtests
            .iter()
            .map(|b| share(b) * b.test_runs as f64)
            .sum();
        let n: usize = self.backtests.iter().map(|b| b.test_runs).sum();
        inside / n.max(1) as f64
    }

    /// Markdown tables: the backtest per workflow and the counterfactuals.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "Backtest (seed {}): fitted on the runs before day {:.0} of the window, predicting \
             the later ones with no change (10,000 simulated runs); *along trends*: the tasks \
             with a Mann-Kendall trend (α = {TREND_ALPHA}) moved along it to the middle of the \
             predicted days before resampling.\n\n\
             | workflow | fit runs | test runs | actual p50 (s) | predicted p50 (s) | median error | in P10–P90 | along trends: p50 (s) | median error | in P10–P90 |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            self.seed, self.split_day
        );
        for b in &self.backtests {
            out.push_str(&format!(
                "| {} | {} | {} | {:.0} | {:.0} | {:.1} % | {:.1} % | {:.0} | {:.1} % | {:.1} % |\n",
                b.workflow,
                b.fit_runs,
                b.test_runs,
                b.actual_p50 / 1000.0,
                b.predicted_p50 / 1000.0,
                100.0 * b.median_error,
                100.0 * b.coverage,
                b.adjusted_p50 / 1000.0,
                100.0 * b.adjusted_median_error,
                100.0 * b.adjusted_coverage
            ));
        }
        out.push_str(&format!(
            "\nPooled: {:.1} % of test runs inside their P10–P90 band (target ~{:.0} %); along \
             trends {:.1} %.\n\n\
             Counterfactuals (seed {}): the simulator fitted on the original history predicts \
             the generator's history with the change (targets: p50 and p95 within {:.0} %, \
             failure within {FAILURE_TARGET_POINTS} points).\n\n\
             | change | runs | original p50 / p95 (s), failure | counterfactual | predicted | p50 error | p95 error | failure error (points) | within targets |\n\
             |---|---:|---|---|---|---:|---:|---:|---|\n",
            100.0 * self.coverage(),
            100.0 * COVERAGE_TARGET,
            100.0 * self.adjusted_coverage(),
            self.seed,
            100.0 * MAKESPAN_TARGET
        ));
        let f = |x: &Figures| {
            format!(
                "{:.0} / {:.0}, {:.1} %",
                x.p50 / 1000.0,
                x.p95 / 1000.0,
                100.0 * x.failure
            )
        };
        for c in &self.counterfactuals {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {:.1} % | {:.1} % | {:.2} | {} |\n",
                c.change,
                c.runs,
                f(&c.original),
                f(&c.truth),
                f(&c.predicted),
                100.0 * c.p50_error(),
                100.0 * c.p95_error(),
                c.failure_points(),
                if c.passed() { "yes" } else { "no" }
            ));
        }
        out
    }
}

/// A backtest on real traces: one run fits, a later run of the same pipeline is predicted.
#[derive(Debug, Clone)]
pub struct RealBacktest {
    /// Tasks (processes) of the fitted run, of the predicted run, and in both.
    pub fit_tasks: usize,
    pub test_tasks: usize,
    pub shared_tasks: usize,
    pub predicted_p10: f64,
    pub predicted_p50: f64,
    pub predicted_p90: f64,
    /// The predicted run's makespan (last end − first start).
    pub actual: f64,
    pub median_error: f64,
    pub inside_band: bool,
}

/// Backtests on two Nextflow traces of one pipeline: the simulator, fitted on `fit`'s run,
/// predicts `test`'s makespan. Tasks are matched by process name (a pipeline's workflow key
/// changes with its process set); Nextflow traces carry no dependencies, so every process
/// is scheduled from the run's start after its observed wait, which replays the run.
pub fn real_backtest(fit: &[u8], test: &[u8], seed: u64) -> Result<RealBacktest, String> {
    let import = |bytes: &[u8], name: &str| {
        importers::import(bytes, &importers::ImportOptions::from_source(name))
            .map(|b| b.executions)
            .map_err(|e| format!("{name}: {e}"))
    };
    let mut fit = import(fit, "fit")?;
    let test = import(test, "test")?;
    for r in &mut fit {
        r.task_id.clone_from(&r.task_name);
    }
    fit.sort_by(|a, b| {
        (
            &a.workflow_execution_id,
            &a.task_id,
            &a.instance_id,
            a.attempt_number,
        )
            .cmp(&(
                &b.workflow_execution_id,
                &b.task_id,
                &b.instance_id,
                b.attempt_number,
            ))
    });
    let names = |rs: &[ExecutionRecord]| {
        let mut t: Vec<String> = rs.iter().map(|r| r.task_name.clone()).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let (fit_names, test_names) = (names(&fit), names(&test));
    let shared = fit_names
        .iter()
        .filter(|n| test_names.binary_search(n).is_ok())
        .count();
    let runs = Runs {
        runs: vec![fit],
        edges: Vec::new(),
    };
    let o = simulate(
        &runs.history(&runs.runs),
        &[],
        RUNS,
        seed,
        &CostModel::default(),
    )
    .map_err(|e| e.to_string())?;
    let start = test
        .iter()
        .map(|r| r.start_time)
        .min()
        .ok_or("empty trace")?;
    let end = test
        .iter()
        .filter_map(|r| r.end_time)
        .max()
        .ok_or("no ended task")?;
    let actual = (end - start).num_milliseconds() as f64;
    let q = |e: Option<analytics::simulate::Estimate>| e.map_or(f64::NAN, |e| e.value);
    let (p10, p50, p90) = (q(o.makespan_p10), q(o.makespan_p50), q(o.makespan_p90));
    Ok(RealBacktest {
        fit_tasks: fit_names.len(),
        test_tasks: test_names.len(),
        shared_tasks: shared,
        predicted_p10: p10,
        predicted_p50: p50,
        predicted_p90: p90,
        actual,
        median_error: (p50 - actual).abs() / actual,
        inside_band: p10 <= actual && actual <= p90,
    })
}

impl RealBacktest {
    pub fn to_markdown(&self) -> String {
        let min = |ms: f64| ms / 60_000.0;
        format!(
            "| fitted on | predicted | processes (fit / predicted / both) | predicted P10 / P50 / P90 (min) | actual (min) | median error | inside P10–P90 |\n\
             |---|---|---|---|---:|---:|---|\n\
             | openproblems 2021-03-04 | openproblems 2022-05-13 | {} / {} / {} | {:.1} / {:.1} / {:.1} | {:.1} | {:.0} % | {} |\n",
            self.fit_tasks,
            self.test_tasks,
            self.shared_tasks,
            min(self.predicted_p10),
            min(self.predicted_p50),
            min(self.predicted_p90),
            min(self.actual),
            100.0 * self.median_error,
            if self.inside_band { "yes" } else { "no" }
        )
    }
}

/// The report's what-if section: the workload's backtest and counterfactuals and, given the two
/// openproblems traces (2021, 2022), the real-data backtest. Also whether every counterfactual
/// met its targets.
pub fn section(
    params: DemoParams,
    real: Option<(&[u8], &[u8])>,
) -> Result<(String, bool), EvalError> {
    let report = evaluate_simulation(params)?;
    let mut md = format!("## What-if simulator (seed {})\n\n", report.seed);
    md.push_str(&report.to_markdown());
    if let Some((fit, test)) = real {
        md.push_str("\nReal traces (Nextflow, one run of each year):\n\n");
        match real_backtest(fit, test, report.seed) {
            Ok(r) => md.push_str(&r.to_markdown()),
            Err(e) => md.push_str(&format!("not run: {e}\n")),
        }
    }
    let passed = report
        .counterfactuals
        .iter()
        .all(CounterfactualCheck::passed);
    Ok((md, passed))
}
