//! Counterfactual histories (`Generator::counterfactual`): the same seed's runs with one change,
//! everything else drawn alike.

mod common;

use std::collections::HashMap;

use types::ExecutionStatus;
use types::ingest::ExecutionRecord;
use workload::{Counterfactual, Generator};

fn generator(seed: u64) -> Generator {
    Generator::new(common::params(seed)).expect("valid parameters")
}

fn records(g: &Generator) -> Vec<ExecutionRecord> {
    g.batches(common::BATCH)
        .flat_map(|b| b.executions.into_iter())
        .collect()
}

/// (run, task, attempt) → record.
fn keyed(rs: &[ExecutionRecord]) -> HashMap<(String, String, i32), &ExecutionRecord> {
    rs.iter()
        .map(|r| {
            (
                (
                    r.workflow_execution_id.clone(),
                    r.task_id.clone(),
                    r.attempt_number,
                ),
                r,
            )
        })
        .collect()
}

#[test]
fn no_change_leaves_the_stream_byte_identical() {
    let g = generator(5);
    let same = g.counterfactual(&[]).expect("no change is valid");
    let json = |g: &Generator| {
        g.batches(common::BATCH)
            .map(|b| serde_json::to_string(&(b.executions, b.dependencies)).expect("serialises"))
            .collect::<Vec<_>>()
    };
    assert_eq!(json(&g), json(&same));
}

#[test]
fn a_faster_task_takes_seventy_percent_of_each_attempt_and_nothing_else_changes_before_it() {
    let g = generator(5);
    let task = "media_transcode.transcode_2160p";
    let fast = g
        .counterfactual(&[Counterfactual::Faster {
            task_id: task.into(),
            factor: 0.7,
        }])
        .expect("a known task");
    let (before, after) = (records(&g), records(&fast));
    let after = keyed(&after);
    let mut compared = 0;
    for r in before.iter().filter(|r| r.task_id == task) {
        let key = (
            r.workflow_execution_id.clone(),
            r.task_id.clone(),
            r.attempt_number,
        );
        let (Some(d0), Some(c)) = (r.duration_ms, after.get(&key)) else {
            continue;
        };
        let d1 = c.duration_ms.expect("ended too");
        // Durations are rounded to the millisecond; the trend term moves with the start by
        // parts per million.
        assert!(
            (d1 as f64 - 0.7 * d0 as f64).abs() <= 1.0 + 1e-3 * d0 as f64,
            "{d0} → {d1}"
        );
        assert_eq!(c.status, r.status);
        // A retry starts earlier, its failed predecessor having ended earlier.
        if r.attempt_number == 1 {
            assert_eq!(c.start_time, r.start_time);
        }
        compared += 1;
    }
    assert!(compared > 500, "{compared}");
    // The probe before it is untouched.
    for r in before
        .iter()
        .filter(|r| r.task_id == "media_transcode.probe")
    {
        let key = (
            r.workflow_execution_id.clone(),
            r.task_id.clone(),
            r.attempt_number,
        );
        assert_eq!(after.get(&key), Some(&r), "{key:?}");
    }
}

#[test]
fn a_cache_replaces_about_its_hit_rate_of_runs_with_a_one_millisecond_attempt() {
    let g = generator(5);
    let task = "ci_web.build";
    let cached = g
        .counterfactual(&[Counterfactual::Cache {
            task_id: task.into(),
            hit_rate: 0.5,
        }])
        .expect("a known task");
    let rs = records(&cached);
    let builds: Vec<&ExecutionRecord> = rs.iter().filter(|r| r.task_id == task).collect();
    let hits = builds.iter().filter(|r| r.duration_ms == Some(1)).count();
    let n = builds.len() as f64;
    // Binomial(n ≈ 550, 0.5): sd ≈ 0.021; 4 sd.
    assert!((hits as f64 / n - 0.5).abs() < 0.085, "{hits} of {n}");
    assert!(
        builds
            .iter()
            .filter(|r| r.duration_ms == Some(1))
            .all(|r| r.status == ExecutionStatus::Completed && r.attempt_number == 1)
    );
}

