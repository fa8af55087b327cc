//! The record stream as a whole: determinism, validity, batching, ordering, the window end, and
//! ground-truth counts that match a recount of what was streamed.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use common::{BATCH, end, fixture, params};
use types::ExecutionStatus;
use types::ingest::{ValidBatch, parse_json_batch};
use workload::{DemoParams, Generator, WorkloadError, normalise};

#[test]
fn the_same_seed_gives_the_same_first_batch_and_ground_truth() {
    let a = Generator::new(params(7)).expect("valid");
    let b = Generator::new(params(7)).expect("valid");
    assert_eq!(a.batches(1_000).next(), b.batches(1_000).next());
    assert_eq!(a.ground_truth(), b.ground_truth());
}

#[test]
fn a_different_seed_gives_different_records_and_truth() {
    let a = Generator::new(params(7)).expect("valid");
    let b = Generator::new(params(8)).expect("valid");
    assert_ne!(a.batches(1_000).next(), b.batches(1_000).next());
    assert_ne!(a.ground_truth().totals, b.ground_truth().totals);
}

#[test]
fn every_batch_passes_ingest_validation_and_respects_the_batch_size() {
    let f = fixture();
    assert!(f.batches.len() > 3);
    for b in &f.batches {
        assert!(b.executions.len() <= BATCH);
        assert!(b.executions.len() + b.dependencies.len() <= types::ingest::MAX_RECORDS_PER_BATCH);
        let again = ValidBatch::new(b.executions.clone(), b.dependencies.clone());
        assert_eq!(again.as_ref(), Ok(b));
    }
    // All batches but the last are full.
    let (last, full) = f.batches.split_last().expect("batches");
    assert!(full.iter().all(|b| b.executions.len() == BATCH));
    assert!(!last.executions.is_empty());
}

#[test]
fn the_wire_form_of_a_batch_passes_the_servers_json_parser() {
    let b = &fixture().batches[0];
    let body = serde_json::json!({"executions": b.executions, "dependencies": b.dependencies});
    let parsed = parse_json_batch(body.to_string().as_bytes()).expect("valid JSON batch");
    assert_eq!(&parsed, b);
}

#[test]
fn the_first_batch_carries_every_dependency() {
    let f = fixture();
    let first = &f.batches[0];
    assert_eq!(first.dependencies.len() as u64, f.truth.totals.dependencies);
    assert!(f.batches[1..].iter().all(|b| b.dependencies.is_empty()));
    let workflows: BTreeSet<&str> = first
        .dependencies
        .iter()
        .map(|d| d.workflow_id.as_str())
        .collect();
    assert_eq!(workflows.len(), 5);
}

#[test]
fn batch_sizes_are_clamped_to_the_ingest_limit() {
    let g = Generator::new(params(1)).expect("valid");
    let b = g.batches(1).nth(1).expect("a second batch");
    assert_eq!(b.executions.len(), 1);
    let first = g.batches(usize::MAX).next().expect("a batch");
    assert!(first.executions.len() + first.dependencies.len() <= 50_000);
}

#[test]
fn runs_are_streamed_in_chronological_order() {
    let f = fixture();
    let mut seen = BTreeSet::new();
    let mut last = None;
    for r in f.records() {
        if seen.insert(r.workflow_execution_id.as_str()) {
            // {workflowId}-{YYYYMMDDTHHMM}-{n}: the run's start minute.
            let parts: Vec<&str> = r.workflow_execution_id.rsplitn(3, '-').collect();
            let t = NaiveDateTime::parse_from_str(parts[1], "%Y%m%dT%H%M").expect("timestamp");
            assert!(last.is_none_or(|l| l <= t), "{}", r.workflow_execution_id);
            last = Some(t);
        }
    }
    // Within a run, records come in start order.
    for records in f.runs().values() {
        assert!(
            records
                .windows(2)
                .all(|w| w[0].start_time <= w[1].start_time)
        );
    }
}

