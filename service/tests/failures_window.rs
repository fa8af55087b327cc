//! Root causes, cascades, retries, recovery time and dependency failures cover the whole window
//! they name, however long the history: a 15-minute `payments_sync` workflow
//! (`poll_api → reconcile → write_ledger`) with more runs than the workflow context holds
//! (`MAX_CONTEXT_RUNS`), and a busier one with more executions of a task than a record sample
//! holds (`MAX_TASK_RECORDS`). The history is generated from a seeded plan, ingested through
//! `db::ingest::ingest_batch`, and every expected number is computed here from the plan itself
//! (the generator knows why it skipped each task), never by the product's functions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use service::Services;
use sqlx::PgPool;
use types::ingest::validate;
use types::{Basis, FailureMetrics, TimeRangePreset, TimeWindow};

const WF: &str = "payments_sync";
const POLL: &str = "payments_sync.poll_api";
const RECONCILE: &str = "payments_sync.reconcile";
const WRITE: &str = "payments_sync.write_ledger";
const TASKS: [&str; 3] = [POLL, RECONCILE, WRITE];

/// splitmix64: a seeded stream of uniforms in [0, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Milliseconds in [lo, hi).
    fn ms(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() * (hi - lo) as f64) as i64
    }
}

/// One planned execution.
#[derive(Debug, Clone)]
struct Rec {
    task: &'static str,
    run: String,
    status: &'static str,
    attempt: u32,
    start: i64,
    end: i64,
    error: Option<&'static str>,
    /// For a skipped record: the task and error type the generator skipped it for.
    cause: Option<(&'static str, &'static str)>,
}

/// The plan of `runs` workflow runs, one every `cadence_ms`, the last starting before `end_ms`.
///
/// `poll_api` fails (10 %, `HTTPError`) or times out (5 %, `TimeoutError`, 60 s) per attempt
/// and is retried (60 %) up to 3 attempts; when its last attempt fails, `reconcile` and
/// `write_ledger` are skipped at its end (error type `UpstreamFailed`, as schedulers record
/// it). Otherwise `reconcile` fails 3 % of the time (`ReconcileMismatch`, never retried, and
/// `write_ledger` is skipped), and `write_ledger` fails 4 % per attempt (`LedgerLocked`),
/// retried once.
fn plan(seed: u64, runs: usize, cadence_ms: i64, end_ms: i64) -> Vec<Rec> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for i in 0..runs {
        let run = format!("ps-{i:06}");
        let mut t = end_ms - (runs - i) as i64 * cadence_ms + rng.ms(0, 20_000);
        let rec = |task, status, attempt, start, end, error, cause| Rec {
            task,
            run: run.clone(),
            status,
            attempt,
            start,
            end,
            error,
            cause,
        };
        // poll_api
        let mut poll_failed = None;
        for attempt in 1..=3 {
            let r = rng.next();
            let (status, error, dur) = if r < 0.10 {
                ("failed", Some("HTTPError"), rng.ms(500, 5_000))
            } else if r < 0.15 {
                ("timeout", Some("TimeoutError"), 60_000)
            } else {
                ("completed", None, rng.ms(2_000, 20_000))
            };
            out.push(rec(POLL, status, attempt, t, t + dur, error, None));
            t += dur;
            if status == "completed" {
                poll_failed = None;
                break;
            }
            poll_failed = error;
            if attempt == 3 || rng.next() >= 0.6 {
                break;
            }
            t += 20_000;
        }
        if let Some(e) = poll_failed {
            for task in [RECONCILE, WRITE] {
                let cause = Some((POLL, e));
                out.push(rec(task, "skipped", 1, t, t, Some("UpstreamFailed"), cause));
            }
            continue;
        }
        // reconcile
        t += 1_000;
        let dur = rng.ms(1_000, 30_000);
        if rng.next() < 0.03 {
            let e = Some("ReconcileMismatch");
            out.push(rec(RECONCILE, "failed", 1, t, t + dur, e, None));
            t += dur;
            let cause = Some((RECONCILE, "ReconcileMismatch"));
            out.push(rec(
                WRITE,
                "skipped",
                1,
                t,
                t,
                Some("UpstreamFailed"),
                cause,
            ));
            continue;
        }
        out.push(rec(RECONCILE, "completed", 1, t, t + dur, None, None));
        t += dur + 1_000;
        // write_ledger
        for attempt in 1..=2 {
            let dur = rng.ms(500, 10_000);
            let failed = rng.next() < if attempt == 1 { 0.04 } else { 0.25 };
            let (status, error) = if failed {
                ("failed", Some("LedgerLocked"))
            } else {
                ("completed", None)
            };
            out.push(rec(WRITE, status, attempt, t, t + dur, error, None));
            t += dur + 10_000;
            if !failed {
                break;
            }
        }
    }
    out
}

fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn record(r: &Rec) -> Value {
    let short = r.task.rsplit('.').next().unwrap();
    let mut v = json!({
        "executionId": format!("{}/{short}/{}", r.run, r.attempt),
        "workflowId": WF, "workflowExecutionId": r.run,
        "taskId": r.task, "taskName": short, "status": r.status,
        "attemptNumber": r.attempt,
        "startTime": time(r.start), "endTime": time(r.end),
    });
    if let Some(e) = r.error {
        v["error"] = json!({"type": e, "message": format!("{e} in {}", r.run)});
    }
    v
}

async fn ingest(pool: &PgPool, recs: &[Rec]) {
    let deps: Vec<Value> = [(POLL, RECONCILE), (RECONCILE, WRITE)]
        .iter()
        .map(|(u, d)| json!({"workflowId": WF, "upstreamTaskId": u, "downstreamTaskId": d}))
        .collect();
    for (i, chunk) in recs.chunks(10_000).enumerate() {
        let execs = chunk.iter().map(record).collect();
        let deps = if i == 0 { deps.clone() } else { Vec::new() };
        db::ingest::ingest_batch(pool, &validate(execs, deps).unwrap())
            .await
            .unwrap();
    }
}

/// What the failure analysis of one task over one window must say, from the plan.
#[derive(Debug, Default)]
struct Truth {
    executions: u64,
    failures: u64,
    skipped: u64,
    root_causes: BTreeMap<(String, String), u64>,
    /// Run → (affected tasks in breadth-first order, depth).
    cascades: BTreeMap<String, (Vec<String>, u32)>,
    by_attempt: BTreeMap<u32, u64>,
    mean_attempts: f64,
    retry_success: f64,
    recovery_ms: f64,
}

fn in_window(w: &TimeWindow, ms: i64) -> bool {
    w.from.is_none_or(|f| ms >= f.timestamp_millis()) && ms < w.to.timestamp_millis()
}

