//! Hostile but well-formed input: every value that PostgreSQL would refuse (a 500) or that would
//! overflow the rollups is a 422 naming its field, in the field-by-field path (JSON and NDJSON)
//! and in the typed path (the JSON fast path, [`ValidBatch::new`] for importers and generators).

use super::super::*;
use serde_json::json;

/// Sets one string field of a typed record.
type SetString = fn(&mut ExecutionRecord, String);

fn valid() -> Value {
    json!({
        "executionId": "run-1/extract/1", "workflowId": "etl_orders", "workflowExecutionId": "run-1",
        "taskId": "etl_orders.extract", "taskName": "Extract", "status": "failed",
        "startTime": "2026-01-01T10:00:00Z", "endTime": "2026-01-01T10:00:02.500Z",
        "error": {"type": "OOMKilled", "code": "137", "message": "killed", "stackTrace": "at main"},
        "retryReason": "transient", "inputHash": "abc", "host": "worker-1",
        "attributes": {"region": "eu", "v": 1.5, "big": true}
    })
}

fn typed() -> ExecutionRecord {
    let mut r = ExecutionRecord::from_json(0, &valid()).unwrap();
    r.duration_ms = None;
    r
}

fn set(path: &str, value: Value) -> Value {
    let mut v = valid();
    let mut at = &mut v;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            at[p] = value;
            break;
        }
        at = &mut at[p];
    }
    v
}

fn body(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "executions": records })).unwrap()
}

/// The field-by-field path's errors for `record`, the same from JSON and NDJSON; the fast
/// path gives way to it.
fn json_errors(record: &Value) -> Vec<FieldError> {
    let Err(BatchError::Invalid(errors)) = validate(vec![record.clone()], vec![]) else {
        panic!("accepted: {record}");
    };
    let body = body(std::slice::from_ref(record));
    assert_eq!(
        parse_json_batch_typed(&body),
        None,
        "fast path accepted {record}"
    );
    assert_eq!(
        parse_json_batch(&body),
        Err(BatchError::Invalid(errors.clone()))
    );
    let line = serde_json::to_vec(record).unwrap();
    assert_eq!(
        parse_ndjson_batch(&line),
        Err(BatchError::Invalid(errors.clone()))
    );
    errors
}

/// The typed path's errors for the valid record changed by `change`.
fn typed_errors(change: impl FnOnce(&mut ExecutionRecord)) -> Vec<FieldError> {
    let mut r = typed();
    change(&mut r);
    let errors = ValidBatch::new(vec![r.clone()], vec![]).unwrap_err();
    assert_eq!(ValidBatch::checked(vec![r], vec![]).unwrap_err(), errors);
    errors
}

/// `record` is refused naming only `field`, in both paths, with the same message; returns it.
fn refused(record: Value, change: impl FnOnce(&mut ExecutionRecord), field: &str) -> String {
    let from_json = json_errors(&record);
    let fields: Vec<&str> = from_json.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, [field], "{from_json:?}");
    assert_eq!(typed_errors(change), from_json);
    from_json[0].message.clone()
}

fn accepted(record: Value, change: impl FnOnce(&mut ExecutionRecord)) -> ExecutionRecord {
    let batch = validate(vec![record.clone()], vec![]).unwrap_or_else(|e| panic!("{e:?}"));
    let body = body(std::slice::from_ref(&record));
    assert_eq!(parse_json_batch_typed(&body).as_ref(), Some(&batch));
    let mut r = typed();
    change(&mut r);
    assert_eq!(ValidBatch::new(vec![r], vec![]).as_ref(), Ok(&batch));
    batch.executions[0].clone()
}

fn text(record: &mut ExecutionRecord, field: &str, v: &str) {
    let e = record.error.as_mut().unwrap();
    let slot = match field {
        "error.message" => &mut e.message,
        "error.stackTrace" => &mut e.stack_trace,
        "retryReason" => &mut record.retry_reason,
        "inputHash" => &mut record.input_hash,
        _ => unreachable!(),
    };
    *slot = Some(v.to_owned());
}

