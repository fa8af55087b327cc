//! Workflow-level and cross-task endpoints on the diamond fixture (db/tests/fixtures/dag.sql,
//! every expectation hand-computed there).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::spawn;
use serde_json::Value;
use sqlx::PgPool;

const DAY: &str = "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z";

async fn get(app: &common::TestApp, path: &str) -> (u16, Value) {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn keys(v: &Value, field: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("dag"))
)]
async fn critical_path_follows_median_durations_and_counts_runs_that_followed_it(pool: PgPool) {
    let app = spawn(pool).await;
    let (status, cp) = get(
        &app,
        &format!("/api/v1/task-analytics/workflows/wf/critical-path?{DAY}"),
    )
    .await;
    assert_eq!(status, 200, "{cp}");
    assert_eq!(cp["path"], serde_json::json!(["wf.a", "wf.b", "wf.d"]));
    assert_eq!(cp["lengthMs"].as_f64(), Some(45_000.0));
    assert_eq!(
        (
            cp["observedRuns"].as_u64(),
            cp["runsFollowingPath"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(cp["meanMakespanMs"].as_f64(), Some(50_000.0));
    let c = cp["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskId"] == "wf.c")
        .unwrap();
    assert_eq!(
        (c["slackMs"].as_f64(), c["onCriticalPath"].as_bool()),
        (Some(5_000.0), Some(false))
    );
    // Severity = share of the path × (1 + fan-out): b 25/45·2, a 15/45·3, d 5/45·1.
    assert_eq!(keys(&cp["bottlenecks"], "taskId"), ["wf.b", "wf.a", "wf.d"]);
    let (status, _) = get(&app, "/api/v1/task-analytics/workflows/nope/critical-path").await;
    assert_eq!(status, 404);
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("dag"))
)]
async fn bottlenecks_and_workflows_list_the_fixture(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, b) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/bottlenecks?workflow_id=wf&{DAY}"),
    )
    .await;
    assert_eq!(keys(&b["bottlenecks"], "taskId"), ["wf.b", "wf.a", "wf.d"]);
    let top = b["bottlenecks"][0]["severity"].as_f64().unwrap();
    assert!((top - 25.0 / 45.0 * 2.0).abs() < 1e-12, "{top}");
    let (_, w) = get(&app, "/api/v1/task-analytics/workflows").await;
    assert_eq!(w["workflows"][0]["workflowId"], "wf");
    assert_eq!(
        (
            w["workflows"][0]["tasks"].as_u64(),
            w["workflows"][0]["runs"].as_u64()
        ),
        (Some(4), Some(2))
    );
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("dag"))
)]
async fn rankings_order_tasks_by_postgres_computed_values(pool: PgPool) {
    let app = spawn(pool).await;
    // p95 of two durations by percentile_cont: b 20+0.95·10 = 29.5 s, c 29 s, a 19.5 s, d 5 s.
    let (status, r) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/rankings?metric=duration&{DAY}"),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        keys(&r["items"], "taskId"),
        ["wf.b", "wf.c", "wf.a", "wf.d"]
    );
    // Read from the rollups' DDSketch: within its 1 % of percentile_cont.
    let p95 = r["items"][0]["value"].as_f64().unwrap();
    assert!((p95 - 29_500.0).abs() <= 0.01 * 29_500.0, "{p95}");
    // Cost with no allocation recorded: 1 core × hours × $0.048; b ran 50 s in all.
    let (_, r) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/rankings?metric=cost&limit=1&{DAY}"),
    )
    .await;
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let v = r["items"][0]["value"].as_f64().unwrap();
    assert!((v - 50.0 / 3600.0 * 0.048).abs() < 1e-12, "{v}");
    for (q, field) in [
        ("metric=speed", "metric"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
    ] {
        let (status, p) = get(&app, &format!("/api/v1/task-analytics/tasks/rankings?{q}")).await;
        assert_eq!(
            (status, p["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{q}"
        );
    }
}

#[sqlx::test(
    migrations = "../migrations",
    fixtures(path = "../../db/tests/fixtures", scripts("dag"))
)]
async fn dependencies_of_the_join_task_show_both_upstreams_and_the_wait(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, d) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/wf.d/dependencies?{DAY}"),
    )
    .await;
    assert_eq!(keys(&d["upstreamDependencies"], "taskId"), ["wf.b", "wf.c"]);
    // d starts the instant its last upstream ends in both runs.
    assert_eq!(d["waitTime"].as_f64(), Some(0.0));
    assert!((d["criticalPathContribution"].as_f64().unwrap() - 5.0 / 45.0).abs() < 1e-12);
    let (status, p) = get(
        &app,
        &format!("/api/v1/task-analytics/tasks/wf.b/resource-profile?{DAY}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(p["taskId"], "wf.b");
    assert_eq!(p["optimalConcurrency"], 1);
}
