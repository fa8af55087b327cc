//! A task's model measured the way the issue asks: the history split in time order
//! ([`TRAIN_SHARE`] oldest first for training, the rest for testing, never random), the model
//! fitted on the training part and scored on the test part beside three baselines (majority
//! class, the training part's failure rate, "same as the last attempt"), then refitted on the
//! whole history to serve predictions. A task with too little history of its own is pooled with
//! its workflow's other tasks ([`assess_pooled`]): the same features plus one indicator per
//! task, so the pool shares the hour, host, input-size and history effects while each task keeps
//! its own base rate.
//!
//! Risk factors ([`TaskModel::contributions`]): per feature family, the log-odds contribution
//! `c = Σ wⱼ xⱼ` over the family's standardised columns (0 at the training mean) and the risk
//! increase `σ(z) − σ(z − c)`: how much the probability drops if that family were typical.

use types::RiskLevel;

use super::*;

/// A group of encoded columns that a person reads as one cause.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    HourOfDay,
    Weekday,
    Retry,
    RecentFailures,
    UpstreamFailures,
    Host,
    InputSize,
    Attribute(String),
    /// Pooled models: which task of the pool.
    Task,
}

impl Family {
    pub fn label(&self) -> String {
        match self {
            Family::HourOfDay => "hour of day".into(),
            Family::Weekday => "weekday".into(),
            Family::Retry => "retry number".into(),
            Family::RecentFailures => "recent failure rate".into(),
            Family::UpstreamFailures => "upstream failures in the run".into(),
            Family::Host => "host".into(),
            Family::InputSize => "input size".into(),
            Family::Attribute(a) => format!("attribute {a}"),
            Family::Task => "task".into(),
        }
    }

    /// What to do when this family raises the risk.
    pub fn mitigation(&self) -> String {
        match self {
            Family::HourOfDay => {
                "Schedule the run at an hour with fewer failures (shared resources are busiest at peak hours).".into()
            }
            Family::Weekday => "Move the run to a weekday with fewer failures.".into(),
            Family::Retry => {
                "Retries of this task fail more often: fix the first failure's cause instead of retrying, or raise the backoff.".into()
            }
            Family::RecentFailures => {
                "The task has been failing lately: look at its recent error signatures before running it again.".into()
            }
            Family::UpstreamFailures => {
                "Upstream tasks failed in this run: wait for them to recover or rerun them first.".into()
            }
            Family::Host => {
                "Pin the task away from the failure-prone host (or drain and inspect that host).".into()
            }
            Family::InputSize => {
                "Large inputs fail more often: split the input or raise the memory allocation for large inputs.".into()
            }
            Family::Attribute(a) => format!("Runs with this value of {a} fail more often: check that configuration."),
            Family::Task => "This task fails more often than its workflow's others: review its error signatures.".into(),
        }
    }
}

/// One family's share of a prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub family: Family,
    /// The family's column with the largest |w x|, e.g. `host = worker-3`.
    pub strongest: String,
    pub log_odds: f64,
    pub risk_increase: f64,
}

impl TaskModel {
    /// Per-family contributions to the prediction for `s`, largest |risk increase| first
    /// (see the module docs).
    pub fn contributions(&self, s: &Sample<'_>) -> Vec<Contribution> {
        self.contributions_of(&self.encoder.encode(s))
    }

    /// A planned attempt: `s` with the columns of the families in `typical` at their training
    /// mean (0 once standardised), i.e. the conditions a caller did not give. Returns P(fail)
    /// and the contributions, as [`TaskModel::contributions`].
    pub fn predict_planned(&self, s: &Sample<'_>, typical: &[Family]) -> (f64, Vec<Contribution>) {
        let mut x = self.encoder.encode(s);
        for (v, f) in x.iter_mut().zip(self.encoder.families()) {
            if typical.contains(&f) {
                *v = 0.0;
            }
        }
        (self.model.probability(&x), self.contributions_of(&x))
    }

    fn contributions_of(&self, x: &[f64]) -> Vec<Contribution> {
        let names = self.encoder.names();
        let families = self.encoder.families();
        let z = self.model.intercept
            + self
                .model
                .weights
                .iter()
                .zip(x)
                .map(|(w, v)| w * v)
                .sum::<f64>();
        let mut by: BTreeMap<Family, (f64, usize, f64)> = BTreeMap::new();
        for (j, f) in families.into_iter().enumerate() {
            let c = self.model.weights[j] * x[j];
            let e = by.entry(f).or_insert((0.0, j, 0.0));
            e.0 += c;
            if c.abs() > e.2 {
                e.1 = j;
                e.2 = c.abs();
            }
        }
        let mut out: Vec<Contribution> = by
            .into_iter()
            .map(|(family, (c, j, _))| Contribution {
                family,
                strongest: names[j].clone(),
                log_odds: c,
                risk_increase: sigmoid(z) - sigmoid(z - c),
            })
            .collect();
        out.sort_by(|a, b| b.risk_increase.abs().total_cmp(&a.risk_increase.abs()));
        out
    }
}

/// Quality of the three baselines on the test part.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineQuality {
    pub majority_class: Quality,
    pub historical_rate: Quality,
    pub same_as_last_attempt: Quality,
}

/// A model measured on the later part of its history, and the model to serve.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Fitted on the training part; what [`Assessment::quality`] measures.
    pub measured: TaskModel,
    /// Refitted on the whole history (λ chosen afresh the same way): the one that predicts.
    pub served: TaskModel,
    pub quality: Quality,
    pub baselines: BaselineQuality,
    /// Start times (ms) of the first and last attempt of each part.
    pub train_window: (i64, i64),
    pub test_window: (i64, i64),
    pub train_samples: usize,
    pub test_samples: usize,
    /// The test part's probabilities, in time order (for scoring against a ground truth).
    pub test_probabilities: Vec<f64>,
    pub test_execution_ids: Vec<String>,
}

