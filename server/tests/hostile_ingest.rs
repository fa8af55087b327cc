//! Hostile but well-formed ingest bodies over HTTP, against a fresh database per test: each
//! once reached PostgreSQL and failed there (a 500), or was silently accepted. Now each is a
//! 422 problem+json naming the field, and nothing of the batch is written. Values at the
//! bounds are accepted and stored (the rollups stay finite).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::spawn;
use serde_json::{Value, json};
use sqlx::PgPool;

fn exec(id: &str) -> Value {
    json!({
        "executionId": id, "workflowId": "etl", "workflowExecutionId": "run-1",
        "taskId": "etl.extract", "taskName": "Extract", "status": "failed",
        "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:05Z",
        "error": {"type": "OOMKilled", "code": "137", "message": "killed"}
    })
}

/// `exec("b")` with `path` (`a` or `a.b`) set to `value`.
fn with(path: &str, value: Value) -> Value {
    let mut v = exec("b");
    match path.split_once('.') {
        Some((outer, inner)) => v[outer][inner] = value,
        None => v[path] = value,
    }
    v
}

/// Rows in every table an ingest writes.
async fn written(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM workflows) + (SELECT count(*) FROM tasks)
              + (SELECT count(*) FROM workflow_executions)
              + (SELECT count(*) FROM task_execution_history)
              + (SELECT count(*) FROM task_failures) + (SELECT count(*) FROM task_dependencies)
              + (SELECT count(*) FROM task_rollups_hourly)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Posts `body` (JSON, or NDJSON when `ndjson`), expects a 422 problem+json whose errors are
