//! Resource use of one task — CPU, memory (with leak detection), I/O and network — and whether
//! its allocation fits what it uses.
//!
//! Every figure is over the records that carry the measurement (skipped and running records
//! carry none); percentiles are by linear interpolation ([`crate::statistics::quantile_sorted`],
//! numpy's default). Means are per execution, as the dashboard shows them.
//!
//! * **CPU**: the cores an execution kept busy, `cpuTimeMs / durationMs`. `average` is their
//!   mean, `peak` their p95 (the maximum is one unlucky run; p95 is what sizing should cover),
//!   `baseline` their p5. `efficiency` is the mean over executions with an allocation of
//!   `cpuTimeMs / (durationMs × allocated cores)`, a fraction (1 = every allocated core busy
//!   throughout; above 1 when a task bursts past its request).
//! * **Memory**: `average` is the mean `memoryPeakMb`, `peak` the maximum (a memory limit must
//!   hold the worst run, not the typical one). [`memory_pressure`] is the p95 of
//!   `memoryPeakMb / memoryAllocatedMb`. `gcPressure` is the mean of `gcTimeMs / durationMs`
//!   over executions with a numeric `gcTimeMs` attribute, 0 without one.
//! * **Memory leak** ([`memory_leak`]): growth of the memory peak *across time at a comparable
//!   input and attempt*, never within one run. Only first attempts count (a retry after an
//!   out-of-memory kill runs with a raised limit and a larger peak; see the escalation finding
//!   below). When at least half of them record `inputSizeBytes`, only those count and the peak
//!   is adjusted for input size first: `peak − b·(input − median input)`, with `b` the
//!   Theil–Sen slope of peak on input (Theil 1950; Sen 1968) — the covariate adjustment of
//!   Hirsch, Slack & Smith 1982 (*Water Resour. Res.* 18, "flow-adjusted concentrations"),
//!   i.e. a partial Mann-Kendall test in the sense of Libiseller & Grimvall 2002
//!   (*Environmetrics* 13); without input sizes the peaks are compared as they are. Each workflow
//!   run then contributes one point, the median adjusted peak of its first attempts at the
//!   run's first start, so different inputs processed within one run (or one run's many
//!   instances) cannot read as growth. The Mann-Kendall test (Mann 1945; Kendall 1975; see
//!   [`crate::trend`]) runs on `(run start in days, run median)` at `α =` [`LEAK_ALPHA`], with
//!   Sen's slope as the growth in MB/day, and only when the history has at least
//!   [`LEAK_MIN_RUNS`] runs over at least [`LEAK_MIN_SPAN_DAYS`] days. A leak is reported when
//!   the trend is significantly increasing *and* the slope is at least [`MIN_LEAK_MB_PER_DAY`]
//!   and at least [`MIN_LEAK_RELATIVE_PER_DAY`] of the median first-attempt peak per day, so
//!   that a statistically significant but negligible drift on a long history is not called a
//!   leak. `detectedAt` is the first run's start (the growth is measured from there);
//!   `confidence` is `1 − p`.
//! * **Escalating retries** ([`memory_escalation`]): per logical execution — one instance of
//!   the task in one run: the record's `instance`, else its `tag` attribute (Nextflow's
//!   instance tag), else the task alone — the attempts, in attempt order. An instance counts
//!   when an attempt before its last failed out of memory as
//!   [`crate::failures::suggestions::classify`] reads it (exit 137 / SIGKILL, OOM error names
//!   and messages). Reported: how many, how many ended completed, the
//!   p50 and maximum peak of the attempts that succeeded and the p50 peak and allocation of the
//!   first attempts — what the first attempt should be given. "with more memory" is said only
//!   when the succeeded attempts' median allocation exceeds the first attempts'.
//! * **I/O**: means per execution. The record has only the total `ioOperations`, so it is split
//!   into `readOps` and `writeOps` in proportion to `readBytes` and `writeBytes` (half each when
//!   both are 0 or unknown): the two always add up to the mean total. `iowait` is an *estimate*:
//!   the mean over executions with an allocation of `max(0, (durationMs − cpuTimeMs / cores) /
//!   durationMs)`, the share of the run during which the allocated cores were not busy — time
//!   spent waiting on I/O, but also on the network, locks or sleeps.
//! * **Network**: `requestsSent` is the mean `networkCalls`, `bytesTransferred` the mean
//!   `bytesTransferred`; `requestsReceived` is not recorded and stays 0. `latency` is the mean
//!   over executions with network calls of `durationMs / networkCalls` — milliseconds of run
//!   time per call, an upper bound on the latency of one call. `errors` counts failed and
//!   timed-out executions whose error class is a network one (connection, DNS, HTTP 5xx, rate
//!   limiting; see [`crate::failures::suggestions`]).
//! * **Provisioning** ([`provisioning`]): the thresholds are the named constants below.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use types::{
    CpuUsage, ExecutionStatus, IoMetrics, MemoryAttempt, MemoryEscalation, MemoryLeak,
    MemoryRetryChain, MemoryUsage, NetworkMetrics, TaskResourceMetrics,
};

use crate::execution::Execution;
use crate::failures::suggestions::{ErrorClass, ErrorEvidence, classify};
use crate::statistics::quantile_sorted;
use crate::trend::{Direction, mann_kendall};

/// Significance level of the leak test (two-sided Mann-Kendall).
pub const LEAK_ALPHA: f64 = 0.01;
/// Smallest growth reported as a leak, MB/day.
pub const MIN_LEAK_MB_PER_DAY: f64 = 1.0;
/// Smallest growth reported as a leak relative to the median peak, per day (0.5 %/day ≈ 15 % a
/// month).
pub const MIN_LEAK_RELATIVE_PER_DAY: f64 = 0.005;
/// Fewest workflow runs with a first-attempt peak before a leak can be reported: growth needs
/// a history, and at `α = 0.01` the exact Mann-Kendall test cannot reject with fewer than 6
/// points even when every one is higher than the last (S = 15 of 15, p ≈ 0.0085 at n = 6).
pub const LEAK_MIN_RUNS: usize = 6;
/// Shortest history (first to last run start, days) before a leak can be reported.
pub const LEAK_MIN_SPAN_DAYS: f64 = 2.0;
/// Attribute naming the instance of a task within a run (Nextflow's `tag`).
pub const INSTANCE_ATTRIBUTE: &str = "tag";
/// Examples listed with an escalation finding.
pub const ESCALATION_EXAMPLES: usize = 5;
/// Attribute holding garbage-collection time in milliseconds.
pub const GC_TIME_ATTRIBUTE: &str = "gcTimeMs";

