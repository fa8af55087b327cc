//! Bulk ingestion against a real Postgres: counts checked with SQL after each step.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use db::DbError;
use db::ingest::ingest_batch;
use serde_json::{Value, json};
use sqlx::PgPool;
use types::ingest::{ValidBatch, validate};

fn exec(id: &str, task: &str, status: &str) -> Value {
    json!({
        "executionId": id, "workflowId": "etl", "workflowExecutionId": "run-1", "workflowName": "ETL",
        "taskId": task, "taskName": task, "status": status,
        "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:05Z",
        "host": "worker-1", "attributes": {"region": "eu", "big": true}
    })
}

fn batch(execs: Vec<Value>, deps: Vec<Value>) -> ValidBatch {
    validate(execs, deps).expect("valid batch")
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_batch_writes_every_table_and_replaying_it_changes_no_counts(pool: PgPool) {
    let mut failed = exec("e2", "etl.load", "failed");
    failed["error"] = json!({"type": "OOMKilled", "code": "137", "message": "killed at 4096 MB"});
    let b = batch(
        vec![exec("e1", "etl.extract", "completed"), failed],
        vec![
            json!({"workflowId": "etl", "upstreamTaskId": "etl.extract", "downstreamTaskId": "etl.load"}),
        ],
    );
    let first = ingest_batch(&pool, &b).await.unwrap();
    assert_eq!(
        (
            first.accepted,
            first.inserted,
            first.updated,
            first.dependencies
        ),
        (2, 2, 0, 1)
    );
    let snapshot = || async {
        (
            count(&pool, "SELECT count(*) FROM workflows").await,
            count(&pool, "SELECT count(*) FROM tasks").await,
            count(&pool, "SELECT count(*) FROM workflow_executions").await,
            count(&pool, "SELECT count(*) FROM task_execution_history").await,
            count(&pool, "SELECT count(*) FROM task_failures").await,
            count(&pool, "SELECT count(*) FROM task_dependencies").await,
        )
    };
    assert_eq!(snapshot().await, (1, 2, 1, 2, 1, 1));
    let again = ingest_batch(&pool, &b).await.unwrap();
    assert_eq!((again.inserted, again.updated), (0, 2));
    assert_eq!(
        snapshot().await,
        (1, 2, 1, 2, 1, 1),
        "a replay duplicates nothing"
    );

    let (etype, code, msg): (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT error_type, error_code, error_message FROM task_failures")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (etype.as_str(), code.as_deref(), msg.as_deref()),
        ("OOMKilled", Some("137"), Some("killed at 4096 MB"))
    );
    let (dur, host, region): (i64, String, String) = sqlx::query_as(
        "SELECT duration_ms, host, attributes->>'region' FROM task_execution_history WHERE execution_key = 'e1'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (dur, host.as_str(), region.as_str()),
        (5000, "worker-1", "eu")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_running_execution_is_updated_in_place_when_it_completes(pool: PgPool) {
    let mut running = exec("e1", "etl.extract", "running");
    running.as_object_mut().unwrap().remove("endTime");
    ingest_batch(&pool, &batch(vec![running], vec![]))
        .await
        .unwrap();
    let (status, dur): (String, Option<i64>) =
        sqlx::query_as("SELECT status, duration_ms FROM task_execution_history")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), dur), ("running", None));

    let r = ingest_batch(
        &pool,
        &batch(vec![exec("e1", "etl.extract", "completed")], vec![]),
    )
    .await
    .unwrap();
    assert_eq!((r.inserted, r.updated), (0, 1));
    let (status, dur): (String, Option<i64>) =
        sqlx::query_as("SELECT status, duration_ms FROM task_execution_history")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), dur), ("completed", Some(5000)));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failure_that_is_replayed_as_success_loses_its_failure_row(pool: PgPool) {
    ingest_batch(
        &pool,
        &batch(vec![exec("e1", "etl.extract", "timeout")], vec![]),
    )
    .await
    .unwrap();
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM task_failures WHERE error_type = 'Timeout'"
        )
        .await,
        1
    );
    ingest_batch(
        &pool,
        &batch(vec![exec("e1", "etl.extract", "completed")], vec![]),
    )
    .await
    .unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM task_failures").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_conflicting_record_rolls_back_the_whole_batch(pool: PgPool) {
    ingest_batch(
        &pool,
        &batch(vec![exec("e1", "etl.extract", "completed")], vec![]),
    )
    .await
    .unwrap();
    // Same task key, another workflow: refused, and the valid record beside it is not written.
    let mut other = exec("x1", "etl.extract", "completed");
    other["workflowId"] = json!("other_wf");
    let b = batch(vec![exec("e2", "etl.load", "completed")], vec![]);
    let b2 = batch(vec![other], vec![]);
    let merged = ValidBatch {
        executions: [b.executions, b2.executions].concat(),
        dependencies: vec![],
    };
    let Err(DbError::Invalid(errors)) = ingest_batch(&pool, &merged).await else {
        panic!("expected a conflict")
    };
    assert_eq!(
        (errors[0].index, errors[0].field.as_str()),
        (1, "workflowId")
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM task_execution_history").await,
        1
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM tasks").await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM workflows").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_edge_may_arrive_before_its_tasks_first_execution(pool: PgPool) {
    let b = batch(
        vec![],
        vec![
            json!({"workflowId": "etl", "upstreamTaskId": "etl.extract", "downstreamTaskId": "etl.load"}),
        ],
    );
    assert_eq!(ingest_batch(&pool, &b).await.unwrap().dependencies, 1);
    let name: String =
        sqlx::query_scalar("SELECT task_name FROM tasks WHERE task_key = 'etl.load'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        name, "etl.load",
        "registered under its key until an execution names it"
    );
    let mut named = exec("e1", "etl.load", "completed");
    named["taskName"] = json!("Load warehouse");
    ingest_batch(&pool, &batch(vec![named], vec![]))
        .await
        .unwrap();
    assert_eq!(count(&pool, "SELECT count(*) FROM tasks WHERE task_key = 'etl.load' AND task_name = 'Load warehouse'").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_edge_naming_a_task_of_another_workflow_is_refused_naming_the_dependency(pool: PgPool) {
    ingest_batch(
        &pool,
        &batch(vec![exec("e1", "etl.extract", "completed")], vec![]),
    )
    .await
    .unwrap();
    let b = batch(
        vec![],
        vec![
            json!({"workflowId": "other", "upstreamTaskId": "etl.extract", "downstreamTaskId": "other.load"}),
        ],
    );
    let Err(DbError::Invalid(errors)) = ingest_batch(&pool, &b).await else {
        panic!("expected a conflict")
    };
    assert_eq!(
        (errors[0].index, errors[0].field.as_str()),
        (0, "dependencies.upstreamTaskId")
    );
    assert_eq!(
        count(&pool, "SELECT count(*) FROM tasks").await,
        1,
        "nothing written"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn ingest_notifies_listeners_with_the_task_keys_at_commit(pool: PgPool) {
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .unwrap();
    listener.listen(db::ingest::INGEST_CHANNEL).await.unwrap();
    ingest_batch(
        &pool,
        &batch(
            vec![
                exec("e1", "etl.extract", "completed"),
                exec("e2", "etl.load", "completed"),
            ],
            vec![],
        ),
    )
    .await
    .unwrap();
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv())
        .await
        .unwrap()
        .unwrap();
    // Keys and ids only: each task's newest execution by row id, read back in one query.
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT e.id::text FROM task_execution_history e JOIN tasks t ON t.id = e.task_id
         ORDER BY t.task_key",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = json!({
        "executions": ids, "executionsTruncated": false,
        "tasks": ["etl.extract", "etl.load"], "truncated": false, "workflows": ["etl"],
    });
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(n.payload()).unwrap(),
        expected
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn text_with_quotes_commas_newlines_and_unicode_survives_the_bulk_path(pool: PgPool) {
    let nasty = "he said \"no\", then\nleft; ünïcødé ✓ \\N";
    let name = "he said \"no\", then left; \\N ✓";
    let mut e = exec("e,1\"x", "etl.extract", "failed");
    e["taskName"] = json!(name);
    e["error"] = json!({"type": "Boom", "message": nasty});
    e["retryReason"] = json!("");
    e["host"] = json!("<img src=x onerror=alert(1)>");
    ingest_batch(&pool, &batch(vec![e], vec![])).await.unwrap();
    let (stored, key, msg, reason, host): (String, String, String, Option<String>, String) = sqlx::query_as(
        "SELECT task_name, execution_key, error_details->>'message', retry_reason, host FROM task_execution_history",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (stored.as_str(), key.as_str(), msg.as_str()),
        (name, "e,1\"x", nasty)
    );
    assert_eq!(
        reason.as_deref(),
        Some(""),
        "an empty string stays distinct from NULL"
    );
    assert_eq!(host, "<img src=x onerror=alert(1)>");
}
