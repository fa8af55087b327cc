//! Stale-while-revalidate and prewarming against a real Postgres: a fresh result is served as
//! stored, a stale one is served once more while the worker recomputes it, and prewarming
//! stores every active task's result before anyone asks.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use service::Services;
use sqlx::PgPool;
use types::ingest::validate;
use types::{TimeRangePreset, TimeWindow};

/// `n` completed runs of `wf.a` and `wf.b` (a → b), three minutes apart going back from now,
/// starting at the `first`-th.
fn runs(first: usize, n: usize) -> Vec<Value> {
    let now = Utc::now();
    (first..first + n)
        .flat_map(|i| {
            let start = now - TimeDelta::minutes(3 * (i + 1) as i64);
            ["wf.a", "wf.b"]
                .into_iter()
                .enumerate()
                .map(move |(k, task)| {
                    let begin = start + TimeDelta::seconds(10 * k as i64);
                    json!({
                        "executionId": format!("{task}-{i}"), "workflowId": "wf",
                        "workflowExecutionId": format!("r{i}"), "taskId": task, "taskName": task,
                        "status": "completed", "startTime": begin.to_rfc3339(),
                        "endTime": (begin + TimeDelta::seconds(5)).to_rfc3339(),
                    })
                })
        })
        .collect()
}

async fn ingest(pool: &PgPool, executions: Vec<Value>) {
    let edge = json!({"workflowId": "wf", "upstreamTaskId": "wf.a", "downstreamTaskId": "wf.b",
                      "dependencyType": "data"});
    db::ingest::ingest_batch(pool, &validate(executions, vec![edge]).unwrap())
        .await
        .unwrap();
}

fn week() -> TimeWindow {
    TimeWindow::from_preset(TimeRangePreset::Week, Utc::now())
}

async fn executions_seen(s: &Services, key: &str) -> u64 {
    service::task_performance_cached(s, key, Some("7d"), week())
        .await
        .unwrap()
        .data
        .execution_stats
        .total_executions
}

/// A 1 s TTL, served 600 s past freshness; no worker yet.
fn services(pool: &PgPool) -> Services {
    Services::new(
        pool.clone(),
        Default::default(),
        Duration::from_secs(1),
        false,
    )
    .with_max_stale(Duration::from_secs(600))
}

/// Makes the stored results `secs` older.
async fn age_by(pool: &PgPool, secs: i64) {
    sqlx::query("UPDATE task_performance_metrics SET calculated_at = calculated_at - make_interval(secs => $1)")
        .bind(secs as f64)
        .execute(pool)
        .await
        .unwrap();
}

