//! Logical executions on real Nextflow runs (issue #13, point 3, and the retry success of
//! point 5): a process runs one task per input, and its analyses count (run, process, input),
//! not (run, process). The openproblems traces in `testdata/real/nextflow/` (AWS Batch runs with
//! out-of-memory kills that Nextflow retried; origin and licence in testdata/real/README.md)
//! are imported with `tasklens import`'s loader; every figure is asserted against
//! `importers/tests/oracle_logical.py` (stdlib csv only, no product code), and the set-based SQL
//! (`db::executions::failure_evidence`) must answer as the records do.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::PathBuf;

use analytics::dependencies::WorkflowContext;
use analytics::execution::Execution;
use analytics::failures::{FailureOptions, failure_metrics, failure_metrics_with};
use chrono::{TimeZone, Utc};
use server::commands::import::{ImportArgs, load_direct, read};
use sqlx::PgPool;
use types::{FailureMetrics, TimeWindow};

// `python3 importers/tests/oracle_logical.py`, verbatim:
//
// ```text
// file	process	logical	attempts (sum of highest)	max attempt	retried	retried that succeeded	attempts>1 completed/all	recovered failures, total gap ms (same instance)	(any instance)
// openproblems-trace-2021-03-04.txt	run_method	46	54	3	4	4	4/8	8, 5564765	8, 1400009
// openproblems-trace-2022-05-13.txt	load_dataset	18	29	3	6	6	6/11	11, 2665978	11, 1213461
// openproblems-trace-2022-05-13.txt	run_method	147	148	2	1	1	1/1	1, 24647	1, 24647
//
// file	observed makespan ms (latest end - earliest start, every row)
// openproblems-trace-2021-03-04.txt	4164846
// openproblems-trace-2022-05-13.txt	2090997
// ```
struct Oracle {
    process: &'static str,
    logical: u64,
    attempts: u64,
    max_attempt: u32,
    retried: u64,
    retried_succeeded: u64,
    later_completed: u64,
    later: u64,
    recovered: u64,
    recovery_total_ms: f64,
}

const ORACLE: &[(&str, &[Oracle], f64)] = &[
    (
        "openproblems-trace-2021-03-04.txt",
        &[Oracle {
            process: "run_method",
            logical: 46,
            attempts: 54,
            max_attempt: 3,
            retried: 4,
            retried_succeeded: 4,
            later_completed: 4,
            later: 8,
            recovered: 8,
            recovery_total_ms: 5_564_765.0,
        }],
        4_164_846.0,
    ),
    (
        "openproblems-trace-2022-05-13.txt",
        &[
            Oracle {
                process: "load_dataset",
                logical: 18,
                attempts: 29,
                max_attempt: 3,
                retried: 6,
                retried_succeeded: 6,
                later_completed: 6,
                later: 11,
                recovered: 11,
                recovery_total_ms: 2_665_978.0,
            },
            Oracle {
                process: "run_method",
                logical: 147,
                attempts: 148,
                max_attempt: 2,
                retried: 1,
                retried_succeeded: 1,
                later_completed: 1,
                later: 1,
                recovered: 1,
                recovery_total_ms: 24_647.0,
            },
        ],
        2_090_997.0,
    ),
];

fn args(file: &str) -> (PathBuf, ImportArgs) {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/real/nextflow/"
    ))
    .join(file);
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

/// The year of `run`'s records: both runs are one workflow, with the same processes.
fn year_of(year: i32) -> TimeWindow {
    let at = |y| Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0).unwrap();
    TimeWindow::explicit(at(year), at(year + 1)).unwrap()
}

fn assert_oracle(m: &FailureMetrics, o: &Oracle, what: &str) {
    let r = &m.retry_attempts;
    assert_eq!(
        r.mean_attempts,
        o.attempts as f64 / o.logical as f64,
        "{what}: mean attempts"
    );
    assert_eq!(
        (r.max_attempts, r.retried),
        (o.max_attempt, o.retried),
        "{what}"
    );
    assert_eq!(
        m.retried_eventually_succeeded,
        o.retried_succeeded as f64 / o.retried as f64,
        "{what}: retried logical executions that succeeded"
    );
    assert_eq!(
        m.retry_success,
        o.later_completed as f64 / o.later as f64,
        "{what}: per attempt"
    );
    assert!(
        (m.recovery_time - o.recovery_total_ms / o.recovered as f64).abs() < 1e-6,
        "{what}: recovery {} vs {}",
        m.recovery_time,
        o.recovery_total_ms / o.recovered as f64
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn retries_recovery_and_makespan_of_real_runs_count_each_input_as_one_logical_execution(
    pool: PgPool,
) {
    for &(file, processes, makespan_ms) in ORACLE {
        let window = year_of(file[19..23].parse().unwrap());
        let (path, args) = args(file);
        let batch = read(&path, &args).unwrap();
        load_direct(&pool, &batch, false).await.unwrap();
        let all: Vec<Execution> = batch.executions.iter().map(Execution::from).collect();
        let workflow = &batch.executions[0].workflow_id;
        let run = &batch.executions[0].workflow_execution_id;
        for o in processes {
            let key = format!("{workflow}.{}", o.process);
            let own: Vec<Execution> = all.iter().filter(|e| e.task_id == key).cloned().collect();
            let opts = FailureOptions::default();
            let records = failure_metrics(&own, &all, &[], &opts);
            assert_oracle(&records, o, &format!("{file} {key} from records"));

            let task = db::executions::find_task(&pool, &key)
                .await
                .unwrap()
                .unwrap();
            let evidence = db::executions::failure_evidence(&pool, &task, &window)
                .await
                .unwrap();
            let sql = failure_metrics_with(&own, &evidence, &[], &opts);
            assert_oracle(&sql, o, &format!("{file} {key} from SQL"));
            assert_eq!(sql.retry_attempts, records.retry_attempts, "{file} {key}");
        }

        // The observed makespan spans every record of the run, from the records and from the
        // stored context alike.
        let task = db::executions::find_task(&pool, &all[0].task_id)
            .await
            .unwrap()
            .unwrap();
        let stored = db::executions::workflow_executions_by_id(
            &pool,
            task.workflow_id,
            &task.workflow_key,
            &window,
        )
        .await
        .unwrap();
        for executions in [all.clone(), stored] {
            let ctx = WorkflowContext {
                executions: executions
                    .into_iter()
                    .filter(|e| &e.workflow_execution_id == run)
                    .collect(),
                ..WorkflowContext::default()
            };
            let report = analytics::critical_path::critical_path_report(workflow, &ctx).unwrap();
            assert_eq!(
                (report.observed_runs, report.mean_makespan_ms),
                (1, makespan_ms),
                "{file}: observed makespan"
            );
        }
    }
}
