//! `failure_evidence` (set-based SQL, only the runs where the task failed or was skipped, only
//! their failed and skipped final states) answers as the record-based rules of
//! `analytics::failures` do over every record, on deliberately untidy data: a diamond DAG,
//! every status in every position, one to three attempts with the attempt number sometimes
//! absent, failures without an error type, two instances of tasks b and c per run (logical
//! executions and recovery per instance, issue #13), and a window that cuts runs in two.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use analytics::execution::Execution;
use analytics::failures::{FailureOptions, failure_metrics, failure_metrics_with};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use types::TimeWindow;
use types::ingest::validate;

const TASKS: [&str; 4] = ["wf.a", "wf.b", "wf.c", "wf.d"];
const EDGES: [(&str, &str); 4] = [
    ("wf.a", "wf.b"),
    ("wf.a", "wf.c"),
    ("wf.b", "wf.d"),
    ("wf.c", "wf.d"),
];

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// 300 runs, ten minutes apart, of every task with one to three attempts of random status; b and
/// c run two instances (`i0`, `i1`) per run, each with its own attempts.
fn history() -> Vec<Value> {
    let mut x: u64 = 99;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    };
    let base = t("2026-05-01T00:00:00Z");
    let statuses = [
        "completed",
        "completed",
        "failed",
        "timeout",
        "skipped",
        "skipped",
        "cancelled",
        "running",
    ];
    let mut out = Vec::new();
    for run in 0..300i64 {
        for (depth, task) in [0i64, 1, 1, 2].iter().zip(TASKS) {
            let instances = if *depth == 1 { 2 } else { 1 };
            let mut attempts = Vec::new();
            for i in 0..instances {
                attempts.extend((0..1 + (next() * 3.0) as i64).map(|k| (i, k)));
            }
            for (i, k) in attempts {
                let status = statuses[(next() * statuses.len() as f64) as usize];
                let start = base
                    + TimeDelta::minutes(run * 10)
                    + TimeDelta::seconds(depth * 90 + k * 20)
                    + TimeDelta::milliseconds((next() * 999.0) as i64);
                let mut e = json!({
                    "executionId": format!("r{run}/{task}/{i}/{k}"), "workflowId": "wf",
                    "workflowExecutionId": format!("r{run}"), "taskId": task,
                    "taskName": task, "status": status,
                    "startTime": start.to_rfc3339(),
                    "endTime": (start + TimeDelta::milliseconds(500 + (next() * 15_000.0) as i64)).to_rfc3339(),
                });
                if next() < 0.8 {
                    e["attemptNumber"] = json!(k + 1);
                }
                if instances > 1 {
                    e["instanceId"] = json!(format!("i{i}"));
                }
                if matches!(status, "failed" | "timeout" | "skipped") && next() < 0.8 {
                    let kind = ["E1", "E2", "E3"][(next() * 3.0) as usize];
                    e["error"] = json!({"type": kind, "message": kind});
                }
                out.push(e);
            }
        }
    }
    out
}

#[sqlx::test(migrations = "../migrations")]
async fn failure_evidence_from_sql_answers_as_every_record_does(pool: PgPool) {
    let deps: Vec<Value> = EDGES
        .iter()
        .map(|(u, d)| json!({"workflowId": "wf", "upstreamTaskId": u, "downstreamTaskId": d}))
        .collect();
    let batch = validate(history(), deps).unwrap();
    db::ingest::ingest_batch(&pool, &batch).await.unwrap();
    let all: Vec<Execution> = batch.executions.iter().map(Execution::from).collect();
    let edges: Vec<(String, String)> = EDGES
        .iter()
        .map(|(u, d)| ((*u).to_owned(), (*d).to_owned()))
        .collect();
    // Cuts run 100 between its tasks, and run 250 too.
    let cut = TimeWindow::explicit(t("2026-05-01T16:41:00Z"), t("2026-05-02T17:41:00Z")).unwrap();
    let whole = TimeWindow {
        from: None,
        to: t("2026-06-01T00:00:00Z"),
    };
    for window in [cut, whole] {
        let inside = |e: &Execution| {
            window
                .from
                .is_none_or(|f| e.start_ms >= f.timestamp_millis())
                && e.start_ms < window.to.timestamp_millis()
        };
        for key in TASKS {
            let task = db::executions::find_task(&pool, key)
                .await
                .unwrap()
                .unwrap();
            let evidence = db::executions::failure_evidence(&pool, &task, &window)
                .await
                .unwrap();
            let own: Vec<Execution> = all
                .iter()
                .filter(|e| e.task_id == key && inside(e))
                .cloned()
                .collect();
            // Every record of the other tasks, whatever its time; the task's own in the window.
            let context: Vec<Execution> =
                all.iter().filter(|e| e.task_id != key).cloned().collect();
            let opts = FailureOptions::default();
            let reference = failure_metrics(&own, &context, &edges, &opts);
            let ours = failure_metrics_with(&own, &evidence, &edges, &opts);
            let what = format!("{key} in {window:?}");
            assert_eq!(ours.root_causes, reference.root_causes, "{what}");
            assert_eq!(ours.failure_cascades, reference.failure_cascades, "{what}");
            assert_eq!(ours.impact_radius, reference.impact_radius, "{what}");
            assert_eq!(ours.retry_attempts, reference.retry_attempts, "{what}");
            assert_eq!(ours.retry_success, reference.retry_success, "{what}");
            assert_eq!(
                ours.retried_eventually_succeeded, reference.retried_eventually_succeeded,
                "{what}"
            );
            assert!(reference.retry_attempts.retried > 0, "{what}");
            assert!(
                (ours.recovery_time - reference.recovery_time).abs() < 1e-6,
                "{what}: {} vs {}",
                ours.recovery_time,
                reference.recovery_time
            );
            assert!(!reference.root_causes.is_empty(), "{what}");
            if key != "wf.d" {
                assert!(!reference.failure_cascades.is_empty(), "{what}");
            }
        }
    }
}