fn truth(plan: &[Rec], task: &str, w: &TimeWindow) -> Truth {
    let mine: Vec<&Rec> = plan
        .iter()
        .filter(|r| r.task == task && in_window(w, r.start))
        .collect();
    let mut t = Truth {
        executions: mine.len() as u64,
        ..Truth::default()
    };
    let mut logical: BTreeMap<&str, u32> = BTreeMap::new();
    let (mut retried_ok, mut retried_done) = (0u64, 0u64);
    for r in &mine {
        let failure = matches!(r.status, "failed" | "timeout");
        if failure {
            t.failures += 1;
            *t.root_causes
                .entry((task.to_owned(), r.error.unwrap().to_owned()))
                .or_default() += 1;
        }
        if r.status == "skipped" {
            t.skipped += 1;
            let (by, e) = r.cause.unwrap();
            *t.root_causes
                .entry((by.to_owned(), e.to_owned()))
                .or_default() += 1;
            continue;
        }
        *t.by_attempt.entry(r.attempt).or_default() += 1;
        let m = logical.entry(r.run.as_str()).or_default();
        *m = (*m).max(r.attempt);
        if r.attempt > 1 {
            retried_done += 1;
            retried_ok += u64::from(r.status == "completed");
        }
    }
    t.mean_attempts = logical.values().map(|&a| f64::from(a)).sum::<f64>() / logical.len() as f64;
    t.retry_success = retried_ok as f64 / retried_done.max(1) as f64;
    // Cascades: the runs where this task's last attempt (in the window) failed, with what the
    // generator then skipped downstream.
    let downstream: &[&str] = match task {
        POLL => &[RECONCILE, WRITE],
        RECONCILE => &[WRITE],
        _ => &[],
    };
    let mut last: BTreeMap<&str, &Rec> = BTreeMap::new();
    for r in &mine {
        let slot = last.entry(r.run.as_str()).or_insert(r);
        if r.attempt > slot.attempt {
            *slot = r;
        }
    }
    let mut skipped_in: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for x in plan
        .iter()
        .filter(|x| downstream.contains(&x.task) && x.status == "skipped")
    {
        skipped_in
            .entry(x.run.as_str())
            .or_default()
            .push(x.task.to_owned());
    }
    for (run, r) in last {
        let skipped = skipped_in.get(run).cloned().unwrap_or_default();
        if matches!(r.status, "failed" | "timeout") && !skipped.is_empty() {
            let depth = skipped.len() as u32;
            t.cascades.insert(run.to_owned(), (skipped, depth));
        }
    }
    // Recovery: from each failure's end to the next completed start at or after it.
    let mut starts: Vec<i64> = mine
        .iter()
        .filter(|r| r.status == "completed")
        .map(|r| r.start)
        .collect();
    starts.sort_unstable();
    let gaps: Vec<i64> = mine
        .iter()
        .filter(|r| matches!(r.status, "failed" | "timeout"))
        .filter_map(|r| {
            let i = starts.partition_point(|&s| s < r.end);
            starts.get(i).map(|s| s - r.end)
        })
        .collect();
    t.recovery_ms = gaps.iter().sum::<i64>() as f64 / gaps.len().max(1) as f64;
    t
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// The failure analysis says what the plan says.
fn assert_matches(m: &FailureMetrics, t: &Truth, what: &str) {
    let causes: BTreeMap<(String, String), u64> = m
        .root_causes
        .iter()
        .map(|r| ((r.task_id.clone(), r.error_type.clone()), r.occurrences))
        .collect();
    assert_eq!(causes, t.root_causes, "{what}: root causes");
    let total: u64 = t.root_causes.values().sum();
    for r in &m.root_causes {
        assert!(
            close(r.share, r.occurrences as f64 / total as f64),
            "{what}"
        );
    }
    let cascades: BTreeMap<String, (Vec<String>, u32)> = m
        .failure_cascades
        .iter()
        .map(|c| {
            (
                c.workflow_execution_id.clone(),
                (c.affected_task_ids.clone(), c.depth),
            )
        })
        .collect();
    assert_eq!(cascades, t.cascades, "{what}: cascades");
    let radius = t
        .cascades
        .values()
        .flat_map(|(a, _)| a)
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    assert_eq!(m.impact_radius, radius, "{what}: impact radius");
    assert_eq!(
        m.retry_attempts.by_attempt, t.by_attempt,
        "{what}: attempts"
    );
    assert_eq!(
        m.retry_attempts.max_attempts,
        t.by_attempt.keys().copied().max().unwrap_or(0),
        "{what}"
    );
    assert!(
        close(m.retry_attempts.mean_attempts, t.mean_attempts),
        "{what}: mean attempts {} vs {}",
        m.retry_attempts.mean_attempts,
        t.mean_attempts
    );
    assert!(
        close(m.retry_success, t.retry_success),
        "{what}: retry success {} vs {}",
        m.retry_success,
        t.retry_success
    );
    assert!(
        close(m.recovery_time, t.recovery_ms),
        "{what}: recovery {} vs {}",
        m.recovery_time,
        t.recovery_ms
    );
    assert!(
        close(m.failure_rate, t.failures as f64 / t.executions as f64),
        "{what}: failure rate"
    );
}

fn runs_in(plan: &[Rec], w: &TimeWindow) -> u64 {
    let mut first: BTreeMap<&str, i64> = BTreeMap::new();
    for r in plan {
        let s = first.entry(r.run.as_str()).or_insert(r.start);
        *s = (*s).min(r.start);
    }
    first.values().filter(|&&s| in_window(w, s)).count() as u64
}

fn services(pool: &PgPool, ttl_secs: u64, read_raw: bool) -> Services {
    Services::new(
        pool.clone(),
        Default::default(),
        std::time::Duration::from_secs(ttl_secs),
        read_raw,
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn root_causes_cascades_and_retries_cover_every_run_of_a_long_window(pool: PgPool) {
    let now = Utc::now();
    // 35 days of a 15-minute workflow: 3,360 runs (the context reads 500), ending an hour ago.
    let end = (now - TimeDelta::hours(1)).timestamp_millis();
    let plan = plan(20_261_204, 3_360, 15 * 60_000, end);
    ingest(&pool, &plan).await;
    let s = services(&pool, 0, false);
    for preset in [TimeRangePreset::All, TimeRangePreset::Month] {
        let w = TimeWindow::from_preset(preset, now);
        let runs = runs_in(&plan, &w);
        assert!(runs > 2_800, "{runs}");
        for task in TASKS {
            let t = truth(&plan, task, &w);
            let what = format!("{task} over {}", preset.as_str());
            println!(
                "{what}: {} executions, {} skipped, root causes {:?}, {} cascades",
                t.executions,
                t.skipped,
                t.root_causes,
                t.cascades.len()
            );
            let p = service::task_performance(&s, task, w).await.unwrap().data;
            assert_matches(&p.failure_analysis, &t, &format!("/performance {what}"));
            assert_eq!(p.dependencies.dependency_failures, t.skipped, "{what}");
            // Nothing of the failure analysis is sampled; the waits are (500 of the runs).
            assert_eq!(p.failure_analysis.basis, None, "{what}");
            let expected = Some(Basis {
                executions: t.executions,
                of_executions: t.executions,
                workflow_runs: db::executions::MAX_CONTEXT_RUNS as u64,
                of_workflow_runs: runs,
            });
            assert_eq!(p.dependencies.basis, expected, "{what}");
            assert_eq!(p.basis, expected, "{what}");

            let f = service::task_failures(&s, task, w, None)
                .await
                .unwrap()
                .data;
            assert_matches(&f, &t, &format!("/failures {what}"));
            assert_eq!(f.basis, None);
            let d = service::task_dependencies(&s, task, w).await.unwrap().data;
            assert_eq!(d.dependency_failures, t.skipped, "{what}");
            assert_eq!(d.basis, expected, "{what}");
        }
    }
    // The tester's question: every skipped write_ledger run is blamed on what the generator
    // skipped it for (poll_api, through the skipped reconcile, or reconcile), none on itself.
    let w = TimeWindow::from_preset(TimeRangePreset::All, now);
    let t = truth(&plan, WRITE, &w);
    let p = service::task_performance(&s, WRITE, w).await.unwrap().data;
    let own_skips = p
        .failure_analysis
        .root_causes
        .iter()
        .find(|r| r.task_id == WRITE && r.error_type == "UpstreamFailed");
    assert!(own_skips.is_none(), "{own_skips:?}");
    let by_poll: u64 = p
        .failure_analysis
        .root_causes
        .iter()
        .filter(|r| r.task_id == POLL)
        .map(|r| r.occurrences)
        .sum();
    let planned_by_poll = plan
        .iter()
        .filter(|r| r.task == WRITE && r.cause.is_some_and(|c| c.0 == POLL))
        .count() as u64;
    assert_eq!(by_poll, planned_by_poll);
    assert!(planned_by_poll > 120, "{planned_by_poll}");
    println!(
        "write_ledger over all: {} skips, {planned_by_poll} by poll_api",
        t.skipped
    );

    // The cached result (stored as JSON, read back) and the raw-rows baseline say the same.
    let cached = services(&pool, 3_600, false);
    let w30 = TimeWindow::from_preset(TimeRangePreset::Month, now);
    let first = service::task_performance_cached(&cached, WRITE, Some("30d"), w30)
        .await
        .unwrap();
    let again = service::task_performance_cached(&cached, WRITE, Some("30d"), w30)
        .await
        .unwrap();
    // JSONB keeps floats to ~15 digits: compare what the cache must keep exactly.
    assert_eq!(again.data.basis, first.data.basis);
    assert!(again.data.basis.is_some());
    assert_eq!(again.data.dependencies.basis, first.data.dependencies.basis);
    assert_eq!(again.data.failure_analysis.basis, None);
    assert_matches(
        &again.data.failure_analysis,
        &truth(&plan, WRITE, &w30),
        "cached 30d",
    );
    let raw = service::task_performance(&services(&pool, 0, true), WRITE, w)
        .await
        .unwrap()
        .data;
    assert_eq!(
        raw.failure_analysis.root_causes,
        p.failure_analysis.root_causes
    );
    assert_eq!(
        raw.failure_analysis.failure_cascades,
        p.failure_analysis.failure_cascades
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn failure_analysis_past_the_record_sample_still_covers_the_window(pool: PgPool) {
    let now = Utc::now();
    // A sync every minute for 15 days: 21,600 runs, more than MAX_TASK_RECORDS executions of
    // each task.
    let end = (now - TimeDelta::minutes(10)).timestamp_millis();
    let plan = plan(7, 21_600, 60_000, end);
    ingest(&pool, &plan).await;
    let s = services(&pool, 0, false);
    for preset in [TimeRangePreset::All, TimeRangePreset::Week] {
        let w = TimeWindow::from_preset(preset, now);
        let runs = runs_in(&plan, &w);
        for task in [POLL, WRITE] {
            let t = truth(&plan, task, &w);
            let what = format!("{task} over {}", preset.as_str());
            println!(
                "{what}: {} executions, {} skipped, root causes {:?}, {} cascades",
                t.executions,
                t.skipped,
                t.root_causes,
                t.cascades.len()
            );
            let p = service::task_performance(&s, task, w).await.unwrap().data;
            assert_matches(&p.failure_analysis, &t, &what);
            assert_eq!(p.dependencies.dependency_failures, t.skipped, "{what}");
            let read = t.executions.min(db::executions::MAX_TASK_RECORDS as u64);
            let expected = Basis {
                executions: read,
                of_executions: t.executions,
                workflow_runs: runs,
                of_workflow_runs: runs,
            };
            // Only the error signatures are a sample, and only past the cap.
            if t.executions > db::executions::MAX_TASK_RECORDS as u64 {
                assert_eq!(p.failure_analysis.basis, Some(expected), "{what}");
                let f = service::task_failures(&s, task, w, None)
                    .await
                    .unwrap()
                    .data;
                assert_eq!(f.basis, Some(expected), "{what}");
                assert_matches(&f, &t, &format!("/failures {what}"));
            } else {
                assert_eq!(p.failure_analysis.basis, None, "{what}");
            }
        }
    }
    let t = truth(
        &plan,
        POLL,
        &TimeWindow::from_preset(TimeRangePreset::All, now),
    );
    assert!(t.executions > 20_000, "{}", t.executions);
}