#[test]
fn ids_follow_the_documented_scheme() {
    let f = fixture();
    for r in f.records().step_by(7) {
        assert_eq!(
            r.execution_id,
            format!(
                "{}/{}/{}",
                r.workflow_execution_id, r.task_name, r.attempt_number
            )
        );
        assert_eq!(r.task_id, format!("{}.{}", r.workflow_id, r.task_name));
        assert!(
            r.workflow_execution_id
                .starts_with(&format!("{}-", r.workflow_id))
        );
    }
    let workflows: BTreeSet<&str> = f.records().map(|r| r.workflow_id.as_str()).collect();
    let expected = [
        "bio_variants",
        "ci_web",
        "etl_orders",
        "media_transcode",
        "ml_churn",
    ];
    assert_eq!(workflows.into_iter().collect::<Vec<_>>(), expected);
}

#[test]
fn nothing_starts_after_the_end_and_only_straddling_attempts_are_running() {
    let f = fixture();
    let end = end();
    let start = end - chrono::Duration::days(21);
    let mut running = 0;
    for r in f.records() {
        assert!(r.start_time < end, "{}", r.execution_id);
        assert!(r.start_time >= start, "{}", r.execution_id);
        match r.end_time {
            Some(e) => assert!(e <= end && r.status != ExecutionStatus::Running),
            None => {
                assert_eq!(r.status, ExecutionStatus::Running);
                running += 1;
            }
        }
    }
    assert!(
        running > 0,
        "a history ending on a Wednesday noon has runs in flight"
    );
    assert_eq!(running, f.truth.totals.running);
}

#[test]
fn ground_truth_totals_equal_a_recount_of_the_batches() {
    let f = fixture();
    let t = &f.truth.totals;
    let count = |s: ExecutionStatus| f.records().filter(|r| r.status == s).count() as u64;
    assert_eq!(f.records().count() as u64, t.executions);
    assert_eq!(count(ExecutionStatus::Completed), t.completed);
    assert_eq!(count(ExecutionStatus::Failed), t.failed);
    assert_eq!(count(ExecutionStatus::Timeout), t.timed_out);
    assert_eq!(count(ExecutionStatus::Skipped), t.skipped);
    assert_eq!(count(ExecutionStatus::Running), t.running);
    assert_eq!(t.failures, t.failed + t.timed_out);
    assert_eq!(
        f.records().filter(|r| r.attempt_number > 1).count() as u64,
        t.retries
    );
    assert_eq!(f.runs().len() as u64, t.runs);
    let tasks: BTreeSet<&str> = f.records().map(|r| r.task_id.as_str()).collect();
    assert_eq!(tasks.len() as u64, t.tasks);
    assert_eq!(f.generator.task_count() as u64, t.tasks);
    assert!(t.failures > 100 && t.retries > 100 && t.skipped > 10 && t.timed_out > 5);
    // Per task and per workflow.
    for task in &f.truth.tasks {
        let rs = f.task(&task.task_id);
        assert_eq!(rs.len() as u64, task.executions, "{}", task.task_id);
        let failures = rs.iter().filter(|r| r.status.is_failure()).count() as u64;
        assert_eq!(failures, task.failures, "{}", task.task_id);
        let skipped = rs
            .iter()
            .filter(|r| r.status == ExecutionStatus::Skipped)
            .count() as u64;
        assert_eq!(skipped, task.skipped, "{}", task.task_id);
    }
    let runs = f.runs();
    for w in &f.truth.workflows {
        let n = runs
            .keys()
            .filter(|k| k.starts_with(&format!("{}-", w.workflow_id)))
            .count() as u64;
        assert_eq!(n, w.runs, "{}", w.workflow_id);
    }
}