/// Fewest executions with measurements and allocations before a utilisation finding is made.
pub const MIN_PROVISIONING_EXECUTIONS: usize = 20;
/// CPU is over-provisioned when the p95 of busy cores / allocated cores is below this.
pub const CPU_OVER_PROVISIONED_P95_SHARE: f64 = 0.5;
/// CPU is under-provisioned when the median of busy cores / allocated cores reaches this.
pub const CPU_UNDER_PROVISIONED_P50_SHARE: f64 = 0.95;
/// Memory is under-provisioned when the p95 of peak / allocated reaches this (or any
/// execution was killed for memory).
pub const MEMORY_UNDER_PROVISIONED_P95_SHARE: f64 = 0.9;
/// Memory is over-provisioned when the p95 of peak / allocated is below this.
pub const MEMORY_OVER_PROVISIONED_P95_SHARE: f64 = 0.4;
/// Recommended allocation = p95 use × this.
pub const HEADROOM: f64 = 1.2;
/// CPU recommendations are rounded up to a multiple of this many cores.
pub const CPU_STEP_CORES: f64 = 0.25;
/// Memory recommendations are rounded up to a multiple of this many MB.
pub const MEMORY_STEP_MB: f64 = 256.0;

const MS_PER_DAY: f64 = 86_400_000.0;

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    v
}

fn pct(sorted: &[f64], q: f64) -> Option<f64> {
    quantile_sorted(sorted, q).ok().flatten()
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite() && *x > 0.0)
}

/// Busy cores of an execution, `cpuTimeMs / durationMs`.
fn cores_used(e: &Execution) -> Option<f64> {
    let cpu = e.cpu_time_ms.filter(|c| c.is_finite() && *c >= 0.0)?;
    Some(cpu / positive(e.duration_ms)?)
}

/// Busy cores over allocated cores.
fn cpu_share(e: &Execution) -> Option<f64> {
    Some(cores_used(e)? / positive(e.cpu_allocated_cores)?)
}

fn memory_share(e: &Execution) -> Option<f64> {
    let peak = e.memory_peak_mb.filter(|m| m.is_finite() && *m >= 0.0)?;
    Some(peak / positive(e.memory_allocated_mb)?)
}

pub fn cpu_usage(execs: &[Execution]) -> CpuUsage {
    let cores = sorted(execs.iter().filter_map(cores_used).collect());
    CpuUsage {
        average: mean(cores.iter().copied()).unwrap_or(0.0),
        peak: pct(&cores, 0.95).unwrap_or(0.0),
        baseline: pct(&cores, 0.05).unwrap_or(0.0),
        efficiency: mean(execs.iter().filter_map(cpu_share)).unwrap_or(0.0),
    }
}

/// p95 of `memoryPeakMb / memoryAllocatedMb`; `None` without both measurements.
pub fn memory_pressure(execs: &[Execution]) -> Option<f64> {
    pct(
        &sorted(execs.iter().filter_map(memory_share).collect()),
        0.95,
    )
}

/// A significant, material upward trend of the first attempts' memory peak across workflow
/// runs, adjusted for input size when it is recorded (see the module documentation).
pub fn memory_leak(execs: &[Execution]) -> Option<MemoryLeak> {
    // (run, start ms, peak MB, input MB) of first attempts with a measured peak.
    let first: Vec<(&str, i64, f64, Option<f64>)> = execs
        .iter()
        .filter(|e| e.attempt <= 1)
        .filter_map(|e| {
            let m = e.memory_peak_mb.filter(|m| m.is_finite() && *m >= 0.0)?;
            let input = e
                .input_size_bytes
                .filter(|b| b.is_finite() && *b >= 0.0)
                .map(|b| b / 1_048_576.0);
            Some((e.workflow_execution_id.as_str(), e.start_ms, m, input))
        })
        .collect();
    let median_peak = pct(&sorted(first.iter().map(|p| p.2).collect()), 0.5)?;
    let with_input = first.iter().filter(|p| p.3.is_some()).count();
    let adjusted: Vec<(&str, i64, f64)> = if 2 * with_input >= first.len() {
        let known: Vec<(f64, f64)> = first.iter().filter_map(|p| Some((p.3?, p.2))).collect();
        let centre = pct(&sorted(known.iter().map(|k| k.0).collect()), 0.5)?;
        // Theil–Sen slope of peak on input; none (all inputs equal, too few) means no effect.
        let b = mann_kendall(&known, LEAK_ALPHA).map_or(0.0, |t| t.sen_slope);
        first
            .iter()
            .filter_map(|p| Some((p.0, p.1, p.2 - b * (p.3? - centre))))
            .collect()
    } else {
        first.iter().map(|p| (p.0, p.1, p.2)).collect()
    };
    // One point per run: its first start and median adjusted peak.
    let mut runs: BTreeMap<&str, (i64, Vec<f64>)> = BTreeMap::new();
    for (run, start, v) in adjusted {
        let slot = runs.entry(run).or_insert((start, Vec::new()));
        slot.0 = slot.0.min(start);
        slot.1.push(v);
    }
    let mut points: Vec<(i64, f64)> = runs
        .into_values()
        .filter_map(|(start, v)| Some((start, pct(&sorted(v), 0.5)?)))
        .collect();
    points.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let (first_start, last_start) = (points.first()?.0, points.last()?.0);
    if points.len() < LEAK_MIN_RUNS
        || ((last_start - first_start) as f64) < LEAK_MIN_SPAN_DAYS * MS_PER_DAY
    {
        return None;
    }
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.0 as f64 / MS_PER_DAY, p.1))
        .collect();
    let test = mann_kendall(&xy, LEAK_ALPHA).ok()?;
    let slope = test.sen_slope;
    let material = slope >= MIN_LEAK_MB_PER_DAY && slope >= MIN_LEAK_RELATIVE_PER_DAY * median_peak;
    if test.direction != Direction::Increasing || !material {
        return None;
    }
    Some(MemoryLeak {
        detected_at: DateTime::<Utc>::from_timestamp_millis(first_start),
        growth_mb_per_day: slope,
        p_value: test.p_value,
        confidence: 1.0 - test.p_value,
    })
}