#[test]
fn nul_in_error_message_is_rejected_naming_the_field() {
    let m = refused(
        set("error.message", json!("out of\u{0}memory")),
        |r| text(r, "error.message", "out of\u{0}memory"),
        "error.message",
    );
    assert_eq!(m, "must not contain NUL (U+0000)");
}

#[test]
fn nul_in_stack_trace_retry_reason_and_input_hash_is_rejected_naming_the_field() {
    for field in ["error.stackTrace", "retryReason", "inputHash"] {
        refused(
            set(field, json!("\u{0}")),
            |r| text(r, field, "\u{0}"),
            field,
        );
    }
}

#[test]
fn nul_in_an_attribute_value_is_rejected_naming_the_attribute() {
    let m = refused(
        set("attributes", json!({"region": "e\u{0}u"})),
        |r| {
            r.attributes
                .insert("region".into(), AttributeValue::Text("e\u{0}u".into()));
        },
        "attributes.region",
    );
    assert!(m.contains("NUL"), "{m}");
}

#[test]
fn nul_in_an_attribute_key_is_rejected_naming_attributes() {
    let m = refused(
        set("attributes", json!({"re\u{0}gion": "eu"})),
        |r| {
            r.attributes
                .insert("re\u{0}gion".into(), AttributeValue::Text("eu".into()));
        },
        "attributes",
    );
    assert!(m.contains("NUL"), "{m}");
}

#[test]
fn nul_in_keys_names_hosts_and_error_types_is_rejected_as_a_control_character() {
    let nul = "a\u{0}b".to_owned();
    let cases: [(&str, SetString); 9] = [
        ("executionId", |r, v| r.execution_id = v),
        ("workflowId", |r, v| r.workflow_id = v),
        ("workflowExecutionId", |r, v| r.workflow_execution_id = v),
        ("taskId", |r, v| r.task_id = v),
        ("taskName", |r, v| r.task_name = v),
        ("workflowName", |r, v| r.workflow_name = Some(v)),
        ("host", |r, v| r.host = Some(v)),
        ("error.type", |r, v| {
            r.error.as_mut().unwrap().error_type = v
        }),
        ("error.code", |r, v| {
            r.error.as_mut().unwrap().code = Some(v)
        }),
    ];
    for (field, change) in cases {
        let m = refused(set(field, json!(nul)), |r| change(r, nul.clone()), field);
        assert_eq!(m, "must not contain control characters", "{field}");
    }
}

#[test]
fn an_error_code_over_50_characters_is_rejected_and_50_is_accepted() {
    let long = "E".repeat(51);
    let m = refused(
        set("error.code", json!(long)),
        |r| r.error.as_mut().unwrap().code = Some(long.clone()),
        "error.code",
    );
    assert_eq!(m, "must be at most 50 characters");
    // Characters, not bytes: VARCHAR(50) counts characters.
    let fifty = "é".repeat(50);
    accepted(set("error.code", json!(fifty)), |r| {
        r.error.as_mut().unwrap().code = Some(fifty.clone())
    });
}

