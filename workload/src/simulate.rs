//! Simulation of one workflow run into compact attempts (no strings), shared by the record
//! stream and the ground-truth tally so that both see exactly the same history.
//!
//! Model, per task in topological order:
//! - a task becomes ready when all its upstream tasks have ended (their final attempt); it then
//!   waits in a queue for a log-normal time (median 2 s, σ 0.7, capped at 120 s) and runs on a
//!   host drawn uniformly from `worker-1` … `worker-12`;
//! - its input size is log-normal (per-task median and σ) and drawn once per run; "top decile"
//!   means the normal deviate exceeds z₀.₉ = 1.2816, the exact 90th percentile of the
//!   distribution;
//! - its duration is log-normal: `median · (1 + trend · f) · (input/median input)^e · exp(σ z)`,
//!   where `f` is the attempt's position in the window (0 at the start, 1 at the end), so a trend
//!   of +0.4 makes the median 40 % longer at the end than at the start;
//! - an attempt fails, in this order of checks: with the large-input rate if its input is in the
//!   top decile; with the hotspot rate if it runs on the hotspot host; else with the base rate
//!   (error kind drawn from the task's weighted list). A failed attempt lasts a fraction
//!   U(0.05, 0.8) of a normal one (OOM kills U(0.3, 0.9)); a lock timeout lasts its 300 s limit;
//! - a failed attempt is retried, up to the task's attempt limit, after an exponential backoff of
//!   30 s · 2^(attempt−1) plus a queue wait, on a freshly drawn host; when the last attempt
//!   fails, every downstream task of the run is recorded as skipped at the moment it would have
//!   become ready;
//! - a successful attempt is, with the task's outlier rate, stretched by a factor U(10, 30);
//! - resources: cpuTimeMs = duration · busy cores · U(0.85, 1.15); memoryPeakMb log-normal
//!   around the task's median (σ 0.08), scaled by (input ratio)^0.1, plus leak · days since the
//!   window start, kept under the allocation unless the attempt is an OOM kill (then U(1.0,
//!   1.04) × the allocation).
//!
//! Nothing starts at or after the window end: a task that would start later is not recorded
//! (nor anything downstream of it), and an attempt that has started but not ended by then is
//! recorded as `running` without an end time.

use types::ExecutionStatus;

use crate::errors::ErrorKind;
use crate::rng::{self, Rng};
use crate::schedule::{Arrival, DAY_MS, Window};
use crate::templates::{self, InputKey, TaskSpec, WorkflowSpec};

/// z such that P(Z ≤ z) = 0.9 for a standard normal Z.
pub const Z_P90: f64 = 1.281_551_565_544_600_5;
/// Lock wait limit behind [`ErrorKind::LockTimeout`].
pub(crate) const LOCK_TIMEOUT_S: u32 = 300;

/// One recorded attempt (or skip) of one task in one run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attempt {
    pub task: usize,
    pub attempt: u8,
    pub status: ExecutionStatus,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    /// `worker-N`; 0 for skipped tasks.
    pub host: u8,
    pub input_bytes: i64,
    pub output_bytes: i64,
    pub cpu_ms: i64,
    pub mem_mb: f64,
    pub large_input: bool,
    pub input_hash: u64,
    /// The error of a failed attempt and the random bits of its message.
    pub error: Option<(ErrorKind, u64)>,
    /// For attempts after the first: what the previous attempt failed with.
    pub retry_after: Option<ErrorKind>,
    /// Duration multiplier of an injected outlier.
    pub outlier: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Succeeded(i64),
    /// Final attempt failed, or skipped: downstream tasks are skipped at this time.
    Blocked(i64),
    /// Not started before the window end, or still running at it.
    Unresolved,
}