#[test]
fn error_signature_counts_equal_a_recount_of_normalised_messages() {
    let f = fixture();
    let mut recount: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in f.records() {
        match &r.error {
            Some(e) => {
                assert!(r.status.is_failure(), "{}", r.execution_id);
                let msg = e.message.as_deref().expect("a message");
                *recount
                    .entry((e.error_type.clone(), normalise(msg)))
                    .or_default() += 1;
            }
            None => assert!(!r.status.is_failure(), "{}", r.execution_id),
        }
    }
    let truth: BTreeMap<(String, String), u64> = f
        .truth
        .error_signatures
        .iter()
        .map(|s| ((s.error_type.clone(), s.template.clone()), s.count))
        .collect();
    assert_eq!(recount, truth);
    assert!(truth.len() >= 6, "{truth:?}");
    // Messages vary inside a signature.
    let reset: BTreeSet<&str> = f
        .records()
        .filter_map(|r| r.error.as_ref())
        .filter(|e| e.error_type == "ConnectionError")
        .filter_map(|e| e.message.as_deref())
        .collect();
    assert!(reset.len() > 10);
}

#[test]
fn the_estimate_is_within_ten_percent_of_the_generated_count() {
    let f = fixture();
    let est = f.generator.estimated_executions() as f64;
    let actual = f.truth.totals.executions as f64;
    assert!((est - actual).abs() / actual < 0.10, "{est} vs {actual}");
    let g = Generator::new(DemoParams {
        days: 5,
        workflows: 12,
        scale: 0.7,
        seed: 3,
        end: end(),
    })
    .expect("valid");
    let est = g.estimated_executions() as f64;
    let actual = g.ground_truth().totals.executions as f64;
    assert!((est - actual).abs() / actual < 0.10, "{est} vs {actual}");
}

#[test]
fn the_default_demo_and_the_ten_million_benchmark_have_the_documented_sizes() {
    let demo = Generator::new(DemoParams {
        days: 30,
        ..params(1)
    })
    .expect("valid");
    let n = demo.estimated_executions();
    assert!((20_000..=60_000).contains(&n), "{n}");
    // Estimated only: generating it takes ~30 s in release.
    let big = Generator::new(DemoParams {
        days: 30,
        workflows: 275,
        scale: 4.0,
        seed: 1,
        end: end(),
    })
    .expect("valid");
    assert!((4_900..=5_100).contains(&big.task_count()));
    let n = big.estimated_executions();
    assert!((9_000_000..=11_000_000).contains(&n), "{n}");
}

#[test]
fn invalid_parameters_are_refused() {
    let bad = |p: DemoParams| match Generator::new(p) {
        Err(WorkloadError::InvalidParameter { name, .. }) => name,
        Ok(_) => "accepted",
    };
    assert_eq!(
        bad(DemoParams {
            days: 0,
            ..params(1)
        }),
        "days"
    );
    assert_eq!(
        bad(DemoParams {
            workflows: 0,
            ..params(1)
        }),
        "workflows"
    );
    assert_eq!(
        bad(DemoParams {
            scale: 0.0,
            ..params(1)
        }),
        "scale"
    );
    assert_eq!(
        bad(DemoParams {
            scale: f64::NAN,
            ..params(1)
        }),
        "scale"
    );
    assert_eq!(
        bad(DemoParams {
            days: 10,
            end: chrono::DateTime::UNIX_EPOCH,
            ..params(1)
        }),
        "end"
    );
}

#[test]
fn the_ground_truth_round_trips_through_camel_case_json() {
    let truth = &fixture().truth;
    let v = serde_json::to_value(truth).expect("serialisable");
    for key in [
        "params",
        "windowStart",
        "totals",
        "workflows",
        "tasks",
        "errorSignatures",
        "correlatedFailures",
        "memoryLeaks",
        "provisioning",
        "outliers",
        "cachingOpportunities",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert!(v["totals"].get("timedOut").is_some());
    assert_eq!(v["workflows"][0]["schedule"]["kind"], "periodic");
    assert_eq!(v["workflows"][0]["schedule"]["periodSeconds"], 3600);
    assert_eq!(v["workflows"][2]["schedule"]["kind"], "business_hours");
    let back: workload::GroundTruth = serde_json::from_value(v).expect("deserialisable");
    assert_eq!(&back, truth);
}
