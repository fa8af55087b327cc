//! The true failure model of the failure-prone tasks, for scoring a learned failure predictor.
//!
//! The simulator decides each attempt's outcome from its input class and host alone (see
//! `simulate`): with `p_in` = the large-input rate when the input is in the top decile (else 0)
//! and `p_host` = the hotspot rate on the hotspot host (else the base rate), an attempt fails
//! with probability `p_in + (1 − p_in) · p_host`. This module re-runs the same simulation that
//! feeds [`crate::Generator::batches`] and writes that probability beside each finished attempt
//! of every task with a hotspot or a large-input failure mode; nothing is drawn, so the record
//! stream is untouched. It describes the generator as configured (no counterfactual changes).
//!
//! The ceiling: the true probabilities scored on the later [`1 − TRAIN_SHARE`](TRAIN_SHARE) of
//! each task's finished attempts (oldest first, ties by attempt number), the split a learned
//! model is tested on. No model can beat it in expectation: accuracy at 0.5 and ROC AUC.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use types::ExecutionStatus;

use crate::Generator;
use crate::records;
use crate::simulate::{self, Attempt};
use crate::stream::RunStream;
use crate::templates::TaskSpec;

/// Share of a task's finished attempts (oldest first) before the test part; the same as
/// `analytics::predict::TRAIN_SHARE` (the evaluation checks they agree).
pub const TRAIN_SHARE: f64 = 0.8;

/// One finished attempt and its true failure probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptTruth {
    pub execution_id: String,
    pub start_ms: i64,
    pub attempt: u8,
    pub failed: bool,
    pub probability: f64,
}

/// The true failure model of one failure-prone task and what it reaches on the test part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureTruth {
    pub task_id: String,
    pub workflow_id: String,
    /// What raises the failure probability: `input in the top decile` or `host worker-N`.
    pub cause: String,
    /// Finished attempts in time order (start, then attempt number).
    pub attempts: Vec<AttemptTruth>,
    /// Attempts in the training part; the rest are the test part.
    pub train_samples: usize,
    pub test_samples: usize,
    pub test_failures: usize,
    /// The true model's accuracy at 0.5 on the test part.
    pub ceiling_accuracy: f64,
    /// The true model's ROC AUC on the test part (`None` with one outcome only).
    pub ceiling_auc: Option<f64>,
}

fn probability(task: &TaskSpec, a: &Attempt) -> f64 {
    let p_in = match task.large_input {
        Some(l) if a.large_input => l.rate,
        _ => 0.0,
    };
    let p_host = match task.hotspot {
        Some(h) if a.host == h.host => h.rate,
        _ => task.base_fail,
    };
    p_in + (1.0 - p_in) * p_host
}

/// ROC AUC as the Mann-Whitney statistic, ties ½ (the true model has few distinct values).
fn roc_auc(p: &[f64], y: &[bool]) -> Option<f64> {
    let pos = y.iter().filter(|&&f| f).count();
    let neg = y.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut wins = 0.0;
    for (&pf, _) in p.iter().zip(y).filter(|(_, f)| **f) {
        for (&ps, _) in p.iter().zip(y).filter(|(_, f)| !**f) {
            wins += if pf > ps {
                1.0
            } else if pf == ps {
                0.5
            } else {
                0.0
            };
        }
    }
    Some(wins / (pos as f64 * neg as f64))
}

impl Generator {
    /// The true failure model of every failure-prone task (see the module docs), in task order.
    pub fn failure_truth(&self) -> Vec<FailureTruth> {
        compute(self)
    }
}

fn compute(g: &Generator) -> Vec<FailureTruth> {
    let mut by_task: BTreeMap<(usize, usize), Vec<AttemptTruth>> = BTreeMap::new();
    let mut scratch: Vec<Attempt> = Vec::new();
    for (wf, arrival) in RunStream::new(g) {
        let spec = &g.workflows[wf as usize];
        if spec
            .tasks
            .iter()
            .all(|t| t.hotspot.is_none() && t.large_input.is_none())
        {
            continue;
        }
        scratch.clear();
        simulate::simulate_run(spec, g.params.seed, wf, &arrival, g.window, &mut scratch);
        let run_id = records::workflow_execution_id(spec, &arrival);
        for a in &scratch {
            let task = &spec.tasks[a.task];
            let finished = a.status.is_failure() || a.status == ExecutionStatus::Completed;
            if !finished || (task.hotspot.is_none() && task.large_input.is_none()) {
                continue;
            }
            by_task
                .entry((wf as usize, a.task))
                .or_default()
                .push(AttemptTruth {
                    execution_id: records::execution_id(&run_id, &task.key, a.attempt),
                    start_ms: a.start_ms,
                    attempt: a.attempt,
                    failed: a.status.is_failure(),
                    probability: probability(task, a),
                });
        }
    }
    by_task
        .into_iter()
        .map(|((wf, t), mut attempts)| {
            let spec = &g.workflows[wf];
            let task = &spec.tasks[t];
            attempts.sort_by_key(|a| (a.start_ms, a.attempt));
            let train = (attempts.len() as f64 * TRAIN_SHARE).floor() as usize;
            let test = &attempts[train..];
            let p: Vec<f64> = test.iter().map(|a| a.probability).collect();
            let y: Vec<bool> = test.iter().map(|a| a.failed).collect();
            let right = p.iter().zip(&y).filter(|&(&q, &f)| (q >= 0.5) == f).count();
            FailureTruth {
                task_id: task.task_id.clone(),
                workflow_id: spec.id.clone(),
                cause: match task.hotspot {
                    Some(h) => format!("host worker-{}", h.host),
                    None => "input in the top decile".into(),
                },
                train_samples: train,
                test_samples: test.len(),
                test_failures: y.iter().filter(|&&f| f).count(),
                ceiling_accuracy: right as f64 / test.len().max(1) as f64,
                ceiling_auc: roc_auc(&p, &y),
                attempts,
            }
        })
        .collect()
}