#[test]
fn absurd_numbers_are_rejected_naming_the_field_and_its_range() {
    type Change = fn(&mut ExecutionRecord);
    let cases: Vec<(&str, Value, Change, &str)> = vec![
        (
            "cpuAllocatedCores",
            json!(1e308),
            |r| r.cpu_allocated_cores = Some(1e308),
            "between 0.001 and 4096 cores",
        ),
        (
            "cpuAllocatedCores",
            json!(1e-300),
            |r| r.cpu_allocated_cores = Some(1e-300),
            "between 0.001 and 4096 cores",
        ),
        (
            "cpuAllocatedCores",
            json!(0.0009),
            |r| r.cpu_allocated_cores = Some(0.0009),
            "0.001",
        ),
        (
            "cpuAllocatedCores",
            json!(-1),
            |r| r.cpu_allocated_cores = Some(-1.0),
            "0.001",
        ),
        (
            "memoryPeakMb",
            json!(1e308),
            |r| r.memory_peak_mb = Some(1e308),
            "between 0 and 67108864 MiB",
        ),
        (
            "memoryPeakMb",
            json!(-0.5),
            |r| r.memory_peak_mb = Some(-0.5),
            "67108864",
        ),
        (
            "memoryAllocatedMb",
            json!(1e-300),
            |r| r.memory_allocated_mb = Some(1e-300),
            "between 0.0009765625 and 67108864 MiB",
        ),
        (
            "memoryAllocatedMb",
            json!(0),
            |r| r.memory_allocated_mb = Some(0.0),
            "0.0009765625",
        ),
        (
            "memoryAllocatedMb",
            json!(1e308),
            |r| r.memory_allocated_mb = Some(1e308),
            "67108864",
        ),
        (
            "durationMs",
            json!(MAX_DURATION_MS + 1),
            |r| r.duration_ms = Some(MAX_DURATION_MS + 1),
            "between 0 and 31557600000 ms",
        ),
        (
            "durationMs",
            json!(-1),
            |r| r.duration_ms = Some(-1),
            "31557600000",
        ),
        (
            "cpuTimeMs",
            json!(MAX_CPU_TIME_MS + 1),
            |r| r.cpu_time_ms = Some(MAX_CPU_TIME_MS + 1),
            "between 0 and 129259929600000 ms",
        ),
        (
            "cpuTimeMs",
            json!(i64::MAX),
            |r| r.cpu_time_ms = Some(i64::MAX),
            "129259929600000",
        ),
        (
            "inputSizeBytes",
            json!(MAX_BYTES + 2),
            |r| r.input_size_bytes = Some(MAX_BYTES + 2),
            "between 0 and 9007199254740992 bytes",
        ),
        (
            "outputSizeBytes",
            json!(1e300),
            |r| r.output_size_bytes = Some(i64::MAX),
            "9007199254740992",
        ),
        (
            "readBytes",
            json!(i64::MAX),
            |r| r.read_bytes = Some(i64::MAX),
            "9007199254740992",
        ),
        (
            "writeBytes",
            json!(-1),
            |r| r.write_bytes = Some(-1),
            "9007199254740992",
        ),
        (
            "bytesTransferred",
            json!(u64::MAX),
            |r| r.bytes_transferred = Some(i64::MAX),
            "9007199254740992",
        ),
        (
            "ioOperations",
            json!(i64::MAX - 1),
            |r| r.io_operations = Some(i64::MAX - 1),
            "between 0 and 1000000000000000",
        ),
        (
            "networkCalls",
            json!(MAX_COUNT + 1),
            |r| r.network_calls = Some(MAX_COUNT + 1),
            "1000000000000000",
        ),
        (
            "attemptNumber",
            json!(10_001),
            |r| r.attempt_number = 10_001,
            "from 1 to 10000",
        ),
        (
            "attemptNumber",
            json!(i32::MAX),
            |r| r.attempt_number = i32::MAX,
            "from 1 to 10000",
        ),
        (
            "attemptNumber",
            json!(0),
            |r| r.attempt_number = 0,
            "from 1 to 10000",
        ),
        (
            "attributes.v",
            json!(1e16),
            |r| {
                r.attributes
                    .insert("v".into(), AttributeValue::Number(1e16));
            },
            "between -1e15 and 1e15",
        ),
        (
            "attributes.v",
            json!(-1e308),
            |r| {
                r.attributes
                    .insert("v".into(), AttributeValue::Number(-1e308));
            },
            "1e15",
        ),
    ];
    for (field, bad, change, range) in cases {
        let record = if let Some(attr) = field.strip_prefix("attributes.") {
            set(&format!("attributes.{attr}"), bad.clone())
        } else {
            set(field, bad.clone())
        };
        let record = if field == "durationMs" {
            let mut r = record;
            r.as_object_mut().unwrap().remove("endTime");
            r["status"] = json!("running");
            r
        } else {
            record
        };
        let m = refused(
            record,
            |r| {
                if field == "durationMs" {
                    r.end_time = None;
                    r.status = ExecutionStatus::Running;
                }
                change(r)
            },
            field,
        );
        assert!(m.contains(range), "{field} = {bad}: {m:?} lacks {range:?}");
    }
}

