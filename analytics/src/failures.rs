//! Failure analysis of one task: how often it fails, with which errors, under which
//! conditions, whether retries help, what its failures break downstream, and what to do.
//!
//! * **Failure rate**: `(failed + timed out) / all records` of the task (every status counts in
//!   the denominator, skipped and running included, as the brief of the dashboard defines it).
//! * **Error signatures** ([`signature`]): failures grouped by error type and normalised
//!   message; the top [`FailureOptions::max_patterns`] by frequency become
//!   [`types::ErrorPattern`]s, each with its signature-specific correlated factors, resolution
//!   strategy and prevention measures ([`suggestions`]).
//! * **Correlated factors** ([`factors`]): one-sided Fisher exact tests of each host, start
//!   hour, input-size bucket and attribute value against the rest, Benjamini-Hochberg corrected
//!   ([`significance`]).
//! * **Retries**: `retry_success` is the share of retried attempts (attempt number > 1) that
//!   completed, among those that finished (completed, failed or timed out; 0 when there are
//!   none). The attempt distribution counts records per attempt number, skipped records
//!   excluded (they never ran). A *logical execution* is a `(workflow_execution_id, task_id,
//!   instance)` triple — one input of a task that runs several instances per run (a Nextflow
//!   process over samples), or the task's one execution per run when the instance is empty —
//!   and its number of attempts is its highest attempt number among records that ran. It was
//!   *retried* when that number exceeds 1, and *eventually succeeded* when one of its records
//!   completed; `retried_eventually_succeeded` is the share of retried logical executions that
//!   eventually succeeded (0 when none was retried). Keying by `(run, task)` alone (issue #13)
//!   merged a run's instances into one execution with the largest attempt number of any.
//! * **Cascades, root causes, impact radius, recovery time** ([`cascade`]).

pub mod cascade;
pub mod factors;
pub mod signature;
pub mod significance;
pub mod suggestions;

use std::collections::{BTreeMap, HashMap};

use types::{ErrorPattern, ExecutionStatus, FailureMetrics, RetryDistribution};

use crate::execution::Execution;
use factors::Population;
use signature::{Signature, error_signatures, signature_key};
use suggestions::{ErrorEvidence, classify, prevention_measures, resolution};

pub use cascade::Recovery;
pub use factors::{FactorTest, factor_tests};
pub use signature::normalise;

/// Default smallest number of attempts with a factor value for it to be tested.
pub const DEFAULT_MIN_SUPPORT: u64 = 20;
/// Default false discovery rate of the Benjamini-Hochberg correction.
pub const DEFAULT_FDR_Q: f64 = 0.05;
/// Default number of error patterns reported.
pub const DEFAULT_MAX_PATTERNS: usize = 20;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FailureError {
    #[error("minimum support must be at least 1")]
    ZeroSupport,
    #[error("false discovery rate {0} is outside (0, 1)")]
    InvalidFdr(f64),
}

/// Options of the failure analysis; valid by construction.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureOptions {
    min_support: u64,
    fdr_q: f64,
    max_patterns: usize,
}

impl Default for FailureOptions {
    fn default() -> Self {
        FailureOptions {
            min_support: DEFAULT_MIN_SUPPORT,
            fdr_q: DEFAULT_FDR_Q,
            max_patterns: DEFAULT_MAX_PATTERNS,
        }
    }
}

impl FailureOptions {
    /// `min_support ≥ 1` attempts per tested factor value; `0 < fdr_q < 1`.
    pub fn new(min_support: u64, fdr_q: f64) -> Result<Self, FailureError> {
        if min_support == 0 {
            return Err(FailureError::ZeroSupport);
        }
        if !(fdr_q > 0.0 && fdr_q < 1.0) {
            return Err(FailureError::InvalidFdr(fdr_q));
        }
        Ok(FailureOptions {
            min_support,
            fdr_q,
            ..FailureOptions::default()
        })
    }

    /// Reports at most `n` error patterns.
    pub fn with_max_patterns(mut self, n: usize) -> Self {
        self.max_patterns = n;
        self
    }

    pub fn min_support(&self) -> u64 {
        self.min_support
    }

    pub fn fdr_q(&self) -> f64 {
        self.fdr_q
    }

    pub fn max_patterns(&self) -> usize {
        self.max_patterns
    }
}

