//! Imports every real trace under `testdata/real` (copied from public repositories; origins and
//! licences in testdata/real/README.md: wfcommons/WfInstances @ f085867, LGPL-3.0;
//! openproblems-bio/openproblems and jianhong/chipseq, MIT) and checks exact counts against an
//! independent oracle, plus the documented mappings on hand-checked rows.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use importers::{Format, ImportOptions, detect, import};
use types::ExecutionStatus;
use types::ingest::{AttributeValue, ExecutionRecord, ValidBatch};

// (file under testdata/real, executions, failures, retries, dependency edges).
//
// Computed independently of the importer from the raw files by
// `importers/tests/oracle_counts.py` (Python stdlib json/csv only). Command, from the workspace
// root: `python3 importers/tests/oracle_counts.py`. Its output, verbatim:
//
// ```text
// file	executions	failures	retries	edges
// wfcommons/blast-chameleon-small-001.json	43	0	0	120
// wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json	41	0	0	48
// wfcommons/montage-chameleon-2mass-01d-001.json	103	0	0	231
// wfcommons/rnaseq-dirt02-001.json	197	0	0	451
// nextflow/chipseq-trace-2021-02-17.txt	275	17	0	0
// nextflow/openproblems-trace-2021-03-04.txt	217	8	8	0
// nextflow/openproblems-trace-2022-05-13.txt	864	12	12	0
// ```
const ORACLE: &[(&str, usize, usize, usize, usize)] = &[
    ("wfcommons/blast-chameleon-small-001.json", 43, 0, 0, 120),
    (
        "wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json",
        41,
        0,
        0,
        48,
    ),
    (
        "wfcommons/montage-chameleon-2mass-01d-001.json",
        103,
        0,
        0,
        231,
    ),
    ("wfcommons/rnaseq-dirt02-001.json", 197, 0, 0, 451),
    ("nextflow/chipseq-trace-2021-02-17.txt", 275, 17, 0, 0),
    ("nextflow/openproblems-trace-2021-03-04.txt", 217, 8, 8, 0),
    ("nextflow/openproblems-trace-2022-05-13.txt", 864, 12, 12, 0),
];

// (file, workflow key, run key, recorded makespanInSeconds) derived from the content, never the
// file name. Second table of `python3 importers/tests/oracle_counts.py` (its own FNV-1a and
// canonical texts, from the rules in importers/src/keys.rs), verbatim:
//
// ```text
// file	workflow key	run key	makespanInSeconds
// wfcommons/blast-chameleon-small-001.json	makeflow-blast-small-ffec5ddd40be	20201225T201008Z-98d7262edc3e	1279.3
// wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json	genome-dax-0-8f035289365c	20200408T154143Z-548439e6e053	594.0
// wfcommons/montage-chameleon-2mass-01d-001.json	montage-9b984ec222a0	20210323T055715Z-d8fbb2ff5a23	1362.0
// wfcommons/rnaseq-dirt02-001.json	rnaseq-af85d1b502f9	20230321T211020Z-7ea40b5938ac	3131
// nextflow/chipseq-trace-2021-02-17.txt	chipseq	20210217T170321Z-2581769b2f9f	-
// nextflow/openproblems-trace-2021-03-04.txt	nextflow-c261ef0db101	20210304T210607Z-df73f194b1d4	-
// nextflow/openproblems-trace-2022-05-13.txt	nextflow-c261ef0db101	20220513T030226Z-a6cdd856f074	-
//
// instance renamed genome-dax-0	workflow key
// wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json	genome-dax-0-8f035289365c
// wfcommons/blast-chameleon-small-001.json	genome-dax-0-ffec5ddd40be
// ```
const KEYS: &[(&str, &str, &str, Option<f64>)] = &[
    (
        "wfcommons/blast-chameleon-small-001.json",
        "makeflow-blast-small-ffec5ddd40be",
        "20201225T201008Z-98d7262edc3e",
        Some(1279.3),
    ),
    (
        "wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json",
        "genome-dax-0-8f035289365c",
        "20200408T154143Z-548439e6e053",
        Some(594.0),
    ),
    (
        "wfcommons/montage-chameleon-2mass-01d-001.json",
        "montage-9b984ec222a0",
        "20210323T055715Z-d8fbb2ff5a23",
        Some(1362.0),
    ),
    (
        "wfcommons/rnaseq-dirt02-001.json",
        "rnaseq-af85d1b502f9",
        "20230321T211020Z-7ea40b5938ac",
        Some(3131.0),
    ),
    (
        "nextflow/chipseq-trace-2021-02-17.txt",
        "chipseq",
        "20210217T170321Z-2581769b2f9f",
        None,
    ),
    (
        "nextflow/openproblems-trace-2021-03-04.txt",
        "nextflow-c261ef0db101",
        "20210304T210607Z-df73f194b1d4",
        None,
    ),
    (
        "nextflow/openproblems-trace-2022-05-13.txt",
        "nextflow-c261ef0db101",
        "20220513T030226Z-a6cdd856f074",
        None,
    ),
];

