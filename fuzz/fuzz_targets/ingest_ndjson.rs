//! `types::ingest::parse_ndjson_batch` (the body of `POST /api/v1/task-analytics/ingest` as
//! `application/x-ndjson`) on arbitrary bytes.
//!
//! Invariants on an accepted batch: see `tasklens_fuzz::assert_valid_batch`, plus the importer
//! (`importers::ingest::import_ndjson`) accepting the same file with the same batch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use types::ingest::parse_ndjson_batch;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = parse_ndjson_batch(data) else {
        return;
    };
    assert!(
        batch.dependencies.is_empty(),
        "NDJSON carries no dependencies"
    );
    tasklens_fuzz::assert_valid_batch("ingest_ndjson", &batch);

    match importers::ingest::import_ndjson(data) {
        Ok(imported) => assert_eq!(imported, batch, "importer built a different batch"),
        Err(e) => panic!("parse_ndjson_batch accepted a file the importer rejects: {e}"),
    }
});