/// `(failed + timed out) / all records`; 0 for no records.
pub fn failure_rate(task_execs: &[Execution]) -> f64 {
    let failures = task_execs.iter().filter(|e| e.is_failure()).count();
    types::failure_rate(failures as u64, task_execs.len() as u64)
}

/// One attempt number's part of a task's records: what the retry statistics need, counted
/// from records ([`attempt_counts`]) or by a set-based query over a whole window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptCount {
    pub attempt: u32,
    /// Records with this attempt number that ran (skipped ones excluded).
    pub records: u64,
    /// Of those, the completed ones.
    pub completed: u64,
    /// Of those, the finished ones: completed, failed or timed out.
    pub finished: u64,
    /// Skipped records with this attempt number (they never ran).
    pub skipped: u64,
    /// Logical executions `(workflow_execution_id, task_id, instance)` whose highest attempt
    /// number among records that ran is this one.
    pub logical: u64,
    /// Of `logical`, those with a completed record (any attempt).
    pub succeeded: u64,
}

/// Counts of `task_execs` per attempt number, by attempt number.
pub fn attempt_counts(task_execs: &[Execution]) -> Vec<AttemptCount> {
    let mut by_attempt: BTreeMap<u32, AttemptCount> = BTreeMap::new();
    // (run, task, instance) → (highest attempt, whether a record completed).
    let mut logical: HashMap<(&str, &str, &str), (u32, bool)> = HashMap::new();
    for e in task_execs {
        let c = by_attempt.entry(e.attempt).or_insert(AttemptCount {
            attempt: e.attempt,
            ..AttemptCount::default()
        });
        if e.status == ExecutionStatus::Skipped {
            c.skipped += 1;
            continue;
        }
        c.records += 1;
        c.completed += u64::from(e.status == ExecutionStatus::Completed);
        c.finished += u64::from(e.status == ExecutionStatus::Completed || e.is_failure());
        let m = logical
            .entry((
                e.workflow_execution_id.as_str(),
                e.task_id.as_str(),
                e.instance.as_str(),
            ))
            .or_default();
        m.0 = m.0.max(e.attempt);
        m.1 |= e.status == ExecutionStatus::Completed;
    }
    for (top, succeeded) in logical.into_values() {
        if let Some(c) = by_attempt.get_mut(&top) {
            c.logical += 1;
            c.succeeded += u64::from(succeeded);
        }
    }
    by_attempt.into_values().collect()
}

/// Share of finished retried attempts (attempt > 1) that completed; 0 when there are none.
pub fn retry_success_of(counts: &[AttemptCount]) -> f64 {
    let (completed, finished) = counts
        .iter()
        .filter(|c| c.attempt > 1)
        .fold((0u64, 0u64), |(c, f), a| (c + a.completed, f + a.finished));
    if finished == 0 {
        0.0
    } else {
        completed as f64 / finished as f64
    }
}

/// Share of retried logical executions (highest attempt > 1) with a completed record; 0 when
/// none was retried.
pub fn retried_eventually_succeeded_of(counts: &[AttemptCount]) -> f64 {
    let (succeeded, retried) = counts
        .iter()
        .filter(|c| c.attempt > 1)
        .fold((0u64, 0u64), |(s, r), a| (s + a.succeeded, r + a.logical));
    if retried == 0 {
        0.0
    } else {
        succeeded as f64 / retried as f64
    }
}

/// Records per attempt number (skipped excluded), the largest attempt number, the mean
/// number of attempts per logical execution and how many were retried.
pub fn retry_distribution_of(counts: &[AttemptCount]) -> RetryDistribution {
    let by_attempt: BTreeMap<u32, u64> = counts
        .iter()
        .filter(|c| c.records > 0)
        .map(|c| (c.attempt, c.records))
        .collect();
    let logical: u64 = counts.iter().map(|c| c.logical).sum();
    let attempts: f64 = counts
        .iter()
        .map(|c| f64::from(c.attempt) * c.logical as f64)
        .sum();
    RetryDistribution {
        max_attempts: by_attempt.keys().next_back().copied().unwrap_or(0),
        by_attempt,
        mean_attempts: if logical == 0 {
            0.0
        } else {
            attempts / logical as f64
        },
        retried: counts
            .iter()
            .filter(|c| c.attempt > 1)
            .map(|c| c.logical)
            .sum(),
    }
}

