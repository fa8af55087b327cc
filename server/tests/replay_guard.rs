//! The ingest API's replay guard over HTTP, on the real openproblems traces in
//! `testdata/real/nextflow` (issue #13, point 1): a record that moves a stored execution by more
//! than its stored duration is a 409 naming the record and field, and nothing is written; the
//! same record marked `correction: true` is accepted; a running execution may complete.
//! Counts and indices from `python3 importers/tests/oracle_counts.py` (third table).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use common::spawn;
use importers::ImportOptions;
use serde_json::{Value, json};
use sqlx::PgPool;

const OLDER: &str = "nextflow/openproblems-trace-2021-03-04.txt";
const NEWER: &str = "nextflow/openproblems-trace-2022-05-13.txt";

/// The trace's records, all filed under workflow `openproblems` and run `execution_trace` (as
/// when the file name was the run key), as ingest v1 JSON values.
fn records(rel: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/real/").to_owned() + rel;
    let opts = ImportOptions {
        workflow_id: Some("openproblems".into()),
        workflow_execution_id: Some("execution_trace".into()),
        source_name: "execution_trace".into(),
    };
    let batch = importers::import(&std::fs::read(path).unwrap(), &opts).unwrap();
    batch
        .executions
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
}

fn body(executions: &[Value]) -> Value {
    json!({"executions": executions, "dependencies": []})
}

async fn rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM task_execution_history")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// (start, end) of the stored execution `key`, RFC 3339.
async fn stored(pool: &PgPool, key: &str) -> (String, Option<String>) {
    let (s, e): (
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as(
        "SELECT start_time, end_time FROM task_execution_history WHERE execution_key = $1",
    )
    .bind(key)
    .fetch_one(pool)
    .await
    .unwrap();
    (s.to_rfc3339(), e.map(|e| e.to_rfc3339()))
}

#[sqlx::test(migrations = "../migrations")]
async fn another_run_replayed_under_stored_keys_is_409_naming_the_record_and_field_and_writes_nothing(
    pool: PgPool,
) {
    let app = spawn(pool.clone()).await;
    let first: Value = app
        .ingest()
        .json(&body(&records(OLDER)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["inserted"], 217);
    let before = stored(&pool, "execution_trace/7").await;

    let resp = app
        .ingest()
        .json(&body(&records(NEWER)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    // Oracle: 52 of the 2022 run's (process, task_id) are stored by 2021; the first is row 4,
    // list_methods task 7, a year later (far beyond its duration).
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 52, "{problem}");
    assert_eq!(errors[0]["index"], 4);
    assert_eq!(errors[0]["field"], "startTime");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "execution \"execution_trace/7\" of task \"openproblems.list_methods\" is stored as 2021-03-04T"
        ),
        "{message}"
    );
    assert!(
        message.contains("this record puts it at 2022-05-13T"),
        "{message}"
    );
    assert!(message.contains("\"correction\": true"), "{message}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("52 records would move a stored execution"),
        "{problem}"
    );
    // Nothing of the batch was written: not the 812 new records, not the 52 moves.
    assert_eq!(rows(&pool).await, 217);
    assert_eq!(stored(&pool, "execution_trace/7").await, before);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_same_records_marked_correction_are_accepted_and_replace_the_stored_times(
    pool: PgPool,
) {
    let app = spawn(pool.clone()).await;
    let resp = app
        .ingest()
        .json(&body(&records(OLDER)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut newer = records(NEWER);
    for r in &mut newer {
        r["correction"] = json!(true);
    }
    let resp = app.ingest().json(&body(&newer)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let counts: Value = resp.json().await.unwrap();
    // 864 records: 52 update stored executions, 812 are new.
    assert_eq!(
        counts,
        json!({"accepted": 864, "inserted": 812, "updated": 52, "dependencies": 0})
    );
    assert_eq!(rows(&pool).await, 217 + 812);
    assert!(
        stored(&pool, "execution_trace/7")
            .await
            .0
            .starts_with("2022-05-13T")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_running_execution_completes_and_a_re_measured_one_updates_without_conflict(
    pool: PgPool,
) {
    let app = spawn(pool.clone()).await;
    // openproblems 2021 line 2: task 2 list_tasks, submit 21:06:07.625, duration 13.9 s,
    // realtime 2.5 s: 21:06:19.025 – 21:06:21.525 once completed.
    let completed = records(OLDER)
        .into_iter()
        .find(|r| r["executionId"] == "execution_trace/2")
        .unwrap();
    assert_eq!(completed["startTime"], "2021-03-04T21:06:19.025Z");
    assert_eq!(completed["endTime"], "2021-03-04T21:06:21.525Z");
    // A monitor reported it running from its submission, 11.4 s before its real start: further
    // than the finished duration (2.5 s), but a running execution has no end to hold on to.
    let mut running = completed.clone();
    running["status"] = json!("running");
    running["startTime"] = json!("2021-03-04T21:06:07.625Z");
    for k in ["endTime", "durationMs", "cpuTimeMs"] {
        running.as_object_mut().unwrap().remove(k);
    }
    let resp = app.ingest().json(&body(&[running])).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        stored(&pool, "execution_trace/2").await,
        ("2021-03-04T21:06:07.625+00:00".to_owned(), None)
    );
    let resp = app
        .ingest()
        .json(&body(std::slice::from_ref(&completed)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "running → completed");
    assert_eq!(
        stored(&pool, "execution_trace/2").await,
        (
            "2021-03-04T21:06:19.025+00:00".to_owned(),
            Some("2021-03-04T21:06:21.525+00:00".to_owned())
        )
    );
    // Re-measured by 1 s (within its 2.5 s): an update, not a conflict.
    let mut remeasured = completed.clone();
    remeasured["startTime"] = json!("2021-03-04T21:06:18.025Z");
    remeasured.as_object_mut().unwrap().remove("durationMs");
    let resp = app
        .ingest()
        .json(&body(&[remeasured]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // Now stored as 21:06:18.025 – 21:06:21.525 (3.5 s): a start 4 s later is a 409.
    let mut moved = completed;
    moved["startTime"] = json!("2021-03-04T21:06:22.025Z");
    moved["endTime"] = json!("2021-03-04T21:06:24.525Z");
    moved.as_object_mut().unwrap().remove("durationMs");
    let resp = app.ingest().json(&body(&[moved])).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(
        (
            &problem["errors"][0]["index"],
            &problem["errors"][0]["field"]
        ),
        (&json!(0), &json!("startTime"))
    );
    assert_eq!(rows(&pool).await, 1);
}
