//! Failure prediction: an L2-regularised logistic regression of "this attempt fails" on
//! documented features, fitted on the earlier part of a task's history and measured on the later
//! part, with the baselines it must beat.
//!
//! * **Model** ([`fit_logistic`]): `P(fail | x) = σ(b + w·x)`, fitted by minimising the
//!   negative log-likelihood plus `λ/2 ‖w‖²` (the intercept is not penalised) with Newton's
//!   method, i.e. iteratively reweighted least squares (Hastie, Tibshirani & Friedman, *The
//!   Elements of Statistical Learning*, 2nd ed., §4.4.1, with the ridge term of §4.4.4); each
//!   step solves `(XᵀWX + λI′) Δ = Xᵀ(y − p) − λw′` by Cholesky (nalgebra). The objective is
//!   strictly convex for λ > 0, so the optimum is unique: scikit-learn's
//!   `LogisticRegression(C = 1/λ)` reaches the same one (the tests compare with it).
//! * **Features** ([`Encoder`]), learned from the training part only: hour of day and weekday as
//!   points on a circle (sin, cos), one indicator per host seen in training (others share
//!   "other host"), the input size's decile among the training part's first attempts (one
//!   indicator per decile above the first, and one for "unknown"), the retry number (`attempt − 1`, capped
//!   at 3), the task's failure rate over its previous [`RECENT`] attempts, upstream failures in
//!   the same workflow run, and typed attributes: numbers standardised, booleans 0/1, text one
//!   indicator per value seen at least [`MIN_CATEGORY`] times. Numeric columns are standardised
//!   with the training mean and standard deviation.
//! * **λ** ([`fit_task_model`]): chosen from [`LAMBDAS`] by the log-loss on the last quarter of
//!   the training part, fitted on the first three quarters (time order, never random), then
//!   refitted on the whole training part.
//! * **Quality** ([`quality`]): accuracy at 0.5, ROC AUC (the Mann-Whitney statistic with
//!   ties counted ½; Hanley & McNeil 1982), Brier score (Brier 1950), reliability in ten
//!   equal-width bins and the expected calibration error Σ (n_b / n) |mean p_b − rate_b|
//!   (Naeini, Cooper & Hauskrecht 2015).

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Timelike, Utc};
use nalgebra::{DMatrix, DVector};
use types::ingest::AttributeValue;

use crate::execution::Execution;