#[test]
fn a_removed_edge_disappears_and_the_downstream_task_no_longer_waits_for_it() {
    let g = generator(5);
    let (up, down) = ("ci_web.integration_tests", "ci_web.package");
    let cf = g
        .counterfactual(&[Counterfactual::RemoveEdge {
            upstream: up.into(),
            downstream: down.into(),
        }])
        .expect("an existing edge");
    let deps: Vec<_> = cf
        .batches(common::BATCH)
        .flat_map(|b| b.dependencies)
        .collect();
    assert!(
        !deps
            .iter()
            .any(|d| d.upstream_task_id == up && d.downstream_task_id == down)
    );
    let rs = records(&cf);
    let end_of = |run: &str, task: &str| {
        rs.iter()
            .filter(|r| r.workflow_execution_id == run && r.task_id == task)
            .filter_map(|r| r.end_time)
            .max()
    };
    // Some package starts before its run's integration tests end.
    let early = rs
        .iter()
        .filter(|r| r.task_id == down && r.status != ExecutionStatus::Skipped)
        .filter(|r| end_of(&r.workflow_execution_id, up).is_some_and(|e| r.start_time < e))
        .count();
    assert!(early > 100, "{early}");
    let refused = g.counterfactual(&[Counterfactual::RemoveEdge {
        upstream: down.into(),
        downstream: up.into(),
    }]);
    assert!(refused.is_err());
}

#[test]
fn memory_above_every_kill_peak_ends_the_kills_and_is_recorded() {
    let g = generator(5);
    let task = "etl_orders.transform_shard_00";
    let kills = |rs: &[ExecutionRecord]| {
        rs.iter()
            .filter(|r| r.task_id == task)
            .filter(|r| {
                r.error
                    .as_ref()
                    .is_some_and(|e| e.error_type == "OOMKilled")
            })
            .count()
    };
    assert!(kills(&records(&g)) > 5);
    let more = g
        .counterfactual(&[Counterfactual::Memory {
            task_id: task.into(),
            memory_mb: 6144.0,
        }])
        .expect("a known task");
    let rs = records(&more);
    assert_eq!(kills(&rs), 0);
    // The attempts a rescued kill made unnecessary are still drawn, unrecorded: the shards
    // after it draw as in the original, even in the runs it changed (all but the rare rescue
    // whose ordinary-failure check draws an error kind).
    let original = records(&g);
    let later = keyed(&rs);
    let shard = "etl_orders.transform_shard_11";
    let (mut same, mut n) = (0, 0);
    for r in original.iter().filter(|r| r.task_id == shard) {
        let key = (
            r.workflow_execution_id.clone(),
            r.task_id.clone(),
            r.attempt_number,
        );
        n += 1;
        same += usize::from(
            later
                .get(&key)
                .is_some_and(|c| c.duration_ms == r.duration_ms),
        );
    }
    assert!(n > 400 && same + 2 >= n, "{same} of {n}");
    assert!(
        rs.iter()
            .filter(|r| r.task_id == task && r.status != ExecutionStatus::Skipped)
            .all(|r| r.memory_allocated_mb == Some(6144.0))
    );
}

#[test]
fn counterfactuals_parse_from_the_command_line_form_and_unknown_tasks_are_refused() {
    let c: Counterfactual = "faster:ci_web.build:0.7".parse().expect("parses");
    assert_eq!(
        c,
        Counterfactual::Faster {
            task_id: "ci_web.build".into(),
            factor: 0.7
        }
    );
    let c: Counterfactual = "remove-edge:a.x:a.y".parse().expect("parses");
    assert_eq!(
        c,
        Counterfactual::RemoveEdge {
            upstream: "a.x".into(),
            downstream: "a.y".into()
        }
    );
    assert!("slower:a:1".parse::<Counterfactual>().is_err());
    assert!("cache:ci_web.build:x".parse::<Counterfactual>().is_err());
    let g = generator(5);
    assert!(
        g.counterfactual(&[Counterfactual::Cache {
            task_id: "nope.t".into(),
            hit_rate: 0.5
        }])
        .is_err()
    );
}
