//! Invariants shared by the fuzz targets: what must hold for every batch a parser accepted.
//!
//! Each check panics (a libFuzzer crash) with a message naming the broken invariant.

use std::sync::OnceLock;

use serde_json::Value;
use types::ingest::{MAX_RECORDS_PER_BATCH, ValidBatch, parse_json_batch, parse_ndjson_batch};
use types::{MAX_KEY_LEN, TaskKey, WorkflowKey};

/// Whether `TaskKey::parse` rejects `.` and `..` (the rule landed with the hostile-input work;
/// this guard only keeps the harness usable on a tree without it, where the "no dot keys"
/// assertion is skipped).
pub fn dot_keys_rejected() -> bool {
    static RULE: OnceLock<bool> = OnceLock::new();
    *RULE.get_or_init(|| {
        TaskKey::parse(".").is_err()
            && TaskKey::parse("..").is_err()
            && WorkflowKey::parse(".").is_err()
            && WorkflowKey::parse("..").is_err()
    })
}

/// What every accepted key (TaskKey, WorkflowKey) must look like: 1..=255 characters, no NUL
/// or other control character, and not the path segment `.` or `..`.
pub fn assert_key_shape(what: &str, key: &str) {
    assert_name_shape(what, key);
    if dot_keys_rejected() {
        assert!(
            key != "." && key != "..",
            "{what}: accepted a dot key: {key:?}"
        );
    }
}

/// A name (task name, not a path segment): as a key, but `.` and `..` are fine.
fn assert_name_shape(what: &str, key: &str) {
    let n = key.chars().count();
    assert!(
        (1..=MAX_KEY_LEN).contains(&n),
        "{what}: accepted key of {n} characters: {key:?}"
    );
    assert!(
        !key.chars().any(char::is_control),
        "{what}: accepted key with a control character: {key:?}"
    );
}

/// Invariants of a batch any parser or importer accepted.
///
/// - Every task and workflow key is one the API's `TaskKey`/`WorkflowKey` path parameters
///   accept (an ingested task can always be addressed by URL); execution ids are keys too;
///   no key or name is blank.
/// - Cross-field rules: end ≥ start, attempt ≥ 1, counts ≥ 0, finite numbers.
/// - Re-serialised (`serde_json::to_vec` of each record), the batch is accepted again and
///   equal: as one JSON document (`parse_json_batch`) and as NDJSON (`parse_ndjson_batch`,
///   executions only).
pub fn assert_valid_batch(what: &str, batch: &ValidBatch) {
    for r in &batch.executions {
        // Ids are path segments in page links; the task name is not.
        for (field, key) in [
            ("executionId", &r.execution_id),
            ("workflowExecutionId", &r.workflow_execution_id),
        ] {
            assert_key_shape(&format!("{what}: {field}"), key);
        }
        assert_name_shape(&format!("{what}: taskName"), &r.task_name);
        for (field, key) in [
            ("executionId", r.execution_id.as_str()),
            ("workflowId", r.workflow_id.as_str()),
            ("workflowExecutionId", r.workflow_execution_id.as_str()),
            ("taskId", r.task_id.as_str()),
            ("taskName", r.task_name.as_str()),
        ] {
            assert!(!key.trim().is_empty(), "{what}: blank {field} {key:?}");
        }
        assert_task_key(what, &r.task_id);
        assert_workflow_key(what, &r.workflow_id);
        assert!(
            r.attempt_number >= 1,
            "{what}: attempt {}",
            r.attempt_number
        );
        if let Some(end) = r.end_time {
            assert!(end >= r.start_time, "{what}: end before start in {r:?}");
            assert!(
                r.duration_ms.is_some(),
                "{what}: no durationMs with endTime"
            );
        }
        for (field, v) in [
            ("durationMs", r.duration_ms),
            ("inputSizeBytes", r.input_size_bytes),
            ("outputSizeBytes", r.output_size_bytes),
            ("cpuTimeMs", r.cpu_time_ms),
            ("ioOperations", r.io_operations),
            ("readBytes", r.read_bytes),
            ("writeBytes", r.write_bytes),
            ("networkCalls", r.network_calls),
            ("bytesTransferred", r.bytes_transferred),
        ] {
            assert!(v.is_none_or(|v| v >= 0), "{what}: {field} = {v:?}");
        }
        for (field, v) in [
            ("memoryPeakMb", r.memory_peak_mb),
            ("cpuAllocatedCores", r.cpu_allocated_cores),
            ("memoryAllocatedMb", r.memory_allocated_mb),
        ] {
            assert!(
                v.is_none_or(|v| v.is_finite() && v >= 0.0),
                "{what}: {field} = {v:?}"
            );
        }
        assert!(r.attributes.len() <= types::ingest::MAX_ATTRIBUTES);
    }
    for d in &batch.dependencies {
        assert_workflow_key(what, &d.workflow_id);
        assert_task_key(what, &d.upstream_task_id);
        assert_task_key(what, &d.downstream_task_id);
        assert_ne!(
            d.upstream_task_id, d.downstream_task_id,
            "{what}: self edge"
        );
    }
    assert_round_trips(what, batch);
}