#[test]
fn every_numeric_bound_is_inclusive() {
    type Change = fn(&mut ExecutionRecord);
    let cases: Vec<(&str, Value, Change)> = vec![
        ("cpuAllocatedCores", json!(MIN_CORES), |r| {
            r.cpu_allocated_cores = Some(MIN_CORES)
        }),
        ("cpuAllocatedCores", json!(MAX_CORES), |r| {
            r.cpu_allocated_cores = Some(MAX_CORES)
        }),
        ("memoryPeakMb", json!(0), |r| r.memory_peak_mb = Some(0.0)),
        ("memoryPeakMb", json!(MAX_MEMORY_MB), |r| {
            r.memory_peak_mb = Some(MAX_MEMORY_MB)
        }),
        ("memoryAllocatedMb", json!(MIN_MEMORY_ALLOCATED_MB), |r| {
            r.memory_allocated_mb = Some(MIN_MEMORY_ALLOCATED_MB)
        }),
        ("memoryAllocatedMb", json!(MAX_MEMORY_MB), |r| {
            r.memory_allocated_mb = Some(MAX_MEMORY_MB)
        }),
        ("cpuTimeMs", json!(MAX_CPU_TIME_MS), |r| {
            r.cpu_time_ms = Some(MAX_CPU_TIME_MS)
        }),
        ("inputSizeBytes", json!(MAX_BYTES), |r| {
            r.input_size_bytes = Some(MAX_BYTES)
        }),
        ("bytesTransferred", json!(0), |r| {
            r.bytes_transferred = Some(0)
        }),
        ("ioOperations", json!(MAX_COUNT), |r| {
            r.io_operations = Some(MAX_COUNT)
        }),
        ("attemptNumber", json!(MAX_ATTEMPT_NUMBER), |r| {
            r.attempt_number = MAX_ATTEMPT_NUMBER
        }),
        ("attributes", json!({"lo": -1e15, "hi": 1e15}), |r| {
            r.attributes = [("lo", -1e15), ("hi", 1e15)]
                .map(|(k, v)| (k.to_owned(), AttributeValue::Number(v)))
                .into();
        }),
    ];
    for (field, edge, change) in cases {
        accepted(set(field, edge), change);
    }
    // A year exactly, given and derived.
    let start = "2026-01-01T00:00:00Z";
    let end = "2027-01-01T06:00:00Z";
    let start_t = rules::parse_time(start).unwrap();
    let end_t = rules::parse_time(end).unwrap();
    assert_eq!((end_t - start_t).num_milliseconds(), MAX_DURATION_MS);
    let mut year = set("startTime", json!(start));
    year["endTime"] = json!(end);
    let r = accepted(year.clone(), |r| {
        (r.start_time, r.end_time) = (start_t, Some(end_t))
    });
    assert_eq!(r.duration_ms, Some(MAX_DURATION_MS));
    year["durationMs"] = json!(MAX_DURATION_MS);
    accepted(year, |r| {
        (r.start_time, r.end_time) = (start_t, Some(end_t));
        r.duration_ms = Some(MAX_DURATION_MS);
    });
}

#[test]
fn a_derived_duration_over_one_year_is_rejected_on_end_time() {
    let start = rules::parse_time("1970-01-01T00:00:00Z").unwrap();
    let end = rules::parse_time("9999-12-31T23:59:59Z").unwrap();
    let mut v = set("startTime", json!("1970-01-01T00:00:00Z"));
    v["endTime"] = json!("9999-12-31T23:59:59Z");
    let m = refused(
        v,
        |r| (r.start_time, r.end_time) = (start, Some(end)),
        "endTime",
    );
    assert!(m.contains("31557600000 ms (one year)"), "{m}");
}

