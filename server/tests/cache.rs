//! What the server persists: the performance cache, detected patterns, the summary view.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::spawn_with;
use serde_json::Value;
use sqlx::PgPool;

async fn get(app: &common::TestApp, path: &str) -> Value {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn a_named_window_is_computed_once_then_served_from_task_performance_metrics(pool: PgPool) {
    let app = spawn_with(pool.clone(), |c| c.cache_ttl_secs = 3600).await;
    let path = "/api/v1/task-analytics/tasks/etl.extract/performance?time_range=all";
    let first = get(&app, path).await;
    let second = get(&app, path).await;
    assert_eq!(
        first["window"], second["window"],
        "the second answer is the stored one"
    );
    let (label, total): (String, i64) = sqlx::query_as(
        "SELECT window_label, (execution_stats->>'totalExecutions')::bigint FROM task_performance_metrics",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((label.as_str(), total), ("all", 4));
    // An explicit window is never cached.
    get(
        &app,
        "/api/v1/task-analytics/tasks/etl.extract/performance?from=2026-01-01T00:00:00Z",
    )
    .await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM task_performance_metrics")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn with_no_cache_every_request_sees_new_executions(pool: PgPool) {
    let app = spawn_with(pool.clone(), |c| c.cache_ttl_secs = 0).await;
    let path = "/api/v1/task-analytics/tasks/etl.load/performance?time_range=all";
    assert_eq!(
        get(&app, path).await["executionStats"]["totalExecutions"],
        2
    );
    let body = serde_json::json!({"executions": [{
        "executionId": "l3", "workflowId": "etl_orders", "workflowExecutionId": "run-1",
        "taskId": "etl.load", "taskName": "Load warehouse", "status": "completed",
        "startTime": "2026-01-01T10:06:00Z", "endTime": "2026-01-01T10:06:07Z"}]});
    assert_eq!(app.ingest().json(&body).send().await.unwrap().status(), 200);
    assert_eq!(
        get(&app, path).await["executionStats"]["totalExecutions"],
        3
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn a_named_ranking_is_computed_once_per_ttl_and_an_explicit_window_always(pool: PgPool) {
    let app = spawn_with(pool.clone(), |c| c.cache_ttl_secs = 3600).await;
    let named = "/api/v1/task-analytics/tasks/rankings?metric=executions&time_range=all";
    let explicit =
        "/api/v1/task-analytics/tasks/rankings?metric=executions&from=2025-01-01T00:00:00Z";
    let top = |v: Value| v["items"][0]["value"].as_f64().unwrap();
    assert_eq!(top(get(&app, named).await), 4.0, "etl.extract's 4 runs");
    let body = serde_json::json!({"executions": [{
        "executionId": "e5", "workflowId": "etl_orders", "workflowExecutionId": "run-1",
        "taskId": "etl.extract", "taskName": "Extract", "status": "completed",
        "startTime": "2026-01-01T10:07:00Z", "endTime": "2026-01-01T10:07:03Z"}]});
    assert_eq!(app.ingest().json(&body).send().await.unwrap().status(), 200);
    assert_eq!(top(get(&app, named).await), 4.0, "served from the cache");
    assert_eq!(top(get(&app, explicit).await), 5.0, "computed");
}

#[sqlx::test(migrations = "../migrations")]
async fn detected_patterns_are_stored_by_signature(pool: PgPool) {
    let generator = workload::Generator::new(workload::DemoParams {
        days: 7,
        workflows: 1,
        scale: 1.0,
        seed: 21,
        end: "2026-11-26T00:00:00Z".parse().unwrap(),
    })
    .unwrap();
    for b in generator.batches(10_000) {
        db::ingest::ingest_batch(&pool, &b).await.unwrap();
    }
    let app = spawn_with(pool.clone(), |_| {}).await;
    // etl_orders runs hourly: a timing pattern.
    let p = get(
        &app,
        "/api/v1/task-analytics/tasks/etl_orders.extract/patterns?time_range=all",
    )
    .await;
    let kinds: Vec<&str> = p["patterns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"etl_orders.extract:timing"), "{kinds:?}");
    assert_eq!(
        p["patterns"][0]["characteristics"]["timeDistribution"]["periodicty"],
        "hourly"
    );
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT pattern_signature FROM task_patterns ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        stored.contains(&"etl_orders.extract:timing".to_owned()),
        "{stored:?}"
    );
    get(
        &app,
        "/api/v1/task-analytics/tasks/etl_orders.extract/patterns?time_range=all",
    )
    .await;
    let again: i64 = sqlx::query_scalar("SELECT count(*) FROM task_patterns")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        again as usize,
        stored.len(),
        "re-detection updates, never duplicates"
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn the_summary_view_is_refreshed_on_schedule(pool: PgPool) {
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM task_performance_summary")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(before, 0, "fixture rows arrived after the view was built");
    let _app = spawn_with(pool.clone(), |c| c.summary_refresh_secs = 1).await;
    let mut rows = 0i64;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        rows = sqlx::query_scalar("SELECT count(*) FROM task_performance_summary")
            .fetch_one(&pool)
            .await
            .unwrap();
        if rows > 0 {
            break;
        }
    }
    // One row per (task, name, hour): extract, load, train.
    assert_eq!(rows, 3);
}
