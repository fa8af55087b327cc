//! The failure and resource analyses against the demo workload's ground truth: 30 days of five
//! workflows (seed 99), every record converted with `Execution::from`, analysed per task.
//! Run with `--nocapture` to see the comparison tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use analytics::execution::Execution;
use analytics::failures::signature::{error_signatures, normalise};
use analytics::failures::{FailureOptions, correlated_factors, failure_metrics};
use analytics::resources::{ProvisioningKind, memory_leak, provisioning, resource_metrics};
use chrono::{TimeZone, Utc};
use workload::{DemoParams, Generator, GroundTruth};

struct Demo {
    truth: GroundTruth,
    /// Records per task id.
    tasks: BTreeMap<String, Vec<Execution>>,
    /// Records per workflow id.
    workflows: BTreeMap<String, Vec<Execution>>,
    /// `(upstream, downstream)` per workflow id.
    edges: BTreeMap<String, Vec<(String, String)>>,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let g = Generator::new(DemoParams {
            days: 30,
            workflows: 5,
            scale: 1.0,
            seed: 99,
            end: Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap(),
        })
        .unwrap();
        let mut tasks: BTreeMap<String, Vec<Execution>> = BTreeMap::new();
        let mut workflows: BTreeMap<String, Vec<Execution>> = BTreeMap::new();
        let mut edges: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for batch in g.batches(50_000) {
            for d in &batch.dependencies {
                edges
                    .entry(d.workflow_id.clone())
                    .or_default()
                    .push((d.upstream_task_id.clone(), d.downstream_task_id.clone()));
            }
            for r in &batch.executions {
                let e = Execution::from(r);
                tasks.entry(e.task_id.clone()).or_default().push(e.clone());
                workflows.entry(e.workflow_id.clone()).or_default().push(e);
            }
        }
        Demo {
            truth: g.ground_truth(),
            tasks,
            workflows,
            edges,
        }
    })
}

fn task<'a>(d: &'a Demo, id: &str) -> &'a [Execution] {
    d.tasks.get(id).map(Vec::as_slice).unwrap_or_default()
}

#[test]
fn the_demo_history_is_converted_whole() {
    let d = demo();
    let records: usize = d.tasks.values().map(Vec::len).sum();
    assert_eq!(records as u64, d.truth.totals.executions);
    assert_eq!(d.tasks.len() as u64, d.truth.totals.tasks);
}

#[test]
fn error_signatures_match_the_generator_ground_truth_exactly() {
    let d = demo();
    // Our signatures over every task: (type, message) → (count, count per task).
    let mut ours: BTreeMap<(String, String), (u64, BTreeMap<String, u64>)> = BTreeMap::new();
    for (id, execs) in &d.tasks {
        for s in error_signatures(execs) {
            let slot = ours.entry((s.error_type, s.message)).or_default();
            slot.0 += s.frequency;
            *slot.1.entry(id.clone()).or_default() += s.frequency;
        }
    }
    println!(
        "{:<16} {:>6} {:>6}  signature",
        "errorType", "truth", "ours"
    );
    let mut matched = BTreeSet::new();
    for t in &d.truth.error_signatures {
        // Map the truth's template to our signature through its example message, so the
        // comparison holds even if the two normalisers spelled templates differently.
        let key = (t.error_type.clone(), normalise(&t.example_message));
        let (count, by_task) = ours.get(&key).cloned().unwrap_or_default();
        println!(
            "{:<16} {:>6} {:>6}  {}",
            t.error_type, t.count, count, key.1
        );
        assert!(
            matched.insert(key.clone()),
            "two truth signatures map to {key:?}"
        );
        assert_eq!(count, t.count, "{key:?}");
        assert_eq!(by_task, t.by_task, "{key:?}");
        // With the current rules the templates are also spelled identically.
        assert_eq!(key.1, t.template);
    }
    let extra: Vec<_> = ours.keys().filter(|k| !matched.contains(*k)).collect();
    assert!(extra.is_empty(), "signatures not in the truth: {extra:?}");
    assert!(d.truth.error_signatures.len() >= 5);
}

#[test]
fn per_task_failure_rates_retries_and_root_causes_agree_with_the_truth() {
    let d = demo();
    let opts = FailureOptions::default();
    for t in &d.truth.tasks {
        let execs = task(d, &t.task_id);
        let m = failure_metrics(
            execs,
            &d.workflows[&t.workflow_id],
            &d.edges[&t.workflow_id],
            &opts,
        );
        assert_eq!(
            m.failure_rate,
            t.failures as f64 / t.executions as f64,
            "{}",
            t.task_id
        );
        let retries: u64 = m.retry_attempts.by_attempt.range(2..).map(|(_, n)| n).sum();
        assert_eq!(retries, t.retries, "{}", t.task_id);
        assert!(m.retry_attempts.max_attempts <= u32::from(t.max_attempts));
        let patterns: u64 = m.common_errors.iter().map(|p| p.frequency).sum();
        assert_eq!(patterns, t.failures, "{}", t.task_id);
        // Every skipped record is blamed on a failed ancestor; every failure on the task itself.
        let (own, upstream): (Vec<_>, Vec<_>) =
            m.root_causes.iter().partition(|r| r.task_id == t.task_id);
        assert_eq!(own.iter().map(|r| r.occurrences).sum::<u64>(), t.failures);
        assert_eq!(
            upstream.iter().map(|r| r.occurrences).sum::<u64>(),
            t.skipped
        );
        // A task with final failures and downstream tasks has cascades.
        if m.impact_radius > 0 {
            assert!(!m.failure_cascades.is_empty());
        }
    }
}