#[test]
fn a_timestamp_in_year_10000_is_rejected_naming_the_field() {
    // chrono's own FromStr (and so its serde Deserialize) takes the extended year; strict
    // RFC 3339 does not. Both paths parse strictly and name the range.
    let y10k = "+10000-01-01T00:00:00Z";
    let t: DateTime<Utc> = y10k.parse().unwrap();
    assert!(DateTime::parse_from_rfc3339(y10k).is_err());
    let m = refused(
        set("endTime", json!(y10k)),
        |r| r.end_time = Some(t),
        "endTime",
    );
    assert_eq!(
        m,
        "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z"
    );
    let mut v = set("startTime", json!(y10k));
    v["status"] = json!("running");
    v.as_object_mut().unwrap().remove("endTime");
    refused(
        v,
        |r| {
            r.start_time = t;
            r.status = ExecutionStatus::Running;
            r.end_time = None;
        },
        "startTime",
    );
}

#[test]
fn times_outside_1970_to_9999_are_rejected_and_the_edges_accepted() {
    for outside in [
        "1969-12-31T23:59:59Z",
        "1969-12-31T23:59:59.999Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.001Z",
        "9999-12-31T23:00:00-01:00",
        "1970-01-01T00:59:59+01:00",
    ] {
        let t = rules::parse_time(outside).unwrap();
        let mut v = set("startTime", json!(outside));
        v["status"] = json!("running");
        v.as_object_mut().unwrap().remove("endTime");
        refused(
            v,
            |r| {
                r.start_time = t;
                r.status = ExecutionStatus::Running;
                r.end_time = None;
            },
            "startTime",
        );
    }
    for edge in ["1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
        let t = rules::parse_time(edge).unwrap();
        let mut v = set("startTime", json!(edge));
        v["status"] = json!("running");
        v.as_object_mut().unwrap().remove("endTime");
        accepted(v, |r| {
            r.start_time = t;
            r.status = ExecutionStatus::Running;
            r.end_time = None;
        });
    }
}

#[test]
fn relaxed_timestamps_chrono_would_take_are_refused_by_both_paths() {
    for relaxed in [
        "2026-1-1T10:00:00Z",
        "2026-01-01T10:00:00 UTC",
        "2026-01-01T10:00:00+0000",
    ] {
        assert!(relaxed.parse::<DateTime<Utc>>().is_ok(), "{relaxed}");
        let errors = json_errors(&set("startTime", json!(relaxed)));
        assert_eq!(errors[0].field, "startTime");
        assert!(errors[0].message.contains("RFC 3339"), "{errors:?}");
    }
}

#[test]
fn a_misspelt_top_level_key_is_rejected_listing_the_accepted_keys() {
    let body = serde_json::to_vec(&json!({"execution": [valid()]})).unwrap();
    assert_eq!(parse_json_batch_typed(&body), None);
    let Err(BatchError::Invalid(errors)) = parse_json_batch(&body) else {
        panic!()
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].index, errors[0].field.as_str()),
        (0, "execution")
    );
    assert!(
        errors[0].message.contains("\"executions\"")
            && errors[0].message.contains("\"dependencies\""),
        "{errors:?}"
    );
}

#[test]
fn an_unknown_top_level_key_beside_valid_records_is_rejected_with_the_records_problems() {
    let mut bad = valid();
    bad["status"] = json!("done");
    let body = serde_json::to_vec(&json!({"executions": [valid(), bad], "extra": {}})).unwrap();
    assert_eq!(parse_json_batch_typed(&body), None);
    let Err(BatchError::Invalid(errors)) = parse_json_batch(&body) else {
        panic!()
    };
    let fields: Vec<(usize, &str)> = errors.iter().map(|e| (e.index, e.field.as_str())).collect();
    assert_eq!(fields, [(0, "extra"), (1, "status")]);
}

#[test]
fn a_top_level_array_is_rejected_by_both_paths() {
    let body = serde_json::to_vec(&json!([[valid()], []])).unwrap();
    assert_eq!(parse_json_batch_typed(&body), None);
    let Err(BatchError::Invalid(errors)) = parse_json_batch(&body) else {
        panic!()
    };
    assert_eq!(errors[0].field, "$");
}

