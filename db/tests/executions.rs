//! Reading histories for the analytics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use sqlx::PgPool;
use types::{TimeRangePreset, TimeWindow};

#[sqlx::test(migrations = "../migrations")]
async fn the_workflow_context_is_the_latest_500_runs_and_the_task_history_is_complete(
    pool: PgPool,
) {
    // 505 hourly runs of a one-task workflow.
    sqlx::raw_sql(
        "INSERT INTO workflows (id, workflow_key) VALUES ('00000000-0000-0000-0000-000000000001', 'w');
         INSERT INTO tasks (id, task_key, workflow_id, task_name)
           VALUES ('00000000-0000-0000-0000-000000000002', 'w.t', '00000000-0000-0000-0000-000000000001', 'T');
         INSERT INTO workflow_executions (id, workflow_id, execution_key, start_time)
           SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'run-' || g,
                  timestamptz '2026-01-01' + g * interval '1 hour' FROM generate_series(1, 505) g;
         INSERT INTO task_execution_history (task_id, workflow_execution_id, task_name, start_time, end_time, duration_ms, status, execution_key)
           SELECT '00000000-0000-0000-0000-000000000002', r.id, 'T', r.start_time, r.start_time + interval '1 minute', 60000, 'completed', r.execution_key
           FROM workflow_executions r;",
    )
    .execute(&pool)
    .await
    .unwrap();
    let task = db::executions::find_task(&pool, "w.t")
        .await
        .unwrap()
        .unwrap();
    let window = TimeWindow::from_preset(
        TimeRangePreset::All,
        "2027-01-01T00:00:00Z".parse().unwrap(),
    );
    let own = db::executions::task_executions(&pool, &task, &window)
        .await
        .unwrap();
    let context = db::executions::workflow_executions(&pool, &task, &window)
        .await
        .unwrap();
    assert_eq!(own.len(), 505);
    assert_eq!(context.len() as i64, db::executions::MAX_CONTEXT_RUNS);
    assert_eq!(
        context.first().unwrap().workflow_execution_id,
        "run-6",
        "the oldest 5 runs are left out"
    );
    assert_eq!(context.last().unwrap().workflow_execution_id, "run-505");
}