/// Share of finished retried attempts (attempt > 1) that completed; 0 when there are none.
pub fn retry_success(task_execs: &[Execution]) -> f64 {
    retry_success_of(&attempt_counts(task_execs))
}

/// Records per attempt number (skipped excluded), the largest attempt number, the mean
/// number of attempts per logical execution and how many were retried.
pub fn retry_distribution(task_execs: &[Execution]) -> RetryDistribution {
    retry_distribution_of(&attempt_counts(task_execs))
}

/// Significant correlated factors of the task's failures, by adjusted p-value (the p-value
/// reported is the Benjamini-Hochberg adjusted one).
pub fn correlated_factors(
    task_execs: &[Execution],
    opts: &FailureOptions,
) -> Vec<types::CorrelatedFactor> {
    factor_tests(task_execs, opts)
        .iter()
        .filter(|t| t.significant)
        .map(FactorTest::to_wire)
        .collect()
}

/// The error patterns of the task: the top [`FailureOptions::max_patterns`] signatures by
/// frequency, each with the factors significantly associated with that signature's failures.
pub fn error_patterns(task_execs: &[Execution], opts: &FailureOptions) -> Vec<ErrorPattern> {
    let signatures = error_signatures(task_execs);
    if signatures.is_empty() {
        return Vec::new();
    }
    let population = Population::new(task_execs);
    let keys: HashMap<&str, (String, String)> = task_execs
        .iter()
        .filter(|e| e.is_failure())
        .map(|e| (e.execution_id.as_str(), signature_key(e)))
        .collect();
    signatures
        .into_iter()
        .take(opts.max_patterns())
        .map(|sig| {
            let key = (sig.error_type.clone(), sig.message.clone());
            let factors: Vec<String> = population
                .tests(
                    |e| e.is_failure() && keys.get(e.execution_id.as_str()) == Some(&key),
                    opts,
                )
                .iter()
                .filter(|t| t.significant)
                .map(FactorTest::label)
                .collect();
            pattern(sig, factors)
        })
        .collect()
}

fn pattern(sig: Signature, correlated_factors: Vec<String>) -> ErrorPattern {
    let class = classify(&ErrorEvidence {
        error_type: &sig.error_type,
        code: &sig.error_code,
        message: &sig.example_message,
        status: sig.status,
    });
    ErrorPattern {
        error_type: sig.error_type,
        error_code: sig.error_code,
        frequency: sig.frequency,
        message: sig.message,
        example_message: sig.example_message,
        stack_trace: sig.stack_trace,
        correlated_factors,
        resolution: resolution(class),
        prevention_measures: prevention_measures(class),
    }
}

/// What the failure analysis reads besides the records of the error signatures: root causes,
/// cascades, impact radius, retries, recovery time and dependency failures, each over the whole
/// window however long its history (`db::executions::failure_evidence` reads it with
/// set-based queries; [`FailureEvidence::of_records`] makes it from records).
#[derive(Debug, Clone, Default)]
pub struct FailureEvidence {
    /// The task's id.
    pub task_id: String,
    /// The task's failed, timed-out and skipped records (every attempt): each gets a root cause.
    pub affected: Vec<Execution>,
    /// States of the workflow's tasks in the runs of `affected`: records from which
    /// [`cascade`] takes the final one of each logical execution `(run, task, instance)` and
    /// from those each `(run, task)`'s state. A final record that completed, was cancelled or
    /// is running may be left out (it neither spreads a failure nor passes blame); a non-final
    /// record may only be given with its final one.
    pub states: Vec<Execution>,
    /// The task's records per attempt number.
    pub attempts: Vec<AttemptCount>,
    pub recovery: cascade::Recovery,
}

impl FailureEvidence {
    /// The evidence in records: `task_execs` are the task's, `run_execs` every task's in the
    /// same runs (the task's own may be included or not).
    pub fn of_records(task_execs: &[Execution], run_execs: &[Execution]) -> Self {
        FailureEvidence {
            task_id: task_execs
                .first()
                .map(|e| e.task_id.clone())
                .unwrap_or_default(),
            affected: task_execs
                .iter()
                .filter(|e| e.is_failure() || e.status == ExecutionStatus::Skipped)
                .cloned()
                .collect(),
            states: run_execs.iter().chain(task_execs).cloned().collect(),
            attempts: attempt_counts(task_execs),
            recovery: cascade::recovery(task_execs),
        }
    }