fn assert_task_key(what: &str, key: &str) {
    assert_key_shape(&format!("{what}: task key"), key);
    if let Err(e) = TaskKey::parse(key) {
        panic!("{what}: accepted task key {key:?} that TaskKey::parse rejects ({e})");
    }
}

fn assert_workflow_key(what: &str, key: &str) {
    assert_key_shape(&format!("{what}: workflow key"), key);
    if let Err(e) = WorkflowKey::parse(key) {
        panic!("{what}: accepted workflow key {key:?} that WorkflowKey::parse rejects ({e})");
    }
}

/// The batch, written back out as the wire format, is accepted again and unchanged.
pub fn assert_round_trips(what: &str, batch: &ValidBatch) {
    if batch.executions.len() + batch.dependencies.len() > MAX_RECORDS_PER_BATCH {
        return;
    }
    // One JSON document, each record as serde writes it.
    let mut doc = b"{\"executions\":[".to_vec();
    for (i, r) in batch.executions.iter().enumerate() {
        if i > 0 {
            doc.push(b',');
        }
        doc.extend(serde_json::to_vec(r).expect("serialise execution"));
    }
    doc.extend(b"],\"dependencies\":[");
    for (i, d) in batch.dependencies.iter().enumerate() {
        if i > 0 {
            doc.push(b',');
        }
        doc.extend(serde_json::to_vec(d).expect("serialise dependency"));
    }
    doc.extend(b"]}");
    match parse_json_batch(&doc) {
        Ok(again) => assert_same(what, "JSON", &again, batch, &doc),
        Err(e) => panic!(
            "{what}: re-serialised batch rejected by parse_json_batch: {e:?}\n{}",
            String::from_utf8_lossy(&doc)
        ),
    }
    // NDJSON: one record per line (executions only; NDJSON carries no dependencies).
    let mut ndjson = Vec::new();
    for r in &batch.executions {
        ndjson.extend(serde_json::to_vec(r).expect("serialise execution"));
        ndjson.push(b'\n');
    }
    match parse_ndjson_batch(&ndjson) {
        Ok(again) => assert_same(
            what,
            "NDJSON",
            &ValidBatch {
                executions: again.executions,
                dependencies: batch.dependencies.clone(),
            },
            batch,
            &ndjson,
        ),
        Err(e) => panic!(
            "{what}: re-serialised records rejected by parse_ndjson_batch: {e:?}\n{}",
            String::from_utf8_lossy(&ndjson)
        ),
    }
}

/// `again` equals `batch`, except that floats may differ in their last bits: serde_json's
/// default float parser is not exact (its `float_roundtrip` feature is not on in the server
/// build), so a float written and read back can move by one ULP (seen: 187.19999980926514 →
/// 187.1999998092651). Everything else must be identical.
fn assert_same(what: &str, wire: &str, again: &ValidBatch, batch: &ValidBatch, bytes: &[u8]) {
    if again == batch {
        return;
    }
    let a = serde_json::to_value(again).expect("serialise batch");
    let b = serde_json::to_value(batch).expect("serialise batch");
    if let Some(at) = first_difference(&a, &b, String::from("$")) {
        panic!(
            "{what}: re-serialised {wire} parsed differently at {at}\n  again: {again:?}\n  batch: {batch:?}\n  wire: {}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Where two JSON values differ (floats compared within a few ULP).
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return None;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y))
                    if (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()) =>
                {
                    None
                }
                _ => Some(format!("{at}: {x} vs {y}")),
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{at}[{i}]"))),
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            x.iter().find_map(|(k, xv)| match y.get(k) {
                Some(yv) => first_difference(xv, yv, format!("{at}.{k}")),
                None => Some(format!("{at}.{k}: missing")),
            })
        }
        _ if a == b => None,
        _ => Some(format!("{at}: {a} vs {b}")),
    }
}