/// Attempts before an execution that its "recent failure rate" covers.
pub const RECENT: usize = 20;
/// Occurrences in training a host or text value needs to get its own indicator.
pub const MIN_CATEGORY: usize = 5;
/// Penalties tried, smallest to largest.
pub const LAMBDAS: [f64; 6] = [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0];
/// Share of the history (oldest first) used for training; the rest is the test part.
pub const TRAIN_SHARE: f64 = 0.8;
/// Fewer labelled attempts than this, or fewer than [`MIN_EACH`] of either outcome in the
/// training part: no model.
pub const MIN_SAMPLES: usize = 50;
pub const MIN_EACH: usize = 5;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error("{0} labelled attempts; a model needs at least {MIN_SAMPLES}")]
    TooFew(usize),
    #[error(
        "the training part has {failures} failures and {successes} successes; a model needs at least {MIN_EACH} of each"
    )]
    OneSided { failures: usize, successes: usize },
    #[error("the design matrix and labels differ in length ({rows} rows, {labels} labels)")]
    Shape { rows: usize, labels: usize },
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticModel {
    pub intercept: f64,
    pub weights: Vec<f64>,
    pub lambda: f64,
    pub iterations: usize,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl LogisticModel {
    /// P(fail) for one encoded row.
    pub fn probability(&self, x: &[f64]) -> f64 {
        sigmoid(self.intercept + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>())
    }
}

/// Fits `P(y | x) = σ(b + w·x)` with penalty `λ/2 ‖w‖²` by Newton's method (see the module
/// docs). Rows of `x` must have equal length.
pub fn fit_logistic(
    x: &[Vec<f64>],
    y: &[bool],
    lambda: f64,
) -> Result<LogisticModel, PredictError> {
    if x.len() != y.len() {
        return Err(PredictError::Shape {
            rows: x.len(),
            labels: y.len(),
        });
    }
    let n = x.len();
    let d = x.first().map_or(0, Vec::len) + 1;
    let design = DMatrix::from_fn(n, d, |i, j| if j == 0 { 1.0 } else { x[i][j - 1] });
    let target = DVector::from_fn(n, |i, _| if y[i] { 1.0 } else { 0.0 });
    let mut beta = DVector::<f64>::zeros(d);
    let mut iterations = 0;
    for _ in 0..100 {
        iterations += 1;
        let p = (&design * &beta).map(sigmoid);
        let w = p.map(|p| (p * (1.0 - p)).max(1e-12));
        let mut gradient = design.transpose() * (&target - &p);
        // Xᵀ W X with W diagonal: scale the rows of X by w (never an n × n matrix).
        let mut weighted = design.clone();
        for (i, wi) in w.iter().enumerate() {
            weighted.row_mut(i).scale_mut(*wi);
        }
        let mut hessian = design.transpose() * weighted;
        for j in 1..d {
            gradient[j] -= lambda * beta[j];
            hessian[(j, j)] += lambda;
        }
        // The intercept's direction is unpenalised: a whisker keeps it positive definite when
        // every p is already 0 or 1.
        hessian[(0, 0)] += 1e-9;
        let Some(step) = hessian.cholesky().map(|c| c.solve(&gradient)) else {
            break;
        };
        beta += &step;
        if step.amax() < 1e-10 {
            break;
        }
    }
    Ok(LogisticModel {
        intercept: beta[0],
        weights: beta.iter().skip(1).copied().collect(),
        lambda,
        iterations,
    })
}

/// One attempt to learn from or to predict: the record and what its history says.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    pub execution: &'a Execution,
    /// The task's failure rate over its previous [`RECENT`] attempts (0 with none).
    pub recent_failure_rate: f64,
    /// Failed or timed-out executions of upstream tasks in the same workflow run.
    pub upstream_failures: u32,
}

impl Sample<'_> {
    /// Whether the attempt failed; `None` for attempts that did not finish (running,
    /// cancelled, skipped), which are neither.
    pub fn failed(&self) -> Option<bool> {
        outcome(self.execution.status)
    }
}

/// An attempt's outcome: `Some(true)` failed or timed out, `Some(false)` completed, `None` for
/// attempts that did not finish (running, cancelled, skipped), which are neither.
pub fn outcome(status: types::ExecutionStatus) -> Option<bool> {
    use types::ExecutionStatus::*;
    match status {
        Failed | Timeout => Some(true),
        Completed => Some(false),
        _ => None,
    }
}

/// How one attribute is encoded.
#[derive(Debug, Clone, PartialEq)]
enum AttributeColumn {
    Number { mean: f64, sd: f64 },
    Flag,
    Text { values: Vec<String> },
}

/// The feature encoding learned from training samples (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Encoder {
    /// Pooled models only: one indicator per task of the pool (see [`assess_pooled`]).
    tasks: Vec<String>,
    hosts: Vec<String>,
    /// Upper edges of the first nine deciles of ln(1 + input bytes).
    input_deciles: Vec<f64>,
    attributes: BTreeMap<String, AttributeColumn>,
    /// Mean and sd of each encoded column (sd 0 → the column is centred only).
    scale: Vec<(f64, f64)>,
}

fn hour_and_day(start_ms: i64) -> (f64, f64) {
    let t = Utc
        .timestamp_millis_opt(start_ms)
        .single()
        .unwrap_or_default();
    let hour = f64::from(t.hour()) + f64::from(t.minute()) / 60.0;
    (hour, f64::from(t.weekday().num_days_from_monday()))
}

