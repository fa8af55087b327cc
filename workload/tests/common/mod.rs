//! Shared fixture: one small history (21 days, the five templates, scale 1, ending on a
//! Wednesday at noon so that some runs straddle the end), generated once per test binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use types::ingest::{DependencyRecord, ExecutionRecord, ValidBatch};
use workload::{DemoParams, Generator, GroundTruth};

pub const BATCH: usize = 4_000;

pub fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
        .single()
        .expect("a valid date")
}

pub fn params(seed: u64) -> DemoParams {
    DemoParams {
        days: 21,
        workflows: 5,
        scale: 1.0,
        seed,
        end: end(),
    }
}

pub struct Fixture {
    pub generator: Generator,
    pub batches: Vec<ValidBatch>,
    pub truth: GroundTruth,
}

impl Fixture {
    pub fn records(&self) -> impl Iterator<Item = &ExecutionRecord> {
        self.batches.iter().flat_map(|b| b.executions.iter())
    }

    pub fn dependencies(&self) -> impl Iterator<Item = &DependencyRecord> {
        self.batches.iter().flat_map(|b| b.dependencies.iter())
    }

    /// Upstream task ids of each task id.
    pub fn upstream(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for d in self.dependencies() {
            m.entry(d.downstream_task_id.as_str())
                .or_default()
                .push(d.upstream_task_id.as_str());
        }
        m
    }

    /// Records grouped by workflow run, in stream order.
    pub fn runs(&self) -> BTreeMap<&str, Vec<&ExecutionRecord>> {
        let mut m: BTreeMap<&str, Vec<&ExecutionRecord>> = BTreeMap::new();
        for r in self.records() {
            m.entry(r.workflow_execution_id.as_str())
                .or_default()
                .push(r);
        }
        m
    }

    /// Records of one task.
    pub fn task(&self, task_id: &str) -> Vec<&ExecutionRecord> {
        self.records().filter(|r| r.task_id == task_id).collect()
    }
}

pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let generator = Generator::new(params(42)).expect("valid parameters");
        let batches = generator.batches(BATCH).collect();
        let truth = generator.ground_truth();
        Fixture {
            generator,
            batches,
            truth,
        }
    })
}

pub fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn duration_ms(r: &ExecutionRecord) -> f64 {
    r.duration_ms.expect("finished records have a duration") as f64
}
