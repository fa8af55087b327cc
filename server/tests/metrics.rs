//! Prometheus metrics at `/metrics`: requests and latency per route, ingest rows and batches,
//! pool use and waits, cache lookups. The metrics recorder is per process and installed when an
//! app is built: the pool-wait events this test makes come after its app is built (before, they
//! went to the no-op recorder whenever this test started before another one's app, a flaky
//! empty histogram seen once in CI).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use serde_json::json;
use sqlx::PgPool;

mod common;

fn value(text: &str, line_prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_count_requests_per_route_ingest_rows_and_pool_use(pool: PgPool) {
    // The server's subscriber turns the pool's acquire events into a histogram; a pool made
    // as the server makes it (the test's own pool is sqlx::test's) reports its acquires.
    server::telemetry::init("text");
    // After the app is built: building it installs the process's metrics recorder, and events
    // before that go to the no-op recorder.
    let app = common::spawn(pool).await;
    let url = std::env::var("DATABASE_URL").unwrap();
    let server_pool = db::pool::connect(&url, &db::pool::PoolOptions::default()).unwrap();
    for _ in 0..2 {
        sqlx::query("SELECT 1").execute(&server_pool).await.unwrap();
    }
    for _ in 0..3 {
        app.http
            .get(format!(
                "{}/api/v1/task-analytics/tasks/nope/performance",
                app.base
            ))
            .send()
            .await
            .unwrap();
    }
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let rec = json!({"executionId": "m-1", "workflowId": "m", "workflowExecutionId": "r",
        "taskId": "m.t", "taskName": "t", "status": "completed",
        "startTime": start.to_rfc3339(), "endTime": (start + chrono::Duration::seconds(5)).to_rfc3339()});
    let resp = app
        .ingest()
        .json(&json!({"executions": [rec]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // A named window goes through the stored-results cache: first a miss, then a fresh hit.
    for _ in 0..2 {
        let resp = app
            .http
            .get(format!(
                "{}/api/v1/task-analytics/tasks/m.t/performance?time_range=7d",
                app.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let resp = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    let requests = value(
        &text,
        r#"tasklens_http_requests_total{method="GET",route="/api/v1/task-analytics/tasks/{task_id}/performance",status="404"}"#,
    );
    // The recorder is per process: other tests in this binary may have added to it.
    assert!(requests.is_some_and(|n| n >= 3.0), "{text}");
    assert!(
        text.contains(r#"tasklens_http_request_duration_seconds_bucket{method="POST",route="/api/v1/task-analytics/ingest""#),
        "{text}"
    );
    assert!(
        value(
            &text,
            r#"tasklens_ingest_records_total{outcome="inserted"}"#
        )
        .is_some_and(|n| n >= 1.0)
    );
    assert!(value(&text, "tasklens_ingest_batches_total").is_some_and(|n| n >= 1.0));
    assert!(value(&text, r#"tasklens_db_pool_connections{state="idle"}"#).is_some());
    assert!(value(&text, "tasklens_db_pool_max_connections").is_some_and(|n| n >= 1.0));
    assert!(
        value(&text, "tasklens_db_pool_acquire_seconds_count").is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert!(text.contains(r#"tasklens_db_pool_acquire_seconds_bucket{le="0.001"}"#));
    assert!(value(&text, r#"tasklens_requests_in_flight{class="reads"}"#).is_some());
    for outcome in ["miss", "fresh"] {
        let line =
            format!(r#"tasklens_cache_requests_total{{cache="performance",outcome="{outcome}"}}"#);
        assert!(
            value(&text, &line).is_some_and(|n| n >= 1.0),
            "{line}\n{text}"
        );
    }
}
