//! The Nextflow trace importer (`importers::nextflow::import`) and its field parsers on
//! arbitrary bytes, and `importers::import` (format detection + import, as `tasklens import`).
//!
//! Invariants: an imported batch passes `tasklens_fuzz::assert_valid_batch` (it is a batch the
//! HTTP ingest path accepts, unchanged); detection as a Nextflow trace imports exactly what
//! the Nextflow importer does; the field parsers return values in range.
#![no_main]

use importers::nextflow::{parse_duration_ms, parse_percent, parse_size_bytes, split_name};
use importers::{Format, ImportOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ImportOptions::from_source("fuzz-trace");
    let imported = importers::nextflow::import(data, &opts);
    if let Ok(batch) = &imported {
        tasklens_fuzz::assert_valid_batch("nextflow", batch);
        assert!(batch.dependencies.is_empty(), "a trace has no dependencies");
    }
    if importers::detect(data) == Ok(Format::NextflowTrace) {
        assert_eq!(
            importers::import(data, &opts),
            imported,
            "import() of a detected trace differs from nextflow::import()"
        );
    }

    // The field parsers, on every field of the first lines (they also run inside import, but
    // only on the columns a header names).
    let text = String::from_utf8_lossy(data);
    for field in text.split(['\t', '\n']).take(64) {
        if let Ok(Some(ms)) = parse_duration_ms(field) {
            assert!(
                (0..=9_000_000_000_000_000).contains(&ms),
                "{field:?} -> {ms} ms"
            );
        }
        if let Ok(Some(b)) = parse_size_bytes(field) {
            assert!(b >= 0, "{field:?} -> {b} bytes");
        }
        if let Ok(Some(p)) = parse_percent(field) {
            assert!(p.is_finite() && p >= 0.0, "{field:?} -> {p}%");
        }
        let (process, tag) = split_name(field);
        let trimmed = field.trim();
        match tag {
            Some(tag) => assert_eq!(format!("{process} ({tag})"), trimmed),
            None => assert_eq!(process, trimmed),
        }
        let _ = importers::parse_timestamp(field);
    }
});
