//! The migrations create every table, index and the materialized view of the spec (§1.2).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use sqlx::PgPool;

const SPEC_TABLES: [&str; 7] = [
    "task_performance_metrics",
    "task_execution_history",
    "task_failures",
    "task_dependencies",
    "task_patterns",
    "task_optimizations",
    "task_resource_profiles",
];
const REFERENCED_TABLES: [&str; 3] = ["workflows", "workflow_executions", "tasks"];
const SPEC_INDEXES: [(&str, &str); 9] = [
    ("idx_task_performance_task", "task_performance_metrics"),
    ("idx_task_execution_history_task", "task_execution_history"),
    (
        "idx_task_execution_history_workflow",
        "task_execution_history",
    ),
    ("idx_task_execution_history_time", "task_execution_history"),
    ("idx_task_failures_task", "task_failures"),
    ("idx_task_failures_type", "task_failures"),
    ("idx_task_dependencies_task", "task_dependencies"),
    ("idx_task_patterns_type", "task_patterns"),
    ("idx_task_performance_summary", "task_performance_summary"),
];

#[sqlx::test(migrations = "../migrations")]
async fn migrations_create_every_spec_table_and_the_tables_it_references(pool: PgPool) {
    for table in SPEC_TABLES.iter().chain(REFERENCED_TABLES.iter()) {
        let kind: Option<String> = sqlx::query_scalar(
            "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relname = $1",
        )
        .bind(table)
        .fetch_optional(&pool)
        .await
        .unwrap();
        assert_eq!(kind.as_deref(), Some("r"), "table {table} missing");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn migrations_create_the_spec_indexes_on_their_tables(pool: PgPool) {
    for (index, table) in SPEC_INDEXES {
        let on: Option<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_indexes WHERE indexname = $1")
                .bind(index)
                .fetch_optional(&pool)
                .await
                .unwrap();
        assert_eq!(on.as_deref(), Some(table), "index {index}");
    }
}

#[sqlx::test(migrations = "../migrations", fixtures("small"))]
async fn performance_summary_view_refreshes_concurrently_with_spec_aggregates(pool: PgPool) {
    let kind: String = sqlx::query_scalar(
        "SELECT relkind::text FROM pg_class WHERE relname = 'task_performance_summary'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kind, "m", "a materialized view");

    // A first plain refresh populates it; CONCURRENTLY then needs the unique index.
    sqlx::query("REFRESH MATERIALIZED VIEW task_performance_summary")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("REFRESH MATERIALIZED VIEW CONCURRENTLY task_performance_summary")
        .execute(&pool)
        .await
        .unwrap();
    // etl.extract: durations 1000..4000 in one hour bucket -> median 2500, p95 3850
    // (percentile_cont linear interpolation: 3000 + 0.85 * 1000), 2 completed, 1 failed.
    let (total, ok, failed, median, p95): (i64, i64, i64, f64, f64) = sqlx::query_as(
        "SELECT total_executions, successful_executions, failed_executions, median_duration, p95_duration
         FROM task_performance_summary WHERE task_name = 'Extract orders'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((total, ok, failed), (4, 2, 1));
    assert!(
        (median - 2500.0).abs() < 1e-9 && (p95 - 3850.0).abs() < 1e-9,
        "{median} {p95}"
    );
}

#[sqlx::test(migrations = "../migrations", fixtures("small"))]
async fn execution_keys_are_unique_per_task(pool: PgPool) {
    let dup = sqlx::query(
        "INSERT INTO task_execution_history (task_id, workflow_execution_id, task_name, start_time, status, execution_key)
         VALUES ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'Extract orders', now(), 'running', 'x1')",
    )
    .execute(&pool)
    .await;
    let err = dup.unwrap_err();
    assert_eq!(
        err.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("23505"),
        "unique violation"
    );
}