#[test]
fn records_and_errors_given_as_arrays_are_rejected_by_both_paths() {
    let typed = typed();
    // serde's derive reads a struct from an array of its fields in declaration order.
    let as_array = |v: Value| Value::Array(v.as_object().unwrap().values().cloned().collect());
    let wire = serde_json::to_value(&typed).unwrap();
    let ordered: Vec<Value> = [
        "executionId",
        "workflowId",
        "workflowExecutionId",
        "taskId",
        "instanceId",
        "workflowName",
        "taskName",
        "taskType",
        "status",
        "attemptNumber",
        "startTime",
    ]
    .iter()
    .map(|k| wire.get(*k).cloned().unwrap_or(Value::Null))
    .collect();
    // What the fast path guards against: the derive alone takes these.
    assert!(serde_json::from_value::<ExecutionRecord>(Value::Array(ordered.clone())).is_ok());
    let top = serde_json::to_vec(&json!([[valid()], []])).unwrap();
    assert!(serde_json::from_slice::<TypedBatch>(&top).is_ok());
    for record in [Value::Array(ordered), as_array(wire.clone())] {
        let body = body(&[record]);
        assert_eq!(parse_json_batch_typed(&body), None);
        let Err(BatchError::Invalid(errors)) = parse_json_batch(&body) else {
            panic!()
        };
        assert_eq!(errors[0].field, "$");
    }
    let error_array = set("error", json!(["OOMKilled", "137", "killed", null]));
    let errors = json_errors(&error_array);
    assert_eq!(errors[0].field, "error");
    let dep = json!(["w", "a", "b", "data", false]);
    let body = serde_json::to_vec(&json!({"dependencies": [dep]})).unwrap();
    assert_eq!(parse_json_batch_typed(&body), None);
    let Err(BatchError::Invalid(errors)) = parse_json_batch(&body) else {
        panic!()
    };
    assert_eq!(errors[0].field, "dependencies.$");
}

#[test]
fn unknown_keys_inside_a_record_are_refused_naming_them_with_a_hint() {
    let mut v = valid();
    v["durationMS"] = json!(1_000);
    v["error"]["severity"] = json!("high");
    let body_of = |v: &Value| body(std::slice::from_ref(v));
    assert_eq!(parse_json_batch_typed(&body_of(&v)), None);
    let Err(BatchError::Invalid(errors)) = parse_json_batch(&body_of(&v)) else {
        panic!("refused");
    };
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "durationMS",
                "is not a field of ingest format v1; did you mean \"durationMs\"?"
            ),
            ("error.severity", "is not a field of ingest format v1"),
        ]
    );
    let dep =
        json!({"workflowId": "w", "upstreamTaskId": "a", "downstreamTaskId": "b", "weight": 3});
    let body = serde_json::to_vec(&json!({"dependencies": [dep]})).unwrap();
    assert_eq!(parse_json_batch_typed(&body), None);
    let Err(BatchError::Invalid(errors)) = parse_json_batch(&body) else {
        panic!("refused");
    };
    assert_eq!(errors[0].field, "dependencies.weight");
    // Values that are not JSON text in an unknown key: 400 (syntax), whichever path.
    for bad in [&b"1e999"[..], b"\"\\ud800\"", b"\"\xff\""] {
        let mut raw = br#"{"executions": [{"x": "#.to_vec();
        raw.extend_from_slice(bad);
        raw.extend_from_slice(b"}]}");
        assert!(
            matches!(parse_json_batch(&raw), Err(BatchError::Syntax(_))),
            "{}",
            String::from_utf8_lossy(&raw)
        );
    }
}

