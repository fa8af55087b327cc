//! The `duration` ranking is the p95 of completed runs, as the task page's headline p95: a task
//! whose failed attempts run long (OOM kills after minutes) does not outrank tasks whose
//! completed runs are slower. The rollup path (pruned by `completed_p95_hi`) and the raw-rows
//! path agree with Postgres' `percentile_cont` over the completed rows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use service::Services;
use sqlx::PgPool;
use types::TimeWindow;
use types::ingest::validate;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// 30 tasks over two days: task k's 24 completed runs take about (k + 1) × 10 s; every third
/// task also has 12 failed attempts of 2,000 s (p95 of all its runs ≈ 2,000 s).
fn history() -> Vec<Value> {
    let start = t("2026-05-01T00:00:00Z");
    let mut out = Vec::new();
    for k in 0..30i64 {
        let task = format!("wf.t{k:02}");
        let mut run = |i: i64, status: &str, ms: i64| {
            let begin = start + TimeDelta::minutes(i * 110 + k);
            out.push(json!({
                "executionId": format!("{task}-{i}"), "workflowId": "wf",
                "workflowExecutionId": format!("r{i}"), "taskId": task, "taskName": task,
                "status": status, "startTime": begin.to_rfc3339(),
                "endTime": (begin + TimeDelta::milliseconds(ms)).to_rfc3339(),
            }));
        };
        for i in 0..24 {
            run(i, "completed", (k + 1) * 10_000 + (i * 37 % 11) * 100);
        }
        if k % 3 == 0 {
            for i in 24..36 {
                run(i, "failed", 2_000_000);
            }
        }
    }
    out
}

#[sqlx::test(migrations = "../migrations")]
async fn the_duration_ranking_is_the_p95_of_completed_runs_on_both_paths(pool: PgPool) {
    db::ingest::ingest_batch(&pool, &validate(history(), vec![]).unwrap())
        .await
        .unwrap();
    // Partial hours at both ends, whole days between.
    let window = TimeWindow {
        from: Some(t("2026-04-30T23:30:00Z")),
        to: t("2026-05-03T12:10:00Z"),
    };
    let expected: Vec<(String, f64)> = sqlx::query_as(
        "SELECT t.task_key, percentile_cont(0.95) WITHIN GROUP (ORDER BY e.duration_ms)
         FROM task_execution_history e JOIN tasks t ON t.id = e.task_id
         WHERE e.status = 'completed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(expected[0].0, "wf.t29");
    for read_raw in [false, true] {
        let s = Services::new(
            pool.clone(),
            Default::default(),
            std::time::Duration::ZERO,
            read_raw,
        );
        let r = service::rankings(&s, "duration", Some(5), window)
            .await
            .unwrap()
            .data;
        assert_eq!(r.value_description, "p95 duration of completed runs, ms");
        let got: Vec<&str> = r.items.iter().map(|i| i.task_id.as_str()).collect();
        let want: Vec<&str> = expected.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(got, want, "read_raw={read_raw}");
        for (i, (_, p95)) in r.items.iter().zip(&expected) {
            // The rollup path reads the completed runs' sketch: within its 1 %.
            assert!(
                (i.value - p95).abs() <= 0.01 * p95,
                "read_raw={read_raw}: {} {} vs {p95}",
                i.task_id,
                i.value
            );
        }
    }
}