fn mean_sd(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = xs.collect();
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
    (m, var.sqrt())
}

impl Encoder {
    /// Learns the encoding from `train`.
    pub fn fit(train: &[Sample<'_>]) -> Self {
        Self::fit_with(train, false)
    }

    /// Learns the encoding from `train`; `pooled` adds one indicator per task seen at least
    /// [`MIN_CATEGORY`] times in training (the others share the intercept).
    pub fn fit_with(train: &[Sample<'_>], pooled: bool) -> Self {
        let mut tasks: BTreeMap<&str, usize> = BTreeMap::new();
        if pooled {
            for s in train {
                *tasks.entry(&s.execution.task_id).or_default() += 1;
            }
        }
        let mut hosts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in train {
            if let Some(h) = &s.execution.host {
                *hosts.entry(h).or_default() += 1;
            }
        }
        // Edges from first attempts: a retry repeats its run's input, so with retries counted
        // the inputs that fail (and are retried) would crowd the top decile, and a tenth of
        // the runs would no longer fill it.
        let input_of = |first_only: bool| -> Vec<f64> {
            train
                .iter()
                .filter(|s| !first_only || s.execution.attempt <= 1)
                .filter_map(|s| s.execution.input_size_bytes)
                .map(|b| b.max(0.0).ln_1p())
                .collect()
        };
        let mut inputs = input_of(true);
        if inputs.len() < 10 {
            inputs = input_of(false);
        }
        inputs.sort_by(f64::total_cmp);
        let input_deciles = if inputs.len() >= 10 {
            (1..10)
                .map(|k| {
                    crate::statistics::quantile_sorted(&inputs, f64::from(k) / 10.0)
                        .ok()
                        .flatten()
                        .unwrap_or(0.0)
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut numbers: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        let mut flags: BTreeMap<&str, ()> = BTreeMap::new();
        let mut texts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for s in train {
            for (k, v) in &s.execution.attributes {
                match v {
                    AttributeValue::Number(x) => numbers.entry(k).or_default().push(*x),
                    AttributeValue::Bool(_) => {
                        flags.insert(k, ());
                    }
                    AttributeValue::Text(t) => {
                        *texts.entry(k).or_default().entry(t).or_default() += 1;
                    }
                }
            }
        }
        let mut attributes = BTreeMap::new();
        for (k, v) in numbers {
            let (mean, sd) = mean_sd(v.into_iter());
            attributes.insert(k.to_owned(), AttributeColumn::Number { mean, sd });
        }
        for k in flags.into_keys() {
            attributes
                .entry(k.to_owned())
                .or_insert(AttributeColumn::Flag);
        }
        for (k, counts) in texts {
            let values: Vec<String> = counts
                .into_iter()
                .filter(|(_, n)| *n >= MIN_CATEGORY)
                .map(|(v, _)| v.to_owned())
                .collect();
            if !values.is_empty() {
                attributes
                    .entry(k.to_owned())
                    .or_insert(AttributeColumn::Text { values });
            }
        }
        let mut enc = Encoder {
            tasks: tasks
                .into_iter()
                .filter(|(_, n)| *n >= MIN_CATEGORY)
                .map(|(t, _)| t.to_owned())
                .collect(),
            hosts: hosts
                .into_iter()
                .filter(|(_, n)| *n >= MIN_CATEGORY)
                .map(|(h, _)| h.to_owned())
                .collect(),
            input_deciles,
            attributes,
            scale: Vec::new(),
        };
        let raw: Vec<Vec<f64>> = train.iter().map(|s| enc.raw(s)).collect();
        enc.scale = (0..enc.names().len())
            .map(|j| mean_sd(raw.iter().map(|r| r[j])))
            .collect();
        enc
    }

    /// The family of each encoded column, in order (parallel to [`Encoder::names`]).
    pub fn families(&self) -> Vec<Family> {
        let mut f = vec![
            Family::HourOfDay,
            Family::HourOfDay,
            Family::Weekday,
            Family::Weekday,
            Family::Retry,
            Family::RecentFailures,
            Family::UpstreamFailures,
        ];
        if !self.hosts.is_empty() {
            f.extend(std::iter::repeat_n(Family::Host, self.hosts.len() + 1));
        }
        if !self.input_deciles.is_empty() {
            f.extend(std::iter::repeat_n(Family::InputSize, 10));
        }
        for (k, c) in &self.attributes {
            let n = match c {
                AttributeColumn::Number { .. } | AttributeColumn::Flag => 1,
                AttributeColumn::Text { values } => values.len(),
            };
            f.extend(std::iter::repeat_n(Family::Attribute(k.clone()), n));
        }
        f.extend(std::iter::repeat_n(Family::Task, self.tasks.len()));
        f
    }

    /// Training mean and standard deviation of each encoded column (parallel to
    /// [`Encoder::names`]).
    pub fn scale(&self) -> &[(f64, f64)] {
        &self.scale
    }

    /// Hosts with their own indicator.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// The encoded columns' names, in order.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = [
            "hour (sin)",
            "hour (cos)",
            "weekday (sin)",
            "weekday (cos)",
            "retry number",
            "recent failure rate",
            "upstream failures in run",
        ]
        .map(str::to_owned)
        .to_vec();
        n.extend(self.hosts.iter().map(|h| format!("host = {h}")));
        if !self.hosts.is_empty() {
            n.push("host = other".into());
        }
        if !self.input_deciles.is_empty() {
            n.extend((2..=10).map(|k| format!("input size decile {k}")));
            n.push("input size unknown".into());
        }
        for (k, c) in &self.attributes {
            match c {
                AttributeColumn::Number { .. } | AttributeColumn::Flag => n.push(k.clone()),
                AttributeColumn::Text { values } => {
                    n.extend(values.iter().map(|v| format!("{k} = {v}")));
                }
            }
        }
        n.extend(self.tasks.iter().map(|t| format!("task = {t}")));
        n
    }

    fn raw(&self, s: &Sample<'_>) -> Vec<f64> {
        use std::f64::consts::TAU;
        let e = s.execution;
        let (hour, day) = hour_and_day(e.start_ms);
        let mut r = vec![
            (TAU * hour / 24.0).sin(),
            (TAU * hour / 24.0).cos(),
            (TAU * day / 7.0).sin(),
            (TAU * day / 7.0).cos(),
            f64::from(e.attempt.saturating_sub(1).min(3)),
            s.recent_failure_rate,
            f64::from(s.upstream_failures),
        ];
        if !self.hosts.is_empty() {
            let known = e
                .host
                .as_deref()
                .and_then(|h| self.hosts.iter().position(|x| x == h));
            r.extend((0..self.hosts.len()).map(|i| f64::from(u8::from(known == Some(i)))));
            r.push(f64::from(u8::from(known.is_none())));
        }
        if !self.input_deciles.is_empty() {
            let decile = e.input_size_bytes.map(|b| {
                self.input_deciles
                    .partition_point(|&edge| edge < b.max(0.0).ln_1p())
            });
            r.extend((1..10).map(|k| f64::from(u8::from(decile == Some(k)))));
            r.push(f64::from(u8::from(decile.is_none())));
        }
        for (k, c) in &self.attributes {
            let v = e.attributes.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            match c {
                AttributeColumn::Number { mean, .. } => r.push(match v {
                    Some(AttributeValue::Number(x)) => *x,
                    _ => *mean,
                }),
                AttributeColumn::Flag => {
                    r.push(f64::from(u8::from(matches!(
                        v,
                        Some(AttributeValue::Bool(true))
                    ))));
                }
                AttributeColumn::Text { values } => {
                    let t = match v {
                        Some(AttributeValue::Text(t)) => Some(t.as_str()),
                        _ => None,
                    };
                    r.extend(
                        values
                            .iter()
                            .map(|x| f64::from(u8::from(t == Some(x.as_str())))),
                    );
                }
            }
        }
        r.extend(
            self.tasks
                .iter()
                .map(|t| f64::from(u8::from(*t == e.task_id))),
        );
        r
    }

    /// The standardised feature row of a sample.
    pub fn encode(&self, s: &Sample<'_>) -> Vec<f64> {
        self.raw(s)
            .into_iter()
            .zip(&self.scale)
            .map(|(x, &(m, sd))| if sd > 0.0 { (x - m) / sd } else { x - m })
            .collect()
    }
}

/// Mean log-loss of `model` on rows `x` with labels `y`.
fn log_loss(model: &LogisticModel, x: &[Vec<f64>], y: &[bool]) -> f64 {
    let eps = 1e-15;
    x.iter()
        .zip(y)
        .map(|(r, &f)| {
            let p = model.probability(r).clamp(eps, 1.0 - eps);
            if f { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum::<f64>()
        / x.len().max(1) as f64
}

/// A task's model: its encoding and regression, with λ chosen on the training part's last
/// quarter (see the module docs). `train` is in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskModel {
    pub encoder: Encoder,
    pub model: LogisticModel,
    pub training_samples: usize,
    pub training_failure_rate: f64,
}

impl TaskModel {
    pub fn probability(&self, s: &Sample<'_>) -> f64 {
        self.model.probability(&self.encoder.encode(s))
    }
}

/// Fits a task's model on `train` (in time order; see the module docs).
pub fn fit_task_model(train: &[Sample<'_>]) -> Result<TaskModel, PredictError> {
    fit_model(train, false)
}

/// [`fit_task_model`], with task indicators when `pooled` (see [`assess_pooled`]).
pub fn fit_model(train: &[Sample<'_>], pooled: bool) -> Result<TaskModel, PredictError> {
    let labelled: Vec<(Sample<'_>, bool)> = train
        .iter()
        .filter_map(|s| s.failed().map(|f| (*s, f)))
        .collect();
    if labelled.len() < MIN_SAMPLES {
        return Err(PredictError::TooFew(labelled.len()));
    }
    let failures = labelled.iter().filter(|(_, f)| *f).count();
    let successes = labelled.len() - failures;
    if failures < MIN_EACH || successes < MIN_EACH {
        return Err(PredictError::OneSided {
            failures,
            successes,
        });
    }
    // Columns kept: chosen on the whole training part, by name (an encoder fitted on a
    // sub-part may lack a rare host's column).
    let keep: Vec<String> = {
        let samples: Vec<Sample<'_>> = labelled.iter().map(|(s, _)| *s).collect();
        let encoder = Encoder::fit_with(&samples, pooled);
        let x: Vec<Vec<f64>> = samples.iter().map(|s| encoder.encode(s)).collect();
        let y: Vec<bool> = labelled.iter().map(|(_, f)| *f).collect();
        let names = encoder.names();
        select_columns(&x, &y)?
            .into_iter()
            .map(|j| names[j].clone())
            .collect()
    };
    let fit_on = |part: &[(Sample<'_>, bool)], lambda: f64| {
        let samples: Vec<Sample<'_>> = part.iter().map(|(s, _)| *s).collect();
        let encoder = Encoder::fit_with(&samples, pooled);
        let columns: Vec<usize> = encoder
            .names()
            .iter()
            .enumerate()
            .filter(|(_, n)| keep.contains(n))
            .map(|(j, _)| j)
            .collect();
        let x: Vec<Vec<f64>> = samples
            .iter()
            .map(|s| {
                let row = encoder.encode(s);
                columns.iter().map(|&j| row[j]).collect()
            })
            .collect();
        let y: Vec<bool> = part.iter().map(|(_, f)| *f).collect();
        let m = fit_logistic(&x, &y, lambda)?;
        let mut weights = vec![0.0; encoder.names().len()];
        for (&j, w) in columns.iter().zip(&m.weights) {
            weights[j] = *w;
        }
        Ok::<_, PredictError>((encoder, LogisticModel { weights, ..m }))
    };
    let cut = labelled.len() * 3 / 4;
    let (fit_part, check_part) = labelled.split_at(cut);
    let mut best = (f64::INFINITY, LAMBDAS[2]);
    for &lambda in &LAMBDAS {
        let (encoder, model) = fit_on(fit_part, lambda)?;
        let x: Vec<Vec<f64>> = check_part.iter().map(|(s, _)| encoder.encode(s)).collect();
        let y: Vec<bool> = check_part.iter().map(|(_, f)| *f).collect();
        let loss = log_loss(&model, &x, &y);
        if loss < best.0 {
            best = (loss, lambda);
        }
    }
    let (encoder, model) = fit_on(&labelled, best.1)?;
    Ok(TaskModel {
        encoder,
        model,
        training_samples: labelled.len(),
        training_failure_rate: failures as f64 / labelled.len() as f64,
    })
}

/// Ridge penalty of the fits that choose columns: just enough to keep a separating column's
/// weight finite.
pub const SELECTION_LAMBDA: f64 = 0.1;

/// Mean-free log-likelihood of `model` on `x`, `y` (no penalty).
fn log_likelihood(model: &LogisticModel, x: &[Vec<f64>], y: &[bool]) -> f64 {
    -log_loss(model, x, y) * x.len() as f64
}

/// Forward stepwise selection of columns by the extended Bayesian information criterion with
/// γ = 1 (Chen & Chen 2008, *Biometrika* 95(3); BIC of Schwarz 1978 plus 2γ ln C(d, k) for
/// choosing k of d columns): starting from the intercept alone, add the column that raises the
/// log-likelihood most while that gain exceeds ln(n)/2 + ln((d − k + 1)/k) for the k-th column
/// (the criterion falls). Plain BIC, with some forty candidate columns, let a spurious host or
/// weekday in on most demo tasks; columns that carry no signal now stay out, so they neither
/// add noise to the ranking nor push probabilities past 0.5.
pub fn select_columns(x: &[Vec<f64>], y: &[bool]) -> Result<Vec<usize>, PredictError> {
    let n = x.len();
    let d = x.first().map_or(0, Vec::len);
    let penalty = (n.max(2) as f64).ln() / 2.0;
    let subset = |cols: &[usize]| -> Vec<Vec<f64>> {
        x.iter()
            .map(|r| cols.iter().map(|&j| r[j]).collect())
            .collect()
    };
    let mut selected: Vec<usize> = Vec::new();
    let mut current = log_likelihood(
        &fit_logistic(&subset(&[]), y, SELECTION_LAMBDA)?,
        &subset(&[]),
        y,
    );
    loop {
        let mut best: Option<(f64, usize)> = None;
        for j in (0..d).filter(|j| !selected.contains(j)) {
            let mut cols = selected.clone();
            cols.push(j);
            let xs = subset(&cols);
            let ll = log_likelihood(&fit_logistic(&xs, y, SELECTION_LAMBDA)?, &xs, y);
            if best.is_none_or(|(b, _)| ll > b) {
                best = Some((ll, j));
            }
        }
        match best {
            Some((ll, j))
                if ll - current
                    > penalty
                        + ((d - selected.len()) as f64 / (selected.len() + 1) as f64).ln() =>
            {
                selected.push(j);
                current = ll;
            }
            _ => break,
        }
    }
    selected.sort_unstable();
    Ok(selected)
}

/// One reliability bin: predictions in `[low, high)` (the last bin includes 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityBin {
    pub low: f64,
    pub high: f64,
    pub count: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// How well probabilities `p` predict outcomes `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    pub samples: usize,
    pub failures: usize,
    /// Share right at the 0.5 threshold.
    pub accuracy: f64,
    /// `None` when only one outcome occurs.
    pub roc_auc: Option<f64>,
    pub brier: f64,
    pub expected_calibration_error: f64,
    pub bins: Vec<ReliabilityBin>,
}

/// ROC AUC as the Mann-Whitney statistic: the share of (failure, success) pairs the failure
/// scores higher, ties ½ (average ranks).
pub fn roc_auc(p: &[f64], y: &[bool]) -> Option<f64> {
    let pos = y.iter().filter(|&&f| f).count();
    let neg = y.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && p[order[j + 1]] == p[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += order[i..=j].iter().filter(|&&k| y[k]).count() as f64 * average_rank;
        i = j + 1;
    }
    let u = rank_sum - (pos * (pos + 1)) as f64 / 2.0;
    Some(u / (pos as f64 * neg as f64))
}

/// Accuracy, ROC AUC, Brier score and calibration of `p` against `y` (see the module docs).
pub fn quality(p: &[f64], y: &[bool]) -> Quality {
    let n = p.len();
    let failures = y.iter().filter(|&&f| f).count();
    let outcome = |f: bool| if f { 1.0 } else { 0.0 };
    let right = p.iter().zip(y).filter(|&(&q, &f)| (q >= 0.5) == f).count();
    let brier = p
        .iter()
        .zip(y)
        .map(|(&q, &f)| (q - outcome(f)).powi(2))
        .sum::<f64>()
        / n.max(1) as f64;
    let mut bins: Vec<ReliabilityBin> = (0..10)
        .map(|b| ReliabilityBin {
            low: f64::from(b) / 10.0,
            high: f64::from(b + 1) / 10.0,
            count: 0,
            mean_predicted: 0.0,
            observed_rate: 0.0,
        })
        .collect();
    for (&q, &f) in p.iter().zip(y) {
        let b = ((q * 10.0).floor() as usize).min(9);
        bins[b].count += 1;
        bins[b].mean_predicted += q;
        bins[b].observed_rate += outcome(f);
    }
    let mut ece = 0.0;
    for b in &mut bins {
        if b.count > 0 {
            b.mean_predicted /= b.count as f64;
            b.observed_rate /= b.count as f64;
            ece += b.count as f64 / n as f64 * (b.mean_predicted - b.observed_rate).abs();
        }
    }
    Quality {
        samples: n,
        failures,
        accuracy: right as f64 / n.max(1) as f64,
        roc_auc: roc_auc(p, y),
        brier,
        expected_calibration_error: ece,
        bins,
    }
}

/// Samples in time order with their history features: `recent_failure_rate` from the
/// task's previous [`RECENT`] finished attempts; `upstream_failures` from `upstream_failures`
/// (by execution id, computed by the caller from the run's other tasks; 0 when absent).
pub fn samples<'a>(
    task_execs: &'a [Execution],
    upstream_failures: &std::collections::HashMap<&str, u32>,
) -> Vec<Sample<'a>> {
    let mut order: Vec<&Execution> = task_execs.iter().collect();
    order.sort_by_key(|e| (e.start_ms, e.attempt));
    let mut recent: std::collections::VecDeque<bool> =
        std::collections::VecDeque::with_capacity(RECENT);
    let mut out = Vec::with_capacity(order.len());
    for e in order {
        let rate = if recent.is_empty() {
            0.0
        } else {
            recent.iter().filter(|&&f| f).count() as f64 / recent.len() as f64
        };
        let s = Sample {
            execution: e,
            recent_failure_rate: rate,
            upstream_failures: upstream_failures
                .get(e.execution_id.as_str())
                .copied()
                .unwrap_or(0),
        };
        if let Some(f) = s.failed() {
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(f);
        }
        out.push(s);
    }
    out
}

mod assess;
pub use assess::*;

#[cfg(test)]
mod tests;
