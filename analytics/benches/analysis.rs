//! Analysis benchmark (run on demand: `scripts/bench.sh analysis`, never in CI).
//!
//! Full per-task analysis of 1,000,000 synthetic executions, against a faithful Python
//! implementation of the spec's own `_calculate_execution_statistics`,
//! `_detect_temporal_patterns` and `identify_bottleneck_tasks` (`benches/spec_reference.py`,
//! numpy/pandas/scipy/networkx) on the same rows, in the same run:
//!
//! * **A**: one task with all 1,000,000 executions;
//! * **B**: 1,000 tasks × 1,000 executions, the tasks forming 20 workflows of 50 (random layered
//!   DAGs) for the critical path and bottlenecks.
//!
//! Per scenario the Rust side runs, per task, [`execution_statistics`] (counts, p50/p95/p99 by
//! selection, Mann-Kendall + exact Sen slope) and [`time_pattern`] on the start times, then per
//! workflow [`Dag::new`] over the per-task median durations, [`Dag::critical_path`] and
//! [`Dag::bottlenecks`]. Timing is the median of 3 runs (`std::time::Instant`); the data is built
//! beforehand, grouped by task (as a per-task query returns it), and not timed. The Python side
//! reads the same rows from a CSV written here; its load and its grouping into the spec's
//! per-task `List[Dict]` are timed separately and excluded from its analysis time.
//!
//! Peak memory: the Rust figure is the rise of the process's peak RSS over the analysis (the
//! peak is reset through `/proc/self/clear_refs` before each run and read as `VmHWM` after it),
//! divided by the input size, taken as the size of the CSV of the scenario's rows (the size of
//! the `Vec<Execution>` held in memory is printed beside it). Python reports its
//! `ru_maxrss` and the same peak rise over its analysis.
//!
//! Where scipy cannot compute Theil-Sen at all (scenario A: `theilslopes` builds n × n arrays),
//! Python's run leaves the Sen slope out and extrapolates its `theilslopes` time from 2,000 and
//! 4,000 points; the Rust analysis is then also timed without the Sen slope
//! ([`statistics_without_sen`]: the same work from the crate's public building blocks) for a
//! like-for-like row.
//!
//! Results are compared so that the timings are of the same computation: p50/p95/p99 of every
//! task (relative 1e-9), Kendall's tau-b and Sen's slope where Python can compute them, the
//! burstiness of the arrivals, and every workflow's critical path and length.
//!
//! Each scenario runs in a fresh process of this binary (`BENCH_SCENARIO=a|b`), so that memory
//! freed by one scenario and kept by the allocator does not hide the next one's peak.
//! `BENCH_EXECUTIONS` (default 1,000,000) scales both scenarios down for a quick try;
//! `BENCH_RUST_ONLY=1 BENCH_SCENARIO=a` times the Rust side alone (for profiling) and stops;
//! `BENCH_BREAKDOWN=1 BENCH_SCENARIO=a` times each part of the like-for-like analysis on its
//! own (`BENCH_BREAKDOWN=sen` adds `execution_statistics` with the Sen slope) and stops.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use analytics::dag::Dag;
use analytics::execution::Execution;
use analytics::patterns::time_pattern;
use analytics::statistics::{execution_statistics, quantiles};
use analytics::trend::kendall_score;
use types::ExecutionStatus;

type R<T> = Result<T, Box<dyn std::error::Error>>;

const RUNS: usize = 3;
const WORKFLOWS: usize = 20;
const TASKS_PER_WORKFLOW: usize = 50;
/// Monday 2026-11-23T00:00:00Z.
const T0_MS: i64 = 1_795_392_000_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
const DAYS: i64 = 30;
const REL: f64 = 1e-9;

fn main() -> R<()> {
    let n: usize = std::env::var("BENCH_EXECUTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    match std::env::var("BENCH_SCENARIO") {
        Ok(tag) => child(&tag, n),
        Err(_) => parent(),
    }
}

