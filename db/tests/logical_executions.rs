//! Logical executions (issue #13, point 3) as stored: the record's `instanceId` in
//! `instance_key`, and `task_failures.retry_attempted` / `retry_successful` kept current per
//! (run, task, instance) as later attempts arrive in later batches.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use db::ingest::ingest_batch;
use serde_json::{Value, json};
use sqlx::PgPool;
use types::ingest::validate;

/// Attempt `attempt` of process `load` on sample `instance` in run `run-1`, a minute apart.
fn attempt(instance: &str, attempt: i64, status: &str) -> Value {
    let mut e = json!({
        "executionId": format!("{instance}#{attempt}"), "workflowId": "nf", "workflowExecutionId": "run-1",
        "taskId": "nf.load", "taskName": "load", "instanceId": instance, "status": status,
        "attemptNumber": attempt,
        "startTime": format!("2026-01-01T10:0{attempt}:00Z"),
        "endTime": format!("2026-01-01T10:0{attempt}:30Z"),
    });
    if status == "failed" {
        e["error"] = json!({"type": "SIGKILL", "code": "137"});
    }
    e
}

async fn ingest(pool: &PgPool, records: Vec<Value>) {
    ingest_batch(pool, &validate(records, vec![]).unwrap())
        .await
        .unwrap();
}

/// (execution key, retry_attempted, retry_successful) of every failure row, by key.
async fn flags(pool: &PgPool) -> Vec<(String, Option<bool>, Option<bool>)> {
    sqlx::query_as(
        "SELECT h.execution_key, f.retry_attempted, f.retry_successful
         FROM task_failures f JOIN task_execution_history h ON h.id = f.task_execution_id
         ORDER BY h.execution_key",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn row(
    key: &str,
    attempted: bool,
    successful: Option<bool>,
) -> (String, Option<bool>, Option<bool>) {
    (key.to_owned(), Some(attempted), successful)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_later_attempt_of_the_same_instance_marks_the_earlier_failure_retried_and_successful(
    pool: PgPool,
) {
    // Attempt 1 of three samples fails.
    ingest(
        &pool,
        vec![
            attempt("s1", 1, "failed"),
            attempt("s2", 1, "failed"),
            attempt("s3", 1, "failed"),
        ],
    )
    .await;
    assert_eq!(
        flags(&pool).await,
        [
            row("s1#1", false, None),
            row("s2#1", false, None),
            row("s3#1", false, None)
        ]
    );
    // Later batch: s1's attempt 2 completes, s3's fails. s2 is another sample: its attempt 1
    // was not retried by them.
    ingest(
        &pool,
        vec![attempt("s1", 2, "completed"), attempt("s3", 2, "failed")],
    )
    .await;
    assert_eq!(
        flags(&pool).await,
        [
            row("s1#1", true, Some(true)),
            row("s2#1", false, None),
            row("s3#1", true, Some(false)),
            row("s3#2", false, None),
        ]
    );
    // s3's attempt 3 completes: both earlier failures were retried successfully.
    ingest(&pool, vec![attempt("s3", 3, "completed")]).await;
    assert_eq!(
        flags(&pool).await,
        [
            row("s1#1", true, Some(true)),
            row("s2#1", false, None),
            row("s3#1", true, Some(true)),
            row("s3#2", true, Some(true)),
        ]
    );
    let instances: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT instance_key FROM task_execution_history ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(instances, ["s1", "s2", "s3"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn records_without_an_instance_are_one_logical_execution_per_run_and_task(pool: PgPool) {
    let plain = |attempt: i64, status: &str| {
        let mut e = self::attempt("x", attempt, status);
        e.as_object_mut().unwrap().remove("instanceId");
        e
    };
    ingest(&pool, vec![plain(1, "failed"), plain(2, "completed")]).await;
    assert_eq!(flags(&pool).await, [row("x#1", true, Some(true))]);
    let instance: String =
        sqlx::query_scalar("SELECT instance_key FROM task_execution_history LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(instance, "");
}

#[sqlx::test(migrations = "../migrations")]
async fn memory_peaks_keep_their_sub_mib_precision(pool: PgPool) {
    // 0.4 MiB was stored as 0 in the INTEGER column; 197.3 as 197.
    let mut small = attempt("s1", 1, "completed");
    small["memoryPeakMb"] = json!(0.4);
    let mut large = attempt("s2", 1, "completed");
    large["memoryPeakMb"] = json!(197.3);
    ingest(&pool, vec![small, large]).await;
    let peaks: Vec<f64> = sqlx::query_scalar(
        "SELECT memory_peak_mb FROM task_execution_history ORDER BY execution_key",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(peaks, [0.4, 197.3]);
}
