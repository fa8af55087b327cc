//! The workflow page's queries (`db::workflow_runs`), worked by hand on three runs of a two-task
//! workflow `wf.a → wf.b`: one per run with its makespan and how its logical executions ended,
//! and the slowest and least reliable tasks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{DateTime, Utc};
use db::ingest::ingest_batch;
use db::workflow_runs::{RunRow, TaskRow};
use serde_json::{Value, json};
use sqlx::PgPool;
use types::TimeWindow;
use types::ingest::validate;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An attempt of `task` (instance `instance`) in `run`, from `start` to `end` (times of
/// 2026-01-01; no end: still running).
fn exec(
    run: &str,
    task: &str,
    instance: &str,
    attempt: i64,
    status: &str,
    start: &str,
    end: Option<&str>,
) -> Value {
    let mut e = json!({
        "executionId": format!("{run}/{task}/{instance}/{attempt}"), "workflowId": "wf",
        "workflowExecutionId": run, "taskId": task, "taskName": task, "status": status,
        "attemptNumber": attempt, "startTime": format!("2026-01-01T{start}Z"),
    });
    if !instance.is_empty() {
        e["instanceId"] = json!(instance);
    }
    if let Some(end) = end {
        e["endTime"] = json!(format!("2026-01-01T{end}Z"));
    }
    if status == "failed" {
        e["error"] = json!({"type": "Boom"});
    }
    e
}

async fn load(pool: &PgPool) -> uuid::Uuid {
    let records = vec![
        // r1: a 60 s, then b on two instances (120 s and 180 s): makespan 10:00 → 10:04.
        exec(
            "r1",
            "wf.a",
            "",
            1,
            "completed",
            "10:00:00",
            Some("10:01:00"),
        ),
        exec(
            "r1",
            "wf.b",
            "x",
            1,
            "completed",
            "10:01:00",
            Some("10:03:00"),
        ),
        exec(
            "r1",
            "wf.b",
            "y",
            1,
            "completed",
            "10:01:00",
            Some("10:04:00"),
        ),
        // r2: a fails, its retry completes; b fails: makespan 11:00 → 11:02, one failed.
        exec("r2", "wf.a", "", 1, "failed", "11:00:00", Some("11:00:30")),
        exec(
            "r2",
            "wf.a",
            "",
            2,
            "completed",
            "11:00:40",
            Some("11:01:40"),
        ),
        exec("r2", "wf.b", "", 1, "failed", "11:01:40", Some("11:02:00")),
        // r3: a 50 s, b still running: no makespan yet.
        exec(
            "r3",
            "wf.a",
            "",
            1,
            "completed",
            "12:00:00",
            Some("12:00:50"),
        ),
        exec("r3", "wf.b", "", 1, "running", "12:01:00", None),
    ];
    ingest_batch(pool, &validate(records, vec![]).unwrap())
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM workflows WHERE workflow_key = 'wf'")
        .fetch_one(pool)
        .await
        .unwrap()
}

fn all() -> TimeWindow {
    TimeWindow {
        from: None,
        to: t("2027-01-01T00:00:00Z"),
    }
}

fn run(key: &str, start: &str, makespan: Option<f64>, counts: [i64; 3]) -> RunRow {
    RunRow {
        run_key: key.into(),
        start_time: t(&format!("2026-01-01T{start}Z")),
        runs_in_window: 3,
        makespan_ms: makespan,
        running: makespan.is_none(),
        logical: counts[0],
        completed: counts[1],
        failed: counts[2],
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn each_run_has_its_makespan_and_how_its_logical_executions_ended(pool: PgPool) {
    let wf = load(&pool).await;
    let runs = db::workflow_runs::runs(&pool, wf, &all(), 10)
        .await
        .unwrap();
    assert_eq!(
        runs,
        [
            run("r1", "10:00:00", Some(240_000.0), [3, 3, 0]),
            // a's last attempt completed (its first failed), b's only one failed.
            run("r2", "11:00:00", Some(120_000.0), [2, 1, 1]),
            run("r3", "12:00:00", None, [2, 1, 0]),
        ]
    );
    // Capped: the latest two, oldest first, still counting every run in the window.
    let latest = db::workflow_runs::runs(&pool, wf, &all(), 2).await.unwrap();
    assert_eq!(latest, runs[1..]);
    // A window from 10:30 holds r2 and r3 only.
    let later = TimeWindow {
        from: Some(t("2026-01-01T10:30:00Z")),
        to: t("2027-01-01T00:00:00Z"),
    };
    let keys: Vec<(String, i64)> = db::workflow_runs::runs(&pool, wf, &later, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.run_key, r.runs_in_window))
        .collect();
    assert_eq!(keys, [("r2".into(), 2), ("r3".into(), 2)]);
}

#[sqlx::test(migrations = "../migrations")]
async fn tasks_are_ranked_by_p95_and_by_failure_rate(pool: PgPool) {
    let wf = load(&pool).await;
    // a: 4 attempts, 1 failed, completed in 60, 60, 50 s: p50 60 s, p95 60 s (Postgres
    // percentile_cont, linear: 0.95 × 2 = 1.9 between 60 and 60).
    // b: 4 attempts (one running), 1 failed, completed in 120 and 180 s: p50 150 s, p95
    // 120 + 0.95 × 60 = 177 s. Failure rates tie at ¼ with one failure each: by key.
    let row = |key: &str, completed, p50, p95, slow, fail| TaskRow {
        task_key: key.into(),
        task_name: key.into(),
        executions: 4,
        completed,
        failures: 1,
        p50_ms: Some(p50),
        p95_ms: Some(p95),
        total_tasks: 2,
        slow_rank: slow,
        fail_rank: fail,
    };
    let expected = [
        row("wf.b", 2, 150_000.0, 177_000.0, 1, 2),
        row("wf.a", 3, 60_000.0, 60_000.0, 2, 1),
    ];
    let tasks = db::workflow_runs::tasks(&pool, wf, &all(), 8)
        .await
        .unwrap();
    assert_eq!(tasks, expected);
    // One per list: b is the slowest, a the least reliable; both come back.
    let one = db::workflow_runs::tasks(&pool, wf, &all(), 1)
        .await
        .unwrap();
    assert_eq!(one, expected);
}