#[test]
fn injected_failure_factors_are_found_among_the_correlated_factors() {
    let d = demo();
    let opts = FailureOptions::default();
    assert!(!d.truth.correlated_failures.is_empty());
    println!(
        "{:<30} {:<22} {:>7} {:>8} {:>7} {:>8} {:>7} {:>9} {:>7}",
        "task", "factor", "rate", "baseline", "truth", "baseline", "lift", "adj. p", "support"
    );
    for cf in &d.truth.correlated_failures {
        let execs = task(d, &cf.task_id);
        let found = correlated_factors(execs, &opts);
        let hit = found
            .iter()
            .find(|f| f.factor == cf.factor && f.value == cf.value)
            .unwrap_or_else(|| {
                panic!(
                    "{} {}={} not found in {found:?}",
                    cf.task_id, cf.factor, cf.value
                )
            });
        // The truth's observed rates split attempts by the generator's own flag (the host, or
        // an input drawn above its distribution's p90); ours split by the observed p90.
        println!(
            "{:<30} {:<22} {:>7.4} {:>8.4} {:>7.4} {:>8.4} {:>7.2} {:>9.2e} {:>7}",
            cf.task_id,
            format!("{}={}", cf.factor, cf.value),
            hit.failure_rate,
            hit.baseline_failure_rate,
            cf.failures_with as f64 / cf.attempts_with as f64,
            cf.failures_without as f64 / cf.attempts_without as f64,
            hit.lift,
            hit.p_value,
            hit.support
        );
        assert!(hit.failure_rate > hit.baseline_failure_rate);
        assert!(hit.p_value <= opts.fdr_q());
        // The signature of the injected error lists the factor too.
        let m = failure_metrics(execs, &[], &[], &opts);
        let label = format!("{}={}", cf.factor, cf.value);
        let pattern = m
            .common_errors
            .iter()
            .find(|p| p.error_type == cf.error_type)
            .unwrap();
        assert!(
            pattern.correlated_factors.contains(&label),
            "{}: {:?}",
            cf.task_id,
            pattern.correlated_factors
        );
    }
}

#[test]
fn memory_leaks_are_found_with_their_growth_and_stable_tasks_have_none() {
    let d = demo();
    assert!(!d.truth.memory_leaks.is_empty());
    let leaking: BTreeMap<&str, f64> = d
        .truth
        .memory_leaks
        .iter()
        .map(|l| (l.task_id.as_str(), l.mb_per_day))
        .collect();
    for t in &d.truth.tasks {
        let execs = task(d, &t.task_id);
        let found = memory_leak(execs);
        match leaking.get(t.task_id.as_str()) {
            Some(&truth) => {
                let leak = found.unwrap_or_else(|| panic!("no leak found for {}", t.task_id));
                println!(
                    "{}: truth {truth} MB/day, found {:.2} MB/day (p = {:.1e})",
                    t.task_id, leak.growth_mb_per_day, leak.p_value
                );
                assert!((leak.growth_mb_per_day - truth).abs() <= 0.25 * truth);
                let metrics = resource_metrics(execs);
                assert_eq!(metrics.memory_usage.leaks.len(), 1);
            }
            None => assert_eq!(found, None, "{} is stable", t.task_id),
        }
    }
}

#[test]
fn configured_provisioning_problems_are_found_with_the_right_kind() {
    let d = demo();
    assert!(!d.truth.provisioning.is_empty());
    for p in &d.truth.provisioning {
        let kind = match p.kind.as_str() {
            "cpu_over_provisioned" => ProvisioningKind::CpuOverProvisioned,
            "memory_under_provisioned" => ProvisioningKind::MemoryUnderProvisioned,
            other => panic!("unknown kind {other}"),
        };
        let findings = provisioning(task(d, &p.task_id));
        let f = findings
            .iter()
            .find(|f| f.kind == kind)
            .unwrap_or_else(|| panic!("{} {}: {findings:?}", p.task_id, p.kind));
        println!(
            "{:<36} {:<25} allocated {:>6} (truth {:>6}), typical {:>8.2} (truth {:>6}), recommended {:>6}",
            p.task_id,
            p.kind,
            f.allocated,
            p.allocated,
            f.typical_use,
            p.typical_use,
            f.recommended
        );
        assert_eq!(f.allocated, p.allocated);
        // Typical use within 10 % of the configured one (sampling noise, input effects).
        assert!((f.typical_use - p.typical_use).abs() <= 0.1 * p.typical_use);
        match kind {
            ProvisioningKind::CpuOverProvisioned => assert!(f.recommended < f.allocated),
            _ => assert!(f.recommended > f.allocated),
        }
    }
}
