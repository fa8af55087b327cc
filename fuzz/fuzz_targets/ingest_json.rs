//! `types::ingest::parse_json_batch` (the body of `POST /api/v1/task-analytics/ingest` as
//! `application/json`) on arbitrary bytes.
//!
//! Invariants on an accepted batch: see `tasklens_fuzz::assert_valid_batch` (keys, cross-field
//! rules, re-serialised batch accepted and equal), plus two differentials:
//! - the typed fast path agrees with the field-by-field path (`types::ingest::validate` on the
//!   same arrays), as `parse_json_batch`'s docs promise;
//! - the importer (`importers::ingest::import_json`, used by `tasklens import`) accepts the same
//!   file and builds the same batch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use types::ingest::{parse_json_batch, validate};

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = parse_json_batch(data) else {
        return;
    };
    tasklens_fuzz::assert_valid_batch("ingest_json", &batch);

    let mut top = match serde_json::from_slice::<Value>(data) {
        Ok(Value::Object(top)) => top,
        Ok(other) => panic!("parse_json_batch accepted a body that is not a JSON object: {other}"),
        Err(e) => panic!("parse_json_batch accepted a body that is not JSON ({e})"),
    };
    let mut take = |key: &str| match top.remove(key) {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => panic!("parse_json_batch accepted {key} = {other}"),
    };
    let (executions, dependencies) = (take("executions"), take("dependencies"));
    assert!(
        top.is_empty(),
        "parse_json_batch accepted unknown top-level keys {top:?}"
    );
    match validate(executions, dependencies) {
        Ok(by_field) => assert_eq!(
            by_field, batch,
            "fast path and field-by-field path built different batches"
        ),
        Err(e) => panic!("fast path accepted a batch the field-by-field path rejects: {e:?}"),
    }

    match importers::ingest::import_json(data) {
        Ok(imported) => assert_eq!(imported, batch, "importer built a different batch"),
        Err(e) => panic!("parse_json_batch accepted a file the importer rejects: {e}"),
    }
});