async fn drained(s: &Services) {
    for _ in 0..200 {
        if s.refresher.pending() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the worker did not finish");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stale_result_is_served_once_more_while_the_worker_recomputes_it(pool: PgPool) {
    ingest(&pool, runs(0, 10)).await;
    let s = services(&pool).start_refresher();
    assert_eq!(executions_seen(&s, "wf.a").await, 10); // computed and stored
    ingest(&pool, runs(10, 5)).await;
    assert_eq!(executions_seen(&s, "wf.a").await, 10); // fresh: as stored
    // A 7-day result is fresh for 0.1 % of a week (605 s), then served for 600 s more.
    assert_eq!(s.fresh_for("7d"), Duration::from_millis(604_800));
    age_by(&pool, 700).await;
    assert_eq!(executions_seen(&s, "wf.a").await, 10); // stale: served, recomputation queued
    drained(&s).await;
    assert_eq!(executions_seen(&s, "wf.a").await, 15); // the worker's result
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_worker_a_stale_result_is_recomputed_by_the_caller(pool: PgPool) {
    ingest(&pool, runs(0, 10)).await;
    let s = services(&pool);
    assert_eq!(executions_seen(&s, "wf.a").await, 10);
    ingest(&pool, runs(10, 5)).await;
    age_by(&pool, 700).await;
    assert_eq!(executions_seen(&s, "wf.a").await, 15);
}

#[sqlx::test(migrations = "../migrations")]
async fn prewarming_stores_every_active_tasks_result(pool: PgPool) {
    ingest(&pool, runs(0, 10)).await;
    // A task whose executions are all older than the window is not active in it.
    ingest(
        &pool,
        vec![json!({
            "executionId": "old", "workflowId": "other", "workflowExecutionId": "o1",
            "taskId": "other.x", "taskName": "x", "status": "completed",
            "startTime": (Utc::now() - TimeDelta::days(20)).to_rfc3339(),
            "endTime": (Utc::now() - TimeDelta::days(20) + TimeDelta::seconds(1)).to_rfc3339(),
        })],
    )
    .await;
    let s = Services::new(
        pool.clone(),
        Default::default(),
        Duration::from_secs(60),
        false,
    )
    .start_refresher();
    assert_eq!(s.prewarm(&["7d".to_owned()]).await.unwrap(), 2);
    drained(&s).await;
    let stored: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT t.task_key, m.window_label,
                (m.execution_stats->>'totalExecutions')::bigint
         FROM task_performance_metrics m JOIN tasks t ON t.id = m.task_id ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        vec![
            ("wf.a".to_owned(), "7d".to_owned(), 10),
            ("wf.b".to_owned(), "7d".to_owned(), 10)
        ]
    );
    // The stored result equals what a request computes: wf.b waits ~5 s on wf.a in every run.
    let b = service::task_performance_cached(&s, "wf.b", Some("7d"), week())
        .await
        .unwrap();
    assert_eq!(b.data.execution_stats.total_executions, 10);
    assert!(
        (b.data.dependencies.wait_time - 5_000.0).abs() < 1.0,
        "{}",
        b.data.dependencies.wait_time
    );
    // Fresh results are not recomputed: a second prewarm queues them, the worker skips them.
    let stamps = || async {
        sqlx::query_scalar::<_, chrono::DateTime<Utc>>(
            "SELECT calculated_at FROM task_performance_metrics ORDER BY task_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let before = stamps().await;
    s.prewarm(&["7d".to_owned()]).await.unwrap();
    drained(&s).await;
    assert_eq!(stamps().await, before);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_stale_ranking_is_served_once_more_while_the_worker_recomputes_it(pool: PgPool) {
    ingest(&pool, runs(0, 10)).await;
    let s = services(&pool).start_refresher();
    let top = || async {
        let hour = TimeWindow::from_preset(TimeRangePreset::Hour, Utc::now());
        service::rankings_cached(&s, "executions", Some(1), Some("1h"), hour)
            .await
            .unwrap()
            .data
            .items[0]
            .executions
    };
    assert_eq!(top().await, 10);
    ingest(&pool, runs(10, 5)).await;
    assert_eq!(top().await, 10); // fresh
    // An hour's ranking is fresh for the TTL or 0.1 % of an hour, whichever is longer.
    assert_eq!(s.fresh_for("1h"), Duration::from_millis(3600));
    tokio::time::sleep(Duration::from_millis(3700)).await;
    assert_eq!(top().await, 10); // stale: served, recomputation queued
    drained(&s).await;
    assert_eq!(top().await, 15);
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_of_a_named_window_come_from_its_cached_performance_result(pool: PgPool) {
    // Ten good runs, then wf.a fails twice (a timeout, then an IOError) and wf.b is skipped.
    let mut executions = runs(2, 10);
    let now = Utc::now();
    for (i, (status, error)) in [("timeout", "Timeout"), ("failed", "IOError")]
        .into_iter()
        .enumerate()
    {
        let begin = now - TimeDelta::minutes(3 * (i as i64 + 1));
        executions.push(json!({
            "executionId": format!("wf.a-bad{i}"), "workflowId": "wf",
            "workflowExecutionId": format!("bad{i}"), "taskId": "wf.a", "taskName": "wf.a",
            "status": status, "startTime": begin.to_rfc3339(),
            "endTime": (begin + TimeDelta::seconds(5)).to_rfc3339(),
            "error": {"type": error, "message": format!("attempt {i} went wrong")},
        }));
        executions.push(json!({
            "executionId": format!("wf.b-bad{i}"), "workflowId": "wf",
            "workflowExecutionId": format!("bad{i}"), "taskId": "wf.b", "taskName": "wf.b",
            "status": "skipped", "startTime": (begin + TimeDelta::seconds(6)).to_rfc3339(),
            "endTime": (begin + TimeDelta::seconds(6)).to_rfc3339(),
        }));
    }
    ingest(&pool, executions).await;
    let s = services(&pool);
    let day = TimeWindow::from_preset(TimeRangePreset::Day, Utc::now());
    let cached = service::task_failures_cached(&s, "wf.a", Some("24h"), day, None)
        .await
        .unwrap();
    // The same question computed directly over the stored result's window.
    let direct = service::task_failures(&s, "wf.a", cached.window, None)
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&cached.data).unwrap(),
        serde_json::to_value(&direct.data).unwrap()
    );
    assert_eq!(cached.data.failure_rate, 2.0 / 12.0);
    assert_eq!(cached.data.common_errors.len(), 2);
    assert_eq!(
        cached.data.failure_cascades.len(),
        2,
        "wf.b skipped after each failure"
    );
    // The error type filter applies to the cached result as to a computed one.
    let io = service::task_failures_cached(&s, "wf.a", Some("24h"), day, Some("IOError".into()))
        .await
        .unwrap();
    assert_eq!(io.window, cached.window, "served from the stored result");
    assert_eq!(io.data.common_errors.len(), 1);
    assert_eq!(io.data.common_errors[0].error_type, "IOError");
}
