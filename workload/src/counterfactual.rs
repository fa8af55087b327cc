//! Counterfactual histories: the same seed's history as it would have been with one change
//! applied, the ground truth against which the what-if simulator is validated (issue #14).
//!
//! A counterfactual generator is the original one with its workflow specs changed; every run
//! draws from the same per-run ChaCha8 stream as the original (common random numbers), so a
//! run differs from its original only through the change:
//! * [`Counterfactual::Faster`]: the task's median duration × `factor`, so each of its attempts
//!   (failed ones included) lasts `factor` × as long from the same draws (a lock timeout's
//!   fixed 300 s limit excepted);
//! * [`Counterfactual::Cache`]: per run, a hit with probability `hit_rate`, decided by its own
//!   hash of (seed, workflow, run, task) so it consumes nothing from the run's stream; the task
//!   is simulated as before (its draws consumed, so downstream tasks see the same draws) and
//!   then replaced by one completed 1 ms attempt (the lookup) starting when its first attempt
//!   would have started;
//! * [`Counterfactual::RemoveEdge`]: the downstream task no longer waits for the upstream one
//!   (nor is skipped when it fails); the dependency record disappears;
//! * [`Counterfactual::Memory`]: the task's allocation becomes `memory_mb`. An attempt killed
//!   for memory needed more than its allocation but at most 1.04 × it (its recorded peak is
//!   U(1.0, 1.04) × the allocation), so an allocation of at least 1.04 × the original one
//!   covers every kill: such an attempt then runs as an ordinary attempt of the same draws
//!   (a large-input kill's uniform, rescaled to U(0, 1), decides an ordinary failure; a kill
//!   drawn among the ordinary errors becomes a success), for its full duration. The draws the
//!   kill made are still taken and the retries it made unnecessary are replayed unrecorded, so
//!   the rest of the run draws as in the original (but for the rare rescue whose ordinary
//!   failure check draws an error kind). Less than 1.04 × changes only the recorded allocation.
//!
//! With no change asked for, nothing here runs and the stream is byte-identical to the
//! original's.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::templates::WorkflowSpec;
use crate::{WorkloadError, invalid};

/// Largest kill peak relative to the allocation (see the module doc).
pub const KILL_PEAK_FACTOR: f64 = 1.04;

/// One change to the generated history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Counterfactual {
    /// Every attempt of the task lasts `factor` × as long (0.7: 30 % faster).
    Faster { task_id: String, factor: f64 },
    /// A cache in front of the task hits with probability `hit_rate`.
    Cache { task_id: String, hit_rate: f64 },
    /// The dependency upstream → downstream is dropped.
    RemoveEdge {
        upstream: String,
        downstream: String,
    },
    /// The task's memory allocation becomes `memory_mb`.
    Memory { task_id: String, memory_mb: f64 },
}

impl FromStr for Counterfactual {
    type Err = WorkloadError;

    /// `faster:TASK:FACTOR`, `cache:TASK:HIT_RATE`, `remove-edge:UPSTREAM:DOWNSTREAM` or
    /// `memory:TASK:MB`, with task ids as in the records (`ci_web.build`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.splitn(3, ':').collect();
        let bad = || {
            invalid(
                "counterfactual",
                format!(
                    "{s:?}: expected faster:TASK:FACTOR, cache:TASK:HIT_RATE, \
                     remove-edge:UPSTREAM:DOWNSTREAM or memory:TASK:MB"
                ),
            )
        };
        let [kind, a, b] = parts[..] else {
            return Err(bad());
        };
        let num = || b.parse::<f64>().map_err(|_| bad());
        Ok(match kind {
            "faster" => Counterfactual::Faster {
                task_id: a.into(),
                factor: num()?,
            },
            "cache" => Counterfactual::Cache {
                task_id: a.into(),
                hit_rate: num()?,
            },
            "remove-edge" => Counterfactual::RemoveEdge {
                upstream: a.into(),
                downstream: b.into(),
            },
            "memory" => Counterfactual::Memory {
                task_id: a.into(),
                memory_mb: num()?,
            },
            _ => return Err(bad()),
        })
    }
}

/// Applies `change` to the workflow specs.
pub(crate) fn apply(
    workflows: &mut [WorkflowSpec],
    change: &Counterfactual,
) -> Result<(), WorkloadError> {
    let find = |workflows: &[WorkflowSpec], id: &str| {
        workflows
            .iter()
            .enumerate()
            .find_map(|(w, spec)| {
                spec.tasks
                    .iter()
                    .position(|t| t.task_id == id)
                    .map(|t| (w, t))
            })
            .ok_or_else(|| invalid("counterfactual", format!("unknown task {id:?}")))
    };
    match change {
        Counterfactual::Faster { task_id, factor } => {
            if !(factor.is_finite() && *factor > 0.0) {
                return Err(invalid("counterfactual", "factor must be finite and > 0"));
            }
            let (w, t) = find(workflows, task_id)?;
            workflows[w].tasks[t].median_s *= factor;
        }
        Counterfactual::Cache { task_id, hit_rate } => {
            if !(0.0..=1.0).contains(hit_rate) {
                return Err(invalid("counterfactual", "hit rate must be in [0, 1]"));
            }
            let (w, t) = find(workflows, task_id)?;
            workflows[w].tasks[t].cache_hit_rate = Some(*hit_rate);
        }
        Counterfactual::RemoveEdge {
            upstream,
            downstream,
        } => {
            let (w, up) = find(workflows, upstream)?;
            let (w2, down) = find(workflows, downstream)?;
            let ups = &mut workflows[w2].tasks[down].upstream;
            if w != w2 || !ups.contains(&up) {
                return Err(invalid(
                    "counterfactual",
                    format!("no edge {upstream:?} → {downstream:?}"),
                ));
            }
            ups.retain(|&u| u != up);
        }
        Counterfactual::Memory { task_id, memory_mb } => {
            if !(memory_mb.is_finite() && *memory_mb > 0.0) {
                return Err(invalid("counterfactual", "memory must be finite and > 0"));
            }
            let (w, t) = find(workflows, task_id)?;
            let task = &mut workflows[w].tasks[t];
            task.kills_covered = *memory_mb >= KILL_PEAK_FACTOR * task.mem_alloc_mb;
            task.mem_alloc_recorded_mb = Some(*memory_mb);
        }
    }
    Ok(())
}
