//! Parsers, detection and error reporting on small hand-written files.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use importers::nextflow::{parse_duration_ms, parse_percent, parse_size_bytes, split_name};
use importers::{Format, ImportError, ImportOptions, detect, import};
use serde_json::json;
use types::ExecutionStatus;

fn opts() -> ImportOptions {
    ImportOptions::from_source("sample")
}

const TRACE_HEADER: &str = "task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\tpeak_rss\tpeak_vmem\trchar\twchar";

fn trace(rows: &[&str]) -> String {
    let mut s = String::from(TRACE_HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn wf_instance(spec: serde_json::Value, exec: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "name": "toy",
        "schemaVersion": "1.5",
        "workflow": {
            "specification": {"tasks": spec},
            "execution": {"executedAt": "2020-12-30T02:24:13.540715", "makespanInSeconds": 10, "tasks": exec}
        }
    }))
    .unwrap()
}

fn spec_task(id: &str, parents: &[&str], children: &[&str]) -> serde_json::Value {
    json!({"id": id, "name": id, "parents": parents, "children": children})
}

fn run(id: &str, seconds: f64) -> serde_json::Value {
    json!({"id": id, "runtimeInSeconds": seconds})
}

// ---- parsers -------------------------------------------------------------------------------

#[test]
fn durations_parse_to_milliseconds_by_hand_worked_examples() {
    for (input, ms) in [
        ("757ms", Some(757)),
        ("0ms", Some(0)),
        ("7s", Some(7_000)),
        ("13.9s", Some(13_900)),
        ("1m 20s", Some(80_000)),
        ("11m 52s", Some(712_000)), // 11 × 60 + 52 = 712 s
        ("7m", Some(420_000)),
        ("1h 2m 3s", Some(3_723_000)), // 3600 + 120 + 3 = 3723 s
        ("2d 3h", Some(183_600_000)),  // 2 × 86400 + 3 × 3600 = 183 600 s
        ("1m20s", Some(80_000)),
        ("0", Some(0)), // a plain number is milliseconds (raw traces)
        ("1500", Some(1_500)),
        ("-", None),
        ("", None),
        ("  ", None),
    ] {
        assert_eq!(parse_duration_ms(input), Ok(ms), "{input:?}");
    }
}

#[test]
fn malformed_durations_are_errors_not_zero() {
    for input in ["5 parsecs", "1x", "m", "1.2.3s", "s5", "-5s", "1m -"] {
        assert!(parse_duration_ms(input).is_err(), "{input:?}");
    }
}

#[test]
fn sizes_parse_to_bytes_with_1024_based_units_by_hand_worked_examples() {
    for (input, bytes) in [
        ("0", Some(0)),
        ("913 B", Some(913)),
        ("2.2 KB", Some(2_253)),       // 2.2 × 1024 = 2252.8
        ("756.3 KB", Some(774_451)),   // 756.3 × 1024 = 774 451.2
        ("14.2 MB", Some(14_889_779)), // 14.2 × 1 048 576 = 14 889 779.2
        ("218 MB", Some(228_589_568)), // 218 × 1 048 576
        ("1 GB", Some(1_073_741_824)),
        ("1 TB", Some(1_099_511_627_776)),
        ("1GB", Some(1_073_741_824)),
        ("2 KB", Some(2_048)),
        ("-", None),
        ("", None),
    ] {
        assert_eq!(parse_size_bytes(input), Ok(bytes), "{input:?}");
    }
}

#[test]
fn malformed_sizes_are_errors() {
    for input in ["12 parsecs", "-5 MB", "MB", "1..2 KB", "1 ZB"] {
        assert!(parse_size_bytes(input).is_err(), "{input:?}");
    }
}

