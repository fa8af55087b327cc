//! The WfCommons (WfFormat 1.5) importer (`importers::wfcommons::import`) on arbitrary bytes,
//! `importers::import` on the same bytes, and the DAG helpers (`topological_order`,
//! `earliest_start_schedule`) on a small graph read from the first bytes.
//!
//! Invariants: an imported batch passes `tasklens_fuzz::assert_valid_batch`; detection as
//! WfCommons imports exactly what the WfCommons importer does; a topological order is a
//! permutation respecting every edge, a reported cycle is a real cycle, and the schedule starts
//! every child at or after each parent's end.
#![no_main]

use importers::wfcommons::{earliest_start_schedule, topological_order};
use importers::{Format, ImportOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ImportOptions::from_source("fuzz-instance");
    let imported = importers::wfcommons::import(data, &opts);
    if let Ok(batch) = &imported {
        tasklens_fuzz::assert_valid_batch("wfcommons", batch);
    }
    if importers::detect(data) == Ok(Format::WfCommons) {
        assert_eq!(
            importers::import(data, &opts),
            imported,
            "import() of a detected instance differs from wfcommons::import()"
        );
    }
    dag(data);
});

/// Byte 0: node count (1..=16); then byte pairs: edges (mod n), up to 32; runtimes from the
/// remaining bytes.
fn dag(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(first % 16) + 1;
    let edges: Vec<(usize, usize)> = rest
        .chunks_exact(2)
        .take(32)
        .map(|c| (usize::from(c[0]) % n, usize::from(c[1]) % n))
        .collect();
    match topological_order(n, &edges) {
        Ok(order) => {
            let mut position = vec![usize::MAX; n];
            for (i, &v) in order.iter().enumerate() {
                assert_eq!(position[v], usize::MAX, "node {v} twice in {order:?}");
                position[v] = i;
            }
            assert_eq!(order.len(), n, "order {order:?} misses nodes");
            for &(p, c) in &edges {
                assert!(position[p] < position[c], "edge {p}->{c} against {order:?}");
            }
            let runtime_ms: Vec<i64> = (0..n)
                .map(|i| i64::from(*rest.get(64 + i).unwrap_or(&0)) * 10_000_000_000_000_000)
                .collect();
            if let Some(times) = earliest_start_schedule(&order, &edges, &runtime_ms) {
                for (v, &(start, end)) in times.iter().enumerate() {
                    assert_eq!(end - start, runtime_ms[v]);
                }
                for &(p, c) in &edges {
                    assert!(
                        times[c].0 >= times[p].1,
                        "child {c} starts before parent {p} ends"
                    );
                }
            }
        }
        Err(cycle) => {
            assert!(cycle.len() >= 2, "cycle {cycle:?} for edges {edges:?}");
            assert_eq!(cycle.first(), cycle.last(), "cycle {cycle:?} not closed");
            for w in cycle.windows(2) {
                assert!(
                    edges.contains(&(w[0], w[1])),
                    "cycle {cycle:?} uses {}->{}, not an edge of {edges:?}",
                    w[0],
                    w[1]
                );
            }
        }
    }
}