    /// The task's skipped records: failures of its dependencies.
    pub fn skipped(&self) -> u64 {
        self.attempts.iter().map(|c| c.skipped).sum()
    }
}

/// The failure analysis of one task from its records alone.
///
/// `task_execs` are the task's records (all of one task); `run_execs` the records of every task
/// in the same workflow runs (the task's own may be included or not); `edges` the workflow's
/// `(upstream, downstream)` task id pairs.
pub fn failure_metrics(
    task_execs: &[Execution],
    run_execs: &[Execution],
    edges: &[(String, String)],
    opts: &FailureOptions,
) -> FailureMetrics {
    failure_metrics_with(
        task_execs,
        &FailureEvidence::of_records(task_execs, run_execs),
        edges,
        opts,
    )
}

/// The failure analysis of one task: error signatures and correlated factors from `sample`
/// (the task's records, possibly the latest of the window), everything else from `evidence`.
/// The failure rate is `sample`'s; callers with exact totals replace it.
pub fn failure_metrics_with(
    sample: &[Execution],
    evidence: &FailureEvidence,
    edges: &[(String, String)],
    opts: &FailureOptions,
) -> FailureMetrics {
    let states = cascade::RunStates::new(&evidence.states);
    let graph = cascade::Edges::new(edges);
    let failure_cascades = if evidence.task_id.is_empty() {
        Vec::new()
    } else {
        cascade::cascades(&evidence.task_id, &states, &graph)
    };
    FailureMetrics {
        failure_rate: failure_rate(sample),
        common_errors: error_patterns(sample, opts),
        retry_success: retry_success_of(&evidence.attempts),
        retried_eventually_succeeded: retried_eventually_succeeded_of(&evidence.attempts),
        retry_attempts: retry_distribution_of(&evidence.attempts),
        root_causes: cascade::root_causes(&evidence.affected, &states, &graph),
        recovery_time: evidence.recovery.mean_ms(),
        impact_radius: cascade::impact_radius(&failure_cascades),
        failure_cascades,
        basis: None,
    }
}