#[test]
fn percentages_parse_with_or_without_the_sign() {
    assert_eq!(parse_percent("85.2%"), Ok(Some(85.2)));
    assert_eq!(parse_percent("107.7%"), Ok(Some(107.7)));
    assert_eq!(parse_percent("0"), Ok(Some(0.0)));
    assert_eq!(parse_percent("-"), Ok(None));
    assert!(parse_percent("lots").is_err());
}

#[test]
fn task_names_split_into_process_and_tag() {
    assert_eq!(
        split_name("CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK (design.csv)"),
        ("CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK", Some("design.csv"))
    );
    assert_eq!(
        split_name("JO_DIFFBIND ([SPT5_INPUT_R1, SPT5_INPUT_R2])"),
        ("JO_DIFFBIND", Some("[SPT5_INPUT_R1, SPT5_INPUT_R2]"))
    );
    assert_eq!(split_name("list_tasks"), ("list_tasks", None));
    assert_eq!(split_name("mapping (1)"), ("mapping", Some("1")));
}

// ---- detection -----------------------------------------------------------------------------

#[test]
fn detect_tells_each_format_apart() {
    let record = json!({"executionId": "e1", "workflowId": "w", "workflowExecutionId": "r",
        "taskId": "w.t", "taskName": "t", "status": "completed",
        "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:01Z"});
    let ndjson = format!("{record}\n{record}\n");
    assert_eq!(detect(ndjson.as_bytes()), Ok(Format::IngestNdjson));
    assert_eq!(
        detect(format!("\n{record}\n").as_bytes()),
        Ok(Format::IngestNdjson)
    );
    let doc = json!({"executions": [record], "dependencies": []});
    assert_eq!(
        detect(serde_json::to_string_pretty(&doc).unwrap().as_bytes()),
        Ok(Format::IngestJson)
    );
    assert_eq!(
        detect(&wf_instance(
            json!([spec_task("a", &[], &[])]),
            json!([run("a", 1.0)])
        )),
        Ok(Format::WfCommons)
    );
    assert_eq!(detect(trace(&[]).as_bytes()), Ok(Format::NextflowTrace));
    assert_eq!(
        detect(b"hash\tname\tstatus\tsubmit\n"),
        Ok(Format::NextflowTrace)
    );
}

