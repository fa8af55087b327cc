//! The one write path: a committed ingest tells its subscribers which tasks and workflows
//! changed (the seam live updates, alerts and retraining hook into); a refused one tells nobody.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use serde_json::json;
use service::Services;
use sqlx::PgPool;
use types::ingest::validate;

fn batch(ids: &[(&str, &str)]) -> types::ingest::ValidBatch {
    let start = Utc::now() - TimeDelta::hours(1);
    let records = ids
        .iter()
        .map(|(task, wf)| {
            json!({"executionId": format!("{task}-1"), "workflowId": wf, "workflowExecutionId": "r1",
                "taskId": task, "taskName": task, "status": "completed",
                "startTime": start.to_rfc3339(), "endTime": (start + TimeDelta::seconds(3)).to_rfc3339()})
        })
        .collect();
    validate(records, vec![]).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_committed_ingest_is_announced_once_with_what_it_changed(pool: PgPool) {
    let s = Services::new(pool, Default::default(), Duration::ZERO, false);
    let mut events = s.subscribe_ingested();
    let counts = service::ingest(&s, &batch(&[("b.two", "wb"), ("a.one", "wa")]))
        .await
        .unwrap();
    assert_eq!(counts.inserted, 2);
    let e = events.recv().await.unwrap();
    assert_eq!(e.tasks, ["a.one", "b.two"]);
    assert_eq!(e.workflows, ["wa", "wb"]);
    assert_eq!(e.counts, counts);

    // A file imported in chunks is one transaction and one event.
    let chunks = [batch(&[("c.three", "wc")]), batch(&[("d.four", "wc")])];
    let mut seen = 0;
    let total = service::ingest_all(&s, &chunks, |n| seen += n)
        .await
        .unwrap();
    assert_eq!((total.inserted, seen), (2, 2));
    let e = events.recv().await.unwrap();
    assert_eq!(e.tasks, ["c.three", "d.four"]);
    assert!(events.try_recv().is_err(), "one event per commit");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_ingest_writes_nothing_and_announces_nothing(pool: PgPool) {
    let s = Services::new(pool.clone(), Default::default(), Duration::ZERO, false);
    let mut events = s.subscribe_ingested();
    service::ingest(&s, &batch(&[("a.one", "wa")]))
        .await
        .unwrap();
    let _ = events.recv().await.unwrap();
    // The same task in another workflow conflicts with stored data: refused as a whole.
    let err = service::ingest(&s, &batch(&[("z.new", "wz"), ("a.one", "other")])).await;
    assert!(err.is_err());
    assert!(events.try_recv().is_err());
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM task_execution_history")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