/// Builders for the unit tests of this module tree.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::execution::Execution;
    use types::ExecutionStatus;

    /// A bare record of `task` in run `"r"`, attempt 1, starting at 0.
    pub fn exec(id: &str, task: &str, status: ExecutionStatus) -> Execution {
        Execution {
            workflow_id: "w".to_owned(),
            ..Execution::new(id, task, "r", status, 0, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::exec;
    use super::*;
    use proptest::prelude::*;
    use types::ExecutionStatus::{Cancelled, Completed, Failed, Running, Skipped, Timeout};

    fn attempt(run: &str, attempt: u32, status: ExecutionStatus) -> Execution {
        let mut e = exec(&format!("{run}/{attempt}"), "t", status);
        e.workflow_execution_id = run.to_owned();
        e.attempt = attempt;
        e
    }

    #[test]
    fn failure_rate_counts_failed_and_timed_out_records_over_all_records() {
        let v = [
            exec("1", "t", Completed),
            exec("2", "t", Failed),
            exec("3", "t", Timeout),
            exec("4", "t", Skipped),
            exec("5", "t", Cancelled),
            exec("6", "t", Running),
            exec("7", "t", Completed),
            exec("8", "t", Completed),
        ];
        assert_eq!(failure_rate(&v), 2.0 / 8.0);
        assert_eq!(failure_rate(&[]), 0.0);
    }

    #[test]
    fn retries_are_summarised_per_attempt_and_per_logical_execution() {
        // r1: fail, fail, ok (3 attempts). r2: ok. r3: fail, ok. r4: skipped (not an attempt).
        // r5: fail, then attempt 2 still running.
        let v = [
            attempt("r1", 1, Failed),
            attempt("r1", 2, Failed),
            attempt("r1", 3, Completed),
            attempt("r2", 1, Completed),
            attempt("r3", 1, Timeout),
            attempt("r3", 2, Completed),
            attempt("r4", 1, Skipped),
            attempt("r5", 1, Failed),
            attempt("r5", 2, Running),
        ];
        // Finished retried attempts: r1/2 failed, r1/3 ok, r3/2 ok → 2/3.
        assert_eq!(retry_success(&v), 2.0 / 3.0);
        let d = retry_distribution(&v);
        assert_eq!(d.by_attempt, BTreeMap::from([(1, 4), (2, 3), (3, 1)]));
        assert_eq!(d.max_attempts, 3);
        // Logical executions r1..r3, r5: attempts 3, 1, 2, 2.
        assert_eq!(d.mean_attempts, 8.0 / 4.0);
        // Retried: r1, r3 (completed at last) and r5 (still running): 2 of 3.
        assert_eq!(d.retried, 3);
        assert_eq!(
            retried_eventually_succeeded_of(&attempt_counts(&v)),
            2.0 / 3.0
        );
        assert_eq!(retry_success(&v[3..4]), 0.0);
        assert_eq!(retry_distribution(&[]), RetryDistribution::default());
    }

    #[test]
    fn a_runs_instances_are_separate_logical_executions() {
        // One run of a process over three samples. s1: fail, fail, ok. s2: ok. s3: fail, fail.
        let inst = |sample: &str, attempt: u32, status| Execution {
            instance: sample.to_owned(),
            execution_id: format!("{sample}/{attempt}"),
            attempt,
            ..exec("", "t", status)
        };
        let v = [
            inst("s1", 1, Failed),
            inst("s2", 1, Completed),
            inst("s3", 1, Failed),
            inst("s1", 2, Failed),
            inst("s3", 2, Failed),
            inst("s1", 3, Completed),
        ];
        let d = retry_distribution(&v);
        // Attempts 3, 1, 2 (keyed by run and task alone: one execution of 3 attempts).
        assert_eq!(d.mean_attempts, 6.0 / 3.0);
        assert_eq!((d.max_attempts, d.retried), (3, 2));
        // s1 succeeded at its third attempt, s3 never: 1 of 2; per attempt 1 of 3.
        assert_eq!(retried_eventually_succeeded_of(&attempt_counts(&v)), 0.5);
        assert_eq!(retry_success(&v), 1.0 / 3.0);
    }

    #[test]
    fn options_are_validated() {
        assert_eq!(FailureOptions::new(0, 0.05), Err(FailureError::ZeroSupport));
        assert_eq!(
            FailureOptions::new(5, 1.0),
            Err(FailureError::InvalidFdr(1.0))
        );
        assert!(FailureOptions::new(5, f64::NAN).is_err());
        let o = FailureOptions::new(5, 0.1).unwrap().with_max_patterns(3);
        assert_eq!((o.min_support(), o.fdr_q(), o.max_patterns()), (5, 0.1, 3));
    }

    /// A task whose OOM kills concentrate on worker-7 and whose HTTP errors are spread evenly,
    /// in one run per record, with a downstream task skipped after each final failure.
    fn scenario() -> (Vec<Execution>, Vec<Execution>, Vec<(String, String)>) {
        let mut task = Vec::new();
        let mut runs = Vec::new();
        for i in 0..240i64 {
            let run = format!("r{i:03}");
            let host = format!("worker-{}", i % 8);
            let start = i * 3_600_000;
            let oom = i % 8 == 7 && i % 16 != 15; // 15 of the 30 attempts on worker-7
            let http = i % 20 == 2; // 12 attempts on even-numbered hosts
            let status = if oom || http { Failed } else { Completed };
            let mut e = exec(&format!("{run}/t/1"), "t", status);
            e.workflow_execution_id = run.clone();
            e.host = Some(host);
            e.start_ms = start;
            e.end_ms = Some(start + 60_000);
            if oom {
                e.error_type = Some("OOMKilled".into());
                e.error_code = Some("137".into());
                e.error_message = Some(format!(
                    "OOMKilled: container used {} MB of 4096 MB limit",
                    4096 + i
                ));
            } else if http {
                e.error_type = Some("HTTPError".into());
                e.error_code = Some("503".into());
                e.error_message = Some(format!(
                    "HTTP 503 from https://api.example.com/v2/items/{}",
                    1000 + i
                ));
            }
            if status == Failed {
                let mut d = exec(&format!("{run}/down/1"), "down", Skipped);
                d.workflow_execution_id = run.clone();
                d.start_ms = start + 60_000;
                d.end_ms = Some(start + 60_000);
                runs.push(d);
            }
            runs.push(e.clone());
            task.push(e);
        }
        (task, runs, vec![("t".to_owned(), "down".to_owned())])
    }

    #[test]
    fn failure_metrics_puts_signatures_factors_and_cascades_together() {
        let (task, runs, edges) = scenario();
        let m = failure_metrics(&task, &runs, &edges, &FailureOptions::default());
        assert_eq!(m.failure_rate, 27.0 / 240.0);
        assert_eq!(m.common_errors.len(), 2);
        let oom = &m.common_errors[0];
        assert_eq!((oom.error_type.as_str(), oom.frequency), ("OOMKilled", 15));
        assert_eq!(
            oom.message,
            "OOMKilled: container used <n> MB of <n> MB limit"
        );
        assert_eq!(
            oom.example_message,
            "OOMKilled: container used 4103 MB of 4096 MB limit"
        );
        assert_eq!(oom.resolution.error_class, "out_of_memory");
        assert!(
            oom.correlated_factors.contains(&"host=worker-7".to_owned()),
            "{:?}",
            oom.correlated_factors
        );
        let http = &m.common_errors[1];
        assert_eq!((http.error_code.as_str(), http.frequency), ("503", 12));
        assert_eq!(http.resolution.error_class, "http_5xx");
        assert!(
            !http
                .correlated_factors
                .contains(&"host=worker-7".to_owned())
        );

        let factors = correlated_factors(&task, &FailureOptions::default());
        assert_eq!(factors[0].factor, "host");
        assert_eq!(factors[0].value, "worker-7");
        assert_eq!(factors[0].support, 30);
        // worker-7: 15 OOM kills in 30 attempts; the other hosts: 12 HTTP errors in 210.
        assert_eq!(factors[0].failure_rate, 15.0 / 30.0);
        assert_eq!(factors[0].baseline_failure_rate, 12.0 / 210.0);

        assert_eq!(m.failure_cascades.len(), 27);
        assert_eq!(m.failure_cascades[0].affected_task_ids, ["down"]);
        assert_eq!(m.impact_radius, 1);
        assert_eq!(m.root_causes.len(), 2);
        assert_eq!(m.root_causes[0].error_type, "OOMKilled");
        assert_eq!(m.root_causes[0].share, 15.0 / 27.0);
        // Each failure is followed by a success an hour after its start (59 minutes after its
        // end), except where the next run fails too.
        assert!(m.recovery_time >= 59.0 * 60_000.0);
        assert_eq!(m.retry_attempts.max_attempts, 1);
    }

    #[test]
    fn attempt_counts_keep_skips_apart_and_count_logical_executions_at_their_last_attempt() {
        let v = [
            attempt("r1", 1, Failed),
            attempt("r1", 2, Completed),
            attempt("r2", 1, Skipped),
            attempt("r3", 1, Completed),
        ];
        let c = attempt_counts(&v);
        assert_eq!(
            c,
            [
                AttemptCount {
                    attempt: 1,
                    records: 2,
                    completed: 1,
                    finished: 2,
                    skipped: 1,
                    logical: 1,
                    succeeded: 1,
                },
                AttemptCount {
                    attempt: 2,
                    records: 1,
                    completed: 1,
                    finished: 1,
                    skipped: 0,
                    logical: 1,
                    succeeded: 1,
                },
            ]
        );
        let evidence = FailureEvidence::of_records(&v, &[]);
        assert_eq!(evidence.skipped(), 1);
        assert_eq!(evidence.affected.len(), 2);
    }

    /// The final record of each logical execution (run, task, instance): highest attempt, then
    /// later start, first seen.
    fn finals(all: &[Execution]) -> Vec<Execution> {
        let mut m: BTreeMap<(String, String, String), Execution> = BTreeMap::new();
        for e in all {
            let key = (
                e.workflow_execution_id.clone(),
                e.task_id.clone(),
                e.instance.clone(),
            );
            match m.get(&key) {
                Some(cur) if (e.attempt, e.start_ms) <= (cur.attempt, cur.start_ms) => {}
                _ => {
                    m.insert(key, e.clone());
                }
            }
        }
        m.into_values().collect()
    }

    proptest! {
        /// What `db::executions::failure_evidence` reads — only the runs where the task has a
        /// failed, timed-out or skipped record, and there only final states that failed, timed
        /// out or were skipped — answers as every record does.
        #[test]
        fn the_pruned_evidence_answers_as_every_record(
            recs in prop::collection::vec((0u8..12, 0u8..4, 1u32..3, 0u8..6, 0i64..50, 0u8..3), 0..120),
        ) {
            let all_status = [Completed, Failed, Timeout, Cancelled, Skipped, Running];
            let tasks = ["a", "b", "c", "d"];
            let edges: Vec<(String, String)> = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")]
                .iter()
                .map(|(u, d)| ((*u).to_owned(), (*d).to_owned()))
                .collect();
            let all: Vec<Execution> = recs
                .iter()
                .enumerate()
                .map(|(i, &(run, task, att, st, t, instance))| {
                    let mut e = exec(&format!("e{i}"), tasks[usize::from(task)], all_status[usize::from(st)]);
                    e.workflow_execution_id = format!("r{run}");
                    // Up to two instances per task and run, or none.
                    e.instance = if instance == 0 { String::new() } else { format!("s{instance}") };
                    e.attempt = att;
                    e.start_ms = t * 10;
                    e.end_ms = Some(t * 10 + 5);
                    e.error_type = Some(format!("E{}", i % 3));
                    e
                })
                .collect();
            for task in ["b", "c", "d"] {
                let own: Vec<Execution> = all.iter().filter(|e| e.task_id == task).cloned().collect();
                let full = failure_metrics(&own, &all, &edges, &FailureOptions::default());
                let affected = |e: &Execution| e.is_failure() || e.status == Skipped;
                let runs: std::collections::BTreeSet<&str> = own
                    .iter()
                    .filter(|e| affected(e))
                    .map(|e| e.workflow_execution_id.as_str())
                    .collect();
                let in_runs: Vec<Execution> = all
                    .iter()
                    .filter(|e| runs.contains(e.workflow_execution_id.as_str()))
                    .cloned()
                    .collect();
                let evidence = FailureEvidence {
                    task_id: task.to_owned(),
                    affected: own.iter().filter(|e| affected(e)).cloned().collect(),
                    states: finals(&in_runs).into_iter().filter(|e| affected(e)).collect(),
                    attempts: attempt_counts(&own),
                    recovery: cascade::recovery(&own),
                };
                let pruned = failure_metrics_with(&own, &evidence, &edges, &FailureOptions::default());
                prop_assert_eq!(&pruned.root_causes, &full.root_causes);
                prop_assert_eq!(&pruned.failure_cascades, &full.failure_cascades);
                prop_assert_eq!(pruned.impact_radius, full.impact_radius);
            }
        }

        #[test]
        fn rates_are_within_zero_and_one(
            statuses in prop::collection::vec((0u8..6, 1u32..4, 0u8..4), 0..200),
        ) {
            let all = [Completed, Failed, Timeout, Cancelled, Skipped, Running];
            let v: Vec<Execution> = statuses
                .iter()
                .enumerate()
                .map(|(i, &(s, a, host))| {
                    let mut e = attempt(&format!("r{}", i / 3), a, all[usize::from(s)]);
                    e.execution_id = format!("e{i}");
                    e.host = Some(format!("h{host}"));
                    e.start_ms = i as i64 * 1000;
                    e.end_ms = Some(e.start_ms + 500);
                    e
                })
                .collect();
            let opts = FailureOptions::new(5, 0.05).unwrap();
            let m = failure_metrics(&v, &v, &[], &opts);
            prop_assert!((0.0..=1.0).contains(&m.failure_rate));
            prop_assert!((0.0..=1.0).contains(&m.retry_success));
            prop_assert!(m.recovery_time >= 0.0);
            for t in factor_tests(&v, &opts) {
                for r in [t.failure_rate, t.baseline_failure_rate, t.p_value, t.adjusted_p_value] {
                    prop_assert!((0.0..=1.0).contains(&r));
                }
                prop_assert!(t.adjusted_p_value >= t.p_value);
            }
            let share: f64 = m.root_causes.iter().map(|r| r.share).sum();
            prop_assert!(m.root_causes.is_empty() || (share - 1.0).abs() < 1e-9);
        }
    }
}