/// Index of the first test sample among `n` labelled ones.
pub fn split_point(n: usize) -> usize {
    (n as f64 * TRAIN_SHARE).floor() as usize
}

/// The finished attempts of `samples` (already in time order) with their outcome.
pub fn labelled<'a>(samples: &[Sample<'a>]) -> Vec<(Sample<'a>, bool)> {
    samples
        .iter()
        .filter_map(|s| s.failed().map(|f| (*s, f)))
        .collect()
}

/// Splits, fits, scores and refits one task's history (`samples` in time order, as
/// [`samples`] returns them).
pub fn assess(samples: &[Sample<'_>]) -> Result<Assessment, PredictError> {
    assess_with(samples, false, None)
}

/// [`assess`] on the workflow's pooled history (`samples` from [`pooled_samples`]), the
/// quality measured on `task`'s own test attempts when they hold both outcomes, else on the
/// pool's test part.
pub fn assess_pooled(samples: &[Sample<'_>], task: &str) -> Result<Assessment, PredictError> {
    assess_with(samples, true, Some(task))
}

fn assess_with(
    samples: &[Sample<'_>],
    pooled: bool,
    task: Option<&str>,
) -> Result<Assessment, PredictError> {
    let all = labelled(samples);
    if all.len() < MIN_SAMPLES {
        return Err(PredictError::TooFew(all.len()));
    }
    let cut = split_point(all.len());
    let train: Vec<Sample<'_>> = all[..cut].iter().map(|(s, _)| *s).collect();
    let measured = fit_model(&train, pooled)?;
    let mut test: Vec<&(Sample<'_>, bool)> = all[cut..].iter().collect();
    if let Some(t) = task {
        let own: Vec<&(Sample<'_>, bool)> = test
            .iter()
            .copied()
            .filter(|(s, _)| s.execution.task_id == t)
            .collect();
        if own.iter().any(|(_, f)| *f) && own.iter().any(|(_, f)| !*f) {
            test = own;
        }
    }
    let p: Vec<f64> = test.iter().map(|(s, _)| measured.probability(s)).collect();
    let y: Vec<bool> = test.iter().map(|(_, f)| *f).collect();
    let rate = measured.training_failure_rate;
    let majority = vec![if rate >= 0.5 { 1.0 } else { 0.0 }; y.len()];
    let historical = vec![rate; y.len()];
    // The previous finished attempt of the same task, looking back across the split.
    let mut last: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    let mut previous: std::collections::HashMap<&str, f64> = std::collections::HashMap::new();
    for (s, f) in &all {
        let id = s.execution.execution_id.as_str();
        let before = last.get(s.execution.task_id.as_str()).copied();
        previous.insert(id, before.map_or(rate, |b| if b { 1.0 } else { 0.0 }));
        last.insert(s.execution.task_id.as_str(), *f);
    }
    let same: Vec<f64> = test
        .iter()
        .map(|(s, _)| previous[s.execution.execution_id.as_str()])
        .collect();
    let served = fit_model(&all.iter().map(|(s, _)| *s).collect::<Vec<_>>(), pooled)?;
    let span = |part: &[(Sample<'_>, bool)]| {
        (
            part.first().map_or(0, |(s, _)| s.execution.start_ms),
            part.last().map_or(0, |(s, _)| s.execution.start_ms),
        )
    };
    Ok(Assessment {
        quality: quality(&p, &y),
        baselines: BaselineQuality {
            majority_class: quality(&majority, &y),
            historical_rate: quality(&historical, &y),
            same_as_last_attempt: quality(&same, &y),
        },
        train_window: span(&all[..cut]),
        test_window: span(&all[cut..]),
        train_samples: cut,
        test_samples: test.len(),
        test_probabilities: p,
        test_execution_ids: test
            .iter()
            .map(|(s, _)| s.execution.execution_id.clone())
            .collect(),
        measured,
        served,
    })
}

/// Samples of several tasks (each with its own recent failure rate), merged in time order
/// (start, attempt, task id).
pub fn pooled_samples<'a>(
    tasks: &[&'a [Execution]],
    upstream_failures: &std::collections::HashMap<&str, u32>,
) -> Vec<Sample<'a>> {
    let mut all: Vec<Sample<'a>> = tasks
        .iter()
        .flat_map(|t| samples(t, upstream_failures))
        .collect();
    all.sort_by(|a, b| {
        (a.execution.start_ms, a.execution.attempt)
            .cmp(&(b.execution.start_ms, b.execution.attempt))
            .then_with(|| a.execution.task_id.cmp(&b.execution.task_id))
    });
    all
}

/// Risk level of a probability: below 0.1 low, below 0.3 medium, below 0.6 high, else
/// critical.
pub fn risk_level(p: f64) -> RiskLevel {
    match p {
        p if p < 0.1 => RiskLevel::Low,
        p if p < 0.3 => RiskLevel::Medium,
        p if p < 0.6 => RiskLevel::High,
        _ => RiskLevel::Critical,
    }
}

/// Attempts of training at which a model's confidence stops growing with history.
pub const FULL_CONFIDENCE_SAMPLES: usize = 500;

/// Confidence in 0..1: `max(0, 2 (AUC − 0.5)) · min(1, n_train / 500)`; 0 without an AUC.
pub fn confidence(q: &Quality, train_samples: usize) -> f64 {
    let skill = q.roc_auc.map_or(0.0, |a| (2.0 * (a - 0.5)).max(0.0));
    skill * (train_samples as f64 / FULL_CONFIDENCE_SAMPLES as f64).min(1.0)
}
