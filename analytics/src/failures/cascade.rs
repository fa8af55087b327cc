//! How a task's failures spread through its workflow, where its own failures come from, and
//! how long it takes to recover.
//!
//! A run's *state* of a task comes from the final record of each of its logical executions in
//! that run — each `(run, task, instance)`: the highest attempt number (ties: the later start) —
//! and is the most affected of them: a failed or timed-out final (the one that ended first; no
//! end: last; ties by execution id), else a skipped one, else any. A task without instances has
//! one logical execution per run, whose final record is its state. Taking one final record per
//! `(run, task)` instead (issue #13) let a process's last-started instance stand for all of them:
//! an input that failed for good was hidden by another input's success. The workflow's edges are
//! `(upstream task id, downstream task id)` pairs.
//!
//! * **Cascade**: in a run where the task's final attempt failed or timed out, the downstream
//!   tasks reached from it by breadth-first search along the edges, stepping only onto tasks
//!   whose state in that run is failed, timed out or skipped (a task that completed or was
//!   never recorded stops the spread). Depth is the largest breadth-first level reached (1 for
//!   direct downstreams). Runs without any affected task have no cascade.
//! * **Impact radius**: the number of distinct tasks in any of the task's cascades.
//! * **Root cause** of each of the task's failed, timed-out or skipped records. The rule
//!   (issue 12): *a skipped execution's root cause is the first failed upstream execution in the
//!   same workflow execution, followed transitively (a skip of a skip); never the victim itself
//!   when an upstream failure exists.* So, for a skipped record, walk upstream from it along the
//!   edges in its run: an upstream whose state is failed or timed out is a candidate and the walk
//!   stops there (it ran and failed: its own failure is its cause); one whose state is skipped
//!   is walked through (it was itself a victim); one that completed, was cancelled, is running
//!   or was never recorded stops the walk without blame (its downstreams had no failure to
//!   inherit through it). The root cause is the candidate that ended first (no end: last; ties
//!   by task id), with its error type. Decided here: an ancestor that failed in the same run is
//!   not excluded for having ended after the victim's record — the DAG path of failed and
//!   skipped states is the evidence, records come from different workers' clocks, and a skip is
//!   often stamped when the scheduler gives up; the end time only orders the candidates. And an
//!   ancestor that failed but is reached only through an upstream that completed is *not* a
//!   candidate (the old rule took any failed ancestor, which blamed unrelated branches).
//!   A failed or timed-out record is its own root cause: it ran, and its error is its own.
//!   Without a candidate the record is its own root cause too, with its own error type
//!   (`"unknown"` when it has none — e.g. a skip whose cause was not recorded). Aggregated by
//!   `(task, error type)`; the share is of all such records.
//! * **Recovery time**: for each failed or timed-out record with an end time, the time from its
//!   end to the start of the next completed execution of the same task *and instance* starting
//!   at or after that end (in any run: an instance names one input, so a later run's success on
//!   it recovers it too); the mean over failures that were followed by a success, 0 when none
//!   was. For a task without instances (the instance empty) this is the task's next success.
//!   Pairing a failure with the next success of *any* instance (issue #13) measured how soon
//!   some other sample finished, not how soon the failed one was recovered.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use types::{CascadeAnalysis, ExecutionStatus, RootCause};

use crate::execution::Execution;

fn affected(status: ExecutionStatus) -> bool {
    status.is_failure() || status == ExecutionStatus::Skipped
}

/// The DAG as adjacency lists, both directions.
#[derive(Debug, Default)]
pub(crate) struct Edges<'a> {
    down: HashMap<&'a str, Vec<&'a str>>,
    up: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Edges<'a> {
    pub(crate) fn new(edges: &'a [(String, String)]) -> Self {
        let mut g = Edges::default();
        for (u, d) in edges {
            g.down.entry(u.as_str()).or_default().push(d.as_str());
            g.up.entry(d.as_str()).or_default().push(u.as_str());
        }
        for list in g.down.values_mut().chain(g.up.values_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        g
    }

    /// The direct upstreams of `task`.
    fn upstreams(&self, task: &str) -> &[&'a str] {
        self.up.get(task).map_or(&[], Vec::as_slice)
    }
}