/// exactly `expected` (index, field), and that nothing was written. Returns the problem.
async fn refused(
    app: &common::TestApp,
    pool: &PgPool,
    body: String,
    ndjson: bool,
    expected: &[(u64, &str)],
) -> Value {
    let content_type = if ndjson {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    let resp = app
        .ingest()
        .header("content-type", content_type)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(status, 422, "{body}\n{problem}");
    assert_eq!(ct, "application/problem+json");
    let errors: Vec<(u64, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["index"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(errors, expected, "{body}\n{problem}");
    assert_eq!(written(pool).await, 0, "nothing is written: {body}");
    problem
}

/// One valid record and `bad` after it, as a JSON batch: refused naming record 1's `field`.
async fn refused_beside_a_valid_record(
    app: &common::TestApp,
    pool: &PgPool,
    bad: Value,
    field: &str,
) -> String {
    let body = json!({"executions": [exec("a"), bad]}).to_string();
    let p = refused(app, pool, body, false, &[(1, field)]).await;
    p["errors"][0]["message"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn nul_in_any_string_field_is_422_naming_the_field(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    for (path, field) in [
        ("error.message", "error.message"),
        ("error.stackTrace", "error.stackTrace"),
        ("error.type", "error.type"),
        ("error.code", "error.code"),
        ("retryReason", "retryReason"),
        ("inputHash", "inputHash"),
        ("host", "host"),
        ("taskName", "taskName"),
        ("workflowName", "workflowName"),
        ("taskId", "taskId"),
    ] {
        let bad = with(path, json!("a\u{0}b"));
        refused_beside_a_valid_record(&app, &pool, bad.clone(), field).await;
        // The same record as NDJSON.
        refused(&app, &pool, format!("{bad}\n"), true, &[(0, field)]).await;
    }
    let m = refused_beside_a_valid_record(
        &app,
        &pool,
        with("attributes", json!({"region": "e\u{0}u"})),
        "attributes.region",
    )
    .await;
    assert!(m.contains("NUL"), "{m}");
    let m = refused_beside_a_valid_record(
        &app,
        &pool,
        with("attributes", json!({"re\u{0}gion": "eu"})),
        "attributes",
    )
    .await;
    assert!(m.contains("NUL"), "{m}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_error_code_over_50_characters_is_422_and_50_is_stored(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let m = refused_beside_a_valid_record(
        &app,
        &pool,
        with("error.code", json!("E".repeat(51))),
        "error.code",
    )
    .await;
    assert_eq!(m, "must be at most 50 characters");
    let resp = app
        .ingest()
        .json(&json!({"executions": [with("error.code", json!("é".repeat(50)))]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let code: String = sqlx::query_scalar("SELECT error_code FROM task_failures")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(code.chars().count(), 50);
}

#[sqlx::test(migrations = "../migrations")]
async fn absurd_numbers_are_422_naming_the_field_and_its_range(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    for (field, value, range) in [
        (
            "cpuAllocatedCores",
            json!(1e308),
            "between 0.001 and 4096 cores",
        ),
        (
            "cpuAllocatedCores",
            json!(1e-300),
            "between 0.001 and 4096 cores",
        ),
        ("memoryPeakMb", json!(1e308), "67108864 MiB"),
        ("memoryAllocatedMb", json!(1e-300), "0.0009765625"),
        ("memoryAllocatedMb", json!(1e308), "67108864 MiB"),
        ("cpuTimeMs", json!(i64::MAX), "129259929600000 ms"),
        ("ioOperations", json!(i64::MAX - 1), "1000000000000000"),
        ("networkCalls", json!(9.2e18), "1000000000000000"),
        ("inputSizeBytes", json!(i64::MAX), "9007199254740992 bytes"),
        ("outputSizeBytes", json!(1e300), "9007199254740992 bytes"),
        (
            "readBytes",
            json!((1_i64 << 53) + 2),
            "9007199254740992 bytes",
        ),
        ("writeBytes", json!(u64::MAX), "9007199254740992 bytes"),
        ("bytesTransferred", json!(-1), "9007199254740992 bytes"),
        ("attemptNumber", json!(i32::MAX), "from 1 to 10000"),
    ] {
        let m = refused_beside_a_valid_record(&app, &pool, with(field, value), field).await;
        assert!(m.contains(range), "{field}: {m:?} lacks {range:?}");
    }
    let mut long = with("durationMs", json!(i64::MAX));
    long["status"] = json!("running");
    long.as_object_mut().unwrap().remove("endTime");
    let m = refused_beside_a_valid_record(&app, &pool, long, "durationMs").await;
    assert!(m.contains("31557600000 ms"), "{m}");
    let m = refused_beside_a_valid_record(
        &app,
        &pool,
        with("attributes", json!({"weight": 1e300})),
        "attributes.weight",
    )
    .await;
    assert!(m.contains("1e15"), "{m}");
}

#[sqlx::test(migrations = "../migrations")]
async fn values_at_every_bound_are_stored_and_rolled_up(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let mut widest = exec("widest");
    widest["status"] = json!("completed");
    widest["startTime"] = json!("2026-01-01T00:00:00Z");
    widest["endTime"] = json!("2027-01-01T06:00:00Z"); // one Julian year later
    widest["durationMs"] = json!(31_557_600_000_i64);
    widest["cpuTimeMs"] = json!(129_259_929_600_000_i64);
    widest["cpuAllocatedCores"] = json!(4096);
    widest["memoryPeakMb"] = json!(67_108_864);
    widest["memoryAllocatedMb"] = json!(67_108_864);
    widest["attemptNumber"] = json!(10_000);
    for f in [
        "inputSizeBytes",
        "outputSizeBytes",
        "readBytes",
        "writeBytes",
        "bytesTransferred",
    ] {
        widest[f] = json!(1_i64 << 53);
    }
    widest["ioOperations"] = json!(1_000_000_000_000_000_i64);
    widest["networkCalls"] = json!(1_000_000_000_000_000_i64);
    widest["attributes"] = json!({"lo": -1e15, "hi": 1e15});
    // The largest CPU share: all the CPU time in 1 ms on a millicore.
    let mut sharpest = exec("sharpest");
    sharpest["endTime"] = json!("2026-01-01T10:00:00.001Z");
    sharpest["cpuTimeMs"] = json!(129_259_929_600_000_i64);
    sharpest["cpuAllocatedCores"] = json!(0.001);
    sharpest["memoryAllocatedMb"] = json!(1.0 / 1024.0);
    let mut first = exec("first");
    first["startTime"] = json!("1970-01-01T00:00:00Z");
    first["endTime"] = json!("1970-01-01T00:00:01Z");
    let mut last = exec("last");
    last["status"] = json!("running");
    last["startTime"] = json!("9999-12-31T23:59:59Z");
    last.as_object_mut().unwrap().remove("endTime");
    let resp = app
        .ingest()
        .json(&json!({"executions": [widest, sharpest, first, last]}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert_eq!(status, 200, "{}", resp.text().await.unwrap());
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM task_execution_history")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 4);
    let (share, core_hours): (f64, f64) =
        sqlx::query_as("SELECT max(cpu_share_sum), sum(core_hours) FROM task_rollups_hourly")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(share.is_finite() && share > 1e16, "{share}");
    assert!(core_hours.is_finite(), "{core_hours}");
    // A replay recomputes the touched hours from the stored rows (the UPDATE trigger). It moves
    // `first` from 1970 to 2026, so it must say it is a correction (else 409, the replay guard).
    let mut moved = exec("first");
    moved["correction"] = json!(true);
    let resp = app
        .ingest()
        .json(&json!({"executions": [moved]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn timestamps_outside_1970_to_9999_are_422_naming_the_field(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    for (field, value) in [
        ("startTime", "+10000-01-01T00:00:00Z"),
        ("endTime", "+10000-01-01T00:00:00Z"),
        ("endTime", "9999-12-31T23:00:00-01:00"),
        ("startTime", "1969-12-31T23:59:59Z"),
        ("startTime", "-0001-01-01T00:00:00Z"),
    ] {
        let mut bad = with(field, json!(value));
        if field == "startTime" {
            bad["status"] = json!("running");
            bad.as_object_mut().unwrap().remove("endTime");
        }
        let m = refused_beside_a_valid_record(&app, &pool, bad.clone(), field).await;
        assert!(
            m.contains("1970-01-01T00:00:00Z") || m.contains("RFC 3339"),
            "{field} = {value}: {m}"
        );
        refused(&app, &pool, format!("{bad}\n"), true, &[(0, field)]).await;
    }
    // An end more than a year after the start: the derived duration is out of range.
    let mut long = exec("b");
    long["startTime"] = json!("1970-01-01T00:00:00Z");
    long["endTime"] = json!("9999-12-31T23:59:59Z");
    refused_beside_a_valid_record(&app, &pool, long, "endTime").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_top_level_keys_and_non_object_bodies_are_422(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let p = refused(
        &app,
        &pool,
        json!({"execution": [exec("a")]}).to_string(),
        false,
        &[(0, "execution")],
    )
    .await;
    let m = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        m.contains("\"executions\"") && m.contains("\"dependencies\""),
        "{m}"
    );
    refused(
        &app,
        &pool,
        json!({"executions": [exec("a")], "dependencies": [], "meta": {}}).to_string(),
        false,
        &[(0, "meta")],
    )
    .await;
    refused(
        &app,
        &pool,
        json!([[exec("a")], []]).to_string(),
        false,
        &[(0, "$")],
    )
    .await;
    // A record as an array of its values, an error as an array.
    let values: Vec<Value> = exec("a").as_object().unwrap().values().cloned().collect();
    refused(
        &app,
        &pool,
        json!({"executions": [values]}).to_string(),
        false,
        &[(0, "$")],
    )
    .await;
    refused(
        &app,
        &pool,
        json!({"executions": [with("error", json!(["OOMKilled"]))]}).to_string(),
        false,
        &[(0, "error")],
    )
    .await;
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_keys_inside_a_record_are_422_naming_the_key(pool: PgPool) {
    // A typo must not drop its value in silence.
    let app = spawn(pool.clone()).await;
    let mut r = exec("b");
    r["durationMS"] = json!(1);
    let m = refused_beside_a_valid_record(&app, &pool, r, "durationMS").await;
    assert!(m.contains(r#"did you mean "durationMs"?"#), "{m}");
    let mut r = exec("b");
    r["error"] = json!({"type": "E", "severity": "high"});
    refused_beside_a_valid_record(&app, &pool, r, "error.severity").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn dot_segment_keys_are_422(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    for field in ["taskId", "workflowId", "workflowExecutionId", "executionId"] {
        for dots in [".", ".."] {
            let m =
                refused_beside_a_valid_record(&app, &pool, with(field, json!(dots)), field).await;
            assert!(m.contains("path segment"), "{m}");
        }
    }
    for (field, dep) in [
        (
            "dependencies.workflowId",
            json!({"workflowId": "..", "upstreamTaskId": "a", "downstreamTaskId": "b"}),
        ),
        (
            "dependencies.upstreamTaskId",
            json!({"workflowId": "etl", "upstreamTaskId": ".", "downstreamTaskId": "etl.extract"}),
        ),
        (
            "dependencies.downstreamTaskId",
            json!({"workflowId": "etl", "upstreamTaskId": "etl.extract", "downstreamTaskId": ".."}),
        ),
    ] {
        refused(
            &app,
            &pool,
            json!({"executions": [exec("a")], "dependencies": [dep]}).to_string(),
            false,
            &[(0, field)],
        )
        .await;
    }
    // No request can name them as a path parameter: a URL parser resolves `..` and its
    // percent-encoded form `%2E%2E` before sending, which is why ingest refuses them.
}
