//! `list_tasks` against a real Postgres with the small fixture (counts hand-computed there).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use db::tasks::{TaskFilter, TaskOrder, TaskSummaryRow, list_tasks};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations", fixtures("small"))]
async fn list_tasks_counts_executions_and_failures_busiest_first(pool: PgPool) {
    let rows = list_tasks(&pool, TaskFilter::default(), TaskOrder::Busiest, None, 50)
        .await
        .unwrap();
    let got: Vec<(&str, i64, i64)> = rows
        .iter()
        .map(|r| (r.task_key.as_str(), r.total_executions, r.failed_executions))
        .collect();
    assert_eq!(
        got,
        [
            ("etl.extract", 4, 2),
            ("etl.load", 2, 0),
            ("ml.train", 1, 1),
            ("ml.evaluate", 0, 0)
        ]
    );
    assert_eq!(
        rows[0].last_run.map(|t| t.to_rfc3339()),
        Some("2026-01-01T10:03:00+00:00".to_owned())
    );
    assert_eq!(rows[3].last_run, None);
}

#[sqlx::test(migrations = "../migrations", fixtures("small"))]
async fn list_tasks_search_matches_key_or_name_and_treats_wildcards_literally(pool: PgPool) {
    let keys = |rows: Vec<TaskSummaryRow>| rows.into_iter().map(|r| r.task_key).collect::<Vec<_>>();
    let search = |s: Option<&'static str>, limit| {
        let filter = TaskFilter {
            search: s,
            workflow: None,
        };
        list_tasks(&pool, filter, TaskOrder::Busiest, None, limit)
    };
    assert_eq!(
        keys(search(Some("ETL."), 50).await.unwrap()),
        ["etl.extract", "etl.load"]
    );
    assert_eq!(
        keys(search(Some("model"), 50).await.unwrap()),
        ["ml.train", "ml.evaluate"]
    );
    assert!(search(Some("%"), 50).await.unwrap().is_empty());
    assert_eq!(search(None, 2).await.unwrap().len(), 2);
}

#[sqlx::test(migrations = "../migrations", fixtures("small"))]
async fn pages_of_either_order_cover_every_task_once(pool: PgPool) {
    // Hand-counted in the fixture: extract 4, load 2, train 1, evaluate 0 executions.
    for (order, want) in [
        (
            TaskOrder::Busiest,
            ["etl.extract", "etl.load", "ml.train", "ml.evaluate"],
        ),
        (
            TaskOrder::Key,
            ["etl.extract", "etl.load", "ml.evaluate", "ml.train"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut after: Option<(String, i64)> = None;
        loop {
            let page = list_tasks(
                &pool,
                TaskFilter::default(),
                order,
                after.as_ref().map(|(k, n)| (k.as_str(), *n)),
                3,
            )
            .await
            .unwrap();
            let Some(last) = page.last() else { break };
            after = Some((last.task_key.clone(), last.total_executions));
            seen.extend(page.into_iter().map(|r| r.task_key));
        }
        assert_eq!(seen, want, "{order:?}");
    }
}