/// The run key the oracle derived for `rel`.
fn run_of(rel: &str) -> &'static str {
    KEYS.iter().find(|k| k.0 == rel).unwrap().2
}

/// An execution id of `rel`'s run: `{run key}/{suffix}`.
fn exec_id(rel: &str, suffix: &str) -> String {
    format!("{}/{suffix}", run_of(rel))
}

fn real_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/real")
}

fn stem(rel: &str) -> String {
    Path::new(rel)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(real_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn import_real(rel: &str) -> ValidBatch {
    import(&bytes(rel), &ImportOptions::from_source(stem(rel)))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn by_execution_id<'a>(batch: &'a ValidBatch, id: &str) -> &'a ExecutionRecord {
    batch
        .executions
        .iter()
        .find(|r| r.execution_id == id)
        .unwrap_or_else(|| panic!("no execution {id}"))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn text(r: &ExecutionRecord, key: &str) -> Option<String> {
    match r.attributes.get(key) {
        Some(AttributeValue::Text(s)) => Some(s.clone()),
        _ => None,
    }
}

#[test]
fn every_real_trace_imports_with_the_counts_the_python_oracle_computes() {
    for &(rel, executions, failures, retries, edges) in ORACLE {
        let batch = import_real(rel);
        let got = (
            batch.executions.len(),
            batch
                .executions
                .iter()
                .filter(|r| r.status.is_failure())
                .count(),
            batch
                .executions
                .iter()
                .filter(|r| r.attempt_number > 1)
                .count(),
            batch.dependencies.len(),
        );
        assert_eq!(got, (executions, failures, retries, edges), "{rel}");
    }
}

#[test]
fn every_trace_file_under_testdata_real_is_in_the_oracle_table() {
    let mut found = Vec::new();
    for sub in ["wfcommons", "nextflow"] {
        for entry in std::fs::read_dir(real_dir().join(sub)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let is_trace = name.ends_with(".json") || name.contains("-trace-");
            if is_trace && !name.starts_with("LICENSE") {
                found.push(format!("{sub}/{name}"));
            }
        }
    }
    found.sort();
    let mut listed: Vec<String> = ORACLE.iter().map(|row| row.0.to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed);
}

#[test]
fn detect_recognises_the_format_of_each_real_trace() {
    for &(rel, ..) in ORACLE {
        let expected = if rel.starts_with("wfcommons/") {
            Format::WfCommons
        } else {
            Format::NextflowTrace
        };
        assert_eq!(detect(&bytes(rel)), Ok(expected), "{rel}");
    }
}

#[test]
fn wfcommons_schedule_starts_every_child_at_or_after_every_parent_ends() {
    for &(rel, ..) in ORACLE.iter().filter(|r| r.0.starts_with("wfcommons/")) {
        let batch = import_real(rel);
        let by_task: HashMap<&str, &ExecutionRecord> = batch
            .executions
            .iter()
            .map(|r| (r.task_id.as_str(), r))
            .collect();
        assert_eq!(
            by_task.len(),
            batch.executions.len(),
            "{rel}: task ids unique"
        );
        for d in &batch.dependencies {
            let parent = by_task[d.upstream_task_id.as_str()];
            let child = by_task[d.downstream_task_id.as_str()];
            assert!(
                child.start_time >= parent.end_time.unwrap(),
                "{rel}: {} starts before {} ends",
                child.task_id,
                parent.task_id
            );
        }
        // Tasks without parents start when the run started; someone starts there.
        let earliest = batch.executions.iter().map(|r| r.start_time).min().unwrap();
        let roots_start = batch
            .executions
            .iter()
            .filter(|r| {
                !batch
                    .dependencies
                    .iter()
                    .any(|d| d.downstream_task_id == r.task_id)
            })
            .all(|r| r.start_time == earliest);
        assert!(roots_start, "{rel}: every root starts at executedAt");
    }
}

#[test]
fn wfcommons_task_metrics_follow_the_documented_formulas() {
    // blast: execution.tasks[0] is split_fasta_ID000001 with runtimeInSeconds 0.054023,
    // avgCPU 94.8133, memoryInBytes 3000000, readBytes 660000, writtenBytes 312000, coreCount 1,
    // machines ["worker-1.novalocal"]; executedAt "2020-12-25T20:10:08+00:00"; a root task.
    let batch = import_real("wfcommons/blast-chameleon-small-001.json");
    const BLAST: &str = "wfcommons/blast-chameleon-small-001.json";
    let r = by_execution_id(&batch, &exec_id(BLAST, "split_fasta_ID000001"));
    assert_eq!(r.workflow_id, "makeflow-blast-small-ffec5ddd40be");
    assert_eq!(r.workflow_name.as_deref(), Some("makeflow-blast-small"));
    assert_eq!(r.workflow_execution_id, run_of(BLAST));
    assert_eq!(
        r.task_id,
        "makeflow-blast-small-ffec5ddd40be.split_fasta_ID000001"
    );
    assert_eq!(r.task_name, "split_fasta_ID000001");
    assert_eq!(r.status, ExecutionStatus::Completed);
    assert_eq!(r.start_time, utc("2020-12-25T20:10:08Z"));
    assert_eq!(r.duration_ms, Some(54)); // 0.054023 s
    assert_eq!(r.cpu_time_ms, Some(51)); // 0.054023 × 94.8133 / 100 × 1000 = 51.22
    assert_eq!(r.memory_peak_mb, Some(3_000_000.0 / 1_048_576.0));
    assert_eq!(
        (r.read_bytes, r.write_bytes),
        (Some(660_000), Some(312_000))
    );
    assert_eq!(r.cpu_allocated_cores, Some(1.0));
    assert_eq!(r.host.as_deref(), Some("worker-1.novalocal"));
    assert_eq!(
        r.attributes.get("startTimeDerived"),
        Some(&AttributeValue::Bool(true))
    );
    // Its 41 blastall children start when it ends.
    let child = by_execution_id(&batch, &exec_id(BLAST, "blastall_ID000002"));
    assert_eq!(child.start_time, utc("2020-12-25T20:10:08.054Z"));
}

#[test]
fn wfcommons_executed_at_in_month_day_year_and_basic_iso_forms_anchors_the_schedule() {
    // montage: executedAt "03-23-21T05:57:15Z"; epigenomics: "20200408T154143+0000".
    for (rel, expected) in [
        (
            "wfcommons/montage-chameleon-2mass-01d-001.json",
            "2021-03-23T05:57:15Z",
        ),
        (
            "wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json",
            "2020-04-08T15:41:43Z",
        ),
        (
            "wfcommons/rnaseq-dirt02-001.json",
            "2023-03-21T21:10:20Z", // 11:10:20-10:00
        ),
    ] {
        let batch = import_real(rel);
        let earliest = batch.executions.iter().map(|r| r.start_time).min().unwrap();
        assert_eq!(earliest, utc(expected), "{rel}");
    }
}

#[test]
fn wfcommons_tasks_without_optional_fields_import_without_those_metrics() {
    // epigenomics tasks have no memoryInBytes/readBytes/coreCount; rnaseq tasks no machines.
    let epi = import_real("wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json");
    assert!(
        epi.executions
            .iter()
            .all(|r| r.memory_peak_mb.is_none() && r.read_bytes.is_none())
    );
    assert!(epi.executions.iter().all(|r| r.host.is_some()));
    let rnaseq = import_real("wfcommons/rnaseq-dirt02-001.json");
    assert!(rnaseq.executions.iter().all(|r| r.host.is_none()));
    assert!(rnaseq.executions.iter().all(|r| r.memory_peak_mb.is_some()));
}

#[test]
fn nextflow_row_times_and_metrics_follow_the_documented_mapping() {
    // chipseq line 2: task_id 5, hash 19/beb69e, CHIPSEQ:OUTPUT_DOCUMENTATION, COMPLETED,
    // submit 2021-02-17 17:03:21.800, duration 1m 20s, realtime 241ms, %cpu 85.2%,
    // peak_rss 14.2 MB, rchar 3.2 MB, wchar 1.2 MB.
    const CHIPSEQ: &str = "nextflow/chipseq-trace-2021-02-17.txt";
    let batch = import_real(CHIPSEQ);
    let r = by_execution_id(&batch, &exec_id(CHIPSEQ, "5"));
    // Every process runs in the CHIPSEQ scope: that is the pipeline.
    assert_eq!(r.workflow_id, "chipseq");
    assert_eq!(r.workflow_name.as_deref(), Some("CHIPSEQ"));
    assert_eq!(r.task_id, "chipseq.CHIPSEQ:OUTPUT_DOCUMENTATION");
    assert_eq!(r.task_name, "CHIPSEQ:OUTPUT_DOCUMENTATION");
    assert_eq!(r.status, ExecutionStatus::Completed);
    assert_eq!(r.attempt_number, 1);
    // start = submit + (80 000 − 241) ms, end = submit + 80 000 ms.
    assert_eq!(r.start_time, utc("2021-02-17T17:04:41.559Z"));
    assert_eq!(r.end_time, Some(utc("2021-02-17T17:04:41.800Z")));
    assert_eq!(r.duration_ms, Some(241));
    assert_eq!(r.cpu_time_ms, Some(205)); // 241 × 0.852 = 205.3
    assert!((r.memory_peak_mb.unwrap() - 14.2).abs() < 1e-6);
    assert_eq!(r.read_bytes, Some(3_355_443)); // 3.2 × 1024²
    assert_eq!(r.write_bytes, Some(1_258_291)); // 1.2 × 1024²
    assert_eq!(text(r, "hash").as_deref(), Some("19/beb69e"));
    assert_eq!(text(r, "tag"), None);
    // No tag: the instance is the whole name.
    assert_eq!(
        r.instance_id.as_deref(),
        Some("CHIPSEQ:OUTPUT_DOCUMENTATION")
    );
    assert_eq!(
        r.attributes.get("queuedMs"),
        Some(&AttributeValue::Number(79_759.0))
    );
    assert!(r.error.is_none() && r.host.is_none());

    // line 3: "CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK (design.csv)".
    let r = by_execution_id(&batch, &exec_id(CHIPSEQ, "2"));
    assert_eq!(r.task_id, "chipseq.CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK");
    assert_eq!(r.task_name, "CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK");
    assert_eq!(text(r, "tag").as_deref(), Some("design.csv"));
    assert_eq!(r.instance_id.as_deref(), Some("design.csv"));
}

#[test]
fn nextflow_end_time_is_submit_plus_duration() {
    // chipseq line 3: submit 17:04:42.069, duration 757ms, realtime 47ms.
    let rel = "nextflow/chipseq-trace-2021-02-17.txt";
    let batch = import_real(rel);
    let r = by_execution_id(&batch, &exec_id(rel, "2"));
    assert_eq!(r.end_time, Some(utc("2021-02-17T17:04:42.826Z")));
    assert_eq!(r.start_time, utc("2021-02-17T17:04:42.779Z"));
}

#[test]
fn nextflow_failed_row_followed_by_same_name_is_attempt_two() {
    // openproblems 2021-03-04: "run_method (label_projection:mlp_scran-pancreas_batch:…)"
    // FAILED (137) as task 94 at line 87 and task 144 at line 180, COMPLETED as task 188 at
    // line 203.
    let rel = "nextflow/openproblems-trace-2021-03-04.txt";
    let batch = import_real(rel);
    let first = by_execution_id(&batch, &exec_id(rel, "94"));
    let second = by_execution_id(&batch, &exec_id(rel, "144"));
    let third = by_execution_id(&batch, &exec_id(rel, "188"));
    assert_eq!(
        (
            first.attempt_number,
            second.attempt_number,
            third.attempt_number
        ),
        (1, 2, 3)
    );
    // The three attempts of one input are one logical execution: they share the instance.
    for r in [first, second, third] {
        assert_eq!(
            r.instance_id.as_deref(),
            Some("label_projection:mlp_scran-pancreas_batch:openproblems-r-base")
        );
    }
    assert_eq!(
        (first.status, second.status, third.status),
        (
            ExecutionStatus::Failed,
            ExecutionStatus::Failed,
            ExecutionStatus::Completed
        )
    );
    assert!(first.retry_reason.is_none());
    assert_eq!(
        second.retry_reason.as_deref(),
        Some(
            "attempt 1 (line 87) failed: process exited with status 137 (killed by SIGKILL, usually for exceeding its memory)"
        )
    );
    assert!(
        third
            .retry_reason
            .as_deref()
            .unwrap()
            .starts_with("attempt 2 (line 180) failed")
    );
    assert_eq!(first.task_id, third.task_id);
    assert_eq!(first.task_name, "run_method");
}

#[test]
fn nextflow_exit_137_is_a_sigkill_error_with_its_code() {
    let batch = import_real("nextflow/openproblems-trace-2022-05-13.txt");
    let failed: Vec<&ExecutionRecord> = batch
        .executions
        .iter()
        .filter(|r| r.status == ExecutionStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 12);
    for r in failed {
        let e = r.error.as_ref().unwrap();
        assert_eq!(
            (e.error_type.as_str(), e.code.as_deref()),
            ("SIGKILL", Some("137"))
        );
    }
    assert!(
        batch
            .executions
            .iter()
            .filter(|r| r.status == ExecutionStatus::Completed)
            .all(|r| r.error.is_none())
    );
}

#[test]
fn nextflow_unretried_failures_stay_attempt_one_with_their_exit_status() {
    // chipseq line 119: task 120 "CHIPSEQ:PHANTOMPEAKQUALTOOLS (SPT5_INPUT_R1)" FAILED, exit 127;
    // line 185: task 184 "...JO_DIFFBIND (...)" FAILED, exit 1. Neither name comes back.
    let rel = "nextflow/chipseq-trace-2021-02-17.txt";
    let batch = import_real(rel);
    let r = by_execution_id(&batch, &exec_id(rel, "120"));
    assert_eq!(r.attempt_number, 1);
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.error_type, "CommandNotFound");
    assert_eq!(e.code.as_deref(), Some("127"));
    assert_eq!(
        e.message.as_deref(),
        Some("process exited with status 127 (command not found)")
    );
    // "-" metrics are absent, not zero.
    assert_eq!(
        (r.cpu_time_ms, r.memory_peak_mb, r.read_bytes),
        (None, None, None)
    );
    let e = by_execution_id(&batch, &exec_id(rel, "184"))
        .error
        .clone()
        .unwrap();
    assert_eq!(
        (e.error_type.as_str(), e.code.as_deref()),
        ("ExitCode", Some("1"))
    );
}

#[test]
fn import_options_override_the_workflow_and_execution_ids() {
    let opts = ImportOptions {
        workflow_id: Some("blast".into()),
        workflow_execution_id: Some("run-7".into()),
        source_name: "ignored".into(),
    };
    let batch = import(&bytes("wfcommons/blast-chameleon-small-001.json"), &opts).unwrap();
    assert!(batch.executions.iter().all(|r| r.workflow_id == "blast"
        && r.workflow_execution_id == "run-7"
        && r.task_id.starts_with("blast.")
        && r.execution_id.starts_with("run-7/")));
    assert!(batch.dependencies.iter().all(|d| d.workflow_id == "blast"));
    let batch = import(&bytes("nextflow/chipseq-trace-2021-02-17.txt"), &opts).unwrap();
    assert!(batch.executions.iter().all(|r| r.workflow_id == "blast"
        && r.task_id.starts_with("blast.CHIPSEQ:")
        && r.execution_id.starts_with("run-7/")));
}

// ---- Keys from the content (issue #13, points 1 and 2) -------------------------------------

/// `rel` imported as Nextflow and nf-core name every run's trace: the file name is the same
/// for every run.
fn import_as(rel: &str, file_name: &str) -> ValidBatch {
    import(&bytes(rel), &ImportOptions::from_source(file_name))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_real_trace_gets_the_workflow_and_run_keys_the_python_oracle_derives_from_its_content() {
    for &(rel, workflow, run, makespan) in KEYS {
        for name in [stem(rel).as_str(), "execution_trace", "trace"] {
            let batch = import_as(rel, name);
            assert!(
                batch
                    .executions
                    .iter()
                    .all(|r| r.workflow_id == workflow && r.workflow_execution_id == run),
                "{rel} as {name}: {:?}",
                batch
                    .executions
                    .first()
                    .map(|r| (&r.workflow_id, &r.workflow_execution_id))
            );
            assert!(batch.dependencies.iter().all(|d| d.workflow_id == workflow));
            assert!(
                batch
                    .executions
                    .iter()
                    .all(|r| r.execution_id.starts_with(&format!("{run}/"))
                        && r.task_id.starts_with(&format!("{workflow}."))),
                "{rel}"
            );
            let recorded: Vec<Option<&AttributeValue>> = batch
                .executions
                .iter()
                .map(|r| r.attributes.get("runMakespanSeconds"))
                .collect();
            let expected = makespan.map(AttributeValue::Number);
            assert!(
                recorded.iter().all(|m| *m == expected.as_ref()),
                "{rel}: makespan"
            );
        }
    }
}

#[test]
fn every_real_trace_is_in_the_key_table() {
    let mut a: Vec<&str> = ORACLE.iter().map(|r| r.0).collect();
    let mut b: Vec<&str> = KEYS.iter().map(|r| r.0).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

#[test]
fn two_openproblems_runs_both_named_execution_trace_stay_two_runs_of_one_pipeline() {
    // Both files were results/pipeline_info/execution_trace.txt in openproblems-bio/openproblems.
    let (a, b) = (
        "nextflow/openproblems-trace-2021-03-04.txt",
        "nextflow/openproblems-trace-2022-05-13.txt",
    );
    let first = import_as(a, "execution_trace");
    let second = import_as(b, "execution_trace");
    // Oracle: 217 and 864 rows; one pipeline (same processes), two runs.
    assert_eq!(
        (first.executions.len(), second.executions.len()),
        (217, 864)
    );
    let runs = |batch: &ValidBatch| -> std::collections::BTreeSet<String> {
        batch
            .executions
            .iter()
            .map(|r| r.workflow_execution_id.clone())
            .collect()
    };
    assert_eq!(runs(&first).into_iter().collect::<Vec<_>>(), [run_of(a)]);
    assert_eq!(runs(&second).into_iter().collect::<Vec<_>>(), [run_of(b)]);
    assert_ne!(run_of(a), run_of(b));
    assert_eq!(
        first.executions[0].workflow_id,
        second.executions[0].workflow_id
    );
    // The idempotency key (taskId, executionId) never repeats, within or across the runs, so
    // loading the second run cannot update the first.
    let mut keys = std::collections::HashSet::new();
    for r in first.executions.iter().chain(&second.executions) {
        assert!(
            keys.insert((r.task_id.clone(), r.execution_id.clone())),
            "{} repeats",
            r.execution_id
        );
    }
    assert_eq!(keys.len(), 217 + 864);
}

#[test]
fn every_execution_id_is_unique_across_all_real_traces() {
    let mut ids = std::collections::HashSet::new();
    let mut total = 0;
    for &(rel, executions, ..) in ORACLE {
        let batch = import_as(rel, "execution_trace");
        assert_eq!(batch.executions.len(), executions, "{rel}");
        total += executions;
        ids.extend(
            batch
                .executions
                .into_iter()
                .map(|r| (r.task_id, r.execution_id)),
        );
    }
    assert_eq!(ids.len(), total); // 1,740 from the oracle's first table
}

/// The instance's bytes with its top-level `name` replaced.
fn renamed(rel: &str, name: &str) -> Vec<u8> {
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes(rel)).unwrap();
    doc["name"] = serde_json::Value::String(name.to_owned());
    serde_json::to_vec(&doc).unwrap()
}

#[test]
fn two_wfcommons_dags_sharing_the_name_genome_dax_0_are_two_workflows_each_with_its_own_edges() {
    // The epigenomics instance is named genome-dax-0, as are 25 other WfInstances of other
    // sizes; the real blast DAG renamed so stands for one of them.
    let epi = "wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json";
    let blast = "wfcommons/blast-chameleon-small-001.json";
    let opts = ImportOptions::from_source("instance");
    let a = import(&renamed(epi, "genome-dax-0"), &opts).unwrap();
    let b = import(&renamed(blast, "genome-dax-0"), &opts).unwrap();
    // Oracle (renamed table): genome-dax-0-8f035289365c and genome-dax-0-ffec5ddd40be.
    for (batch, workflow, executions, edges) in [
        (&a, "genome-dax-0-8f035289365c", 41, 48),
        (&b, "genome-dax-0-ffec5ddd40be", 43, 120),
    ] {
        assert_eq!(
            (batch.executions.len(), batch.dependencies.len()),
            (executions, edges)
        );
        assert!(batch.executions.iter().all(
            |r| r.workflow_id == workflow && r.workflow_name.as_deref() == Some("genome-dax-0")
        ));
        let tasks: std::collections::HashSet<&str> = batch
            .executions
            .iter()
            .map(|r| r.task_id.as_str())
            .collect();
        assert!(batch.dependencies.iter().all(|d| d.workflow_id == workflow
            && tasks.contains(d.upstream_task_id.as_str())
            && tasks.contains(d.downstream_task_id.as_str())));
    }
}

#[test]
fn a_second_run_of_the_same_dag_is_the_same_workflow_and_another_run() {
    // The same epigenomics DAG executed a day later (executedAt moved; runtimes unchanged).
    let rel = "wfcommons/epigenomics-chameleon-hep-1seq-100k-001.json";
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes(rel)).unwrap();
    doc["workflow"]["execution"]["executedAt"] = "20200409T154143+0000".into();
    let later = import(
        &serde_json::to_vec(&doc).unwrap(),
        &ImportOptions::from_source("x"),
    )
    .unwrap();
    let first = import_real(rel);
    assert_eq!(
        later.executions[0].workflow_id,
        first.executions[0].workflow_id
    );
    assert!(
        later.executions[0]
            .workflow_execution_id
            .starts_with("20200409T154143Z-")
    );
    assert_ne!(
        later.executions[0].workflow_execution_id,
        first.executions[0].workflow_execution_id
    );
    assert_eq!(later.dependencies, first.dependencies);
}