#[test]
fn detect_rejects_unknown_files_with_a_hint() {
    for input in [
        &b""[..],
        b"   \n\n",
        b"a,b,c\n1,2,3\n",
        b"[1, 2]",
        b"{\"workflow\": {\"tasks\": []}}",
        b"{\"name\": \"x\",\n \"other\": 1}",
    ] {
        assert!(
            matches!(detect(input), Err(ImportError::UnknownFormat { .. })),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn malformed_json_is_a_syntax_error_with_line_and_column() {
    let err = detect(b"{\n  \"executions\": [\n    {,\n]}").unwrap_err();
    assert!(
        matches!(
            err,
            ImportError::Syntax {
                line: 3,
                column: 6,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_file_that_is_not_utf8_names_the_line_of_the_bad_byte() {
    let err = import(b"task_id\thash\n1\t\xff\n", &opts()).unwrap_err();
    assert_eq!(err, ImportError::NotUtf8 { line: 2 });
}

// ---- WfCommons -----------------------------------------------------------------------------

#[test]
fn a_wfcommons_dag_with_a_cycle_is_an_error_naming_the_cycle() {
    // a → b → c → b
    let file = wf_instance(
        json!([
            spec_task("a", &[], &["b"]),
            spec_task("b", &["a", "c"], &["c"]),
            spec_task("c", &["b"], &["b"]),
        ]),
        json!([run("a", 1.0), run("b", 1.0), run("c", 1.0)]),
    );
    let err = import(&file, &opts()).unwrap_err();
    let ImportError::Cycle { tasks } = &err else {
        panic!("{err:?}")
    };
    assert!(
        *tasks == ["b", "c", "b"] || *tasks == ["c", "b", "c"],
        "{tasks:?}"
    );
    assert!(err.to_string().contains("cycle"), "{err}");
}

#[test]
fn a_wfcommons_task_that_is_its_own_parent_is_a_cycle() {
    let file = wf_instance(json!([spec_task("a", &["a"], &[])]), json!([run("a", 1.0)]));
    assert_eq!(
        import(&file, &opts()),
        Err(ImportError::Cycle {
            tasks: vec!["a".into(), "a".into()]
        })
    );
}

#[test]
fn a_wfcommons_parent_that_is_not_a_task_is_an_error_naming_the_task() {
    let file = wf_instance(
        json!([spec_task("a", &["ghost"], &[])]),
        json!([run("a", 1.0)]),
    );
    let err = import(&file, &opts()).unwrap_err();
    let ImportError::Invalid { record, field, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        record.as_deref(),
        Some("workflow.specification.tasks[0] (a)")
    );
    assert_eq!(field, "parents");
}

#[test]
fn a_wfcommons_execution_task_without_runtime_is_an_error_naming_its_index_and_id() {
    let file = wf_instance(
        json!([spec_task("a", &[], &["b"]), spec_task("b", &["a"], &[])]),
        json!([run("a", 1.0), {"id": "b", "avgCPU": 50}]),
    );
    let err = import(&file, &opts()).unwrap_err();
    assert_eq!(
        err,
        ImportError::Invalid {
            line: None,
            record: Some("workflow.execution.tasks[1] (b)".into()),
            field: "runtimeInSeconds".into(),
            message: "is required".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid runtimeInSeconds in workflow.execution.tasks[1] (b): is required"
    );
}

#[test]
fn a_wfcommons_spec_task_without_an_execution_entry_is_an_error() {
    let file = wf_instance(
        json!([spec_task("a", &[], &[]), spec_task("b", &[], &[])]),
        json!([run("a", 1.0)]),
    );
    assert!(matches!(
        import(&file, &opts()),
        Err(ImportError::Invalid { record: Some(r), .. }) if r.contains("(b)")
    ));
}

#[test]
fn wfcommons_schedule_waits_for_the_slowest_parent_and_reads_zoneless_times_as_utc() {
    // a (2 s) and b (5 s) both feed c (1 s): c starts at +5 s, ends at +6 s.
    let file = wf_instance(
        json!([
            spec_task("a", &[], &["c"]),
            spec_task("b", &[], &["c"]),
            spec_task("c", &["a", "b"], &[]),
        ]),
        json!([run("a", 2.0), run("b", 5.0), run("c", 1.0)]),
    );
    let batch = import(&file, &opts()).unwrap();
    let c = batch
        .executions
        .iter()
        .find(|r| r.task_id.ends_with(".c"))
        .unwrap();
    assert_eq!(
        c.start_time.to_rfc3339(),
        "2020-12-30T02:24:18.540715+00:00"
    );
    assert_eq!(c.duration_ms, Some(1_000));
    assert_eq!(batch.dependencies.len(), 2);
    assert_eq!(c.execution_id, format!("{}/c", c.workflow_execution_id));
    assert!(c.workflow_id.starts_with("toy-"), "{}", c.workflow_id);
    assert_eq!(c.task_id, format!("{}.c", c.workflow_id));
}

// ---- Nextflow ------------------------------------------------------------------------------

const GOOD_ROW: &str = "1\tab/cdef01\t11\tFOO (x)\tCOMPLETED\t0\t2021-02-17 17:03:21.800\t2s\t1s\t50%\t1 MB\t2 MB\t1 KB\t2 KB";

#[test]
fn a_nextflow_file_with_a_bad_row_is_an_error_naming_its_line() {
    let bad = "2\tab/cdef02\t12\tFOO (y)\tCOMPLETED\t0\t2021-02-17 17:03:22.800\t2s\tsoon\t50%\t1 MB\t2 MB\t1 KB\t2 KB";
    let file = trace(&[GOOD_ROW, "", bad]);
    let err = import(file.as_bytes(), &opts()).unwrap_err();
    let ImportError::Invalid {
        line,
        field,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*line, field.as_str()), (Some(4), "realtime"));
    assert!(message.contains("soon"), "{message}");
    assert!(err.to_string().contains("at line 4"), "{err}");
}

#[test]
fn a_nextflow_row_with_too_few_fields_is_an_error_naming_its_line() {
    let file = trace(&[GOOD_ROW, "2\tab/cdef02\t12"]);
    let err = import(file.as_bytes(), &opts()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Invalid { line: Some(3), field, .. } if field == "row"),
        "{err:?}"
    );
}

#[test]
fn a_nextflow_row_with_an_unknown_status_is_an_error_naming_its_line() {
    let file = trace(&[&GOOD_ROW.replace("COMPLETED", "DONE")]);
    let err = import(file.as_bytes(), &opts()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Invalid { line: Some(2), field, .. } if field == "status"),
        "{err:?}"
    );
}

#[test]
fn a_repeated_nextflow_task_id_is_an_error_rather_than_a_silent_merge() {
    let file = trace(&[GOOD_ROW, GOOD_ROW]);
    let err = import(file.as_bytes(), &opts()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Invalid { line: Some(3), field, message, .. }
            if field == "task_id" && message.contains("line 2")),
        "{err:?}"
    );
}

#[test]
fn nextflow_statuses_map_as_documented() {
    let row = |id: u32, status: &str| {
        GOOD_ROW
            .replacen("1\t", &format!("{id}\t"), 1)
            .replace("COMPLETED", status)
            .replace("FOO (x)", &format!("FOO ({id})"))
    };
    let rows = [
        row(1, "COMPLETED"),
        row(2, "FAILED"),
        row(3, "ABORTED"),
        row(4, "CACHED"),
        row(5, "RUNNING"),
    ];
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let batch = import(trace(&refs).as_bytes(), &opts()).unwrap();
    let statuses: Vec<ExecutionStatus> = batch.executions.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            ExecutionStatus::Completed,
            ExecutionStatus::Failed,
            ExecutionStatus::Cancelled,
            ExecutionStatus::Skipped,
            ExecutionStatus::Running,
        ]
    );
    assert!(batch.executions[4].end_time.is_none());
    let e = batch.executions[1].error.as_ref().unwrap();
    assert_eq!(
        (e.error_type.as_str(), e.code.as_deref()),
        ("ExitCode", Some("0"))
    );
}

#[test]
fn nextflow_retries_count_per_name_only_after_a_failure() {
    // FOO (x) fails with 143, is retried and completes; BAR runs twice without failing.
    let rows = [
        "1\taa/000001\t1\tFOO (x)\tFAILED\t143\t2021-01-01 00:00:00.000\t2s\t1s\t-\t-\t-\t-\t-",
        "2\taa/000002\t2\tBAR\tCOMPLETED\t0\t2021-01-01 00:00:00.000\t2s\t1s\t-\t-\t-\t-\t-",
        "3\taa/000003\t3\tFOO (x)\tCOMPLETED\t0\t2021-01-01 00:00:03.000\t2s\t1s\t-\t-\t-\t-\t-",
        "4\taa/000004\t4\tBAR\tCOMPLETED\t0\t2021-01-01 00:00:03.000\t2s\t1s\t-\t-\t-\t-\t-",
        "5\taa/000005\t5\tFOO (x)\tCOMPLETED\t0\t2021-01-01 00:00:06.000\t2s\t1s\t-\t-\t-\t-\t-",
    ];
    let batch = import(trace(&rows).as_bytes(), &opts()).unwrap();
    let attempts: Vec<i32> = batch.executions.iter().map(|r| r.attempt_number).collect();
    assert_eq!(attempts, [1, 1, 2, 1, 1]);
    assert_eq!(
        batch.executions[0].error.as_ref().unwrap().error_type,
        "SIGTERM"
    );
    assert_eq!(
        batch.executions[2].retry_reason.as_deref(),
        Some("attempt 1 (line 2) failed: process exited with status 143 (terminated by SIGTERM)")
    );
}

#[test]
fn nextflow_extra_columns_are_used_when_present() {
    let file = "task_id\thash\tnative_id\tprocess\ttag\tname\tstatus\texit\tattempt\tsubmit\tstart\tcomplete\tduration\trealtime\t%cpu\tcpus\tmemory\tpeak_rss\trchar\twchar\tsyscr\tsyscw\n\
        7\tab/123456\t99\tALIGN\tsample_1\tALIGN (sample_1)\tCOMPLETED\t0\t2\t2021-01-01 00:00:00.000\t2021-01-01 00:00:10.000\t2021-01-01 00:01:10.000\t70s\t1m\t200%\t4\t8 GB\t2 GB\t10 MB\t5 MB\t100\t50\n";
    let batch = import(file.as_bytes(), &opts()).unwrap();
    let r = &batch.executions[0];
    assert_eq!(r.attempt_number, 2);
    assert_eq!(r.start_time.to_rfc3339(), "2021-01-01T00:00:10+00:00");
    assert_eq!(r.duration_ms, Some(60_000));
    assert_eq!(r.cpu_time_ms, Some(120_000));
    assert_eq!(r.cpu_allocated_cores, Some(4.0));
    assert_eq!(r.memory_allocated_mb, Some(8_192.0));
    assert_eq!(r.memory_peak_mb, Some(2_048.0));
    assert_eq!(r.io_operations, Some(150));
    // No scope shared by the process names: the pipeline's key is a fingerprint of them.
    assert!(r.workflow_id.starts_with("nextflow-"), "{}", r.workflow_id);
    assert_eq!(r.task_id, format!("{}.ALIGN", r.workflow_id));
    // The run starts at the earliest submit (the file name plays no part).
    assert!(r.workflow_execution_id.starts_with("20210101T000000Z-"));
    assert_eq!(r.execution_id, format!("{}/7", r.workflow_execution_id));
}

#[test]
fn a_nextflow_header_without_rows_is_an_empty_batch() {
    let batch = import(trace(&[]).as_bytes(), &opts()).unwrap();
    assert!(batch.executions.is_empty() && batch.dependencies.is_empty());
}

// ---- ingest format v1 ----------------------------------------------------------------------

fn record(i: usize) -> serde_json::Value {
    json!({"executionId": format!("run-1/{i}"), "workflowId": "w", "workflowExecutionId": "run-1",
        "taskId": "w.t", "taskName": "t", "status": "completed",
        "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:01Z"})
}

#[test]
fn an_ndjson_file_may_hold_more_records_than_one_http_request() {
    let n = types::ingest::MAX_RECORDS_PER_BATCH + 1;
    let mut file = String::new();
    for i in 0..n {
        file.push_str(&record(i).to_string());
        file.push('\n');
    }
    let batch = import(file.as_bytes(), &opts()).unwrap();
    assert_eq!(batch.executions.len(), n);
    assert_eq!(batch.executions[0].duration_ms, Some(1_000));
}

#[test]
fn an_ingest_json_file_may_hold_more_records_than_one_http_request() {
    let n = types::ingest::MAX_RECORDS_PER_BATCH + 1;
    let doc = json!({"executions": (0..n).map(record).collect::<Vec<_>>(),
        "dependencies": [{"workflowId": "w", "upstreamTaskId": "w.s", "downstreamTaskId": "w.t"}]});
    let batch = import(&serde_json::to_vec(&doc).unwrap(), &opts()).unwrap();
    assert_eq!((batch.executions.len(), batch.dependencies.len()), (n, 1));
}

#[test]
fn an_invalid_ndjson_record_is_reported_at_its_line() {
    let mut bad = record(2);
    bad["status"] = json!("done");
    let file = format!("{}\n\n{bad}\n", record(1));
    assert_eq!(
        import(file.as_bytes(), &opts()),
        Err(ImportError::Invalid {
            line: Some(3),
            record: None,
            field: "status".into(),
            message: "must be one of completed, failed, timeout, cancelled, skipped, running"
                .into(),
        })
    );
}

#[test]
fn a_malformed_ndjson_line_is_a_syntax_error_at_that_line() {
    let file = format!("{}\n{{\"a\": }}\n", record(1));
    let err = import(file.as_bytes(), &opts()).unwrap_err();
    assert!(
        matches!(err, ImportError::Syntax { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn an_invalid_ingest_json_record_names_its_array_index() {
    let mut bad = record(1);
    bad["startTime"] = json!("yesterday");
    let doc = json!({"executions": [record(0), bad]});
    let err = import(&serde_json::to_vec(&doc).unwrap(), &opts()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Invalid { record: Some(r), field, .. }
            if r == "executions[1]" && field == "startTime"),
        "{err:?}"
    );
}

#[test]
fn an_ingest_json_document_with_an_unknown_top_level_key_is_refused_as_the_endpoint_does() {
    let doc = json!({"executions": [record(0)], "dependency": []});
    let err = importers::ingest::import_json(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Invalid { field, message, .. }
            if field == "dependency" && message.contains("\"dependencies\"")),
        "{err:?}"
    );
}

#[test]
fn hostile_values_in_an_imported_file_are_refused_naming_the_field() {
    for (field, value) in [
        ("cpuAllocatedCores", json!(1e-300)),
        ("memoryPeakMb", json!(1e308)),
        ("retryReason", json!("a\u{0}b")),
        ("taskId", json!("..")),
        ("startTime", json!("+10000-01-01T00:00:00Z")),
    ] {
        let mut bad = record(0);
        bad[field] = value;
        let err = import(format!("{bad}\n").as_bytes(), &opts()).unwrap_err();
        assert!(
            matches!(&err, ImportError::Invalid { line: Some(1), field: f, .. } if f == field),
            "{field}: {err:?}"
        );
    }
}

#[test]
fn a_task_in_two_workflows_is_reported_at_the_later_record() {
    let mut other = record(1);
    other["workflowId"] = json!("elsewhere");
    let file = format!("{}\n{other}\n", record(0));
    let err = import(file.as_bytes(), &opts()).unwrap_err();
    assert!(
        matches!(&err, ImportError::Invalid { line: Some(2), field, .. } if field == "workflowId"),
        "{err:?}"
    );
}

#[test]
fn the_pipeline_is_the_first_segment_of_the_scope_every_process_shares() {
    use importers::nextflow::pipeline_key;
    // nf-core DSL2: every process runs under NFCORE_<PIPELINE>.
    let (key, name) = pipeline_key([
        "NFCORE_CHIPSEQ:CHIPSEQ:FASTQC_TRIMGALORE:FASTQC",
        "NFCORE_CHIPSEQ:CHIPSEQ:INPUT_CHECK:SAMPLESHEET_CHECK",
        "NFCORE_CHIPSEQ:CUSTOM_DUMPSOFTWAREVERSIONS",
    ]);
    assert_eq!(
        (key.as_str(), name.as_str()),
        ("nfcore_chipseq", "NFCORE_CHIPSEQ")
    );
    // One process alone: its scope, never the process itself.
    assert_eq!(
        pipeline_key(["NFCORE_RNASEQ:RNASEQ:SALMON"]).0,
        "nfcore_rnaseq"
    );
    // No shared scope (DSL1, Nextflow 0.x, or a top-level process): a fingerprint of the
    // distinct process names, whatever their order or repetition.
    let (a, name) = pipeline_key(["run_method", "list_tasks", "run_method"]);
    let (b, _) = pipeline_key(["list_tasks", "run_method"]);
    assert_eq!(a, b);
    assert!(
        a.starts_with("nextflow-") && a.len() == "nextflow-".len() + 12,
        "{a}"
    );
    assert_eq!(
        name,
        "Nextflow pipeline of 2 processes: list_tasks, run_method"
    );
    assert_ne!(pipeline_key(["PIPE:A", "B"]).0, "pipe");
    assert_ne!(pipeline_key(["list_tasks"]).0, a);
}

#[test]
fn a_nextflow_0x_trace_gives_its_rss_as_the_memory_peak() {
    // The default fields of Nextflow 0.31 (rss and vmem; no peak_ columns), a made-up row.
    let text = "task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\trss\tvmem\trchar\twchar\n\
                1\tab/cdef01\t4242\tsayHello (world)\tCOMPLETED\t0\t2018-11-02 16:09:13.353\t5.8s\t866ms\t3.8%\t4.1 MB\t7.5 MB\t241.9 KB\t0\n";
    let batch = import(text.as_bytes(), &opts()).unwrap();
    let e = &batch.executions[0];
    // 4.1 MB = 4.1 × 1,048,576 = 4,299,161.6 → 4,299,162 whole bytes (1024-based), as MiB.
    let mb = e.memory_peak_mb.unwrap();
    assert!((mb - 4_299_162.0 / 1_048_576.0).abs() < 1e-12, "{mb}");
    // 866 ms at 3.8 % of a core.
    assert_eq!(e.cpu_time_ms, Some(33));
}

/// Nextflow 0.x traces name eight columns twice: human-readable values first, then the exact
/// ones (milliseconds, bytes). The exact ones are read. Values below are made up for the test;
/// the layout is that of 0.x `trace.csv` files of published benchmark runs.
#[test]
fn nextflow_0x_duplicate_columns_are_read_from_their_exact_copy() {
    let header = "task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\trss\tvmem\tpeak_rss\tpeak_vmem\trchar\twchar\tduration\trealtime\trss\tvmem\tpeak_rss\tpeak_vmem\trchar\twchar\tsyscr\tsyscw\tread_bytes\twrite_bytes";
    let row = "1\t0a/1b2c3d\t4242\tbuildIndex (1)\tCOMPLETED\t0\t2015-05-05 03:49:50.500\t1h 26m 29s\t1h 26m 28s\t99.8%\t4.5 GB\t4.7 GB\t4.6 GB\t4.7 GB\t10.1 GB\t3.4 GB\t5189182\t5188542\t4829020160\t5077082112\t4935999488\t5077889024\t10832499787\t3626137405\t41503\t374791\t0\t3626356736";
    let batch = import(format!("{header}\n{row}\n").as_bytes(), &opts()).unwrap();
    let r = &batch.executions[0];
    // realtime 5,188,542 ms exactly (the rounded copy says 1h 26m 28s = 5,188,000).
    assert_eq!(r.duration_ms, Some(5_188_542));
    // start = submit + (duration − realtime) = 03:49:50.500 + 640 ms.
    assert_eq!(r.start_time.to_rfc3339(), "2015-05-05T03:49:51.140+00:00");
    // 4,935,999,488 B / 1,048,576 = 4707.3359375 MiB (the rounded "4.6 GB" would be 4710.4).
    assert_eq!(r.memory_peak_mb, Some(4_935_999_488.0 / 1_048_576.0));
    assert_eq!(r.read_bytes, Some(10_832_499_787));
    assert_eq!(r.write_bytes, Some(3_626_137_405));
    // cpu time = realtime × %cpu = 5,188,542 × 0.998 = 5,178,164.9 → 5,178,165 ms.
    assert_eq!(r.cpu_time_ms, Some(5_178_165));
    assert_eq!(r.io_operations, Some(41_503 + 374_791));
}