/// Simulates run `arrival` of workflow `wf_index`, appending its attempts to `out` in start
/// order (ties in task order).
pub(crate) fn simulate_run(
    spec: &WorkflowSpec,
    seed: u64,
    wf_index: u32,
    arrival: &Arrival,
    window: Window,
    out: &mut Vec<Attempt>,
) {
    let first = out.len();
    let mut rng = rng::rng_for(&[rng::TAG_RUN, seed, u64::from(wf_index), arrival.run_idx]);
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(spec.tasks.len());
    for (i, task) in spec.tasks.iter().enumerate() {
        let mut ready = arrival.start_ms;
        let mut blocked = false;
        let mut unresolved = false;
        for &u in &task.upstream {
            match outcomes[u] {
                Outcome::Succeeded(t) => ready = ready.max(t),
                Outcome::Blocked(t) => {
                    ready = ready.max(t);
                    blocked = true;
                }
                Outcome::Unresolved => unresolved = true,
            }
        }
        let outcome = if unresolved {
            Outcome::Unresolved
        } else if blocked {
            if ready >= window.end_ms {
                Outcome::Unresolved
            } else {
                out.push(Attempt {
                    task: i,
                    attempt: 1,
                    status: ExecutionStatus::Skipped,
                    start_ms: ready,
                    end_ms: Some(ready),
                    host: 0,
                    input_bytes: 0,
                    output_bytes: 0,
                    cpu_ms: 0,
                    mem_mb: 0.0,
                    large_input: false,
                    input_hash: 0,
                    error: None,
                    retry_after: None,
                    outlier: None,
                });
                Outcome::Blocked(ready)
            }
        } else {
            let before = out.len();
            let outcome = run_task(spec, seed, i, task, ready, arrival, window, &mut rng, out);
            match task.cache_hit_rate {
                Some(rate) if cache_hit(seed, wf_index, arrival.run_idx, i, rate) => {
                    cache_hit_instead(out, before, outcome, window)
                }
                _ => outcome,
            }
        };
        outcomes.push(outcome);
    }
    out[first..].sort_by_key(|a| (a.start_ms, a.task, a.attempt));
}

