//! A [`History`] from execution records, as the service reads them from the database and the
//! accuracy evaluation from the demo generator's records.
//!
//! Per observed run:
//! * a task's logical executions are its instances; their attempts are ordered by attempt
//!   number. With unlimited parallelism a task with many instances ends when its last instance
//!   does, so the run keeps, per task, the instance that failed in the end (the run failed
//!   there) or else the one that ended last;
//! * its wait is from ready — the latest end of its upstream tasks' kept instances in the run,
//!   or the run's first start for a task without upstreams — to the instance's first start;
//!   each retry's gap is from the previous attempt's end to its start;
//! * skipped and still running records are left out (they never ran, or have not ended);
//! * an attempt was killed for memory per [`killed_for_memory`];
//! * a task's allocation is the median of its executions' allocated cores (1 when unknown) and
//!   allocated memory.

use std::collections::{BTreeMap, HashMap};

use types::ExecutionStatus;

use super::{Attempt, History, Observed, TaskSpec};

/// One execution record, as far as the simulator reads it. Times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<'a> {
    pub run: &'a str,
    pub task: &'a str,
    pub instance: &'a str,
    pub status: ExecutionStatus,
    pub start_ms: f64,
    pub end_ms: Option<f64>,
    pub duration_ms: Option<f64>,
    pub memory_peak_mb: Option<f64>,
    pub cpu_allocated_cores: Option<f64>,
    pub memory_allocated_mb: Option<f64>,
    /// Per [`killed_for_memory`].
    pub oom: bool,
}

/// Killed for memory: exit code 137 (SIGKILL, what the kernel's out-of-memory killer sends) or
/// an error type naming memory (`OutOfMemory`, `OOMKilled`, `SIGKILL`).
pub fn killed_for_memory(error_type: Option<&str>, error_code: Option<&str>) -> bool {
    let ty = error_type.unwrap_or("").to_ascii_lowercase();
    error_code.map(str::trim) == Some("137")
        || ty.contains("outofmemory")
        || ty.contains("oom")
        || ty == "sigkill"
}

impl History {
    /// The history of `records` — grouped by run and, within a run, by task and instance,
    /// attempts in order (the order the database query returns) — and its `edges` (upstream,
    /// downstream task). Tasks are those with records, then those only edges name; runs keep
    /// the records' order.
    pub fn from_records(records: &[Recorded<'_>], edges: &[(String, String)]) -> History {
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for name in records
            .iter()
            .map(|r| r.task)
            .chain(edges.iter().flat_map(|(a, b)| [a.as_str(), b.as_str()]))
        {
            let n = index.len();
            index.entry(name).or_insert(n);
        }
        let mut cores: Vec<Vec<f64>> = vec![Vec::new(); index.len()];
        let mut memory: Vec<Vec<f64>> = vec![Vec::new(); index.len()];
        let mut upstreams: Vec<Vec<usize>> = vec![Vec::new(); index.len()];
        for (a, b) in edges {
            upstreams[index[b.as_str()]].push(index[a.as_str()]);
        }

        let mut runs = Vec::new();
        for run in records.chunk_by(|a, b| a.run == b.run) {
            let run_start = run.iter().map(|r| r.start_ms).fold(f64::INFINITY, f64::min);
            // Per task: (first start, end, attempts, failed in the end) of the kept instance.
            let mut kept: HashMap<usize, (f64, f64, Vec<Attempt>, bool)> = HashMap::new();
            for instance in run.chunk_by(|a, b| a.task == b.task && a.instance == b.instance) {
                let t = index[instance[0].task];
                let mut attempts: Vec<Attempt> = Vec::with_capacity(instance.len());
                let (mut first, mut end) = (f64::INFINITY, f64::NEG_INFINITY);
                for r in instance {
                    if r.status == ExecutionStatus::Skipped || r.status == ExecutionStatus::Running
                    {
                        continue;
                    }
                    let finish = r.end_ms.unwrap_or(r.start_ms);
                    let gap = if attempts.is_empty() {
                        0.0
                    } else {
                        (r.start_ms - end).max(0.0)
                    };
                    first = first.min(r.start_ms);
                    end = end.max(finish);
                    if let Some(c) = r.cpu_allocated_cores {
                        cores[t].push(c);
                    }
                    if let Some(m) = r.memory_allocated_mb {
                        memory[t].push(m);
                    }
                    attempts.push(Attempt {
                        duration_ms: r.duration_ms.unwrap_or(finish - r.start_ms).max(0.0),
                        succeeded: r.status == ExecutionStatus::Completed,
                        memory_peak_mb: r.memory_peak_mb,
                        oom: r.oom,
                        gap_ms: gap,
                    });
                }
                let Some(last) = attempts.last() else {
                    continue;
                };
                let failed = !last.succeeded;
                let replace = match kept.get(&t) {
                    None => true,
                    Some(&(_, e, _, f)) => (failed && !f) || (failed == f && end > e),
                };
                if replace {
                    kept.insert(t, (first, end, attempts, failed));
                }
            }
            let observed: HashMap<usize, Observed> = kept
                .iter()
                .map(|(&t, (first, _, attempts, _))| {
                    let ready = upstreams[t]
                        .iter()
                        .filter_map(|u| kept.get(u).map(|k| k.1))
                        .fold(run_start, f64::max);
                    (
                        t,
                        Observed {
                            wait_ms: (first - ready).max(0.0),
                            attempts: attempts.clone(),
                        },
                    )
                })
                .collect();
            if !observed.is_empty() {
                runs.push(observed);
            }
        }
        let tasks = index
            .iter()
            .map(|(&id, &i)| (i, id))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .map(|(i, id)| TaskSpec {
                id: id.to_owned(),
                cores: median(std::mem::take(&mut cores[i])).unwrap_or(1.0),
                memory_mb: median(std::mem::take(&mut memory[i])),
            })
            .collect();
        History {
            tasks,
            edges: edges.to_vec(),
            runs,
        }
    }
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    crate::statistics::quantile_sorted(&xs, 0.5).ok().flatten()
}