#[test]
fn the_known_keys_are_exactly_the_fields_of_the_records() {
    // A record with every optional field set serialises every key of the format.
    let mut r = typed();
    r.workflow_name = Some("w".into());
    r.end_time = Some(r.start_time);
    r.duration_ms = Some(0);
    for f in [
        &mut r.input_size_bytes,
        &mut r.output_size_bytes,
        &mut r.cpu_time_ms,
        &mut r.io_operations,
        &mut r.read_bytes,
        &mut r.write_bytes,
        &mut r.network_calls,
        &mut r.bytes_transferred,
    ] {
        *f = Some(1);
    }
    r.memory_peak_mb = Some(1.0);
    r.cpu_allocated_cores = Some(1.0);
    r.memory_allocated_mb = Some(1.0);
    r.host = Some("h".into());
    r.instance_id = Some("sample-1".into());
    r.retry_reason = Some("r".into());
    r.input_hash = Some("i".into());
    r.correction = true;
    r.attributes
        .insert("k".into(), crate::ingest::AttributeValue::Bool(true));
    r.error = Some(crate::ingest::ErrorDetails {
        error_type: "E".into(),
        code: Some("c".into()),
        message: Some("m".into()),
        stack_trace: Some("s".into()),
    });
    let v = serde_json::to_value(&r).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut known = super::super::records::EXECUTION_KEYS.to_vec();
    keys.sort_unstable();
    known.sort_unstable();
    assert_eq!(keys, known);
    let mut err: Vec<&str> = v["error"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut known = super::super::records::ERROR_KEYS.to_vec();
    err.sort_unstable();
    known.sort_unstable();
    assert_eq!(err, known);
    let d = serde_json::to_value(DependencyRecord {
        workflow_id: "w".into(),
        upstream_task_id: "a".into(),
        downstream_task_id: "b".into(),
        dependency_type: Default::default(),
        optional: true,
    })
    .unwrap();
    let mut dep: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    let mut known = super::super::records::DEPENDENCY_KEYS.to_vec();
    dep.sort_unstable();
    known.sort_unstable();
    assert_eq!(dep, known);
}

#[test]
fn dot_segment_keys_are_rejected_in_both_paths() {
    let cases: [(&str, SetString); 4] = [
        ("executionId", |r, v| r.execution_id = v),
        ("workflowId", |r, v| r.workflow_id = v),
        ("workflowExecutionId", |r, v| r.workflow_execution_id = v),
        ("taskId", |r, v| r.task_id = v),
    ];
    for (field, change) in cases {
        for dots in [".", ".."] {
            let m = refused(set(field, json!(dots)), |r| change(r, dots.into()), field);
            assert!(m.contains("path segment"), "{m}");
        }
    }
    // Names are not path segments: "." is a fine task name or host.
    accepted(set("taskName", json!(".")), |r| r.task_name = ".".into());
    accepted(set("host", json!("..")), |r| r.host = Some("..".into()));
    accepted(set("taskId", json!("...")), |r| r.task_id = "...".into());
}

#[test]
fn dot_segment_dependency_keys_are_rejected_in_both_paths() {
    for (field, dep) in [
        (
            "dependencies.workflowId",
            json!({"workflowId": ".", "upstreamTaskId": "a", "downstreamTaskId": "b"}),
        ),
        (
            "dependencies.upstreamTaskId",
            json!({"workflowId": "w", "upstreamTaskId": "..", "downstreamTaskId": "b"}),
        ),
        (
            "dependencies.downstreamTaskId",
            json!({"workflowId": "w", "upstreamTaskId": "a", "downstreamTaskId": "."}),
        ),
    ] {
        let Err(BatchError::Invalid(errors)) = validate(vec![], vec![dep.clone()]) else {
            panic!("{dep}")
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, field);
        let body = serde_json::to_vec(&json!({"dependencies": [dep.clone()]})).unwrap();
        assert_eq!(parse_json_batch_typed(&body), None);
        let typed: DependencyRecord = serde_json::from_value(dep).unwrap();
        assert_eq!(ValidBatch::new(vec![], vec![typed]).unwrap_err(), errors);
    }
}

#[test]
fn nul_and_control_characters_in_dependency_keys_are_rejected_in_both_paths() {
    let dep = json!({"workflowId": "w", "upstreamTaskId": "a\u{0}", "downstreamTaskId": "b"});
    let Err(BatchError::Invalid(errors)) = validate(vec![], vec![dep.clone()]) else {
        panic!()
    };
    assert_eq!(errors[0].field, "dependencies.upstreamTaskId");
    let typed: DependencyRecord = serde_json::from_value(dep).unwrap();
    assert_eq!(ValidBatch::new(vec![], vec![typed]).unwrap_err(), errors);
}
