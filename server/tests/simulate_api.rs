//! `POST /tasks/simulate` on a hand-made history (issue #14): workflow `sim`, `a → b`, three
//! runs in which `a` took 100, 200 and 300 s and `b` 50 s right after it, so the observed
//! makespans are 150, 250 and 350 s and every number below is worked by hand from them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

async fn seed(app: &common::TestApp) {
    let day = Utc::now() - Duration::days(2);
    let day = Utc
        .with_ymd_and_hms(
            chrono::Datelike::year(&day),
            chrono::Datelike::month(&day),
            chrono::Datelike::day(&day),
            0,
            0,
            0,
        )
        .unwrap();
    let mut executions = Vec::new();
    for (i, a_secs) in [100i64, 200, 300].into_iter().enumerate() {
        let start = day + Duration::hours(i as i64);
        let a_end = start + Duration::seconds(a_secs);
        let b_end = a_end + Duration::seconds(50);
        for (task, s, e) in [("a", start, a_end), ("b", a_end, b_end)] {
            executions.push(json!({
                "executionId": format!("r{i}-{task}"), "workflowId": "sim",
                "workflowExecutionId": format!("r{i}"), "taskId": format!("sim.{task}"),
                "taskName": task, "status": "completed", "cpuAllocatedCores": 1.0,
                "startTime": s.to_rfc3339(), "endTime": e.to_rfc3339()}));
        }
    }
    let body = json!({"executions": executions, "dependencies": [
        {"workflowId": "sim", "upstreamTaskId": "sim.a", "downstreamTaskId": "sim.b"}]});
    let resp = app.ingest().json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

async fn simulate(app: &common::TestApp, body: Value) -> (u16, Value) {
    let resp = app
        .http
        .post(format!("{}/api/v1/task-analytics/tasks/simulate", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

fn p50(side: &Value) -> f64 {
    side["makespanMs"]["p50"]["value"].as_f64().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_simulator_replays_the_history_and_applies_changes_as_worked_by_hand(pool: PgPool) {
    let app = common::spawn(pool).await;
    seed(&app).await;

    // No change: both sides equal; every simulated makespan is one of 150, 250, 350 s, each a
    // third of the time, so the median is 250 s and the p95 350 s.
    let (status, a) = simulate(&app, json!({"workflowId": "sim", "runs": 30000, "seed": 3})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["baseline"], a["changed"]);
    assert_eq!(p50(&a["baseline"]), 250_000.0);
    assert_eq!(a["baseline"]["makespanMs"]["p95"]["value"], 350_000.0);
    let mean = a["baseline"]["makespanMs"]["mean"].as_f64().unwrap();
    // Mean of a third each of 150, 250, 350 s: 250 s; sd of the mean 81.6 s / √30,000 = 0.47 s.
    assert!((mean - 250_000.0).abs() < 4.0 * 471.4, "{mean}");
    assert_eq!(a["baseline"]["failureProbability"]["value"], 0.0);
    assert_eq!(
        a["basis"],
        json!({"runsUsed": 3, "runsInWindow": 3, "tasks": 2, "edges": 1, "seed": 3,
               "currency": "USD"})
    );
    assert_eq!(a["improvement"]["makespanP50Pct"], 0.0);

    // The same request, the same answer.
    let (_, again) = simulate(&app, json!({"workflowId": "sim", "runs": 30000, "seed": 3})).await;
    assert_eq!(again, a);

    // a 50 % faster: 100, 150, 200 s, median 150 s (−40 %); the paired draws keep each run's
    // observed a, so exactly the same runs are resampled.
    let (_, s) = simulate(
        &app,
        json!({"workflowId": "sim", "runs": 30000, "seed": 3,
               "changes": [{"type": "scale", "taskId": "sim.a", "factor": 0.5}]}),
    )
    .await;
    assert_eq!(p50(&s["changed"]), 150_000.0);
    assert_eq!(s["improvement"]["makespanP50Pct"], -40.0);
    // Cost: a's core-seconds halve; b's stay: (mean a 200 s → 100 s) + 50 s of one core.
    let (base_cost, cost) = (
        s["baseline"]["costPerRun"].as_f64().unwrap(),
        s["changed"]["costPerRun"].as_f64().unwrap(),
    );
    assert!(
        (cost / base_cost - 150.0 / 250.0).abs() < 0.01,
        "{cost} / {base_cost}"
    );

    // Without the edge b runs beside a: the makespan is a's, median 200 s.
    let (_, r) = simulate(
        &app,
        json!({"workflowId": "sim", "changes": [
            {"type": "removeEdge", "from": "sim.a", "to": "sim.b"}]}),
    )
    .await;
    assert_eq!(p50(&r["changed"]), 200_000.0);

    // A cache on a at hit rate 1: only b runs, 50 s, at any seed.
    let (_, c) = simulate(
        &app,
        json!({"workflowId": "sim", "runs": 1000, "changes": [
            {"type": "cache", "taskId": "sim.a", "hitRate": 1.0}]}),
    )
    .await;
    assert_eq!(c["changed"]["makespanMs"]["p95"]["value"], 50_000.0);
    // A one-off cost of 0.01 repaid by the per-run saving.
    let (_, b) = simulate(
        &app,
        json!({"workflowId": "sim", "runs": 1000, "oneOffCost": 0.01, "changes": [
            {"type": "cache", "taskId": "sim.a", "hitRate": 1.0}]}),
    )
    .await;
    let saving = b["baseline"]["costPerRun"].as_f64().unwrap()
        - b["changed"]["costPerRun"].as_f64().unwrap();
    let runs = b["improvement"]["breakEvenRuns"].as_f64().unwrap();
    assert!((runs - 0.01 / saving).abs() < 1e-9 * runs, "{runs}");
}

#[sqlx::test(migrations = "../migrations")]
async fn impossible_changes_are_refused_naming_the_field(pool: PgPool) {
    let app = common::spawn(pool).await;
    seed(&app).await;
    let cases = [
        (
            json!({"workflowId": "sim", "changes": [{"type": "cache", "taskId": "sim.a", "hitRate": 1.5}]}),
            422,
            "changes[0].hitRate",
        ),
        (
            json!({"workflowId": "sim", "changes": [
                {"type": "scale", "taskId": "sim.a", "factor": 2},
                {"type": "scale", "taskId": "sim.zz", "factor": 2}]}),
            422,
            "changes[1].taskId",
        ),
        (
            json!({"workflowId": "sim", "changes": [{"type": "teleport", "taskId": "sim.a"}]}),
            422,
            "changes[0]",
        ),
        (
            json!({"workflowId": "sim", "changes": [{"type": "addEdge", "from": "sim.b", "to": "sim.a"}]}),
            422,
            "cycle",
        ),
        (json!({"workflowId": "sim", "runs": 0}), 422, "runs"),
        (json!({"workflowId": "sim", "runs": 100001}), 422, "runs"),
        (json!({"workflowId": "sim", "speed": 2}), 422, "speed"),
        (json!({"workflowId": "nope"}), 404, "nope"),
        (
            json!({"workflowId": "sim", "from": "1999-01-01T00:00:00Z", "to": "1999-01-02T00:00:00Z"}),
            422,
            "no runs",
        ),
    ];
    for (body, status, needle) in cases {
        let (got, p) = simulate(&app, body.clone()).await;
        assert_eq!(got, status, "{body} → {p}");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(needle), "{body} → {detail}");
    }
    // Not JSON at all.
    let resp = app
        .http
        .post(format!("{}/api/v1/task-analytics/tasks/simulate", app.base))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
}