/// Whether a counterfactual cache hits for task `task` of run `run_idx`: its own hash, so the
/// run's stream is untouched.
fn cache_hit(seed: u64, wf_index: u32, run_idx: u64, task: usize, rate: f64) -> bool {
    let bits = rng::mix(&[
        rng::TAG_CACHE,
        seed,
        u64::from(wf_index),
        run_idx,
        task as u64,
    ]);
    ((bits >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < rate
}

/// Replaces the attempts a task pushed from `before` on with one completed 1 ms attempt (a
/// cache hit) where its first attempt started, unless the task did not resolve in the window.
fn cache_hit_instead(
    out: &mut Vec<Attempt>,
    before: usize,
    outcome: Outcome,
    window: Window,
) -> Outcome {
    if outcome == Outcome::Unresolved || out.len() == before {
        return outcome;
    }
    let first = out[before].clone();
    let end = first.start_ms + 1;
    if end > window.end_ms {
        return outcome;
    }
    out.truncate(before);
    out.push(Attempt {
        attempt: 1,
        status: ExecutionStatus::Completed,
        end_ms: Some(end),
        cpu_ms: 0,
        output_bytes: 0,
        error: None,
        retry_after: None,
        outlier: None,
        ..first
    });
    Outcome::Succeeded(end)
}

/// Queue wait before an attempt starts, in ms.
fn queue_wait_ms(rng: &mut Rng) -> i64 {
    (rng::lognormal(rng, 2.0, 0.7).min(120.0) * 1000.0) as i64
}

#[allow(clippy::too_many_arguments)]
fn run_task(
    spec: &WorkflowSpec,
    seed: u64,
    index: usize,
    task: &TaskSpec,
    ready_ms: i64,
    arrival: &Arrival,
    window: Window,
    rng: &mut Rng,
    out: &mut Vec<Attempt>,
) -> Outcome {
    let z_input = rng::normal(rng);
    let large_input = z_input > Z_P90;
    let input_ratio = (task.input_sigma * z_input).exp();
    let input_bytes = (task.input_median_bytes * input_ratio) as i64;
    let run_hash = rng::bits(rng);
    // Keyed hashes repeat across runs of this task (and only this task).
    let input_hash = match task.input_key {
        InputKey::Unique => run_hash,
        InputKey::PerDay => rng::mix(&[
            rng::TAG_HASH,
            seed,
            fnv(&spec.id),
            index as u64,
            0,
            arrival.start_ms.div_euclid(DAY_MS) as u64,
        ]),
        InputKey::PerRevision => rng::mix(&[
            rng::TAG_HASH,
            seed,
            fnv(&spec.id),
            index as u64,
            1,
            arrival.revision,
        ]),
    };

    let mut t = ready_ms;
    let mut retry_after = None;
    // After a rescued kill (counterfactual): the outcome, while the attempts the original run
    // made after the kill are replayed, unrecorded, so that the run's later tasks draw as in
    // the original.
    let mut shadow: Option<Outcome> = None;
    for attempt in 1..=task.max_attempts {
        let mut wait = queue_wait_ms(rng);
        if attempt > 1 {
            wait += 30_000 << (attempt - 2);
        }
        let start = t + wait;
        if start >= window.end_ms {
            return shadow.unwrap_or(Outcome::Unresolved);
        }
        let host = templates::random_host(rng);
        let u_fail = rng::uniform(rng, 0.0, 1.0);
        let error = failure(task, large_input, host, u_fail, rng);
        // A kill the counterfactual allocation covers (see `counterfactual`): the same draws
        // decide an ordinary outcome instead, and the kill's own draws are still taken.
        let rescued = shadow.is_none()
            && task.kills_covered
            && matches!(error, Some((ErrorKind::OomKilled, _)));
        let error = if rescued {
            rescue(task, large_input, host, u_fail, error, rng)
        } else {
            error
        };
        let frac = window.fraction(start);
        let mut dur_s = task.median_s
            * (1.0 + task.trend * frac)
            * input_ratio.powf(task.size_elasticity)
            * (task.sigma * rng::normal(rng)).exp();
        let mut outlier = None;
        let mut kill_share = 1.0;
        match error {
            Some((ErrorKind::LockTimeout, _)) => {
                dur_s = f64::from(LOCK_TIMEOUT_S) + rng::uniform(rng, 0.0, 2.0);
            }
            Some((ErrorKind::OomKilled, _)) => dur_s *= rng::uniform(rng, 0.3, 0.9),
            Some(_) => dur_s *= rng::uniform(rng, 0.05, 0.8),
            None => {
                if rescued {
                    kill_share = rng::uniform(rng, 0.3, 0.9);
                }
                if task.outlier_rate > 0.0 && rng::chance(rng, task.outlier_rate) {
                    let f = rng::uniform(rng, 10.0, 30.0);
                    dur_s *= f;
                    outlier = Some(f);
                }
            }
        }
        let dur_ms = ((dur_s * 1000.0).round() as i64).max(1);
        let end = start + dur_ms;
        let cpu_ms = (dur_ms as f64 * task.cpu_used * rng::uniform(rng, 0.85, 1.15))
            .min(dur_ms as f64 * task.cpu_alloc) as i64;
        let mut mem = rng::lognormal(rng, task.mem_median_mb, 0.08) * input_ratio.powf(0.1)
            + task.leak_mb_per_day * window.days_since_start(start);
        if matches!(error, Some((ErrorKind::OomKilled, _))) {
            mem = task.mem_alloc_mb * rng::uniform(rng, 1.0, 1.04);
        } else if rescued {
            let _ = rng::uniform(rng, 1.0, 1.04);
            if mem >= task.mem_alloc_mb {
                mem = task.mem_alloc_mb * 0.995;
            }
        } else if mem >= task.mem_alloc_mb {
            mem = task.mem_alloc_mb * rng::uniform(rng, 0.95, 0.995);
        }
        let mem = (mem * 10.0).round() / 10.0;
        if end > window.end_ms {
            if let Some(outcome) = shadow {
                return outcome;
            }
            out.push(Attempt {
                task: index,
                attempt,
                status: ExecutionStatus::Running,
                start_ms: start,
                end_ms: None,
                host,
                input_bytes,
                output_bytes: 0,
                cpu_ms: 0,
                mem_mb: 0.0,
                large_input,
                input_hash,
                error: None,
                retry_after,
                outlier: None,
            });
            return Outcome::Unresolved;
        }
        let output_bytes = if error.is_some() {
            0
        } else if rescued {
            // The kill drew no output size; the rescued attempt takes the ratio's middle.
            (input_bytes as f64 * task.output_ratio) as i64
        } else {
            (input_bytes as f64 * task.output_ratio * rng::uniform(rng, 0.9, 1.1)) as i64
        };
        if let Some(outcome) = shadow {
            // Replaying the original: its outcome decides whether it retried again.
            match error {
                Some((kind, _)) if attempt < task.max_attempts => {
                    retry_after = Some(kind);
                    t = end;
                    continue;
                }
                _ => return outcome,
            }
        }
        out.push(Attempt {
            task: index,
            attempt,
            status: error.map_or(ExecutionStatus::Completed, |(k, _)| k.status()),
            start_ms: start,
            end_ms: Some(end),
            host,
            input_bytes,
            output_bytes,
            cpu_ms,
            mem_mb: mem,
            large_input,
            input_hash,
            error,
            retry_after,
            outlier,
        });
        match error {
            None if rescued && attempt < task.max_attempts => {
                // The original was killed here, at `kill_share` of the run, and retried.
                shadow = Some(Outcome::Succeeded(end));
                retry_after = Some(ErrorKind::OomKilled);
                t = start + (dur_ms as f64 * kill_share) as i64;
            }
            None => return Outcome::Succeeded(end),
            Some(_) if attempt == task.max_attempts => return Outcome::Blocked(end),
            Some((kind, _)) => {
                retry_after = Some(kind);
                t = end;
            }
        }
    }
    shadow.unwrap_or(Outcome::Unresolved)
}

/// Decides whether one attempt fails and with what (see the module doc for the order).
fn failure(
    task: &TaskSpec,
    large_input: bool,
    host: u8,
    u: f64,
    rng: &mut Rng,
) -> Option<(ErrorKind, u64)> {
    let bits = rng::bits(rng);
    if let (Some(l), true) = (task.large_input, large_input) {
        if u < l.rate {
            return Some((l.error, bits));
        }
        // Rescale the uniform to the remaining probability mass.
        return ordinary_failure(task, host, (u - l.rate) / (1.0 - l.rate), bits, rng);
    }
    ordinary_failure(task, host, u, bits, rng)
}

/// The outcome of an attempt whose kill for memory (`killed`) the allocation covers: a
/// large-input kill's uniform `u` (below the large-input rate) rescaled to U(0, 1) decides an
/// ordinary failure; a kill drawn among the ordinary errors becomes a success.
fn rescue(
    task: &TaskSpec,
    large_input: bool,
    host: u8,
    u: f64,
    killed: Option<(ErrorKind, u64)>,
    rng: &mut Rng,
) -> Option<(ErrorKind, u64)> {
    match (task.large_input, large_input, killed) {
        (Some(l), true, Some((_, bits))) if u < l.rate && l.error == ErrorKind::OomKilled => {
            ordinary_failure(task, host, u / l.rate, bits, rng)
                .filter(|(k, _)| *k != ErrorKind::OomKilled)
        }
        _ => None,
    }
}

fn ordinary_failure(
    task: &TaskSpec,
    host: u8,
    u: f64,
    bits: u64,
    rng: &mut Rng,
) -> Option<(ErrorKind, u64)> {
    if let Some(h) = task.hotspot
        && host == h.host
    {
        return (u < h.rate).then_some((h.error, bits));
    }
    if u >= task.base_fail {
        return None;
    }
    let total: f64 = task.base_errors.iter().map(|(_, w)| w).sum();
    let mut pick = rng::uniform(rng, 0.0, total);
    for (kind, w) in &task.base_errors {
        if pick < *w {
            return Some((*kind, bits));
        }
        pick -= w;
    }
    task.base_errors.last().map(|(k, _)| (*k, bits))
}

/// FNV-1a of a string (stable across platforms and Rust versions, unlike `DefaultHasher`).
pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}
