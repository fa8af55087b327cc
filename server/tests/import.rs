//! `tasklens import` into a fresh database: the real traces in `testdata/real/` land with the
//! counts `importers/tests/oracle_counts.py` computed from the raw files (stdlib json/csv).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::PathBuf;

use server::commands::import::{ImportArgs, load_direct, read};
use sqlx::PgPool;

fn args(file: &str) -> (PathBuf, ImportArgs) {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/real/")).join(file);
    let args = ImportArgs {
        files: vec![path.clone()],
        url: None,
        token: None,
        workflow_id: None,
        workflow_execution_id: None,
    };
    (path, args)
}

async fn counts(pool: &PgPool) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM task_execution_history),
                (SELECT count(*) FROM task_failures),
                (SELECT count(*) FROM task_execution_history WHERE attempt_number > 1),
                (SELECT count(*) FROM task_dependencies)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn import(pool: &PgPool, file: &str) -> (i64, i64, i64, i64) {
    let (path, args) = args(file);
    let batch = read(&path, &args).unwrap();
    load_direct(pool, &batch).await.unwrap();
    counts(pool).await
}

// (executions, failures, retries, edges) from `python3 importers/tests/oracle_counts.py`.
#[sqlx::test(migrations = "../migrations")]
async fn montage_wfcommons_instance_loads_its_103_tasks_and_231_edges(pool: PgPool) {
    assert_eq!(
        import(&pool, "wfcommons/montage-chameleon-2mass-01d-001.json").await,
        (103, 0, 0, 231)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn openproblems_trace_loads_with_its_8_failures_retried(pool: PgPool) {
    assert_eq!(
        import(&pool, "nextflow/openproblems-trace-2021-03-04.txt").await,
        (217, 8, 8, 0)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn chipseq_trace_loads_275_executions_with_17_failures(pool: PgPool) {
    assert_eq!(
        import(&pool, "nextflow/chipseq-trace-2021-02-17.txt").await,
        (275, 17, 0, 0)
    );
    let (etype, code): (String, Option<String>) = sqlx::query_as(
        "SELECT error_type, error_code FROM task_failures GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(code.is_some(), "exit codes become error codes ({etype})");
}

#[sqlx::test(migrations = "../migrations")]
async fn importing_the_same_trace_twice_duplicates_nothing(pool: PgPool) {
    let first = import(&pool, "nextflow/openproblems-trace-2022-05-13.txt").await;
    let again = import(&pool, "nextflow/openproblems-trace-2022-05-13.txt").await;
    assert_eq!(first, (864, 12, 12, 0));
    assert_eq!(again, first);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_file_names_its_line_and_writes_nothing(pool: PgPool) {
    let dir = std::env::temp_dir().join(format!("tasklens-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = std::fs::read_to_string(args("nextflow/chipseq-trace-2021-02-17.txt").0).unwrap();
    let mut lines: Vec<String> = trace.lines().map(str::to_owned).collect();
    lines[5] = lines[5].replace("COMPLETED", "EXPLODED");
    let bad = dir.join("bad-trace.txt");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let (_, mut a) = args("unused");
    a.files = vec![bad.clone()];
    let err = read(&bad, &a).unwrap_err();
    assert!(format!("{err:#}").contains("line 6"), "{err:#}");
    assert_eq!(counts(&pool).await, (0, 0, 0, 0));
    std::fs::remove_dir_all(dir).unwrap();
}
