//! One function per area of the ground truth; each returns the checks it scored.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use analytics::dag::Dag;
use analytics::execution::Execution;
use analytics::{anomaly, patterns, statistics};
use types::{ExecutionStatus, TrendDirection};
use workload::Schedule;

use crate::History;

/// A period is right within this relative error (the 5 %).
pub const PERIOD_TOLERANCE: f64 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// A label of the ground truth to find, or a place where nothing should be found.
    pub kind: Kind,
    pub area: &'static str,
    pub item: String,
    pub expected: String,
    pub found: String,
    pub pass: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something the generator put in; missing it is a miss.
    Label,
    /// Something the generator did not put in; finding it is a false alarm.
    Absence,
}

fn check(
    area: &'static str,
    item: impl Into<String>,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> Check {
    let (expected, found) = (expected.into(), found.into());
    Check {
        kind: Kind::Label,
        area,
        item: item.into(),
        pass: expected == found,
        expected,
        found,
    }
}

fn direction(d: TrendDirection) -> &'static str {
    match d {
        TrendDirection::Improving => "improving",
        TrendDirection::Degrading => "degrading",
        TrendDirection::Stable => "stable",
    }
}

/// Trend direction of every task.
pub fn trends(h: &History) -> Vec<Check> {
    h.truth
        .tasks
        .iter()
        .map(|t| {
            let execs = h
                .by_task
                .get(&t.task_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let found = statistics::execution_statistics(execs)
                .stats
                .trend_direction;
            let mut c = check(
                "trend direction",
                &t.task_id,
                t.trend.clone(),
                direction(found),
            );
            if t.trend == "stable" {
                c.kind = Kind::Absence;
            }
            c
        })
        .collect()
}

/// Start of each workflow run: its earliest task start.
fn run_starts(execs: &[&Execution]) -> Vec<i64> {
    let mut first: BTreeMap<&str, i64> = BTreeMap::new();
    for e in execs {
        let s = first.entry(&e.workflow_execution_id).or_insert(e.start_ms);
        *s = (*s).min(e.start_ms);
    }
    first.into_values().collect()
}

/// Period (periodic workflows, within 5 %) and peak hours (every workflow) of the run starts.
pub fn schedules(h: &History) -> Vec<Check> {
    let mut out = Vec::new();
    for w in &h.truth.workflows {
        let starts = run_starts(&h.workflow_executions(&w.workflow_id));
        let found = patterns::time_pattern(&starts);
        if let Schedule::Periodic { period_seconds, .. } = &w.schedule {
            let expected = *period_seconds as f64;
            let got = found.as_ref().and_then(|a| a.period_seconds);
            let pass = got.is_some_and(|p| (p - expected).abs() <= PERIOD_TOLERANCE * expected);
            out.push(Check {
                kind: Kind::Label,
                area: "schedule period (±5 %)",
                item: w.workflow_id.clone(),
                expected: format!("{expected:.0} s"),
                found: got.map_or("none".into(), |p| format!("{p:.0} s")),
                pass,
            });
        }
        let mut want = w.peak_hours_utc.clone();
        want.sort_unstable();
        let mut got = found.map(|a| a.peak_hours).unwrap_or_default();
        got.sort_unstable();
        out.push(check(
            "peak hours (UTC)",
            &w.workflow_id,
            format!("{want:?}"),
            format!("{got:?}"),
        ));
    }
    out
}

/// Median duration of completed executions, seconds (robust to the injected outliers).
fn median_seconds(execs: &[Execution]) -> f64 {
    let mut d: Vec<f64> = execs
        .iter()
        .filter(|e| e.status == ExecutionStatus::Completed)
        .filter_map(|e| e.duration_ms)
        .collect();
    statistics::quantiles(&mut d, &[0.5]).map_or(0.0, |q| q[0] / 1000.0)
}

/// Critical path of every workflow's DAG, weighted by median task duration: exact match.
pub fn critical_paths(h: &History) -> Vec<Check> {
    h.truth
        .workflows
        .iter()
        .map(|w| {
            let nodes: Vec<(String, f64)> = h
                .by_task
                .iter()
                .filter(|(_, e)| e.first().is_some_and(|e| e.workflow_id == w.workflow_id))
                .map(|(id, e)| (id.clone(), median_seconds(e)))
                .collect();
            let edges = h.edges.get(&w.workflow_id).cloned().unwrap_or_default();
            let found = match Dag::new(nodes, edges) {
                Ok(dag) => dag.critical_path().nodes.join(" → "),
                Err(e) => format!("error: {e}"),
            };
            check(
                "critical path",
                &w.workflow_id,
                w.critical_path.join(" → "),
                found,
            )
        })
        .collect()
}

/// Precision and recall of the injected duration outliers.
pub fn outliers(h: &History) -> (f64, f64) {
    let truth: HashSet<&str> = h
        .truth
        .outliers
        .iter()
        .map(|o| o.execution_id.as_str())
        .collect();
    let mut found: BTreeSet<&str> = BTreeSet::new();
    for execs in h.by_task.values() {
        let with_duration: Vec<&Execution> =
            execs.iter().filter(|e| e.duration_ms.is_some()).collect();
        let d: Vec<f64> = with_duration.iter().filter_map(|e| e.duration_ms).collect();
        for o in anomaly::duration_outliers(&d).unwrap_or_default() {
            if o.score > 0.0 {
                found.insert(&with_duration[o.index].execution_id);
            }
        }
    }
    let hits = found.iter().filter(|id| truth.contains(*id)).count() as f64;
    let precision = if found.is_empty() {
        1.0
    } else {
        hits / found.len() as f64
    };
    let recall = if truth.is_empty() {
        1.0
    } else {
        hits / truth.len() as f64
    };
    (precision, recall)
}

/// Error signatures per (task, error type): the number of distinct signatures and each one's
/// exact count; and every correlated factor of the ground truth among the significant ones.
pub fn failures(h: &History) -> Vec<Check> {
    use analytics::failures::{FailureOptions, correlated_factors, signature::error_signatures};
    let mut want: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for s in &h.truth.error_signatures {
        for (task, n) in &s.by_task {
            want.entry((task.clone(), s.error_type.clone()))
                .or_default()
                .push(*n);
        }
    }
    let mut got: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    for (task, execs) in &h.by_task {
        for s in error_signatures(execs) {
            got.entry((task.clone(), s.error_type.clone()))
                .or_default()
                .push(s.frequency);
        }
    }
    let keys: BTreeSet<&(String, String)> = want.keys().chain(got.keys()).collect();
    let mut out: Vec<Check> = keys
        .into_iter()
        .map(|k| {
            let sorted = |m: &BTreeMap<(String, String), Vec<u64>>| {
                let mut v = m.get(k).cloned().unwrap_or_default();
                v.sort_unstable();
                format!("{v:?}")
            };
            check(
                "error signatures (counts)",
                format!("{} {}", k.0, k.1),
                sorted(&want),
                sorted(&got),
            )
        })
        .collect();
    let opts = FailureOptions::default();
    for c in &h.truth.correlated_failures {
        let execs = h
            .by_task
            .get(&c.task_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let factors = correlated_factors(execs, &opts);
        let hit = factors
            .iter()
            .find(|f| f.factor == c.factor && f.value == c.value);
        out.push(Check {
            kind: Kind::Label,
            area: "correlated factors",
            item: c.task_id.clone(),
            expected: format!("{}={}", c.factor, c.value),
            found: hit.map_or_else(
                || format!("not found ({} significant factors)", factors.len()),
                |f| {
                    format!(
                        "{}={} (lift {:.1}, p {:.1e})",
                        f.factor, f.value, f.lift, f.p_value
                    )
                },
            ),
            pass: hit.is_some(),
        });
    }
    out
}

/// Leaks (every task: found where the truth has one, within 25 % of its MB/day, and nowhere
/// else) and every provisioning problem of the ground truth.
pub fn resources(h: &History) -> Vec<Check> {
    use analytics::resources::{memory_leak, provisioning};
    let mut out = Vec::new();
    for t in &h.truth.tasks {
        let execs = h
            .by_task
            .get(&t.task_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let truth = h.truth.memory_leaks.iter().find(|l| l.task_id == t.task_id);
        let found = memory_leak(execs);
        let pass = match (truth, &found) {
            (Some(l), Some(f)) => (f.growth_mb_per_day - l.mb_per_day).abs() <= 0.25 * l.mb_per_day,
            (None, None) => true,
            _ => false,
        };
        out.push(Check {
            kind: if truth.is_some() {
                Kind::Label
            } else {
                Kind::Absence
            },
            area: "memory leaks",
            item: t.task_id.clone(),
            expected: truth.map_or("none".into(), |l| format!("{:.0} MB/day", l.mb_per_day)),
            found: found.map_or("none".into(), |f| {
                format!("{:.0} MB/day", f.growth_mb_per_day)
            }),
            pass,
        });
    }
    for p in &h.truth.provisioning {
        let execs = h
            .by_task
            .get(&p.task_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let kinds: Vec<&str> = provisioning(execs)
            .iter()
            .map(|f| f.kind.as_str())
            .collect();
        out.push(Check {
            kind: Kind::Label,
            area: "provisioning",
            item: p.task_id.clone(),
            expected: p.kind.clone(),
            found: if kinds.is_empty() {
                "none".into()
            } else {
                kinds.join(", ")
            },
            pass: kinds.contains(&p.kind.as_str()),
        });
    }
    out
}
