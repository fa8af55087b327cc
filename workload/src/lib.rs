//! Tasklens workload generator: a realistic, seeded history of workflow task executions in
//! ingest format v1, plus the ground truth of what it contains, for `tasklens demo` and for
//! benchmarks. Pure: no IO, no async, no SQL; the same parameters and seed give the same records
//! (the random streams are portable ChaCha8; durations go through `f64::exp`/`powf`, so another
//! platform's libm could in principle move a value by a millisecond).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use workload::{DemoParams, Generator};
//!
//! let g = Generator::new(DemoParams {
//!     days: 2,
//!     workflows: 5,
//!     scale: 1.0,
//!     seed: 7,
//!     end: Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0).unwrap(),
//! })
//! .unwrap();
//! let records: usize = g.batches(10_000).map(|b| b.executions.len()).sum();
//! assert_eq!(records as u64, g.ground_truth().totals.executions);
//! ```
//!
//! Module map: `templates` (DAGs, per-task distributions and injected
//! problems), `counterfactual` (the history as it would have been with a change),
//! `schedule` (periodic and business-hours arrivals), `simulate` (one run → attempts),
//! `records` (attempts → [`types::ingest::ExecutionRecord`]), `stream` (chronological batching), `truth`
//! (the [`GroundTruth`]), `errors` (message catalogue and [`normalise`]), `rng` (seeding).

mod counterfactual;
mod errors;
mod failure_truth;
mod records;
mod rng;
mod schedule;
mod simulate;
mod stream;
mod templates;
mod truth;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use counterfactual::{Counterfactual, KILL_PEAK_FACTOR};
pub use errors::{ErrorKind, normalise};
pub use failure_truth::{AttemptTruth, FailureTruth, TRAIN_SHARE as FAILURE_TRAIN_SHARE};
pub use schedule::{BUSINESS_END_HOUR, BUSINESS_START_HOUR, HOUR_WEIGHTS, Schedule};
pub use simulate::Z_P90;
pub use stream::Batches;
pub use templates::{FREQUENCY_FACTORS, HOSTS, MIN_PERIOD_SECONDS, SIZE_FACTORS};
pub use truth::{
    CachingOpportunity, CorrelatedFailure, ErrorSignature, GroundTruth, MemoryLeak, Outlier,
    ProvisioningProblem, TaskTruth, Totals, WorkflowTruth,
};

use schedule::{DAY_MS, Window};
use templates::WorkflowSpec;