/// The state of each (run, task) (see the module documentation).
pub(crate) struct RunStates<'a> {
    states: HashMap<(&'a str, &'a str), &'a Execution>,
}

/// Orders a task's instance finals in a run by how affected they are: failures first (the one
/// that ended first), then skips, then the rest.
fn affectedness(e: &Execution) -> (u8, i64, &str) {
    let class = if e.is_failure() {
        0
    } else if e.status == ExecutionStatus::Skipped {
        1
    } else {
        2
    };
    (class, e.end_ms.unwrap_or(i64::MAX), e.execution_id.as_str())
}

impl<'a> RunStates<'a> {
    pub(crate) fn new(execs: impl IntoIterator<Item = &'a Execution>) -> Self {
        let mut finals: HashMap<(&str, &str, &str), &Execution> = HashMap::new();
        for e in execs {
            let key = (
                e.workflow_execution_id.as_str(),
                e.task_id.as_str(),
                e.instance.as_str(),
            );
            let later = |cur: &&Execution| (e.attempt, e.start_ms) > (cur.attempt, cur.start_ms);
            match finals.get(&key) {
                Some(cur) if !later(cur) => {}
                _ => {
                    finals.insert(key, e);
                }
            }
        }
        let mut states: HashMap<(&str, &str), &Execution> = HashMap::new();
        for ((run, task, _), e) in finals {
            match states.get(&(run, task)) {
                Some(cur) if affectedness(cur) <= affectedness(e) => {}
                _ => {
                    states.insert((run, task), e);
                }
            }
        }
        RunStates { states }
    }

    fn get(&self, run: &str, task: &str) -> Option<&'a Execution> {
        self.states.get(&(run, task)).copied()
    }

    /// Runs in which `task`'s final record failed, ordered by that record's start.
    fn failed_runs(&self, task: &str) -> Vec<&'a Execution> {
        let mut runs: Vec<&Execution> = self
            .states
            .iter()
            .filter(|((_, t), e)| *t == task && e.is_failure())
            .map(|(_, e)| *e)
            .collect();
        runs.sort_by(|a, b| {
            (a.start_ms, &a.workflow_execution_id).cmp(&(b.start_ms, &b.workflow_execution_id))
        });
        runs
    }
}

/// Cascades originating at `task` (see the module documentation), by run start.
pub(crate) fn cascades(
    task: &str,
    states: &RunStates<'_>,
    edges: &Edges<'_>,
) -> Vec<CascadeAnalysis> {
    let mut out = Vec::new();
    for origin in states.failed_runs(task) {
        let run = origin.workflow_execution_id.as_str();
        let mut level: BTreeMap<&str, u32> = BTreeMap::new();
        let mut queue = VecDeque::from([(task, 0u32)]);
        while let Some((t, d)) = queue.pop_front() {
            for &next in edges.down.get(t).into_iter().flatten() {
                if next == task || level.contains_key(next) {
                    continue;
                }
                if states.get(run, next).is_some_and(|e| affected(e.status)) {
                    level.insert(next, d + 1);
                    queue.push_back((next, d + 1));
                }
            }
        }
        if level.is_empty() {
            continue;
        }
        let mut ids: Vec<(&str, u32)> = level.into_iter().collect();
        ids.sort_by_key(|&(id, d)| (d, id));
        out.push(CascadeAnalysis {
            workflow_execution_id: run.to_owned(),
            origin_task_id: task.to_owned(),
            depth: ids.iter().map(|&(_, d)| d).max().unwrap_or(0),
            affected_task_ids: ids.into_iter().map(|(id, _)| id.to_owned()).collect(),
        });
    }
    out
}

/// Distinct tasks affected across `cascades`.
pub(crate) fn impact_radius(cascades: &[CascadeAnalysis]) -> u64 {
    cascades
        .iter()
        .flat_map(|c| c.affected_task_ids.iter())
        .collect::<BTreeSet<_>>()
        .len() as u64
}