/// The logical execution an attempt belongs to within its run, as `task (instance)`: the
/// record's instance, else its [`INSTANCE_ATTRIBUTE`]; the task alone when it has neither.
fn instance_of(e: &Execution) -> String {
    let tag = Some(e.instance.clone())
        .filter(|i| !i.is_empty())
        .or_else(|| {
            e.attributes
                .iter()
                .find(|(k, _)| k == INSTANCE_ATTRIBUTE)
                .and_then(|(_, v)| match v {
                    types::ingest::AttributeValue::Text(s) => Some(s.clone()),
                    types::ingest::AttributeValue::Number(n) => Some(n.to_string()),
                    types::ingest::AttributeValue::Bool(_) => None,
                })
        });
    match tag {
        Some(t) => format!("{} ({t})", e.task_id),
        None => e.task_id.clone(),
    }
}

fn is_oom(e: &Execution) -> bool {
    e.is_failure() && error_class(e) == ErrorClass::OutOfMemory
}

fn gib(mb: f64) -> String {
    format!("{:.1} GiB", mb / 1024.0)
}

/// Instances retried after out-of-memory-like failures and the memory they succeeded with
/// (see the module documentation); `None` when no instance was.
pub fn memory_escalation(execs: &[Execution]) -> Option<MemoryEscalation> {
    let mut instances: BTreeMap<(&str, String), Vec<&Execution>> = BTreeMap::new();
    for e in execs {
        instances
            .entry((e.workflow_execution_id.as_str(), instance_of(e)))
            .or_default()
            .push(e);
    }
    let mut chains: Vec<((&str, String), Vec<&Execution>)> = instances
        .into_iter()
        .filter_map(|(k, mut v)| {
            v.sort_by_key(|e| (e.attempt, e.start_ms));
            let escalated = v[..v.len() - 1].iter().any(|e| is_oom(e));
            escalated.then_some((k, v))
        })
        .collect();
    if chains.is_empty() {
        return None;
    }
    fn last_completed<'a>(v: &[&'a Execution]) -> Option<&'a Execution> {
        v.last()
            .filter(|e| e.status == ExecutionStatus::Completed)
            .copied()
    }
    let finite = |x: Option<f64>| x.filter(|m| m.is_finite() && *m >= 0.0);
    let succeeded: Vec<&Execution> = chains
        .iter()
        .filter_map(|(_, v)| last_completed(v))
        .collect();
    let ok_peaks = sorted(
        succeeded
            .iter()
            .filter_map(|e| finite(e.memory_peak_mb))
            .collect(),
    );
    let ok_alloc = sorted(
        succeeded
            .iter()
            .filter_map(|e| positive(e.memory_allocated_mb))
            .collect(),
    );
    let first_peaks = sorted(
        chains
            .iter()
            .filter_map(|(_, v)| finite(v[0].memory_peak_mb))
            .collect(),
    );
    let first_alloc = sorted(
        chains
            .iter()
            .filter_map(|(_, v)| positive(v[0].memory_allocated_mb))
            .collect(),
    );
    let oom_attempts = chains
        .iter()
        .map(|(_, v)| v.iter().filter(|e| is_oom(e)).count() as u64)
        .sum();
    let f = MemoryEscalation {
        instances: chains.len() as u64,
        succeeded: succeeded.len() as u64,
        oom_attempts,
        succeeded_peak_p50_mb: pct(&ok_peaks, 0.5),
        succeeded_peak_max_mb: ok_peaks.last().copied(),
        succeeded_allocated_p50_mb: pct(&ok_alloc, 0.5),
        first_attempt_peak_p50_mb: pct(&first_peaks, 0.5),
        first_attempt_allocated_p50_mb: pct(&first_alloc, 0.5),
        examples: Vec::new(),
        summary: String::new(),
    };
    let more = matches!(
        (f.succeeded_allocated_p50_mb, f.first_attempt_allocated_p50_mb),
        (Some(ok), Some(first)) if ok > first
    );
    let mut summary = format!(
        "retried{} after out-of-memory-like failures (exit 137 / SIGKILL, OOM errors): {} \
         instance{}, {} succeeded",
        if more { " with more memory" } else { "" },
        f.instances,
        if f.instances == 1 { "" } else { "s" },
        f.succeeded,
    );
    if let (Some(p50), Some(max)) = (f.succeeded_peak_p50_mb, f.succeeded_peak_max_mb) {
        summary.push_str(&format!(
            " at a peak of p50 {} / max {}",
            gib(p50),
            gib(max)
        ));
    }
    if let Some(a) = f.succeeded_allocated_p50_mb {
        summary.push_str(&format!(" (allocated p50 {})", gib(a)));
    }
    summary.push_str(&match (
        f.first_attempt_peak_p50_mb,
        f.first_attempt_allocated_p50_mb,
    ) {
        (Some(p), Some(a)) => format!("; first attempts peaked at p50 {} of {}", gib(p), gib(a)),
        (Some(p), None) => format!("; first attempts peaked at p50 {}", gib(p)),
        (None, Some(a)) => format!("; first attempts had {} and no measured peak", gib(a)),
        (None, None) => "; first attempts had no measured peak or allocation".to_owned(),
    });
    chains.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let examples = chains
        .iter()
        .take(ESCALATION_EXAMPLES)
        .map(|((run, instance), v)| MemoryRetryChain {
            workflow_execution_id: (*run).to_owned(),
            instance: instance.clone(),
            attempts: v
                .iter()
                .map(|e| MemoryAttempt {
                    attempt: e.attempt,
                    status: e.status,
                    error_type: e.error_type.clone(),
                    peak_mb: finite(e.memory_peak_mb),
                    allocated_mb: positive(e.memory_allocated_mb),
                })
                .collect(),
        })
        .collect();
    Some(MemoryEscalation {
        examples,
        summary,
        ..f
    })
}

