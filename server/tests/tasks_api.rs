//! Per-task REST endpoints against the small fixture (db/tests/fixtures/small.sql), with
//! expectations computed by hand there or by Postgres itself (`percentile_cont`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::spawn;
use serde_json::Value;
use sqlx::PgPool;

const DAY: &str = "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z";

async fn get(app: &common::TestApp, path: &str) -> (u16, Value, String) {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    (status, resp.json().await.unwrap(), ctype)
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn performance_matches_postgres_percentile_cont_and_hand_counts(pool: PgPool) {
    let (p50, p95, p99): (f64, f64, f64) = sqlx::query_as(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms),
                percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)
         FROM task_execution_history h JOIN tasks t ON t.id = h.task_id
         WHERE t.task_key = 'etl.extract' AND h.status = 'completed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let app = spawn(pool).await;
    let (status, body, _) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/etl.extract/performance?{DAY}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["window"]["from"], "2026-01-01T00:00:00Z");
    assert_eq!(body["taskId"], "etl.extract");
    assert_eq!(body["taskType"], "io");
    let s = &body["executionStats"];
    let counts: Vec<u64> = [
        "totalExecutions",
        "successfulExecutions",
        "failedExecutions",
        "timeoutExecutions",
    ]
    .iter()
    .map(|k| s[k].as_u64().unwrap())
    .collect();
    assert_eq!(counts, [4, 2, 1, 1]);
    for (k, want) in [
        ("p50Duration", p50),
        ("p95Duration", p95),
        ("p99Duration", p99),
    ] {
        // From the rollups' DDSketch: within its relative accuracy (1 %) of percentile_cont.
        let got = s[k].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 0.01 * want,
            "{k}: {got} vs percentile_cont {want}"
        );
    }
    assert_eq!(
        s["avgDuration"].as_f64(),
        Some(2500.0),
        "(1000+4000)/2: the completed runs"
    );
    // The failed 2 s and the timed-out 3 s attempts, apart from the headline: count and mean
    // exact; p50 and max (the longest run completed) from the sketch, within its 1 %.
    let u = &s["unsuccessfulDurations"];
    assert_eq!(
        (u["count"].as_u64(), u["avg"].as_f64()),
        (Some(2), Some(2500.0)),
        "{u}"
    );
    for (k, want) in [("p50", 2500.0), ("max", 3000.0)] {
        let got = u[k].as_f64().unwrap();
        assert!((got - want).abs() <= 0.01 * want, "{k}: {got} vs {want}");
    }
    assert_eq!(
        body["failureAnalysis"]["failureRate"].as_f64(),
        Some(0.5),
        "failed + timeout over 4"
    );
    // Cost: no allocation or usage recorded, so 1 core is assumed: 10 s × $0.048/h.
    let total = body["costAnalysis"]["totalCost"].as_f64().unwrap();
    assert!((total - 10.0 / 3600.0 * 0.048).abs() < 1e-12, "{total}");
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn a_window_without_executions_has_zero_counts(pool: PgPool) {
    let app = spawn(pool).await;
    let (status, body, _) = get(
        &app,
        "/api/v1/task-analytics/tasks/etl.extract/performance?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["executionStats"]["totalExecutions"], 0);
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn failures_and_dependencies_and_patterns_answer_for_the_window(pool: PgPool) {
    let app = spawn(pool).await;
    let (status, f, _) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/etl.extract/failures?{DAY}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(f["failureRate"].as_f64(), Some(0.5));
    let (status, d, _) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/etl.load/dependencies?{DAY}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(d["upstreamDependencies"].as_array().unwrap().len(), 0);
    let (status, p, _) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/etl.extract/patterns?{DAY}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        p["patterns"].as_array().unwrap().len(),
        0,
        "4 runs are too few for a pattern"
    );
    assert!(p["window"]["to"].is_string());
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn unknown_tasks_are_404_and_bad_windows_422_naming_the_parameter(pool: PgPool) {
    let app = spawn(pool).await;
    let (status, body, ctype) = get(
        &app,
        "/api/v1/task-analytics/tasks/no.such.task/performance",
    )
    .await;
    assert_eq!((status, ctype.as_str()), (404, "application/problem+json"));
    assert_eq!(body["detail"], "task \"no.such.task\" not found");
    for (query, param) in [
        ("time_range=2w", "time_range"),
        ("from=yesterday", "from"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from"),
        ("time_range=7d&from=2026-01-01T00:00:00Z", "time_range"),
        ("to=2026-01-01T00:00:00Z", "from"),
    ] {
        let (status, body, ctype) = get(
            &app,
            &format!("/api/v1/task-analytics/tasks/etl.extract/failures?{query}"),
        )
        .await;
        assert_eq!(
            (status, ctype.as_str()),
            (422, "application/problem+json"),
            "{query}"
        );
        assert_eq!(body["errors"][0]["field"], param, "{query}: {body}");
    }
}

#[tokio::test]
async fn with_postgres_unreachable_task_endpoints_answer_503() {
    let url = "postgres://postgres@127.0.0.1:9/none";
    let mut config = server::config::Config::for_tests(url);
    config.db_acquire_timeout_ms = 1000;
    let pool = db::connect(url, &config.pool_options()).unwrap();
    let app = server::startup::Application::build_without_migrating(config, pool)
        .await
        .unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let resp = reqwest::get(format!("{base}/api/v1/task-analytics/tasks/a/performance"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn task_pages_cover_every_task_once_in_key_order(pool: PgPool) {
    let app = spawn(pool).await;
    let mut keys = Vec::new();
    let mut path = "/api/v1/task-analytics/tasks?limit=3".to_owned();
    loop {
        let (status, body, _) = get(&app, &path).await;
        assert_eq!(status, 200, "{body}");
        keys.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["taskId"].as_str().unwrap().to_owned()),
        );
        match body["nextCursor"].as_str() {
            Some(c) => path = format!("/api/v1/task-analytics/tasks?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(keys, ["etl.extract", "etl.load", "ml.evaluate", "ml.train"]);
    let (_, body, _) = get(
        &app,
        "/api/v1/task-analytics/tasks?workflow_id=ml_nightly&search=TRAIN",
    )
    .await;
    assert_eq!(body["items"][0]["taskId"], "ml.train");
    assert_eq!(body["items"][0]["totalExecutions"], 1);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn execution_pages_are_newest_first_and_neither_skip_nor_repeat(pool: PgPool) {
    let app = spawn(pool).await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/task-analytics/tasks/etl.extract/executions?limit=1".to_owned();
    loop {
        let (status, body, _) = get(&app, &path).await;
        assert_eq!(status, 200, "{body}");
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["executionId"].as_str().unwrap().to_owned()),
        );
        match body["nextCursor"].as_str() {
            Some(c) => {
                path = format!(
                    "/api/v1/task-analytics/tasks/etl.extract/executions?limit=1&cursor={c}"
                )
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["x4", "x3", "x2", "x1"],
        "fixture start times 10:03, 10:02, 10:01, 10:00"
    );
    let (_, body, _) = get(
        &app,
        "/api/v1/task-analytics/tasks/etl.extract/executions?status=timeout",
    )
    .await;
    assert_eq!(body["items"][0]["executionId"], "x3");
    assert_eq!(body["items"][0]["durationMs"], 3000);
    assert!(body["nextCursor"].is_null());
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("small"))
)]
async fn list_parameters_out_of_bounds_are_422_naming_the_parameter(pool: PgPool) {
    let app = spawn(pool).await;
    for (path, param) in [
        (
            "/api/v1/task-analytics/tasks/etl.extract/executions?limit=501",
            "limit",
        ),
        (
            "/api/v1/task-analytics/tasks/etl.extract/executions?limit=0",
            "limit",
        ),
        (
            "/api/v1/task-analytics/tasks/etl.extract/executions?cursor=zz",
            "cursor",
        ),
        (
            "/api/v1/task-analytics/tasks/etl.extract/executions?cursor=6869",
            "cursor",
        ),
        (
            "/api/v1/task-analytics/tasks/etl.extract/executions?status=done",
            "status",
        ),
        ("/api/v1/task-analytics/tasks?limit=201", "limit"),
        ("/api/v1/task-analytics/tasks?cursor=not-hex", "cursor"),
    ] {
        let (status, body, _) = get(&app, path).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["errors"][0]["field"], param, "{path}");
    }
    let (status, _, _) = get(&app, "/api/v1/task-analytics/tasks/nope/executions").await;
    assert_eq!(status, 404);
}
