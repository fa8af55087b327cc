//! `list_tasks` against a real Postgres with the small fixture (counts hand-computed there).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use db::tasks::list_tasks;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations", fixtures("small"))]
async fn list_tasks_counts_executions_and_failures_busiest_first(pool: PgPool) {
    let rows = list_tasks(&pool, None, 50).await.unwrap();
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
    let keys = |rows: Vec<db::tasks::TaskSummaryRow>| {
        rows.into_iter().map(|r| r.task_key).collect::<Vec<_>>()
    };
    assert_eq!(
        keys(list_tasks(&pool, Some("ETL."), 50).await.unwrap()),
        ["etl.extract", "etl.load"]
    );
    assert_eq!(
        keys(list_tasks(&pool, Some("model"), 50).await.unwrap()),
        ["ml.train", "ml.evaluate"]
    );
    assert!(list_tasks(&pool, Some("%"), 50).await.unwrap().is_empty());
    assert_eq!(list_tasks(&pool, None, 2).await.unwrap().len(), 2);
}