/// Longest history accepted, in days.
pub const MAX_DAYS: u32 = 3_650;
/// Most workflows accepted.
pub const MAX_WORKFLOWS: u32 = 10_000;
/// Largest run-frequency multiplier accepted.
pub const MAX_SCALE: f64 = 1_000.0;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoParams {
    /// History length in days (1 ..= [`MAX_DAYS`]).
    pub days: u32,
    /// Number of workflows (1 ..= [`MAX_WORKFLOWS`]); templates are cycled through.
    pub workflows: u32,
    /// Multiplies every workflow's run frequency; 1.0 gives ≈ 33,000 executions for 30 days and
    /// 5 workflows (66 tasks), and 30 days × 275 workflows (≈ 5,000 tasks) × scale 4.0 gives
    /// ≈ 10.2 million. Periodic schedules never go below one run per 30 s.
    pub scale: f64,
    pub seed: u64,
    /// The history ends here ("now"): nothing starts at or after it.
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    #[error("invalid parameter {name}: {message}")]
    InvalidParameter { name: &'static str, message: String },
}

fn invalid(name: &'static str, message: impl Into<String>) -> WorkloadError {
    WorkloadError::InvalidParameter {
        name,
        message: message.into(),
    }
}

/// A configured workload. Cheap to build; records are generated on demand.
#[derive(Debug, Clone)]
pub struct Generator {
    params: DemoParams,
    window: Window,
    workflows: Vec<WorkflowSpec>,
}

impl Generator {
    /// Validates the parameters and builds the workflow specs.
    pub fn new(p: DemoParams) -> Result<Self, WorkloadError> {
        if !(1..=MAX_DAYS).contains(&p.days) {
            return Err(invalid("days", format!("must be 1..={MAX_DAYS}")));
        }
        if !(1..=MAX_WORKFLOWS).contains(&p.workflows) {
            return Err(invalid("workflows", format!("must be 1..={MAX_WORKFLOWS}")));
        }
        if !(p.scale.is_finite() && p.scale > 0.0 && p.scale <= MAX_SCALE) {
            return Err(invalid("scale", format!("must be > 0 and ≤ {MAX_SCALE}")));
        }
        let end_ms = p.end.timestamp_millis();
        let start_ms = end_ms - i64::from(p.days) * DAY_MS;
        // Keep every generated time well inside chrono's range (years 1970–9000).
        if start_ms < 0 || end_ms > 220_000_000_000_000 {
            return Err(invalid(
                "end",
                "the window must lie between 1970 and the year 9000",
            ));
        }
        let workflows = (0..p.workflows)
            .map(|i| templates::build(i, p.seed, p.scale))
            .collect();
        Ok(Generator {
            window: Window { start_ms, end_ms },
            params: p,
            workflows,
        })
    }

    /// The same seed's history as it would have been with `changes` applied (see
    /// [`Counterfactual`]); without changes, an identical generator.
    pub fn counterfactual(&self, changes: &[Counterfactual]) -> Result<Generator, WorkloadError> {
        let mut g = self.clone();
        for c in changes {
            counterfactual::apply(&mut g.workflows, c)?;
        }
        Ok(g)
    }

    pub fn params(&self) -> &DemoParams {
        &self.params
    }

    /// Number of distinct tasks over all workflows.
    pub fn task_count(&self) -> usize {
        self.workflows.iter().map(|w| w.tasks.len()).sum()
    }

    /// Streams the history in chronological order of workflow runs (records within a run in
    /// start order), as batches of at most `batch_size` execution records (clamped to
    /// 1 ..= 50,000). The first batch also carries every [`types::ingest::DependencyRecord`] (should
    /// there be more than 50,000, they fill the first batches and executions follow), and never
    /// more than 50,000 records in all. Lazy: memory stays bounded by one batch plus one pending
    /// run per workflow.
    pub fn batches(
        &self,
        batch_size: usize,
    ) -> impl Iterator<Item = types::ingest::ValidBatch> + '_ {
        stream::Batches::new(self, batch_size)
    }

    /// What the batches contain. Configured facts come from the specs; counts are tallied by
    /// re-simulating the whole history without building records (about 1/20 of the cost of
    /// iterating [`Generator::batches`]: ~1.5 s for 10 million executions in release).
    pub fn ground_truth(&self) -> GroundTruth {
        truth::compute(self)
    }

    /// Expected number of execution records, from the schedules' expected run counts and each
    /// task's expected attempts (retries, and skips below final failures) — no simulation.
    pub fn estimated_executions(&self) -> u64 {
        self.workflows
            .iter()
            .map(|w| w.schedule.expected_runs(self.window) * expected_records_per_run(w))
            .sum::<f64>()
            .round() as u64
    }
}

/// Expected records per run: each task contributes its expected attempts if every ancestor
/// succeeded, else one skipped record (ancestors' final failures treated as independent).
fn expected_records_per_run(w: &WorkflowSpec) -> f64 {
    let n = w.tasks.len();
    let mut final_fail = vec![0.0; n];
    let mut attempts = vec![0.0; n];
    for (i, t) in w.tasks.iter().enumerate() {
        let classes: &[(f64, bool)] = if t.large_input.is_some() {
            &[(0.1, true), (0.9, false)]
        } else {
            &[(1.0, false)]
        };
        for &(weight, large) in classes {
            let p = t.attempt_failure_probability(large);
            attempts[i] += weight
                * (0..t.max_attempts)
                    .map(|a| p.powi(i32::from(a)))
                    .sum::<f64>();
            final_fail[i] += weight * p.powi(i32::from(t.max_attempts));
        }
    }
    let mut ancestors: Vec<Vec<bool>> = Vec::with_capacity(n);
    let mut total = 0.0;
    for (i, t) in w.tasks.iter().enumerate() {
        let mut anc = vec![false; n];
        for &u in &t.upstream {
            anc[u] = true;
            for (a, is) in ancestors[u].iter().enumerate() {
                anc[a] |= *is;
            }
        }
        let reach: f64 = anc
            .iter()
            .enumerate()
            .filter(|(_, is)| **is)
            .map(|(a, _)| 1.0 - final_fail[a])
            .product();
        total += reach * attempts[i] + (1.0 - reach);
        ancestors.push(anc);
    }
    total
}
