//! One answer per question: the dashboard's cards and `GET /performance` give the same numbers
//! for the same task and window, below and above the dashboard's 2,000-record limit, trend
//! direction included.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

/// `n` hourly runs ending an hour ago, getting slower (1 s → 2 s), every 10th failed.
fn records(n: usize) -> Vec<Value> {
    let start = Utc::now() - Duration::hours(n as i64 + 1);
    (0..n)
        .map(|i| {
            let s = start + Duration::hours(i as i64);
            let d = 1_000 + (1_000 * i / n) as i64 + (i % 7) as i64 * 13;
            let failed = i % 10 == 9;
            let mut r = json!({
                "executionId": format!("run-{i}"), "workflowId": "one", "workflowExecutionId": format!("wf-{i}"),
                "taskId": "one.step", "taskName": "step",
                "status": if failed { "failed" } else { "completed" },
                "startTime": s.to_rfc3339(), "endTime": (s + Duration::milliseconds(d)).to_rfc3339(),
                "cpuTimeMs": d / 2, "cpuAllocatedCores": 1, "memoryPeakMb": 200, "memoryAllocatedMb": 512,
            });
            if failed {
                r["error"] = json!({"type": "Boom", "message": "boom"});
            }
            r
        })
        .collect()
}

async fn check(pool: PgPool, n: usize) {
    let app = common::spawn_with(pool, |c| c.cache_ttl_secs = 0).await;
    let resp = app
        .ingest()
        .json(&json!({ "executions": records(n) }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let to = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for from in [
        Utc::now() - Duration::days(3),
        Utc::now() - Duration::hours(n as i64 + 2),
    ] {
        let from = from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let perf: Value = app
            .http
            .get(format!(
                "{}/api/v1/task-analytics/tasks/one.step/performance?from={from}&to={to}",
                app.base
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let dash: Value = app
            .http
            .post(format!("{}/api/task_dashboard", app.base))
            .form(&[("task", "one.step"), ("from", &from), ("to", &to)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(dash["stats"], perf["executionStats"], "n={n} from={from}");
        assert_eq!(dash["cost"], perf["costAnalysis"], "n={n} from={from}");
        assert!(dash["stats"]["totalExecutions"].as_u64().unwrap() > 0);
    }
    // Over the whole history the runs got slower.
    let perf: Value = app
        .http
        .get(format!(
            "{}/api/v1/task-analytics/tasks/one.step/performance?time_range=all",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        perf["executionStats"]["trendDirection"], "degrading",
        "n={n}"
    );
    // Both duration blocks, against the means of the generated durations: completed runs in
    // the headline, every 10th (failed) run in `unsuccessfulDurations`.
    let d = |i: usize| (1_000 + 1_000 * i / n + (i % 7) * 13) as f64;
    let mean = |f: &dyn Fn(&usize) -> bool| {
        let v: Vec<f64> = (0..n).filter(f).map(d).collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let stats = &perf["executionStats"];
    let u = &stats["unsuccessfulDurations"];
    assert_eq!(u["count"].as_u64(), Some(n as u64 / 10), "{u}");
    let (avg, u_avg) = (
        stats["avgDuration"].as_f64().unwrap(),
        u["avg"].as_f64().unwrap(),
    );
    assert!((avg - mean(&|i| i % 10 != 9)).abs() < 1e-9 * avg, "{avg}");
    assert!(
        (u_avg - mean(&|i| i % 10 == 9)).abs() < 1e-9 * u_avg,
        "{u_avg}"
    );
    let u_max = d((0..n)
        .filter(|i| i % 10 == 9)
        .max_by_key(|&i| d(i) as i64)
        .unwrap());
    assert!(
        (u["max"].as_f64().unwrap() - u_max).abs() <= 0.01 * u_max,
        "{u}"
    );
    for key in ["p50", "p95"] {
        assert!(u[key].as_f64().unwrap() > 0.0, "{u}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_cards_equal_performance_below_the_record_limit(pool: PgPool) {
    check(pool, 300).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_dashboard_cards_equal_performance_above_the_record_limit(pool: PgPool) {
    check(pool, 2_400).await;
}
