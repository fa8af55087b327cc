//! The demo workload lands in Postgres exactly as its ground truth counts it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn a_demo_history_is_stored_with_the_counts_its_ground_truth_states(pool: PgPool) {
    let generator = workload::Generator::new(workload::DemoParams {
        days: 3,
        workflows: 4,
        scale: 1.0,
        seed: 11,
        end: chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .into(),
    })
    .unwrap();
    for batch in generator.batches(2_000) {
        db::ingest::ingest_batch(&pool, &batch).await.unwrap();
    }
    let truth = serde_json::to_value(generator.ground_truth()).unwrap();
    let t = &truth["totals"];
    let (execs, failures, skipped, deps, tasks): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM task_execution_history),
                (SELECT count(*) FROM task_failures),
                (SELECT count(*) FROM task_execution_history WHERE status = 'skipped'),
                (SELECT count(*) FROM task_dependencies),
                (SELECT count(*) FROM tasks)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(execs > 500, "a meaningful history: {execs}");
    assert_eq!(execs, t["executions"].as_i64().unwrap());
    assert_eq!(failures, t["failures"].as_i64().unwrap());
    assert_eq!(skipped, t["skipped"].as_i64().unwrap());
    assert_eq!(deps, t["dependencies"].as_i64().unwrap());
    assert_eq!(tasks, t["tasks"].as_i64().unwrap());
}