pub fn memory_usage(execs: &[Execution]) -> MemoryUsage {
    let peaks = sorted(execs.iter().filter_map(|e| e.memory_peak_mb).collect());
    let gc = execs.iter().filter_map(|e| {
        let (_, v) = e.attributes.iter().find(|(k, _)| k == GC_TIME_ATTRIBUTE)?;
        let gc: f64 = match v {
            types::ingest::AttributeValue::Number(n) => Some(*n),
            types::ingest::AttributeValue::Text(s) => s.trim().parse().ok(),
            types::ingest::AttributeValue::Bool(_) => None,
        }
        .filter(|g: &f64| g.is_finite())?;
        Some(gc / positive(e.duration_ms)?)
    });
    MemoryUsage {
        average: mean(peaks.iter().copied()).unwrap_or(0.0),
        peak: peaks.last().copied().unwrap_or(0.0),
        leaks: memory_leak(execs).into_iter().collect(),
        gc_pressure: mean(gc).unwrap_or(0.0),
        escalating_retries: memory_escalation(execs),
    }
}

pub fn io_metrics(execs: &[Execution]) -> IoMetrics {
    let split = |e: &Execution| {
        let ops = e.io_operations.filter(|o| o.is_finite())?;
        let r = e.read_bytes.unwrap_or(0.0);
        let w = e.write_bytes.unwrap_or(0.0);
        let read_share = if r + w > 0.0 { r / (r + w) } else { 0.5 };
        Some((ops * read_share, ops * (1.0 - read_share)))
    };
    let ops: Vec<(f64, f64)> = execs.iter().filter_map(split).collect();
    let iowait = execs.iter().filter_map(|e| {
        let share = cpu_share(e)?;
        Some((1.0 - share).max(0.0))
    });
    IoMetrics {
        read_ops: mean(ops.iter().map(|o| o.0)).unwrap_or(0.0),
        write_ops: mean(ops.iter().map(|o| o.1)).unwrap_or(0.0),
        read_bytes: mean(execs.iter().filter_map(|e| e.read_bytes)).unwrap_or(0.0),
        write_bytes: mean(execs.iter().filter_map(|e| e.write_bytes)).unwrap_or(0.0),
        iowait: mean(iowait).unwrap_or(0.0),
    }
}

/// The error class of a failed record.
fn error_class(e: &Execution) -> ErrorClass {
    classify(&ErrorEvidence {
        error_type: e.error_type.as_deref().unwrap_or(""),
        code: e.error_code.as_deref().unwrap_or(""),
        message: e.error_message.as_deref().unwrap_or(""),
        status: e.status,
    })
}

pub fn network_metrics(execs: &[Execution]) -> NetworkMetrics {
    let per_call = execs.iter().filter_map(|e| {
        let calls = positive(e.network_calls)?;
        Some(e.duration_ms.filter(|d| d.is_finite())? / calls)
    });
    NetworkMetrics {
        requests_sent: mean(execs.iter().filter_map(|e| e.network_calls)).unwrap_or(0.0),
        requests_received: 0.0,
        bytes_transferred: mean(execs.iter().filter_map(|e| e.bytes_transferred)).unwrap_or(0.0),
        latency: mean(per_call).unwrap_or(0.0),
        errors: execs
            .iter()
            .filter(|e| e.is_failure() && error_class(e).is_network())
            .count() as f64,
    }
}

/// CPU, memory, I/O and network figures of one task's records.
pub fn resource_metrics(execs: &[Execution]) -> TaskResourceMetrics {
    TaskResourceMetrics {
        cpu_usage: cpu_usage(execs),
        memory_usage: memory_usage(execs),
        io_metrics: io_metrics(execs),
        network_metrics: network_metrics(execs),
    }
}

/// What is wrong with an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProvisioningKind {
    CpuOverProvisioned,
    CpuUnderProvisioned,
    MemoryUnderProvisioned,
    MemoryOverProvisioned,
}

impl ProvisioningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CpuOverProvisioned => "cpu_over_provisioned",
            Self::CpuUnderProvisioned => "cpu_under_provisioned",
            Self::MemoryUnderProvisioned => "memory_under_provisioned",
            Self::MemoryOverProvisioned => "memory_over_provisioned",
        }
    }
}

/// A provisioning problem with the numbers behind it. CPU figures are cores, memory MB.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisioningFinding {
    pub kind: ProvisioningKind,
    /// Executions with both a measurement and an allocation.
    pub executions: usize,
    /// Median allocation.
    pub allocated: f64,
    /// Median use (busy cores, or memory peak).
    pub typical_use: f64,
    /// p95 use.
    pub p95_use: f64,
    /// The share of the allocation that triggered the finding: p95 of use/allocation, except
    /// the median for CPU under-provisioning.
    pub utilisation: f64,
    /// Executions whose failure was classified as out of memory.
    pub oom_failures: u64,
    /// `p95 use × HEADROOM` rounded up to the step; for an under-provisioned resource at least
    /// `allocated × HEADROOM`, since use is capped at (CPU) or killed at (memory) the limit and
    /// the true need is above what was observed.
    pub recommended: f64,
}

fn round_up(x: f64, step: f64) -> f64 {
    ((x / step).ceil() * step).max(step)
}

/// Use, allocation and use/allocation of the executions that have all three.
struct Sample {
    used: Vec<f64>,
    allocated: Vec<f64>,
    share: Vec<f64>,
}

