//! `tasklens import` into a fresh database: the real traces in `testdata/real/` land with the
//! counts `importers/tests/oracle_counts.py` computed from the raw files (stdlib json/csv, its
//! own FNV-1a for the keys), runs are never merged or overwritten whatever the files are
//! called, and a replay that would move stored executions is refused (issue #13, points 1, 2).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};

use server::commands::import::{ImportArgs, Loaded, load_direct, read, summary};
use sqlx::PgPool;

fn real(file: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/real/")).join(file)
}

fn args(file: &str) -> (PathBuf, ImportArgs) {
    let path = real(file);
    let args = ImportArgs {
        files: vec![path.clone()],
        url: None,
        token: None,
        workflow_id: None,
        workflow_execution_id: None,
        replace: false,
        keep_going: false,
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

async fn load(pool: &PgPool, path: &Path, args: &ImportArgs) -> anyhow::Result<Loaded> {
    let batch = read(&path.to_path_buf(), args)?;
    load_direct(pool, &batch, args.replace).await
}

async fn import(pool: &PgPool, file: &str) -> (i64, i64, i64, i64) {
    let (path, args) = args(file);
    load(pool, &path, &args).await.unwrap();
    counts(pool).await
}

/// A private directory for copies of the real traces under other names.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tasklens-import-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `bytes` as `rel` (directories created) and returns its path.
    fn put(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (run key, executions, failures, retries) of every stored run, by run key.
async fn runs(pool: &PgPool) -> Vec<(String, String, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT w.workflow_key, we.execution_key, count(h.id),
                count(*) FILTER (WHERE h.status = 'failed'),
                count(*) FILTER (WHERE h.attempt_number > 1)
         FROM workflow_executions we
         JOIN workflows w ON w.id = we.workflow_id
         JOIN task_execution_history h ON h.workflow_execution_id = we.id
         GROUP BY 1, 2 ORDER BY 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
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
async fn importing_the_same_trace_twice_duplicates_nothing_and_reports_it_unchanged(pool: PgPool) {
    let (path, args) = args("nextflow/openproblems-trace-2022-05-13.txt");
    let first = load(&pool, &path, &args).await.unwrap();
    assert_eq!(counts(&pool).await, (864, 12, 12, 0));
    let again = load(&pool, &path, &args).await.unwrap();
    assert_eq!(counts(&pool).await, (864, 12, 12, 0));
    assert_eq!((first.counts.inserted, first.unchanged), (864, 0));
    assert_eq!(
        (again.counts.inserted, again.counts.updated, again.unchanged),
        (0, 864, 864)
    );
    let batch = read(&path, &args).unwrap();
    assert_eq!(
        summary(&batch, &again),
        "864 executions (0 new, 0 updated, 864 unchanged), 0 dependencies, \
         as run 20220513T030226Z-a6cdd856f074 of workflow nextflow-c261ef0db101"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn two_runs_both_named_execution_trace_are_both_kept_with_their_exact_counts(pool: PgPool) {
    // nf-core writes pipeline_info/execution_trace.txt on every run: the two openproblems runs
    // (and the chipseq run) under that one name, in directories of their own.
    let scratch = Scratch::new("same-name");
    let older = scratch.put(
        "2021/pipeline_info/execution_trace.txt",
        &std::fs::read(real("nextflow/openproblems-trace-2021-03-04.txt")).unwrap(),
    );
    let newer = scratch.put(
        "2022/pipeline_info/execution_trace.txt",
        &std::fs::read(real("nextflow/openproblems-trace-2022-05-13.txt")).unwrap(),
    );
    let other = scratch.put(
        "chipseq/pipeline_info/execution_trace.txt",
        &std::fs::read(real("nextflow/chipseq-trace-2021-02-17.txt")).unwrap(),
    );
    let (_, args) = args("unused");
    let a = load(&pool, &older, &args).await.unwrap();
    let b = load(&pool, &newer, &args).await.unwrap();
    let c = load(&pool, &other, &args).await.unwrap();
    // Each run only inserts: nothing of another run is updated.
    for (loaded, n) in [(a, 217), (b, 864), (c, 275)] {
        assert_eq!(
            (loaded.counts.inserted, loaded.counts.updated),
            (n, 0),
            "{loaded:?}"
        );
    }
    // Oracle: 217 executions, 8 failures, 8 retries; 864, 12, 12; 275, 17, 0; keys from the
    // oracle's second table. The two openproblems runs are one pipeline, chipseq another.
    assert_eq!(
        runs(&pool).await,
        [
            (
                "chipseq".to_owned(),
                "20210217T170321Z-2581769b2f9f".to_owned(),
                275,
                17,
                0
            ),
            (
                "nextflow-c261ef0db101".to_owned(),
                "20210304T210607Z-df73f194b1d4".to_owned(),
                217,
                8,
                8
            ),
            (
                "nextflow-c261ef0db101".to_owned(),
                "20220513T030226Z-a6cdd856f074".to_owned(),
                864,
                12,
                12
            ),
        ]
    );
    assert_eq!(counts(&pool).await, (217 + 864 + 275, 8 + 12 + 17, 20, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_changed_trace_of_a_stored_run_is_refused_naming_the_execution_and_writes_nothing(
    pool: PgPool,
) {
    // openproblems 2021-03-04, line 2: task 2 list_tasks, submit 21:06:07.625, duration 13.9s,
    // realtime 2.5s: stored as 21:06:19.025 – 21:06:21.525. The same run with realtime 9.5s
    // (same rows, so the same run key) would start at 21:06:12.025.
    let rel = "nextflow/openproblems-trace-2021-03-04.txt";
    let original = std::fs::read_to_string(real(rel)).unwrap();
    let changed = original.replacen(
        "list_tasks\tCOMPLETED\t0\t2021-03-04 21:06:07.625\t13.9s\t2.5s",
        "list_tasks\tCOMPLETED\t0\t2021-03-04 21:06:07.625\t13.9s\t9.5s",
        1,
    );
    assert_ne!(changed, original);
    let scratch = Scratch::new("changed");
    let path = scratch.put("execution_trace.txt", changed.as_bytes());
    let (_, mut args) = args(rel);
    import(&pool, rel).await;
    let stored = |pool: PgPool| async move {
        sqlx::query_as::<
            _,
            (
                chrono::DateTime<chrono::Utc>,
                Option<chrono::DateTime<chrono::Utc>>,
            ),
        >(
            "SELECT start_time, end_time FROM task_execution_history
             WHERE execution_key = '20210304T210607Z-df73f194b1d4/2'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = stored(pool.clone()).await;
    assert_eq!(
        before.0.to_rfc3339(),
        "2021-03-04T21:06:19.025+00:00",
        "{before:?}"
    );

    let err = format!("{:#}", load(&pool, &path, &args).await.unwrap_err());
    assert!(
        err.contains("refused, nothing was written: 1 execution(s)"),
        "{err}"
    );
    assert!(
        err.contains(
            "task \"nextflow-c261ef0db101.list_tasks\", execution \
             \"20210304T210607Z-df73f194b1d4/2\": stored 2021-03-04T21:06:19.025Z – \
             2021-03-04T21:06:21.525Z; this file 2021-03-04T21:06:12.025Z – 2021-03-04T21:06:21.525Z"
        ),
        "{err}"
    );
    assert!(err.contains("--replace"), "{err}");
    assert_eq!(stored(pool.clone()).await, before);
    assert_eq!(counts(&pool).await, (217, 8, 8, 0));

    // --replace overwrites that execution's times and leaves the other 216 unchanged.
    args.replace = true;
    let replaced = load(&pool, &path, &args).await.unwrap();
    assert_eq!(
        (
            replaced.counts.inserted,
            replaced.counts.updated,
            replaced.unchanged
        ),
        (0, 217, 216)
    );
    assert_eq!(
        stored(pool.clone()).await.0.to_rfc3339(),
        "2021-03-04T21:06:12.025+00:00"
    );
    assert_eq!(counts(&pool).await, (217, 8, 8, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_second_run_forced_under_the_first_runs_key_is_refused_instead_of_overwriting_it(
    pool: PgPool,
) {
    // As when the file name was the key: both openproblems runs as run "execution_trace". The
    // oracle's third table: 52 (process, task_id) pairs of 2022 are stored by 2021 (first:
    // list_methods, task 7); each would have been overwritten in place.
    let (older, mut args) = args("nextflow/openproblems-trace-2021-03-04.txt");
    args.workflow_id = Some("openproblems".into());
    args.workflow_execution_id = Some("execution_trace".into());
    load(&pool, &older, &args).await.unwrap();
    let newer = real("nextflow/openproblems-trace-2022-05-13.txt");
    let err = format!("{:#}", load(&pool, &newer, &args).await.unwrap_err());
    assert!(
        err.contains("refused, nothing was written: 52 execution(s)"),
        "{err}"
    );
    assert!(
        err.contains(
            "task \"openproblems.list_methods\", execution \"execution_trace/7\": stored 2021-03-04"
        ),
        "{err}"
    );
    assert!(err.contains("... and 42 more"), "{err}");
    assert_eq!(counts(&pool).await, (217, 8, 8, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn two_wfcommons_instances_sharing_a_name_are_two_workflows_each_with_its_own_edges(
    pool: PgPool,
) {
    // The epigenomics instance is named genome-dax-0, which 25 other WfInstances share; the
    // real blast instance given that name stands for one of them.
    let scratch = Scratch::new("wfcommons");
    let mut blast: serde_json::Value = serde_json::from_slice(
        &std::fs::read(real("wfcommons/blast-chameleon-small-001.json")).unwrap(),
    )
    .unwrap();
    blast["name"] = "genome-dax-0".into();
    let renamed = scratch.put("genome-dax-0.json", &serde_json::to_vec(&blast).unwrap());
    let (epi, args) = args("wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json");
    load(&pool, &epi, &args).await.unwrap();
    load(&pool, &renamed, &args).await.unwrap();
    // Oracle: 41 executions and 48 edges, 43 and 120; workflow keys from its renamed table.
    let workflows: Vec<(String, Option<String>, i64, i64, i64)> = sqlx::query_as(
        "SELECT w.workflow_key, w.workflow_name,
                (SELECT count(*) FROM workflow_executions we WHERE we.workflow_id = w.id),
                (SELECT count(*) FROM task_execution_history h JOIN tasks t ON t.id = h.task_id
                 WHERE t.workflow_id = w.id),
                (SELECT count(*) FROM task_dependencies d WHERE d.workflow_id = w.id)
         FROM workflows w ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let dax = Some("genome-dax-0".to_owned());
    assert_eq!(
        workflows,
        [
            (
                "genome-dax-0-8f035289365c".to_owned(),
                dax.clone(),
                1,
                41,
                48
            ),
            ("genome-dax-0-ffec5ddd40be".to_owned(), dax, 1, 43, 120),
        ]
    );
    // No edge joins tasks of two workflows.
    let foreign: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM task_dependencies d
         JOIN tasks u ON u.id = d.task_id JOIN tasks v ON v.id = d.dependent_task_id
         WHERE u.workflow_id <> d.workflow_id OR v.workflow_id <> d.workflow_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(foreign, 0);
    // The recorded makespans (1279.3 s for blast, 594.0 s for epigenomics) are kept.
    let makespans: Vec<(String, f64)> = sqlx::query_as(
        "SELECT DISTINCT w.workflow_key, (h.attributes->>'runMakespanSeconds')::float8
         FROM task_execution_history h JOIN tasks t ON t.id = h.task_id
         JOIN workflows w ON w.id = t.workflow_id ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        makespans,
        [
            ("genome-dax-0-8f035289365c".to_owned(), 594.0),
            ("genome-dax-0-ffec5ddd40be".to_owned(), 1279.3)
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_file_of_more_than_one_chunk_writes_each_record_once_and_keeps_its_failures(
    pool: PgPool,
) {
    // 10,001 records load as two chunks of one transaction; the first record failed.
    let scratch = Scratch::new("chunks");
    let lines: Vec<String> = (0..10_001)
        .map(|i| {
            serde_json::json!({
                "executionId": format!("e{i}"), "workflowId": "big", "workflowExecutionId": "r1",
                "taskId": "big.t", "taskName": "t",
                "status": if i == 0 { "failed" } else { "completed" },
                "error": if i == 0 { serde_json::json!({"type": "Boom"}) } else { serde_json::Value::Null },
                "startTime": "2026-01-01T00:00:00Z", "endTime": "2026-01-01T00:00:01Z"
            })
            .to_string()
        })
        .collect();
    let path = scratch.put("big.ndjson", lines.join("\n").as_bytes());
    let (_, args) = args("unused");
    let loaded = load(&pool, &path, &args).await.unwrap();
    assert_eq!((loaded.counts.inserted, loaded.counts.updated), (10_001, 0));
    assert_eq!(counts(&pool).await, (10_001, 1, 0, 0));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bad_file_names_its_line_and_writes_nothing(pool: PgPool) {
    let scratch = Scratch::new("bad");
    let trace = std::fs::read_to_string(real("nextflow/chipseq-trace-2021-02-17.txt")).unwrap();
    let mut lines: Vec<String> = trace.lines().map(str::to_owned).collect();
    lines[5] = lines[5].replace("COMPLETED", "EXPLODED");
    let bad = scratch.put("bad-trace.txt", lines.join("\n").as_bytes());
    let (_, mut a) = args("unused");
    a.files = vec![bad.clone()];
    let err = read(&bad, &a).unwrap_err();
    assert!(format!("{err:#}").contains("line 6"), "{err:#}");
    assert_eq!(counts(&pool).await, (0, 0, 0, 0));
}