/// Root causes of the task's failed, timed-out and skipped records (see the module
/// documentation), most frequent first (ties by task id, then error type).
pub(crate) fn root_causes<'e>(
    task_execs: impl IntoIterator<Item = &'e Execution>,
    states: &RunStates<'_>,
    edges: &Edges<'_>,
) -> Vec<RootCause> {
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut total = 0u64;
    for e in task_execs.into_iter().filter(|e| affected(e.status)) {
        total += 1;
        let root = if e.status == ExecutionStatus::Skipped {
            first_upstream_failure(e, states, edges).unwrap_or(e)
        } else {
            e
        };
        let error_type = root
            .error_type
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_owned());
        *counts
            .entry((root.task_id.clone(), error_type))
            .or_default() += 1;
    }
    let mut out: Vec<RootCause> = counts
        .into_iter()
        .map(|((task_id, error_type), occurrences)| RootCause {
            task_id,
            error_type,
            occurrences,
            share: occurrences as f64 / total as f64,
        })
        .collect();
    out.sort_by_key(|r| std::cmp::Reverse(r.occurrences));
    out
}

/// The failed upstream state of `victim`'s run that ended first, reached upstream through
/// skipped states only (see the module documentation).
fn first_upstream_failure<'a>(
    victim: &Execution,
    states: &RunStates<'a>,
    edges: &Edges<'_>,
) -> Option<&'a Execution> {
    let run = victim.workflow_execution_id.as_str();
    let mut seen: BTreeSet<&str> = BTreeSet::from([victim.task_id.as_str()]);
    let mut stack: Vec<&str> = edges.upstreams(&victim.task_id).to_vec();
    let mut first: Option<&'a Execution> = None;
    let end = |x: &Execution| x.end_ms.unwrap_or(i64::MAX);
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        match states.get(run, t) {
            Some(s) if s.is_failure() => {
                let earlier = first
                    .is_none_or(|f| (end(s), s.task_id.as_str()) < (end(f), f.task_id.as_str()));
                if earlier {
                    first = Some(s);
                }
            }
            Some(s) if s.status == ExecutionStatus::Skipped => {
                stack.extend(edges.upstreams(t));
            }
            _ => {}
        }
    }
    first
}

/// Failures followed by a completed execution and the sum of their gaps: the recovery time's
/// parts, as records or a set-based query over the window count them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Recovery {
    /// Failed or timed-out records with an end time followed by a completed execution.
    pub recovered: u64,
    /// Σ over them of milliseconds from the failure's end to that execution's start.
    pub total_ms: f64,
}

impl Recovery {
    /// The mean gap; 0 when no failure was followed by a success.
    pub fn mean_ms(&self) -> f64 {
        if self.recovered == 0 {
            0.0
        } else {
            self.total_ms / self.recovered as f64
        }
    }
}

/// The recovery of the task's failures among these records (see the module documentation).
pub fn recovery(task_execs: &[Execution]) -> Recovery {
    // Completed starts per (task, instance), sorted for a binary search.
    let mut starts: HashMap<(&str, &str), Vec<i64>> = HashMap::new();
    for e in task_execs
        .iter()
        .filter(|e| e.status == ExecutionStatus::Completed)
    {
        starts
            .entry((e.task_id.as_str(), e.instance.as_str()))
            .or_default()
            .push(e.start_ms);
    }
    for v in starts.values_mut() {
        v.sort_unstable();
    }
    let mut r = Recovery::default();
    for e in task_execs.iter().filter(|e| e.is_failure()) {
        let (Some(end), Some(starts)) = (
            e.end_ms,
            starts.get(&(e.task_id.as_str(), e.instance.as_str())),
        ) else {
            continue;
        };
        let i = starts.partition_point(|&s| s < end);
        if let Some(&s) = starts.get(i) {
            r.recovered += 1;
            r.total_ms += (s - end) as f64;
        }
    }
    r
}

