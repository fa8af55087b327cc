//! Tests of ingest format v1: every rule, and the fast path's equivalence with the
//! field-by-field path.

mod records {
    use super::super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "executionId": "run-1/extract/1", "workflowId": "etl_orders", "workflowExecutionId": "run-1",
            "taskId": "etl_orders.extract", "taskName": "Extract", "status": "completed",
            "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:02.500Z"
        })
    }

    fn errors_of(v: Value) -> Vec<(usize, String)> {
        match validate(vec![valid(), v], vec![]) {
            Err(BatchError::Invalid(e)) => e.into_iter().map(|e| (e.index, e.field)).collect(),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    fn with(field: &str, value: Value) -> Value {
        let mut v = valid();
        v[field] = value;
        v
    }

    #[test]
    fn a_minimal_record_gets_defaults_and_a_derived_duration() {
        let b = validate(vec![valid()], vec![]).unwrap();
        let r = &b.executions[0];
        assert_eq!(r.duration_ms, Some(2500));
        assert_eq!(r.attempt_number, 1);
        assert_eq!(r.task_type, TaskType::Compute);
    }

    #[test]
    fn each_rule_names_the_record_index_and_field() {
        assert_eq!(
            errors_of(with("executionId", json!(""))),
            [(1, "executionId".into())]
        );
        assert_eq!(
            errors_of(with("taskId", json!("x".repeat(256)))),
            [(1, "taskId".into())]
        );
        assert_eq!(
            errors_of(with("taskType", json!("gpu"))),
            [(1, "taskType".into())]
        );
        assert_eq!(
            errors_of(with("status", json!("done"))),
            [(1, "status".into())]
        );
        assert_eq!(
            errors_of(with("attemptNumber", json!(0))),
            [(1, "attemptNumber".into())]
        );
        assert_eq!(
            errors_of(with("startTime", json!("yesterday"))),
            [(1, "startTime".into())]
        );
        assert_eq!(
            errors_of(with("endTime", json!("2026-01-01T09:59:59Z"))),
            [(1, "endTime".into())]
        );
        assert_eq!(
            errors_of(with("durationMs", json!(4000))),
            [(1, "durationMs".into())]
        );
        assert_eq!(
            errors_of(with("cpuTimeMs", json!(-1))),
            [(1, "cpuTimeMs".into())]
        );
        assert_eq!(
            errors_of(with("cpuAllocatedCores", json!(0))),
            [(1, "cpuAllocatedCores".into())]
        );
        assert_eq!(
            errors_of(with("error", json!({"code": "E1"}))),
            [(1, "error.type".into())]
        );
        assert_eq!(
            errors_of(with("attributes", json!({"k": [1]}))),
            [(1, "attributes.k".into())]
        );
        let many: Map<String, Value> = (0..65).map(|i| (format!("k{i}"), json!(i))).collect();
        assert_eq!(
            errors_of(with("attributes", Value::Object(many))),
            [(1, "attributes".into())]
        );
        let mut no_end = valid();
        no_end.as_object_mut().unwrap().remove("endTime");
        assert_eq!(errors_of(no_end), [(1, "endTime".into())]);
    }

    #[test]
    fn duration_within_one_second_of_the_times_is_accepted() {
        let b = validate(vec![with("durationMs", json!(3400))], vec![]).unwrap();
        assert_eq!(b.executions[0].duration_ms, Some(3400));
    }

    #[test]
    fn a_running_record_needs_no_end_time() {
        let mut v = with("status", json!("running"));
        v.as_object_mut().unwrap().remove("endTime");
        let b = validate(vec![v], vec![]).unwrap();
        assert_eq!(b.executions[0].duration_ms, None);
    }

    #[test]
    fn a_later_duplicate_replaces_the_earlier_record_in_the_batch() {
        let b = validate(vec![with("status", json!("failed")), valid()], vec![]).unwrap();
        assert_eq!(b.executions.len(), 1);
        assert_eq!(b.executions[0].status, ExecutionStatus::Completed);
    }

    #[test]
    fn a_task_cannot_switch_workflows_inside_a_batch() {
        assert_eq!(
            errors_of(with("workflowId", json!("other"))),
            [(1, "workflowId".into())]
        );
    }

    #[test]
    fn dependencies_are_validated_and_self_loops_rejected() {
        let d = json!({"workflowId": "etl_orders", "upstreamTaskId": "a", "downstreamTaskId": "a"});
        let Err(BatchError::Invalid(e)) = validate(vec![], vec![d]) else {
            panic!()
        };
        assert_eq!(e[0].field, "dependencies.downstreamTaskId");
        let d = json!({"workflowId": "w", "upstreamTaskId": "a", "downstreamTaskId": "b", "dependencyType": "control"});
        let b = validate(vec![], vec![d]).unwrap();
        assert_eq!(b.dependencies[0].dependency_type, DependencyType::Control);
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let Err(BatchError::Syntax(e)) = parse_json_batch(b"{\n  \"executions\": [\n    {,\n]}")
        else {
            panic!()
        };
        assert_eq!((e.line, e.column), (3, 6));
        let Err(BatchError::Syntax(e)) = parse_ndjson_batch(b"{}\n\n{\"a\": }\n") else {
            panic!()
        };
        assert_eq!(e.line, 3);
    }

    #[test]
    fn ndjson_reads_one_record_per_line() {
        let line = serde_json::to_string(&valid()).unwrap();
        let other = serde_json::to_string(&with("executionId", json!("run-1/extract/2"))).unwrap();
        let b = parse_ndjson_batch(format!("{line}\n\n{other}\n").as_bytes()).unwrap();
        assert_eq!(b.executions.len(), 2);
    }

    #[test]
    fn more_than_the_batch_limit_is_refused() {
        let many = vec![Value::Null; MAX_RECORDS_PER_BATCH + 1];
        assert_eq!(validate(many, vec![]), Err(BatchError::TooManyRecords));
    }

    #[test]
    fn correction_is_an_optional_boolean_defaulting_to_false() {
        let plain = validate(vec![valid()], vec![]).unwrap();
        assert!(!plain.executions[0].correction);
        let marked = validate(vec![with("correction", json!(true))], vec![]).unwrap();
        assert!(marked.executions[0].correction);
        assert_eq!(
            errors_of(with("correction", json!("true"))),
            vec![(1, "correction".to_owned())]
        );
        // Not written when false, so records without it keep their wire form.
        let wire = serde_json::to_value(&plain.executions[0]).unwrap();
        assert!(wire.get("correction").is_none());
    }

    #[test]
    fn records_round_trip_through_their_wire_form() {
        let b = validate(vec![valid()], vec![]).unwrap();
        let wire = serde_json::to_value(&b.executions[0]).unwrap();
        let again = ExecutionRecord::from_json(0, &wire).unwrap();
        assert_eq!(again, b.executions[0]);
    }
}

mod fast_path {
    use super::super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "executionId": "r/t/1", "workflowId": "w", "workflowExecutionId": "r",
            "taskId": "w.t", "taskName": "T", "status": "failed",
            "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:02.500Z",
            "cpuTimeMs": 1200, "memoryPeakMb": 512.5, "cpuAllocatedCores": 2,
            "host": "worker-1", "error": {"type": "OOMKilled", "code": "137", "message": "killed"},
            "attributes": {"region": "eu", "big": true, "v": 1.5}
        })
    }

    /// The typed fast path and the field-by-field path agree on every input: same batch when
    /// valid, an error (the field-by-field one) when not.
    fn agree(execs: Vec<Value>) {
        let body = serde_json::to_vec(&json!({"executions": execs, "dependencies": []})).unwrap();
        agree_on(&body);
    }

    /// As [`agree`] for any body; also that whatever the fast path accepts on its own, the
    /// field-by-field path accepts as the same batch. Returns whether the body is valid.
    fn agree_on(body: &[u8]) -> bool {
        let slow = parse_json_batch_by_field(body);
        if let Some(fast) = parse_json_batch_typed(body) {
            assert_eq!(Ok(fast), slow, "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(
            parse_json_batch(body),
            slow,
            "{}",
            String::from_utf8_lossy(body)
        );
        slow.is_ok()
    }

    #[test]
    fn fast_and_field_by_field_parsing_agree_on_valid_and_invalid_records() {
        agree(vec![base()]);
        for (field, bad) in [
            ("cpuTimeMs", json!(-1)),
            ("memoryPeakMb", json!(-0.5)),
            ("cpuAllocatedCores", json!(0)),
            ("host", json!("")),
            ("host", json!("a\u{7}b")),
            ("instanceId", json!("sample (tag)")),
            ("instanceId", json!("")),
            ("instanceId", json!("a\u{7}b")),
            ("instanceId", json!("x".repeat(256))),
            ("instanceId", json!(7)),
            ("taskId", json!("x".repeat(256))),
            ("durationMs", json!(9999)),
            ("durationMs", json!(2500.4)),
            ("endTime", json!("2026-01-01T09:00:00Z")),
            ("attributes", json!({"k": "v".repeat(300)})),
            ("status", json!("done")),
            ("correction", json!("yes")),
            ("correction", json!(1)),
            ("correction", json!(null)),
            ("correction", json!(false)),
            ("correction", json!(true)),
        ] {
            let mut v = base();
            v[field] = bad;
            agree(vec![base(), v]);
        }
        let mut dup = base();
        dup["status"] = json!("completed");
        agree(vec![base(), dup]);
    }

    #[test]
    fn fast_and_field_by_field_parsing_agree_on_hostile_values() {
        let nul = json!("a\u{0}b");
        for (field, bad) in [
            ("retryReason", nul.clone()),
            ("inputHash", nul.clone()),
            ("taskName", nul.clone()),
            ("host", nul.clone()),
            ("attributes", json!({"k": "a\u{0}"})),
            ("attributes", json!({"a\u{0}": 1})),
            ("attributes", json!({"k": 1e16})),
            ("attributes", json!({"k": -1e15})),
            ("error", json!({"type": "E", "message": "a\u{0}b"})),
            ("error", json!({"type": "E", "stackTrace": "\u{0}"})),
            ("error", json!({"type": "E", "code": "C".repeat(51)})),
            ("error", json!({"type": "E", "code": "C".repeat(50)})),
            ("error", json!(["E", "C"])),
            ("cpuAllocatedCores", json!(1e308)),
            ("cpuAllocatedCores", json!(1e-300)),
            ("cpuAllocatedCores", json!(MIN_CORES)),
            ("memoryPeakMb", json!(1e308)),
            ("memoryAllocatedMb", json!(1e-300)),
            ("cpuTimeMs", json!(i64::MAX)),
            ("cpuTimeMs", json!(MAX_CPU_TIME_MS as f64 + 0.4)),
            ("ioOperations", json!(9.2e18)),
            ("readBytes", json!(MAX_BYTES + 1)),
            ("readBytes", json!(MAX_BYTES)),
            ("networkCalls", json!(MAX_COUNT)),
            ("attemptNumber", json!(10_001)),
            ("attemptNumber", json!(2.0)),
            ("startTime", json!("+10000-01-01T00:00:00Z")),
            ("endTime", json!("+10000-01-01T00:00:00Z")),
            ("endTime", json!("9999-12-31T23:59:59Z")),
            ("startTime", json!("1969-12-31T23:59:59Z")),
            ("startTime", json!("2026-01-01 10:00:00 UTC")),
            ("startTime", json!("2026-01-01T10:00:00+0000")),
            ("taskId", json!(".")),
            ("workflowId", json!("..")),
            ("workflowExecutionId", json!(".")),
            ("executionId", json!("..")),
            ("taskName", json!(".")),
            ("unknownField", json!({"nested": [1]})),
        ] {
            let mut v = base();
            v[field] = bad;
            agree(vec![base(), v]);
        }
    }

    #[test]
    fn fast_and_field_by_field_parsing_agree_on_body_shapes() {
        let rec = base();
        let dep = json!({"workflowId": "w", "upstreamTaskId": "w.a", "downstreamTaskId": "w.t"});
        for (shape, valid) in [
            (json!({"executions": [rec], "dependencies": [dep]}), true),
            (json!({"executions": [rec]}), true),
            (json!({}), true),
            (json!({"executions": null, "dependencies": null}), true),
            (json!({"execution": [rec]}), false),
            (
                json!({"executions": [rec], "dependencies": [], "meta": 1}),
                false,
            ),
            (json!({"Executions": []}), false),
            (json!([[rec], []]), false),
            (json!([]), false),
            (json!([[], []]), false),
            (json!("executions"), false),
            (json!(null), false),
            (json!({"executions": {"0": rec}}), false),
            (
                json!({"executions": [[rec["executionId"], rec["workflowId"]]]}),
                false,
            ),
            (
                json!({"executions": [rec], "dependencies": [["w", "w.a", "w.t"]]}),
                false,
            ),
            (
                json!({"dependencies": [{"workflowId": "w", "upstreamTaskId": "..", "downstreamTaskId": "b"}]}),
                false,
            ),
        ] {
            let body = serde_json::to_vec(&shape).unwrap();
            assert_eq!(agree_on(&body), valid, "{shape}");
        }
        // Duplicate keys (serde's derive refuses them, a JSON object keeps the last).
        let dup = br#"{"executions": [], "executions": [], "dependencies": []}"#;
        assert!(agree_on(dup));
    }

    /// Random combinations of the hostile values above, several per record, over a fixed seed
    /// (xorshift64*, so the test needs no dependency and always runs the same cases).
    #[test]
    fn fast_and_field_by_field_parsing_agree_on_random_hostile_records() {
        let fields = [
            "executionId",
            "workflowId",
            "workflowExecutionId",
            "taskId",
            "taskName",
            "workflowName",
            "host",
            "status",
            "attemptNumber",
            "startTime",
            "endTime",
            "durationMs",
            "cpuTimeMs",
            "memoryPeakMb",
            "cpuAllocatedCores",
            "memoryAllocatedMb",
            "inputSizeBytes",
            "ioOperations",
            "networkCalls",
            "retryReason",
            "inputHash",
            "error",
            "attributes",
            "extra",
        ];
        let values = [
            json!(null),
            json!(""),
            json!("."),
            json!(".."),
            json!("a\u{0}b"),
            json!("x"),
            json!(0),
            json!(-1),
            json!(0.0005),
            json!(1),
            json!(2500.4),
            json!(4096),
            json!(1e15),
            json!(1e16),
            json!(MAX_BYTES),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e308),
            json!(1e-300),
            json!(true),
            json!([1]),
            json!({"type": "E"}),
            json!({"type": "E", "code": "C".repeat(51)}),
            json!({"k": "v\u{0}"}),
            json!({"k": 1e16}),
            json!("2026-01-01T10:00:01Z"),
            json!("+10000-01-01T00:00:00Z"),
            json!("1969-12-31T23:59:59Z"),
            json!("9999-12-31T23:59:59Z"),
            json!("running"),
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        };
        let mut valid = 0;
        for _ in 0..3000 {
            let mut v = base();
            for _ in 0..1 + next(3) {
                v[fields[next(fields.len())]] = values[next(values.len())].clone();
            }
            if agree_on(&serde_json::to_vec(&json!({"executions": [base(), v]})).unwrap()) {
                valid += 1;
            }
        }
        // Both outcomes are exercised.
        assert!((100..2900).contains(&valid), "{valid} valid of 3000");
    }
}

mod hostile;
