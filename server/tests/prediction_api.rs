//! Failure prediction over HTTP (issue #15): the model finds the causes the demo generator
//! planted (its own failure model, `Generator::failure_truth`, names them), predictions move
//! the way those causes say, `asOf` trains on the past only, thin histories answer "unknown"
//! with the observed rate, bad conditions are 422 naming the field, and the background job
//! refits a model once enough new executions arrived.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

fn p(v: &Value) -> f64 {
    v["predictedFailureRate"].as_f64().unwrap()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_model_finds_the_planted_causes_and_predicts_with_them(pool: PgPool) {
    let end = Utc::now() - Duration::hours(1);
    let generator = workload::Generator::new(workload::DemoParams {
        days: 30,
        workflows: 1, // etl_orders
        scale: 1.0,
        seed: 3,
        end,
    })
    .unwrap();
    for batch in generator.batches(2_000) {
        db::ingest::ingest_batch(&pool, &batch).await.unwrap();
    }
    // The generator's own failure model: which task fails on which host or input.
    let truth = generator.failure_truth();
    let by_host = truth
        .iter()
        .find(|t| t.cause.starts_with("host "))
        .expect("a host-caused task");
    let bad_host = by_host.cause.trim_start_matches("host ").to_owned();
    let by_input = truth
        .iter()
        .find(|t| t.cause.contains("input"))
        .expect("an input-caused task");
    let app = common::spawn(pool).await;

    // The host-caused task: its own model, measured on the later 20 %, the bad host weighted up.
    let (status, m) = app
        .get_task(&format!("{}/failure-model", by_host.task_id))
        .await;
    assert_eq!(status, 200, "{m}");
    let basis = &m["basis"];
    assert_eq!(basis["scope"], "task", "{m}");
    assert!(
        time(&basis["trainTo"]) <= time(&basis["testFrom"]),
        "{basis}"
    );
    let (train, test) = (
        basis["trainSamples"].as_u64().unwrap(),
        basis["testSamples"].as_u64().unwrap(),
    );
    // 80 / 20 in time order (floor of 0.8 n).
    assert_eq!(
        train,
        ((train + test) as f64 * 0.8).floor() as u64,
        "{basis}"
    );
    let host_weight = m["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["feature"] == format!("host = {bad_host}"))
        .unwrap_or_else(|| panic!("no weight on host {bad_host}: {m}"))["weight"]
        .as_f64()
        .unwrap();
    assert!(host_weight > 0.0, "{m}");
    let q = &m["quality"];
    assert_eq!(q["samples"].as_u64().unwrap(), test);
    assert_eq!(q["calibration"].as_array().unwrap().len(), 10);
    assert!(q["rocAuc"].as_f64().unwrap() > 0.7, "{q}");
    assert!(
        q["expectedCalibrationError"].as_f64().unwrap() <= 0.05,
        "{q}"
    );
    let baselines = &m["baselines"];
    // The historical rate ranks nothing: its AUC is ½ exactly (every pair tied).
    assert_eq!(baselines["historicalRate"]["rocAuc"], 0.5, "{baselines}");
    assert!(
        q["brierScore"].as_f64().unwrap()
            <= baselines["historicalRate"]["brierScore"].as_f64().unwrap() + 1e-9,
        "{m}"
    );

    // Predictions follow the planted cause: the bad host raises the risk, and says so.
    let on = |host: &str| json!({"conditions": {"host": host, "attemptNumber": 1}});
    let (status, bad) = app
        .post_task(
            &format!("{}/predict-failure", by_host.task_id),
            on(&bad_host),
        )
        .await;
    assert_eq!(status, 200, "{bad}");
    let (_, good) = app
        .post_task(
            &format!("{}/predict-failure", by_host.task_id),
            on("worker-1"),
        )
        .await;
    assert!(p(&bad) > 2.0 * p(&good), "{bad}\n{good}");
    let factor = &bad["riskFactors"][0];
    assert!(
        factor["factor"].as_str().unwrap().starts_with("host"),
        "{bad}"
    );
    assert!(factor["riskIncrease"].as_f64().unwrap() > 0.0);
    assert!(factor["mitigation"].as_str().unwrap().contains("host"));
    assert!(bad["confidence"].as_f64().unwrap() > 0.0);
    assert_eq!(bad["model"]["quality"], m["quality"]);
    // No conditions: every factor typical, a probability near the task's own rate.
    let (status, typical) = app
        .post_task(&format!("{}/predict-failure", by_host.task_id), json!({}))
        .await;
    assert_eq!(status, 200, "{typical}");
    assert!(p(&typical) > p(&good) && p(&typical) < p(&bad), "{typical}");
    assert_ne!(typical["riskLevel"], "unknown");

    // The input-caused task: a huge input is riskier than a tiny one.
    let size = |b: u64| json!({"conditions": {"inputSizeBytes": b}});
    let path = format!("{}/predict-failure", by_input.task_id);
    let (_, large) = app.post_task(&path, size(1 << 40)).await;
    let (_, small) = app.post_task(&path, size(1)).await;
    assert!(p(&large) > 2.0 * p(&small), "{large}\n{small}");
    eprintln!(
        "{}: AUC {} ECE {} accuracy {} (majority {}); P(fail) on {bad_host} {:.3}, on worker-1 {:.3}, typical {:.3}; {}: 1 TiB input {:.3}, 1 B {:.3}",
        by_host.task_id,
        q["rocAuc"],
        q["expectedCalibrationError"],
        q["accuracy"],
        baselines["majorityClass"]["accuracy"],
        p(&bad),
        p(&good),
        p(&typical),
        by_input.task_id,
        p(&large),
        p(&small)
    );

    // asOf: trained on the first 20 days only, tested on their later part.
    let as_of = end - Duration::days(10);
    let (status, back) = app
        .post_task(
            &format!("{}/predict-failure", by_host.task_id),
            json!({"asOf": as_of.to_rfc3339(), "conditions": {"host": bad_host}}),
        )
        .await;
    assert_eq!(status, 200, "{back}");
    let b = &back["model"]["basis"];
    assert_eq!(time(&b["asOf"]), as_of);
    assert!(time(&b["testTo"]) < as_of, "{b}");
    assert!(b["trainSamples"].as_u64().unwrap() < train, "{b}");
    assert!(p(&back) > p(&good), "{back}");
    // Conditions the model does not use are named, not silently dropped.
    let (_, ignored) = app.post_task(&path,
        json!({"conditions": {"cpuUsage": 0.5, "unhealthyDependencies": ["nope.never"], "attributes": {"zone": "x"}}}),
    )
    .await;
    let names: Vec<&str> = ignored["ignoredConditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{ignored}");
    assert!(names[0].starts_with("cpuUsage"), "{names:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_input_and_thin_history(pool: PgPool) {
    let app = common::spawn(pool).await;
    // Three attempts, one failed: too little for a model.
    let t0 = Utc::now() - Duration::hours(5);
    let executions: Vec<Value> = (0..3)
        .map(|i| {
            let s = t0 + Duration::hours(i);
            json!({"executionId": format!("e{i}"), "workflowId": "thin", "workflowExecutionId": format!("r{i}"),
                   "taskId": "thin.only", "taskName": "only", "status": if i == 1 { "failed" } else { "completed" },
                   "startTime": s.to_rfc3339(), "endTime": (s + Duration::seconds(30)).to_rfc3339()})
        })
        .collect();
    let resp = app
        .ingest()
        .json(&json!({"executions": executions}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, a) = app.post_task("thin.only/predict-failure", json!({})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["riskLevel"], "unknown");
    assert_eq!(a["confidence"], 0.0);
    assert!((p(&a) - 1.0 / 3.0).abs() < 1e-12, "{a}");
    assert!(
        a["reason"]
            .as_str()
            .unwrap()
            .contains("3 labelled attempts"),
        "{a}"
    );
    assert!(a["model"].is_null());
    let (status, m) = app.get_task("thin.only/failure-model").await;
    assert_eq!(status, 200, "{m}");
    assert!(m["basis"].is_null() && m["reason"].is_string(), "{m}");

    let (status, e) = app.post_task("no.such/predict-failure", json!({})).await;
    assert_eq!(status, 404, "{e}");
    let (status, _) = app.get_task("no.such/failure-model").await;
    assert_eq!(status, 404);
    for (body, field) in [
        (json!({"conditions": {"cpuUsage": 1.5}}), "cpuUsage"),
        (json!({"conditions": {"attemptNumber": 0}}), "attemptNumber"),
        (
            json!({"conditions": {"inputSizeBytes": -1}}),
            "inputSizeBytes",
        ),
        (
            json!({"conditions": {"startTime": "+10000-01-01T00:00:00Z"}}),
            "startTime",
        ),
        (json!({"conditions": {"hostname": "a"}}), "hostname"),
        (json!({"asOf": "yesterday"}), "asOf"),
        (
            json!({"conditions": {"unhealthyDependencies": [".."]}}),
            "unhealthyDependencies[0]",
        ),
        (json!({"conditions": {"host": ""}}), "conditions.host"),
    ] {
        let (status, e) = app
            .post_task("thin.only/predict-failure", body.clone())
            .await;
        assert_eq!(status, 422, "{body}: {e}");
        let text = e.to_string();
        assert!(text.contains(field), "{body}: {e}");
    }
}

/// One task, `retry.t`, failing every fifth attempt, `n` attempts an hour apart from `from`.
fn attempts(from: DateTime<Utc>, first: usize, n: usize) -> Value {
    let executions: Vec<Value> = (first..first + n)
        .map(|i| {
            let s = from + Duration::minutes(10 * i as i64);
            json!({"executionId": format!("e{i}"), "workflowId": "retry", "workflowExecutionId": format!("r{i}"),
                   "taskId": "retry.t", "taskName": "t", "status": if i % 5 == 0 { "failed" } else { "completed" },
                   "host": if i % 5 == 0 { "bad" } else { "good" },
                   "startTime": s.to_rfc3339(), "endTime": (s + Duration::seconds(30)).to_rfc3339()})
        })
        .collect();
    json!({"executions": executions})
}

#[sqlx::test(migrations = "../migrations")]
async fn the_background_job_refits_a_model_after_enough_new_executions(pool: PgPool) {
    let app = common::spawn_with(pool, |c| c.retrain_secs = 1).await;
    let from = Utc::now() - Duration::days(5);
    let ingest = |body: Value| {
        let app = &app;
        async move {
            let resp = app.ingest().json(&body).send().await.unwrap();
            assert_eq!(resp.status(), 200);
        }
    };
    ingest(attempts(from, 0, 100)).await;
    let (status, first) = app.get_task("retry.t/failure-model").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["basis"]["trainSamples"], 80, "{first}");
    // Fewer than RETRAIN_AFTER new executions: the job leaves it.
    ingest(attempts(from, 100, 50)).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let (_, same) = app.get_task("retry.t/failure-model").await;
    assert_eq!(same["basis"]["trainedAt"], first["basis"]["trainedAt"]);
    // 200 and more: refitted on all 350 within a few job periods.
    ingest(attempts(from, 150, 200)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, now) = app.get_task("retry.t/failure-model").await;
        if now["basis"]["trainedAt"] != first["basis"]["trainedAt"] {
            assert_eq!(now["basis"]["trainSamples"], 280, "{now}");
            assert_eq!(now["basis"]["testSamples"], 70, "{now}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not refitted: {now}");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}