/// Mean milliseconds from a failure's end to the next completed execution's start.
pub fn recovery_time_ms(task_execs: &[Execution]) -> f64 {
    recovery(task_execs).mean_ms()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failures::test_support::exec;
    use types::ExecutionStatus::{Completed, Failed, Skipped, Timeout};

    fn rec(run: &str, task: &str, attempt: u32, status: ExecutionStatus, end: i64) -> Execution {
        let mut e = exec(&format!("{run}/{task}/{attempt}"), task, status);
        e.workflow_execution_id = run.into();
        e.attempt = attempt;
        e.start_ms = end - 10;
        e.end_ms = Some(end);
        e.error_type = status.is_failure().then(|| format!("{task}Error"));
        e
    }

    fn edges() -> Vec<(String, String)> {
        // a → b → c, a → d, e → c (c has two parents), b → f.
        [("a", "b"), ("b", "c"), ("a", "d"), ("e", "c"), ("b", "f")]
            .iter()
            .map(|(u, d)| ((*u).to_owned(), (*d).to_owned()))
            .collect()
    }

    /// Run r1: a fails twice (final attempt 2 failed), b, c, d skipped, e and f never recorded.
    /// Run r2: a fails then succeeds, b fails finally, c skipped, d completes, f skipped.
    fn runs() -> Vec<Execution> {
        vec![
            rec("r1", "a", 1, Failed, 100),
            rec("r1", "a", 2, Failed, 200),
            rec("r1", "b", 1, Skipped, 200),
            rec("r1", "d", 1, Skipped, 200),
            rec("r1", "c", 1, Skipped, 200),
            rec("r2", "a", 1, Failed, 1100),
            rec("r2", "a", 2, Completed, 1200),
            rec("r2", "b", 1, Timeout, 1300),
            rec("r2", "d", 1, Completed, 1300),
            rec("r2", "e", 1, Completed, 1150),
            rec("r2", "c", 1, Skipped, 1300),
            rec("r2", "f", 1, Skipped, 1300),
        ]
    }

    #[test]
    fn a_final_failure_cascades_through_failed_and_skipped_downstreams() {
        let all = runs();
        let e = edges();
        let (states, g) = (RunStates::new(&all), Edges::new(&e));
        let a = cascades("a", &states, &g);
        assert_eq!(a.len(), 1, "r2's a recovered: no cascade there");
        assert_eq!(a[0].workflow_execution_id, "r1");
        assert_eq!(a[0].affected_task_ids, ["b", "d", "c"]);
        assert_eq!(a[0].depth, 2);
        assert_eq!(impact_radius(&a), 3);

        let b = cascades("b", &states, &g);
        assert_eq!(b.len(), 1);
        assert_eq!(
            (
                b[0].workflow_execution_id.as_str(),
                b[0].affected_task_ids.clone(),
                b[0].depth
            ),
            ("r2", vec!["c".to_owned(), "f".to_owned()], 1)
        );
        assert!(cascades("d", &states, &g).is_empty());
    }

    #[test]
    fn skipped_records_blame_the_earliest_failing_ancestor() {
        let all = runs();
        let e = edges();
        let (states, g) = (RunStates::new(&all), Edges::new(&e));
        let c: Vec<Execution> = all.iter().filter(|e| e.task_id == "c").cloned().collect();
        let rc = root_causes(&c, &states, &g);
        // r1: ancestors a (failed, end 200) → a. r2: ancestors a (completed), b (timeout) → b.
        assert_eq!(rc.len(), 2);
        assert_eq!(
            (rc[0].task_id.as_str(), rc[0].error_type.as_str()),
            ("a", "aError")
        );
        assert_eq!(
            (rc[1].task_id.as_str(), rc[1].error_type.as_str()),
            ("b", "bError")
        );
        assert_eq!((rc[0].occurrences, rc[0].share), (1, 0.5));

        // a's own failures (three records) are their own root cause.
        let a: Vec<Execution> = all.iter().filter(|e| e.task_id == "a").cloned().collect();
        let rc = root_causes(&a, &states, &g);
        assert_eq!(rc.len(), 1);
        assert_eq!(
            (rc[0].task_id.as_str(), rc[0].occurrences, rc[0].share),
            ("a", 3, 1.0)
        );
    }

    fn chain(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(u, d)| ((*u).to_owned(), (*d).to_owned()))
            .collect()
    }

    fn blamed(victim: &str, all: &[Execution], e: &[(String, String)]) -> Vec<(String, u64)> {
        let (states, g) = (RunStates::new(all), Edges::new(e));
        let own: Vec<&Execution> = all.iter().filter(|x| x.task_id == victim).collect();
        root_causes(own, &states, &g)
            .into_iter()
            .map(|r| (format!("{}/{}", r.task_id, r.error_type), r.occurrences))
            .collect()
    }

    #[test]
    fn an_instance_that_failed_for_good_is_the_tasks_state_whatever_the_others_did() {
        // Run r: process a over s1 (fails, then completes at attempt 2, the latest record),
        // s2 (fails once, ending at 150, never retried) and s3 (completes); b, after a, skipped.
        let inst = |instance: &str, attempt: u32, status: ExecutionStatus, end: i64| Execution {
            instance: instance.to_owned(),
            execution_id: format!("a/{instance}/{attempt}"),
            ..rec("r", "a", attempt, status, end)
        };
        let all = vec![
            inst("s1", 1, Failed, 100),
            inst("s2", 1, Failed, 150),
            inst("s3", 1, Completed, 160),
            inst("s1", 2, Completed, 400),
            rec("r", "b", 1, Skipped, 400),
        ];
        let e = chain(&[("a", "b")]);
        let (states, g) = (RunStates::new(&all), Edges::new(&e));
        // One final per (run, task) would be s1's completed attempt 2: no cascade, and b's skip
        // its own root cause ("b/unknown").
        let state = states.get("r", "a").unwrap();
        assert_eq!(state.execution_id, "a/s2/1");
        let a = cascades("a", &states, &g);
        assert_eq!(
            (a.len(), a[0].affected_task_ids.as_slice()),
            (1, &["b".to_owned()][..])
        );
        assert_eq!(blamed("b", &all, &e), [("a/aError".into(), 1)]);
    }

    #[test]
    fn a_skip_of_a_skip_is_blamed_on_the_failure_that_started_it() {
        // poll → reconcile → write: poll timed out (after a failed first attempt), reconcile
        // and write skipped; write's root cause is poll, through reconcile.
        let e = chain(&[("poll", "reconcile"), ("reconcile", "write")]);
        let mut all = vec![
            rec("r", "poll", 1, Failed, 100),
            rec("r", "poll", 2, Timeout, 200),
            rec("r", "reconcile", 1, Skipped, 200),
            rec("r", "write", 1, Skipped, 200),
        ];
        all[3].error_type = Some("UpstreamFailed".into());
        assert_eq!(blamed("write", &all, &e), [("poll/pollError".into(), 1)]);
        // The same when the intermediate skip was never recorded as a final failure but the
        // skipped records are the only ones (no completed state anywhere on the path).
        assert_eq!(
            blamed("reconcile", &all, &e),
            [("poll/pollError".into(), 1)]
        );
    }

    #[test]
    fn a_failure_behind_a_completed_upstream_is_not_blamed() {
        // x → y → v and z → v: x failed but y completed, so x's failure did not reach v; z
        // failed and v was skipped: z, although x ended first.
        let e = chain(&[("x", "y"), ("y", "v"), ("z", "v")]);
        let all = vec![
            rec("r", "x", 1, Failed, 10),
            rec("r", "y", 1, Completed, 20),
            rec("r", "z", 1, Failed, 50),
            rec("r", "v", 1, Skipped, 60),
        ];
        assert_eq!(blamed("v", &all, &e), [("z/zError".into(), 1)]);
        // Without z's failure, nothing upstream failed on a path to v: v is its own cause.
        let only_x: Vec<Execution> = all.iter().filter(|r| r.task_id != "z").cloned().collect();
        assert_eq!(blamed("v", &only_x, &e), [("v/unknown".into(), 1)]);
    }

    #[test]
    fn the_earliest_ending_failure_among_reachable_ones_is_the_root_even_after_the_skip() {
        // a → s → v and b → v: a failed (end 500, after v's skip was stamped at 300) through
        // the skipped s, b failed at 400: b ended first. With b completed, a is blamed although
        // its end is after the victim's record.
        let e = chain(&[("a", "s"), ("s", "v"), ("b", "v")]);
        let mut all = vec![
            rec("r", "a", 1, Failed, 500),
            rec("r", "s", 1, Skipped, 300),
            rec("r", "b", 1, Failed, 400),
            rec("r", "v", 1, Skipped, 300),
        ];
        assert_eq!(blamed("v", &all, &e), [("b/bError".into(), 1)]);
        all[2] = rec("r", "b", 1, Completed, 400);
        assert_eq!(blamed("v", &all, &e), [("a/aError".into(), 1)]);
    }

    #[test]
    fn a_failed_record_is_its_own_root_cause_even_below_a_failed_upstream() {
        // u → t: u failed, t ran anyway (a soft dependency) and failed with its own error.
        let e = chain(&[("u", "t")]);
        let all = vec![rec("r", "u", 1, Failed, 10), rec("r", "t", 1, Failed, 20)];
        assert_eq!(blamed("t", &all, &e), [("t/tError".into(), 1)]);
    }

    #[test]
    fn a_cycle_in_the_edges_does_not_loop() {
        let e = chain(&[("a", "b"), ("b", "a"), ("b", "c")]);
        let all = vec![
            rec("r", "a", 1, Skipped, 10),
            rec("r", "b", 1, Skipped, 10),
            rec("r", "c", 1, Skipped, 10),
        ];
        assert_eq!(blamed("c", &all, &e), [("c/unknown".into(), 1)]);
    }

    #[test]
    fn recovery_time_is_the_mean_gap_from_each_failure_to_the_next_success() {
        let mk = |start: i64, end: i64, status| {
            let mut e = exec("x", "t", status);
            e.start_ms = start;
            e.end_ms = Some(end);
            e
        };
        let execs = vec![
            mk(0, 100, Failed),    // next success starts at 400: 300
            mk(150, 250, Timeout), // 150
            mk(400, 500, Completed),
            mk(600, 700, Failed), // 2000
            mk(2700, 2800, Completed),
            mk(3000, 3100, Failed), // never recovered: not counted
        ];
        assert_eq!(recovery_time_ms(&execs), (300.0 + 150.0 + 2000.0) / 3.0);
        assert_eq!(
            recovery(&execs),
            Recovery {
                recovered: 3,
                total_ms: 2450.0
            }
        );
        assert_eq!(recovery_time_ms(&execs[2..3]), 0.0);
    }

    #[test]
    fn a_failure_recovers_at_the_next_success_of_its_own_instance() {
        let mk = |instance: &str, start: i64, end: i64, status| Execution {
            instance: instance.to_owned(),
            start_ms: start,
            end_ms: Some(end),
            ..exec("x", "t", status)
        };
        let execs = vec![
            mk("s1", 0, 100, Failed), // s1's next success starts at 900: 800
            mk("s2", 0, 100, Failed), // s2's at 300: 200
            mk("s2", 300, 400, Completed),
            mk("s3", 150, 250, Completed), // another sample: recovers neither
            mk("s1", 900, 1000, Completed),
            mk("s3", 1100, 1200, Failed), // s3 never succeeds again: not counted
        ];
        assert_eq!(
            recovery(&execs),
            Recovery {
                recovered: 2,
                total_ms: 1000.0
            }
        );
        // The old pairing with any instance's next success (s3 at 150) gave 50 + 50.
        let merged: Vec<Execution> = execs
            .iter()
            .map(|e| Execution {
                instance: String::new(),
                ..e.clone()
            })
            .collect();
        assert_eq!(recovery(&merged).total_ms, 100.0);
    }
}