impl Sample {
    fn new(
        execs: &[Execution],
        used: impl Fn(&Execution) -> Option<f64>,
        alloc: impl Fn(&Execution) -> Option<f64>,
    ) -> Self {
        let (mut u, mut a, mut s) = (Vec::new(), Vec::new(), Vec::new());
        for e in execs {
            if let (Some(x), Some(cap)) = (
                used(e).filter(|x| x.is_finite() && *x >= 0.0),
                positive(alloc(e)),
            ) {
                u.push(x);
                a.push(cap);
                s.push(x / cap);
            }
        }
        Sample {
            used: sorted(u),
            allocated: sorted(a),
            share: sorted(s),
        }
    }

    fn finding(
        &self,
        kind: ProvisioningKind,
        utilisation: f64,
        oom: u64,
        step: f64,
    ) -> ProvisioningFinding {
        let allocated = pct(&self.allocated, 0.5).unwrap_or(0.0);
        let p95 = pct(&self.used, 0.95).unwrap_or(0.0);
        let need = match kind {
            ProvisioningKind::CpuUnderProvisioned | ProvisioningKind::MemoryUnderProvisioned => {
                p95.max(allocated)
            }
            _ => p95,
        };
        ProvisioningFinding {
            kind,
            executions: self.used.len(),
            allocated,
            typical_use: pct(&self.used, 0.5).unwrap_or(0.0),
            p95_use: p95,
            utilisation,
            oom_failures: oom,
            recommended: round_up(need * HEADROOM, step),
        }
    }
}