/// Runs each scenario in a fresh process of this binary, so that one scenario's freed memory
/// (kept resident by the allocator) does not hide the next one's peak, and prints the table.
fn parent() -> R<()> {
    let machine = machine_note();
    eprintln!("machine: {machine}");
    eprintln!(
        "size_of::<Execution>() = {} bytes",
        std::mem::size_of::<Execution>()
    );
    let exe = std::env::current_exe()?;
    let (mut lines, mut notes) = (Vec::new(), Vec::new());
    for tag in ["a", "b"] {
        let out = Command::new(&exe)
            .env("BENCH_SCENARIO", tag)
            .stderr(Stdio::inherit())
            .output()?;
        if !out.status.success() {
            return Err(format!("scenario {tag} failed: {}", out.status).into());
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        for (key, into) in [("rows", &mut lines), ("notes", &mut notes)] {
            into.extend(
                v[key]
                    .as_array()
                    .ok_or("child output")?
                    .iter()
                    .filter_map(|l| l.as_str().map(str::to_owned)),
            );
        }
    }
    let mut table = String::new();
    writeln!(table, "\nmachine: {machine}\n")?;
    writeln!(
        table,
        "| scenario | Rust s (CPU s) | Python s (CPU s) | speed-up (CPU) | Rust peak-memory rise / input | input: CSV / Vec<Execution> | Rust peak rise | Python maxrss / peak rise |"
    )?;
    writeln!(table, "|---|---:|---:|---:|---:|---:|---:|---:|")?;
    for line in &lines {
        writeln!(table, "{line}")?;
    }
    writeln!(table)?;
    for note in &notes {
        writeln!(table, "- {note}")?;
    }
    println!("{table}");
    Ok(())
}

/// One scenario: prints `{"rows": [table rows], "notes": [...]}` on stdout.
fn child(tag: &str, n: usize) -> R<()> {
    let dir = std::env::temp_dir().join(format!("tasklens-bench-analysis-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    let result = run_scenario(tag, n, &dir);
    let _ = fs::remove_dir_all(&dir);
    let row = result?;
    let notes: Vec<String> = row
        .notes
        .iter()
        .map(|n| format!("{}: {n}", row.name))
        .collect();
    println!(
        "{}",
        serde_json::json!({ "rows": row.table_rows(), "notes": notes })
    );
    Ok(())
}

fn run_scenario(tag: &str, n: usize, dir: &Path) -> R<Row> {
    let (name, s) = if tag == "a" {
        // Scenario A: one task with every execution.
        let s = Scenario::one_task(n);
        (format!("A: 1 task × {}", thousands(s.execs.len())), s)
    } else {
        // Scenario B: 1,000 tasks × n/1,000, in 20 workflows of 50.
        let s = Scenario::many_tasks(n, WORKFLOWS * TASKS_PER_WORKFLOW);
        let name = format!(
            "B: {} tasks × {}",
            thousands(s.tasks.len()),
            thousands(s.execs.len() / s.tasks.len().max(1))
        );
        (name, s)
    };
    bench_scenario(&name, s, dir, tag)
}

// ---------------------------------------------------------------------------------------------
// Data

/// Executions grouped by task (contiguous, each task's in start order) and the workflows.
struct Scenario {
    execs: Vec<Execution>,
    /// `(task id, range in execs)`.
    tasks: Vec<(String, std::ops::Range<usize>)>,
    /// `(workflow id, task ids, edges)`; a task on no edge is a workflow of its own.
    workflows: Vec<Workflow>,
}

struct Workflow {
    id: String,
    tasks: Vec<String>,
    edges: Vec<(String, String)>,
}

/// SplitMix64 (Steele, Lea & Flood 2014): deterministic, seedable.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// How one task behaves.
struct Profile {
    median_ms: f64,
    sigma: f64,
    /// Relative change of the typical duration across the 30 days.
    trend: f64,
    /// Busier in working hours (8:00-18:00 UTC) than at night.
    office_hours: bool,
}

fn execution(task: &str, workflow: &str, i: usize, start_ms: i64, duration: f64) -> Execution {
    Execution {
        workflow_id: workflow.to_owned(),
        duration_ms: Some(duration),
        ..Execution::new(
            format!("{task}-{i}"),
            task,
            format!("{workflow}-run-{}", start_ms / DAY_MS),
            ExecutionStatus::Completed,
            start_ms,
            Some(start_ms + duration as i64),
        )
    }
}

/// `count` executions of one task over 30 days: log-normal durations (integer ms) with a
/// multiplicative trend, 3 % failed (ending early), 1 % timed out (at 10× the median), 6 %
/// retries.
fn task_executions(
    rng: &mut Rng,
    task: &str,
    workflow: &str,
    count: usize,
    p: &Profile,
    out: &mut Vec<Execution>,
) {
    let mut starts: Vec<i64> = (0..count)
        .map(|_| {
            let day = rng.below(DAYS as u64) as i64;
            let hour = loop {
                let h = rng.below(24) as i64;
                // Working hours 3× as likely as the rest.
                if !p.office_hours || (8..18).contains(&h) || rng.unit() < 1.0 / 3.0 {
                    break h;
                }
            };
            T0_MS + day * DAY_MS + hour * HOUR_MS + rng.below(HOUR_MS as u64) as i64
        })
        .collect();
    starts.sort_unstable();
    let window = (DAYS * DAY_MS) as f64;
    for (i, start) in starts.into_iter().enumerate() {
        let frac = (start - T0_MS) as f64 / window;
        let typical = p.median_ms * (1.0 + p.trend * frac);
        let mut d = typical * (p.sigma * rng.normal()).exp();
        let u = rng.unit();
        let status = if u < 0.03 {
            d *= 0.05 + 0.95 * rng.unit();
            ExecutionStatus::Failed
        } else if u < 0.04 {
            d = 10.0 * p.median_ms;
            ExecutionStatus::Timeout
        } else {
            ExecutionStatus::Completed
        };
        let d = d.round().max(1.0);
        let mut e = execution(task, workflow, i, start, d);
        e.status = status;
        let r = rng.unit();
        e.attempt = if r < 0.01 {
            3
        } else if r < 0.06 {
            2
        } else {
            1
        };
        out.push(e);
    }
}

impl Scenario {
    fn one_task(n: usize) -> Self {
        let mut rng = Rng(0xA11CE);
        let mut execs = Vec::with_capacity(n);
        let p = Profile {
            median_ms: 30_000.0,
            sigma: 0.6,
            trend: 0.2,
            office_hours: true,
        };
        task_executions(&mut rng, "task-0000", "wf-a", n, &p, &mut execs);
        Scenario {
            execs,
            tasks: vec![("task-0000".to_owned(), 0..n)],
            workflows: vec![Workflow {
                id: "task-0000".to_owned(),
                tasks: vec!["task-0000".to_owned()],
                edges: Vec::new(),
            }],
        }
    }

    fn many_tasks(n: usize, tasks: usize) -> Self {
        let mut rng = Rng(0xB0B);
        let per_task = n / tasks;
        let mut execs = Vec::with_capacity(per_task * tasks);
        let mut ranges = Vec::with_capacity(tasks);
        let mut workflows = Vec::new();
        for w in 0..tasks.div_ceil(TASKS_PER_WORKFLOW) {
            let wf = format!("wf-{w:02}");
            let ids: Vec<String> = (0..TASKS_PER_WORKFLOW)
                .map(|j| w * TASKS_PER_WORKFLOW + j)
                .filter(|&k| k < tasks)
                .map(|k| format!("task-{k:04}"))
                .collect();
            for (j, id) in ids.iter().enumerate() {
                let k = w * TASKS_PER_WORKFLOW + j;
                let p = Profile {
                    // Log-uniform between 200 ms and 60 s.
                    median_ms: 200.0 * (300f64).powf(rng.unit()),
                    sigma: 0.3 + 0.5 * rng.unit(),
                    trend: match k % 5 {
                        0 => 0.3,
                        1 => -0.2,
                        _ => 0.02,
                    },
                    office_hours: k.is_multiple_of(3),
                };
                let start = execs.len();
                task_executions(&mut rng, id, &wf, per_task, &p, &mut execs);
                ranges.push((id.clone(), start..execs.len()));
            }
            let edges = layered_dag(&mut rng, &ids);
            workflows.push(Workflow {
                id: wf,
                tasks: ids,
                edges,
            });
        }
        Scenario {
            execs,
            tasks: ranges,
            workflows,
        }
    }

    fn csv(&self, path: &Path) -> R<u64> {
        let mut w = BufWriter::new(fs::File::create(path)?);
        writeln!(w, "task_id,start_ms,duration_ms,status,attempt")?;
        for e in &self.execs {
            let d = e
                .duration_ms
                .ok_or("every generated execution has a duration")?;
            writeln!(
                w,
                "{},{},{},{},{}",
                e.task_id,
                e.start_ms,
                d as i64,
                e.status.as_str(),
                e.attempt
            )?;
        }
        w.flush()?;
        Ok(fs::metadata(path)?.len())
    }

    fn edges_csv(&self, path: &Path) -> R<()> {
        let mut w = BufWriter::new(fs::File::create(path)?);
        writeln!(w, "workflow_id,from,to")?;
        for wf in &self.workflows {
            for (a, b) in &wf.edges {
                writeln!(w, "{},{a},{b}", wf.id)?;
            }
        }
        w.flush()?;
        Ok(())
    }

    /// Bytes of the executions in memory: the structs plus their heap strings.
    fn heap_bytes(&self) -> usize {
        self.execs.capacity() * std::mem::size_of::<Execution>()
            + self
                .execs
                .iter()
                .map(|e| {
                    e.execution_id.capacity()
                        + e.task_id.capacity()
                        + e.workflow_id.capacity()
                        + e.workflow_execution_id.capacity()
                })
                .sum::<usize>()
    }
}

/// A random layered DAG over `ids`: 5 layers; every task below the first has 1-3 upstreams in
/// earlier layers (mostly the one just above), every task in the first layer a downstream.
fn layered_dag(rng: &mut Rng, ids: &[String]) -> Vec<(String, String)> {
    let layers = 5usize;
    let layer_of = |j: usize| j * layers / ids.len();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (j, _) in ids.iter().enumerate() {
        let l = layer_of(j);
        if l == 0 {
            continue;
        }
        let above: Vec<usize> = (0..ids.len()).filter(|&i| layer_of(i) == l - 1).collect();
        let earlier: Vec<usize> = (0..ids.len()).filter(|&i| layer_of(i) < l).collect();
        let k = 1 + rng.below(3) as usize;
        for m in 0..k {
            let pool = if m == 0 || rng.unit() < 0.7 {
                &above
            } else {
                &earlier
            };
            let u = pool[rng.below(pool.len() as u64) as usize];
            if !edges.contains(&(u, j)) {
                edges.push((u, j));
            }
        }
    }
    let next: Vec<usize> = (0..ids.len()).filter(|&i| layer_of(i) == 1).collect();
    for (i, _) in ids.iter().enumerate() {
        if layer_of(i) == 0 && !next.is_empty() && !edges.iter().any(|&(u, _)| u == i) {
            edges.push((i, next[rng.below(next.len() as u64) as usize]));
        }
    }
    edges
        .into_iter()
        .map(|(u, v)| (ids[u].clone(), ids[v].clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The Rust analysis

/// What the comparison with Python needs from one task.
struct TaskResult {
    p: [f64; 3],
    tau: Option<f64>,
    slope: Option<f64>,
    burstiness: Option<f64>,
}

struct Analysis {
    tasks: HashMap<String, TaskResult>,
    critical: Vec<(String, Vec<String>, f64)>,
    bottlenecks: usize,
}

/// Like for like with a Python that cannot run Theil-Sen: the work of `execution_statistics`
/// except the Sen slope, from the crate's public building blocks (the same pass over the
/// executions, mean and variance, selection quantiles, Kendall's score by Knight's algorithm).
/// Returns p50/p95/p99 and tau-b.
fn statistics_without_sen(execs: &[Execution]) -> ([f64; 3], Option<f64>) {
    let mut counts = [0u64; 4];
    let mut durations = Vec::with_capacity(execs.len());
    let mut points = Vec::with_capacity(execs.len());
    for e in execs {
        match e.status {
            ExecutionStatus::Completed => counts[0] += 1,
            ExecutionStatus::Failed => counts[1] += 1,
            ExecutionStatus::Timeout => counts[2] += 1,
            _ => {}
        }
        counts[3] += u64::from(e.attempt > 1);
        let Some(d) = e.duration_ms else { continue };
        if e.status == ExecutionStatus::Skipped {
            continue;
        }
        durations.push(d);
        if e.status == ExecutionStatus::Completed {
            points.push((e.start_ms as f64 / 1000.0, d));
        }
    }
    let n = durations.len() as f64;
    let (min, max, sum) = durations
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY, 0.0), |(lo, hi, s), d| {
            (lo.min(*d), hi.max(*d), s + d)
        });
    let mean = sum / n;
    let var = durations.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0);
    std::hint::black_box((counts, min, max, var));
    let q = quantiles(&mut durations, &[0.5, 0.95, 0.99]).unwrap_or_default();
    let tau = kendall_score(&points).ok().map(|k| k.tau_b());
    ([q[0], q[1], q[2]], tau)
}

/// Times the parts of the like-for-like analysis (without the Sen slope) on the scenario's
/// first task, each the median of 7 repetitions (wall and thread CPU milliseconds), to see
/// where the time goes (`BENCH_BREAKDOWN=1 BENCH_SCENARIO=a`).
fn breakdown(s: &Scenario) {
    let Some((_, range)) = s.tasks.first() else {
        return;
    };
    let execs = &s.execs[range.clone()];
    let reps = 7;
    let time = |name: &str, f: &mut dyn FnMut() -> f64| {
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        let mut sink = 0.0;
        for _ in 0..reps {
            let c = cpu_seconds();
            let t = Instant::now();
            sink += f();
            wall.push(t.elapsed().as_secs_f64() * 1e3);
            cpu.push((cpu_seconds() - c) * 1e3);
        }
        eprintln!(
            "   {name:<40} {:>8.2} ms (CPU {:>8.2} ms)  [{sink:.3e}]",
            median(wall),
            median(cpu)
        );
    };
    let mut durations = Vec::new();
    let mut points = Vec::new();
    time("pass: counts, durations, points", &mut || {
        durations = Vec::with_capacity(execs.len());
        points = Vec::with_capacity(execs.len());
        let mut failed = 0u64;
        for e in execs {
            failed += u64::from(e.status == ExecutionStatus::Failed);
            let Some(d) = e.duration_ms else { continue };
            durations.push(d);
            if e.status == ExecutionStatus::Completed {
                points.push((e.start_ms as f64 / 1000.0, d));
            }
        }
        failed as f64
    });
    time("min, max, mean, variance", &mut || {
        let n = durations.len() as f64;
        let sum: f64 = durations.iter().sum();
        let mean = sum / n;
        durations.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)
    });
    time("quantiles p50/p95/p99 (with a copy)", &mut || {
        let mut d = durations.clone();
        quantiles(&mut d, &[0.5, 0.95, 0.99]).map_or(0.0, |q| q[2])
    });
    time("copy of the durations alone", &mut || {
        let d = durations.clone();
        d[d.len() / 2]
    });
    time("kendall_score (Knight)", &mut || {
        kendall_score(&points).map_or(0.0, |k| k.tau_b())
    });
    let mut starts = Vec::new();
    time("start times collected", &mut || {
        starts = execs.iter().map(|e| e.start_ms).collect::<Vec<i64>>();
        starts.len() as f64
    });
    time("time_pattern", &mut || {
        time_pattern(&starts).map_or(0.0, |p| p.burstiness)
    });
    time("statistics_without_sen + time_pattern", &mut || {
        let (p, _) = statistics_without_sen(execs);
        let starts: Vec<i64> = execs.iter().map(|e| e.start_ms).collect();
        p[0] + time_pattern(&starts).map_or(0.0, |p| p.burstiness)
    });
    if std::env::var("BENCH_BREAKDOWN").as_deref() == Ok("sen") {
        time("execution_statistics (with Sen)", &mut || {
            execution_statistics(execs).stats.p50_duration
        });
    }
}

/// The timed work: per task statistics and time pattern, per workflow DAG analysis. With
/// `with_sen` false, [`statistics_without_sen`] replaces `execution_statistics`.
fn analyse(s: &Scenario, with_sen: bool) -> R<Analysis> {
    let mut tasks = HashMap::with_capacity(s.tasks.len());
    let mut medians: HashMap<&str, f64> = HashMap::with_capacity(s.tasks.len());
    for (id, range) in &s.tasks {
        let execs = &s.execs[range.clone()];
        let (p, tau, slope) = if with_sen {
            let report = execution_statistics(execs);
            let st = &report.stats;
            (
                [st.p50_duration, st.p95_duration, st.p99_duration],
                report.trend.as_ref().map(|t| t.test.tau),
                report.trend.as_ref().map(|t| t.test.sen_slope),
            )
        } else {
            let (p, tau) = statistics_without_sen(execs);
            (p, tau, None)
        };
        let starts: Vec<i64> = execs.iter().map(|e| e.start_ms).collect();
        let pattern = time_pattern(&starts);
        medians.insert(id, p[0]);
        tasks.insert(
            id.clone(),
            TaskResult {
                p,
                tau,
                slope,
                burstiness: pattern.as_ref().map(|p| p.burstiness),
            },
        );
    }
    let mut critical = Vec::with_capacity(s.workflows.len());
    let mut bottlenecks = 0;
    for wf in &s.workflows {
        let nodes = wf
            .tasks
            .iter()
            .map(|t| (t.as_str(), medians.get(t.as_str()).copied().unwrap_or(0.0)));
        let dag = Dag::new(nodes, wf.edges.iter().map(|(a, b)| (a, b)))?;
        let cp = dag.critical_path();
        critical.push((wf.id.clone(), cp.nodes.clone(), cp.length));
        bottlenecks += dag.bottlenecks().len();
    }
    Ok(Analysis {
        tasks,
        critical,
        bottlenecks,
    })
}

// ---------------------------------------------------------------------------------------------
// Measurement

fn status_kb(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resets the peak RSS to the current RSS (Linux ≥ 4.0); false when not permitted.
fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time of this thread so far (`/proc/thread-self/schedstat`, nanoseconds on CPU): less
/// sensitive than wall time to the other work on a shared machine.
fn cpu_seconds() -> f64 {
    fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn machine_note() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores, {mem_gib:.0} GiB RAM, load average {} at start",
        load.join(" ")
    )
}

struct Row {
    name: String,
    rust_s: f64,
    rust_cpu_s: f64,
    /// The analysis without the Sen slope (median of 3: wall and CPU seconds), when Python
    /// could not run it.
    rust_without_sen_s: Option<(f64, f64)>,
    python: serde_json::Value,
    csv_bytes: u64,
    vec_bytes: usize,
    rust_peak_rise: u64,
    notes: Vec<String>,
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mb(bytes: f64) -> String {
    format!("{:.0} MB", bytes / 1e6)
}

impl Row {
    fn py(&self, key: &str) -> f64 {
        self.python[key].as_f64().unwrap_or(f64::NAN)
    }

    fn table_rows(&self) -> Vec<String> {
        let py_s = self.py("analysis_s");
        let py_cpu = self.py("analysis_cpu_s");
        let rise = self.rust_peak_rise as f64;
        let mem = format!(
            "{:.2}× of the CSV ({:.2}× of the Vec) | {} / {} | {} | {} / {} |",
            rise / self.csv_bytes as f64,
            rise / self.vec_bytes as f64,
            mb(self.csv_bytes as f64),
            mb(self.vec_bytes as f64),
            mb(rise),
            mb(self.py("maxrss_bytes")),
            mb(self.py("analysis_peak_rise_bytes")),
        );
        let none = "— | — | — | — |";
        let infeasible = self.python["theil_infeasible"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        if !infeasible {
            return vec![format!(
                "| {} | {:.3} ({:.3}) | {:.2} ({:.2}) | **{:.0}×** ({:.0}×) | {mem}",
                self.name,
                self.rust_s,
                self.rust_cpu_s,
                py_s,
                py_cpu,
                py_s / self.rust_s,
                py_cpu / self.rust_cpu_s,
            )];
        }
        // Python cannot run scipy's Theil-Sen at this size: the full analysis against its
        // extrapolation, and like for like without the Sen slope on either side.
        let extra = self.python["theil_extrapolated_s"].as_f64();
        let (rust_wo, rust_wo_cpu) = self.rust_without_sen_s.unwrap_or((f64::NAN, f64::NAN));
        vec![
            format!(
                "| {} — full analysis | {:.3} ({:.3}) | cannot run ({}); extrapolated {} | {} | {mem}",
                self.name,
                self.rust_s,
                self.rust_cpu_s,
                self.python["theil_infeasible_memory"]
                    .as_str()
                    .unwrap_or("?"),
                extra.map_or("?".into(), |x| format!(
                    "{:.0} s ≈ {:.1} h",
                    x + py_s,
                    (x + py_s) / 3600.0
                )),
                extra.map_or("?".into(), |x| format!(
                    "≈ {:.0}× (vs extrapolation)",
                    (x + py_s) / self.rust_s
                )),
            ),
            format!(
                "| {} — without the Sen slope on either side | {:.3} ({:.3}) | {:.2} ({:.2}) | **{:.1}×** ({:.1}×) | {none}",
                self.name,
                rust_wo,
                rust_wo_cpu,
                py_s,
                py_cpu,
                py_s / rust_wo,
                py_cpu / rust_wo_cpu
            ),
        ]
    }
}

fn bench_scenario(name: &str, s: Scenario, dir: &Path, tag: &str) -> R<Row> {
    eprintln!(
        "== {name}: {} executions, {} tasks, {} workflows",
        s.execs.len(),
        s.tasks.len(),
        s.workflows.len()
    );
    let csv = dir.join(format!("{tag}.csv"));
    let edges = dir.join(format!("{tag}-edges.csv"));
    let csv_bytes = s.csv(&csv)?;
    s.edges_csv(&edges)?;
    let vec_bytes = s.heap_bytes();

    if std::env::var_os("BENCH_BREAKDOWN").is_some() {
        breakdown(&s);
        return Err("BENCH_BREAKDOWN: stopped after the breakdown".into());
    }
    let mut runs = Vec::new();
    let mut cpu_runs = Vec::new();
    let mut peak_rise = 0u64;
    let mut result = None;
    let can_reset = reset_peak();
    if !can_reset {
        eprintln!("warning: cannot reset the peak RSS; the memory figure is an upper bound");
    }
    for run in 0..RUNS {
        reset_peak();
        let before = status_kb("VmRSS:").unwrap_or(0);
        let cpu = cpu_seconds();
        let t = Instant::now();
        let a = analyse(&s, true)?;
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        cpu_runs.push(cpu);
        let peak = status_kb("VmHWM:").unwrap_or(0);
        peak_rise = peak_rise.max(peak.saturating_sub(before) * 1024);
        eprintln!(
            "   rust run {}: {secs:.3} s (CPU {cpu:.3} s), peak RSS rise {}",
            run + 1,
            mb((peak.saturating_sub(before) * 1024) as f64)
        );
        runs.push(secs);
        result = Some(a);
    }
    let rust = result.ok_or("no run")?;

    if std::env::var_os("BENCH_RUST_ONLY").is_some() {
        eprintln!("   BENCH_RUST_ONLY: median {:.3} s", median(runs));
        return Err("BENCH_RUST_ONLY: stopped before Python".into());
    }
    eprintln!("   python: spec_reference.py (this takes a while) ...");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/spec_reference.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&csv)
        .arg(&edges)
        .arg("--repeat")
        .arg(RUNS.to_string())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("spec_reference.py failed: {}", out.status).into());
    }
    let python: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut notes = compare(&rust, &python)?;

    // Where scipy cannot compute Theil-Sen, time the Rust analysis without the Sen slope too,
    // for the like-for-like row (and check it computes the same percentiles and tau).
    let mut rust_without_sen_s = None;
    if python["theil_infeasible"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
    {
        let (mut times, mut cpu_times) = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            let cpu = cpu_seconds();
            let t = Instant::now();
            let a = analyse(&s, false)?;
            let secs = t.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu;
            eprintln!(
                "   rust without the Sen slope, run {}: {secs:.3} s (CPU {cpu:.3} s)",
                run + 1
            );
            times.push(secs);
            cpu_times.push(cpu);
            if run == 0 {
                compare(&a, &python)?;
            }
        }
        rust_without_sen_s = Some((median(times), median(cpu_times)));
    }
    notes.push(format!(
        "Rust runs {:?} s; Python runs {} s, load (read_csv) {:.2} s and grouping into per-task List[Dict] {:.2} s excluded; Python parts (median run) {}",
        runs.iter().map(|r| (r * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
        python["runs_s"],
        python["load_s"].as_f64().unwrap_or(f64::NAN),
        python["prep_s"].as_f64().unwrap_or(f64::NAN),
        python["parts_s"],
    ));
    notes.push(format!("{} bottlenecks listed by Rust", rust.bottlenecks));
    fs::remove_file(&csv)?;
    fs::remove_file(&edges)?;
    Ok(Row {
        name: name.to_owned(),
        rust_s: median(runs),
        rust_cpu_s: median(cpu_runs),
        rust_without_sen_s,
        python,
        csv_bytes,
        vec_bytes,
        rust_peak_rise: peak_rise,
        notes,
    })
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= REL * a.abs().max(b.abs())
}

/// Asserts the shared results agree; returns a note of what was compared.
fn compare(rust: &Analysis, py: &serde_json::Value) -> R<Vec<String>> {
    let tasks = py["results"]["tasks"]
        .as_object()
        .ok_or("python: no results.tasks")?;
    let (mut pct, mut taus, mut slopes, mut bursts) = (0, 0, 0, 0);
    for (id, v) in tasks {
        let r = rust
            .tasks
            .get(id)
            .ok_or(format!("python task {id} unknown"))?;
        let get = |k: &str| v[k].as_f64();
        for (i, k) in ["p50", "p95", "p99"].into_iter().enumerate() {
            let want = get(k).ok_or(format!("{id}: no {k}"))?;
            assert!(
                close(r.p[i], want),
                "{id} {k}: rust {} python {want}",
                r.p[i]
            );
            pct += 1;
        }
        if let (Some(a), Some(b)) = (r.tau, get("tau")) {
            assert!(close(a, b), "{id} tau: rust {a} python {b}");
            taus += 1;
        }
        if let (Some(a), Some(b)) = (r.slope, get("sen_slope")) {
            assert!(close(a, b), "{id} Sen slope: rust {a} python {b}");
            slopes += 1;
        }
        if let (Some(a), Some(b)) = (r.burstiness, get("burstiness")) {
            assert!(close(a, b), "{id} burstiness: rust {a} python {b}");
            bursts += 1;
        }
    }
    let paths = py["results"]["critical_paths"]
        .as_object()
        .ok_or("python: no critical paths")?;
    let mut compared_paths = 0;
    for (wf, nodes, length) in &rust.critical {
        let p = &paths[wf.as_str()];
        let py_nodes: Vec<&str> = p["nodes"]
            .as_array()
            .ok_or(format!("python: no path for {wf}"))?
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        let py_len = p["length"].as_f64().ok_or("python: no length")?;
        assert!(
            close(*length, py_len),
            "{wf}: rust {length} python {py_len}"
        );
        assert_eq!(nodes, &py_nodes, "{wf}: critical paths differ");
        compared_paths += 1;
    }
    let note = format!(
        "Rust = Python (relative 1e-9): {pct} percentiles, {taus} Kendall tau-b, {slopes} Sen slopes, {bursts} burstiness values, {compared_paths} critical paths (nodes and length)"
    );
    eprintln!("   {note}");
    Ok(vec![note])
}