/// Over- and under-provisioned CPU and memory (see the constants for the rules).
///
/// * CPU over-provisioned: p95 of busy/allocated cores < [`CPU_OVER_PROVISIONED_P95_SHARE`];
/// * CPU under-provisioned: median of busy/allocated cores ≥ [`CPU_UNDER_PROVISIONED_P50_SHARE`];
/// * memory under-provisioned: p95 of peak/allocated ≥ [`MEMORY_UNDER_PROVISIONED_P95_SHARE`],
///   or any failure classified as out of memory (whatever the number of executions);
/// * memory over-provisioned: p95 of peak/allocated < [`MEMORY_OVER_PROVISIONED_P95_SHARE`] and
///   no out-of-memory failure.
///
/// The ratio rules need [`MIN_PROVISIONING_EXECUTIONS`] executions with a measurement and an
/// allocation.
pub fn provisioning(execs: &[Execution]) -> Vec<ProvisioningFinding> {
    let mut out = Vec::new();
    let enough = |s: &Sample| s.share.len() >= MIN_PROVISIONING_EXECUTIONS;
    let cpu = Sample::new(execs, cores_used, |e| e.cpu_allocated_cores);
    if enough(&cpu) {
        let p95 = pct(&cpu.share, 0.95).unwrap_or(0.0);
        let p50 = pct(&cpu.share, 0.5).unwrap_or(0.0);
        if p95 < CPU_OVER_PROVISIONED_P95_SHARE {
            out.push(cpu.finding(ProvisioningKind::CpuOverProvisioned, p95, 0, CPU_STEP_CORES));
        } else if p50 >= CPU_UNDER_PROVISIONED_P50_SHARE {
            out.push(cpu.finding(
                ProvisioningKind::CpuUnderProvisioned,
                p50,
                0,
                CPU_STEP_CORES,
            ));
        }
    }
    let oom = execs
        .iter()
        .filter(|e| e.is_failure() && error_class(e) == ErrorClass::OutOfMemory)
        .count() as u64;
    let mut mem = Sample::new(execs, |e| e.memory_peak_mb, |e| e.memory_allocated_mb);
    if mem.allocated.is_empty() {
        // OOM kills without a measured peak still tell the allocation.
        mem.allocated = sorted(
            execs
                .iter()
                .filter_map(|e| positive(e.memory_allocated_mb))
                .collect(),
        );
    }
    let p95 = pct(&mem.share, 0.95);
    if (enough(&mem) && p95.is_some_and(|p| p >= MEMORY_UNDER_PROVISIONED_P95_SHARE))
        || (oom > 0 && !mem.allocated.is_empty())
    {
        let finding = mem.finding(
            ProvisioningKind::MemoryUnderProvisioned,
            p95.unwrap_or(0.0),
            oom,
            MEMORY_STEP_MB,
        );
        out.push(finding);
    } else if enough(&mem) && p95.is_some_and(|p| p < MEMORY_OVER_PROVISIONED_P95_SHARE) {
        let finding = mem.finding(
            ProvisioningKind::MemoryOverProvisioned,
            p95.unwrap_or(0.0),
            0,
            MEMORY_STEP_MB,
        );
        out.push(finding);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failures::test_support::exec;
    use crate::tolerances::REL;
    use approx::assert_relative_eq;
    use proptest::prelude::*;
    use types::ExecutionStatus::{Completed, Failed, Skipped};

    /// A completed run: duration, CPU time, allocation and memory.
    fn run(i: usize, duration: f64, cpu: f64, cores: f64, mem: f64, mem_alloc: f64) -> Execution {
        let mut e = exec(&format!("e{i}"), "t", Completed);
        e.start_ms = i as i64 * 3_600_000;
        e.duration_ms = Some(duration);
        e.cpu_time_ms = Some(cpu);
        e.cpu_allocated_cores = Some(cores);
        e.memory_peak_mb = Some(mem);
        e.memory_allocated_mb = Some(mem_alloc);
        e
    }

    #[test]
    fn cpu_figures_come_from_busy_cores_per_execution() {
        // Busy cores 1, 2, 3, 4 on a 4-core allocation; a skipped record has no figures.
        let mut v: Vec<Execution> = (1..=4)
            .map(|k| run(k, 1000.0, 1000.0 * k as f64, 4.0, 100.0, 1000.0))
            .collect();
        v.push(exec("skip", "t", Skipped));
        let c = cpu_usage(&v);
        assert_relative_eq!(c.average, 2.5, max_relative = REL);
        // numpy: np.percentile([1, 2, 3, 4], [95, 5]) → [3.85, 1.15].
        assert_relative_eq!(c.peak, 3.85, max_relative = REL);
        assert_relative_eq!(c.baseline, 1.15, max_relative = REL);
        // Mean of 1/4, 2/4, 3/4, 4/4.
        assert_relative_eq!(c.efficiency, 0.625, max_relative = REL);
        // I/O wait estimate: mean of 3/4, 2/4, 1/4, 0.
        assert_relative_eq!(io_metrics(&v).iowait, 0.375, max_relative = REL);
    }

    #[test]
    fn memory_average_peak_pressure_and_gc_share() {
        let mut v: Vec<Execution> = [200.0, 400.0, 600.0, 800.0]
            .iter()
            .enumerate()
            .map(|(i, &m)| run(i, 1000.0, 500.0, 1.0, m, 1000.0))
            .collect();
        v[0].attributes.push((
            GC_TIME_ATTRIBUTE.into(),
            types::ingest::AttributeValue::Number(100.0),
        ));
        v[1].attributes.push((
            GC_TIME_ATTRIBUTE.into(),
            types::ingest::AttributeValue::Text("300".into()),
        ));
        let m = memory_usage(&v);
        assert_relative_eq!(m.average, 500.0, max_relative = REL);
        assert_eq!(m.peak, 800.0);
        assert_relative_eq!(m.gc_pressure, 0.2, max_relative = REL);
        assert!(
            m.leaks.is_empty(),
            "four points cannot be significant at 1 %"
        );
        // numpy: np.percentile([0.2, 0.4, 0.6, 0.8], 95) → 0.77.
        assert_relative_eq!(memory_pressure(&v).unwrap(), 0.77, max_relative = REL);
        assert_eq!(memory_pressure(&[]), None);
        assert_eq!(memory_usage(&v[2..]).gc_pressure, 0.0);
    }

    /// One execution a day for 30 days: `base + slope·day` plus a deterministic wobble of up to
    /// `wobble` MB.
    fn daily(base: f64, slope: f64, wobble: f64) -> Vec<Execution> {
        (0..30)
            .map(|d| {
                let w = wobble * [0.0, 1.0, -0.7, 0.3, -1.0][d % 5];
                let mut e = run(d, 1000.0, 500.0, 1.0, base + slope * d as f64 + w, 4096.0);
                e.start_ms = 1_700_000_000_000 + d as i64 * 86_400_000;
                e.workflow_execution_id = format!("run-{d}");
                e
            })
            .collect()
    }

    #[test]
    fn a_steady_memory_climb_is_a_leak_with_its_daily_growth() {
        let leak = memory_leak(&daily(800.0, 40.0, 3.0)).unwrap();
        // Pairwise slopes differ from 40 by the wobble only; their median is within 1 MB/day.
        assert!((leak.growth_mb_per_day - 40.0).abs() < 1.0, "{leak:?}");
        assert!(leak.p_value < LEAK_ALPHA);
        assert_relative_eq!(leak.confidence, 1.0 - leak.p_value, max_relative = REL);
        assert_eq!(
            leak.detected_at,
            DateTime::<Utc>::from_timestamp_millis(1_700_000_000_000)
        );
    }

    #[test]
    fn flat_or_negligible_growth_is_not_a_leak() {
        assert_eq!(memory_leak(&daily(800.0, 0.0, 3.0)), None);
        // Significant but 0.5 MB/day: below the 1 MB/day floor.
        let slow = daily(800.0, 0.5, 0.0);
        assert!(
            mann_kendall(
                &slow
                    .iter()
                    .map(|e| (e.start_ms as f64, e.memory_peak_mb.unwrap()))
                    .collect::<Vec<_>>(),
                LEAK_ALPHA
            )
            .unwrap()
            .p_value
                < LEAK_ALPHA
        );
        assert_eq!(memory_leak(&slow), None);
        // 5 MB/day on a 4000 MB peak is 0.125 %/day: below the relative floor.
        assert_eq!(memory_leak(&daily(4000.0, 5.0, 0.0)), None);
        assert_eq!(memory_leak(&daily(800.0, -40.0, 3.0)), None);
    }

    /// An attempt of instance `tag` in run `run`, `hours` after the first run's start.
    fn attempt(run: &str, tag: &str, attempt: u32, hours: f64, peak: Option<f64>) -> Execution {
        let mut e = exec(&format!("{run}/{tag}/{attempt}"), "t", Completed);
        e.workflow_execution_id = run.to_owned();
        e.attempt = attempt;
        e.start_ms = 1_700_000_000_000 + (hours * 3_600_000.0) as i64;
        e.memory_peak_mb = peak;
        e.attributes.push((
            INSTANCE_ATTRIBUTE.into(),
            types::ingest::AttributeValue::Text(tag.into()),
        ));
        e
    }

    fn oom_killed(mut e: Execution) -> Execution {
        e.status = Failed;
        e.error_type = Some("SIGKILL".into());
        e.error_code = Some("137".into());
        e
    }

    #[test]
    fn escalating_retries_after_oom_kills_are_their_own_finding_not_a_leak() {
        // Issue #13's instance: peaks by attempt 0.9 → 1.9 → 4.7 → 9.0 → 23 GiB in one run, the
        // first four killed (exit 137), allocations doubling from 1 GiB; plus a second instance
        // killed once at 2 GiB (no measured peak) that completed at 3 GiB, and 30 instances of
        // growing input over 30 hours of the same run, which once read as hundreds of thousands
        // of MB/day of "leak".
        let gib = 1024.0;
        let peaks = [0.9, 1.9, 4.7, 9.0, 23.0];
        let mut v: Vec<Execution> = peaks
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut e = attempt("run-1", "big", i as u32 + 1, i as f64, Some(p * gib));
                e.memory_allocated_mb = Some(gib * 2f64.powi(i as i32));
                if i < 4 { oom_killed(e) } else { e }
            })
            .collect();
        let mut killed = oom_killed(attempt("run-1", "small", 1, 0.0, None));
        killed.memory_allocated_mb = Some(2.0 * gib);
        let mut ok = attempt("run-1", "small", 2, 1.0, Some(3.0 * gib));
        ok.memory_allocated_mb = Some(4.0 * gib);
        v.extend([killed, ok]);
        v.extend((0..30).map(|h| {
            attempt(
                "run-1",
                &format!("in{h}"),
                1,
                h as f64,
                Some(500.0 + 400.0 * h as f64),
            )
        }));
        assert_eq!(memory_leak(&v), None, "one run is no history");

        let f = memory_escalation(&v).unwrap();
        assert_eq!((f.instances, f.succeeded, f.oom_attempts), (2, 2, 5));
        // Succeeded at 23 and 3 GiB: p50 13 GiB (midpoint), max 23 GiB; allocated 16 and 4 GiB
        // → p50 10 GiB; first attempts: one peak, 0.9 GiB, allocations 1 and 2 GiB → 1.5 GiB.
        assert_relative_eq!(
            f.succeeded_peak_p50_mb.unwrap(),
            13.0 * gib,
            max_relative = REL
        );
        assert_relative_eq!(
            f.succeeded_peak_max_mb.unwrap(),
            23.0 * gib,
            max_relative = REL
        );
        assert_relative_eq!(
            f.succeeded_allocated_p50_mb.unwrap(),
            10.0 * gib,
            max_relative = REL
        );
        assert_relative_eq!(
            f.first_attempt_peak_p50_mb.unwrap(),
            0.9 * gib,
            max_relative = REL
        );
        assert_relative_eq!(
            f.first_attempt_allocated_p50_mb.unwrap(),
            1.5 * gib,
            max_relative = REL
        );
        assert_eq!(
            f.summary,
            "retried with more memory after out-of-memory-like failures (exit 137 / SIGKILL, \
             OOM errors): 2 instances, 2 succeeded at a peak of p50 13.0 GiB / max 23.0 GiB \
             (allocated p50 10.0 GiB); first attempts peaked at p50 0.9 GiB of 1.5 GiB"
        );
        assert_eq!(f.examples.len(), 2);
        let chain = &f.examples[0];
        assert_eq!(chain.instance, "t (big)");
        let by_attempt: Vec<(u32, Option<f64>)> = chain
            .attempts
            .iter()
            .map(|a| (a.attempt, a.peak_mb))
            .collect();
        assert_eq!(
            by_attempt,
            peaks
                .iter()
                .enumerate()
                .map(|(i, p)| (i as u32 + 1, Some(p * gib)))
                .collect::<Vec<_>>()
        );
        assert_eq!(memory_usage(&v).escalating_retries, Some(f));
        // A failure that is not out of memory, or an OOM kill never retried, is no escalation.
        let mut other = attempt("run-2", "x", 1, 0.0, None);
        other.status = Failed;
        other.error_type = Some("AssertionError".into());
        let last = oom_killed(attempt("run-2", "y", 1, 0.0, None));
        assert_eq!(
            memory_escalation(&[other, attempt("run-2", "x", 2, 1.0, Some(100.0)), last]),
            None
        );
    }

    #[test]
    fn a_leak_needs_six_runs_over_two_days_at_first_attempts() {
        // 40 MB/day over 30 daily runs is a leak (above); the same climb over 5 runs, or over 6
        // runs within 1.9 days, is not enough history.
        let leak = daily(800.0, 40.0, 3.0);
        assert!(memory_leak(&leak).is_some());
        assert_eq!(memory_leak(&leak[..5]), None);
        let mut quick = leak[..6].to_vec();
        for (i, e) in quick.iter_mut().enumerate() {
            e.start_ms = 1_700_000_000_000 + i as i64 * 8 * 3_600_000;
            e.memory_peak_mb = Some(800.0 + 1000.0 * i as f64);
        }
        assert_eq!(memory_leak(&quick), None, "40 hours");
        quick[5].start_ms = 1_700_000_000_000 + 48 * 3_600_000;
        assert!(memory_leak(&quick).is_some(), "48 hours, 6 rising runs");
        // Retries climbing by run (attempt 2 of each run) do not count: only first attempts,
        // which here are flat.
        let mut flat = daily(800.0, 0.0, 3.0);
        flat.extend(daily(800.0, 400.0, 0.0).into_iter().map(|mut e| {
            e.attempt = 2;
            e
        }));
        assert_eq!(memory_leak(&flat), None);
    }

    #[test]
    fn growth_explained_by_input_size_is_not_a_leak() {
        // 30 daily runs whose input grows 100 MB a day with peak = 300 MB + 2 × input: the peak
        // climbs 200 MB/day, all of it the input. Adjusted for input (Theil–Sen slope 2 MB/MB)
        // every run sits at 300 + 2 × median input, so there is no trend.
        let v: Vec<Execution> = daily(0.0, 0.0, 0.0)
            .into_iter()
            .enumerate()
            .map(|(d, mut e)| {
                let input_mb = 1000.0 + 100.0 * d as f64;
                e.input_size_bytes = Some(input_mb * 1_048_576.0);
                e.memory_peak_mb = Some(300.0 + 2.0 * input_mb + [0.0, 5.0, -5.0][d % 3]);
                e
            })
            .collect();
        assert_eq!(memory_leak(&v), None);
        // Without the input sizes the same peaks read as a 200 MB/day leak.
        let blind: Vec<Execution> = v
            .iter()
            .cloned()
            .map(|mut e| {
                e.input_size_bytes = None;
                e
            })
            .collect();
        let leak = memory_leak(&blind).unwrap();
        assert!((leak.growth_mb_per_day - 200.0).abs() < 1.0, "{leak:?}");
        // A real leak survives the adjustment: inputs that vary without a trend (1000–2200 MB
        // in a 5-day cycle) and +40 MB/day on top of 300 + 2 × input.
        let leaking: Vec<Execution> = v
            .iter()
            .cloned()
            .enumerate()
            .map(|(d, mut e)| {
                let input_mb = 1000.0 + 300.0 * (d % 5) as f64;
                e.input_size_bytes = Some(input_mb * 1_048_576.0);
                e.memory_peak_mb = Some(300.0 + 2.0 * input_mb + 40.0 * d as f64);
                e
            })
            .collect();
        let leak = memory_leak(&leaking).unwrap();
        assert!((leak.growth_mb_per_day - 40.0).abs() < 1.0, "{leak:?}");
    }

    #[test]
    fn io_operations_are_split_by_bytes_and_network_figures_are_per_execution() {
        let mut a = exec("a", "t", Completed);
        a.io_operations = Some(100.0);
        a.read_bytes = Some(300.0);
        a.write_bytes = Some(100.0);
        let mut b = exec("b", "t", Completed);
        b.io_operations = Some(10.0);
        let io = io_metrics(&[a, b]);
        // a: 75 read, 25 write; b: 5 and 5 (no bytes known).
        assert_relative_eq!(io.read_ops, 40.0, max_relative = REL);
        assert_relative_eq!(io.write_ops, 15.0, max_relative = REL);
        assert_relative_eq!(io.read_bytes, 300.0, max_relative = REL);

        let mut n1 = exec("n1", "t", Completed);
        n1.network_calls = Some(4.0);
        n1.duration_ms = Some(2000.0);
        n1.bytes_transferred = Some(1e6);
        let mut n2 = exec("n2", "t", Failed);
        n2.network_calls = Some(1.0);
        n2.duration_ms = Some(300.0);
        n2.bytes_transferred = Some(3e6);
        n2.error_type = Some("ConnectionError".into());
        n2.error_message = Some("Connection reset by peer".into());
        let mut n3 = exec("n3", "t", Failed);
        n3.error_type = Some("AssertionError".into());
        let net = network_metrics(&[n1, n2, n3]);
        assert_relative_eq!(net.requests_sent, 2.5, max_relative = REL);
        assert_relative_eq!(net.bytes_transferred, 2e6, max_relative = REL);
        // Mean of 2000/4 and 300/1.
        assert_relative_eq!(net.latency, 400.0, max_relative = REL);
        assert_eq!(net.errors, 1.0);
        assert_eq!(net.requests_received, 0.0);
    }

    #[test]
    fn an_idle_allocation_is_cpu_over_provisioned_with_a_rounded_recommendation() {
        // 8 cores allocated, 0.4–0.6 busy over 20 executions: p95 share ≈ 0.074.
        let v: Vec<Execution> = (0..20)
            .map(|i| run(i, 1000.0, 400.0 + 10.0 * i as f64, 8.0, 900.0, 1000.0))
            .collect();
        let f = provisioning(&v);
        let cpu = f
            .iter()
            .find(|f| f.kind == ProvisioningKind::CpuOverProvisioned)
            .unwrap();
        assert_eq!((cpu.executions, cpu.allocated), (20, 8.0));
        assert_relative_eq!(cpu.typical_use, 0.495, max_relative = REL);
        // p95 of 0.40..0.59 = 0.5805; × 1.2 = 0.6966 → 0.75 cores.
        assert_relative_eq!(cpu.p95_use, 0.5805, max_relative = REL);
        assert_eq!(cpu.recommended, 0.75);
        // Memory at 90 % of its limit is under-provisioned: 900 × 1.2 = 1080 → 1280 MB.
        let mem = f
            .iter()
            .find(|f| f.kind == ProvisioningKind::MemoryUnderProvisioned)
            .unwrap();
        assert_eq!(mem.recommended, 1280.0);
        assert_eq!(f.len(), 2);
        // Below 20 executions there is no utilisation finding.
        assert!(provisioning(&v[..19]).is_empty());
    }

    #[test]
    fn a_saturated_cpu_and_an_oom_kill_are_under_provisioning() {
        let mut v: Vec<Execution> = (0..20)
            .map(|i| run(i, 1000.0, 1980.0, 2.0, 300.0, 4096.0))
            .collect();
        let f = provisioning(&v);
        let kinds: Vec<ProvisioningKind> = f.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                ProvisioningKind::CpuUnderProvisioned,
                ProvisioningKind::MemoryOverProvisioned
            ]
        );
        // Use is capped at the limit: recommend at least the allocation plus headroom.
        assert_eq!(f[0].recommended, 2.5);
        assert_eq!(f[1].recommended, 512.0);

        let mut oom = exec("oom", "t", Failed);
        oom.error_type = Some("OOMKilled".into());
        oom.error_code = Some("137".into());
        oom.memory_allocated_mb = Some(4096.0);
        v.push(oom);
        let f = provisioning(&v);
        let mem = f
            .iter()
            .find(|f| f.kind == ProvisioningKind::MemoryUnderProvisioned)
            .unwrap();
        assert_eq!(mem.oom_failures, 1);
        assert_eq!(mem.recommended, 5120.0);
        assert!(
            !f.iter()
                .any(|f| f.kind == ProvisioningKind::MemoryOverProvisioned)
        );
    }

    proptest! {
        #[test]
        fn shares_and_pressures_stay_within_their_ranges(
            runs in prop::collection::vec((1.0f64..1e6, 0.0f64..1.0, 0.5f64..16.0, 0.0f64..1.0), 0..60),
        ) {
            let v: Vec<Execution> = runs
                .iter()
                .enumerate()
                .map(|(i, &(d, busy, cores, mem))| run(i, d, d * busy * cores, cores, mem * 1000.0, 1000.0))
                .collect();
            let r = resource_metrics(&v);
            prop_assert!((0.0..=1.0 + 1e-12).contains(&r.cpu_usage.efficiency));
            prop_assert!((0.0..=1.0).contains(&r.io_metrics.iowait));
            prop_assert!(r.cpu_usage.baseline <= r.cpu_usage.peak);
            if let Some(p) = memory_pressure(&v) {
                prop_assert!((0.0..=1.0).contains(&p));
            }
        }
    }
}
