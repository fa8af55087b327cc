//! The injected behaviour is really in the records: DAG timing, retries and cascades, trends,
//! leaks, failure hotspots, outliers, provisioning, caching and schedules.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use common::{duration_ms, end, fixture, median};
use types::ExecutionStatus;
use types::ingest::ExecutionRecord;

/// Latest end time of each task in a run (its final attempt).
fn final_ends<'a>(
    records: &[&'a ExecutionRecord],
) -> BTreeMap<&'a str, Option<chrono::DateTime<chrono::Utc>>> {
    let mut m: BTreeMap<&str, Option<chrono::DateTime<chrono::Utc>>> = BTreeMap::new();
    for r in records {
        let e = m.entry(r.task_id.as_str()).or_insert(r.end_time);
        *e = match (*e, r.end_time) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }
    m
}

#[test]
fn every_task_starts_after_all_its_upstream_tasks_ended_within_its_run() {
    let f = fixture();
    let upstream = f.upstream();
    let mut checked = 0;
    for records in f.runs().values() {
        let ends = final_ends(records);
        for r in records {
            for up in upstream.get(r.task_id.as_str()).into_iter().flatten() {
                let end = ends
                    .get(up)
                    .unwrap_or_else(|| panic!("{} ran without upstream {up}", r.execution_id));
                let end = end.unwrap_or_else(|| panic!("{up} still running"));
                assert!(r.start_time >= end, "{} before {up} ended", r.execution_id);
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn downstream_tasks_are_skipped_after_a_final_failure() {
    let f = fixture();
    let upstream = f.upstream();
    let max_attempts: BTreeMap<&str, u8> = f
        .truth
        .tasks
        .iter()
        .map(|t| (t.task_id.as_str(), t.max_attempts))
        .collect();
    let mut cascades = 0;
    for records in f.runs().values() {
        let last: BTreeMap<&str, &ExecutionRecord> =
            records.iter().map(|r| (r.task_id.as_str(), *r)).collect();
        let blocked = |task: &str| {
            last.get(task).is_some_and(|r| {
                r.status == ExecutionStatus::Skipped
                    || (r.status.is_failure() && r.attempt_number == i32::from(max_attempts[task]))
            })
        };
        for r in records {
            let ups = upstream
                .get(r.task_id.as_str())
                .cloned()
                .unwrap_or_default();
            let any_blocked = ups.iter().any(|u| blocked(u));
            if r.status == ExecutionStatus::Skipped {
                assert!(any_blocked, "{} skipped for no reason", r.execution_id);
                assert_eq!(r.start_time, r.end_time.expect("an end"));
                assert!(r.host.is_none() && r.error.is_none());
                cascades += 1;
            } else {
                assert!(!any_blocked, "{} ran after a final failure", r.execution_id);
            }
        }
    }
    assert!(cascades > 10);
}

#[test]
fn retries_follow_failures_with_new_execution_ids_and_a_reason() {
    let f = fixture();
    let by_id: BTreeMap<&str, &ExecutionRecord> =
        f.records().map(|r| (r.execution_id.as_str(), r)).collect();
    assert_eq!(
        by_id.len() as u64,
        f.truth.totals.executions,
        "ids are unique"
    );
    let mut third = 0;
    for r in f.records().filter(|r| r.attempt_number > 1) {
        let prev_id = format!(
            "{}/{}/{}",
            r.workflow_execution_id,
            r.task_name,
            r.attempt_number - 1
        );
        let prev = by_id[prev_id.as_str()];
        assert!(prev.status.is_failure());
        assert!(r.start_time >= prev.end_time.expect("ended"));
        let reason = r.retry_reason.as_deref().expect("a retry reason");
        assert!(reason.contains(&prev.error.as_ref().expect("an error").error_type));
        third += usize::from(r.attempt_number == 3);
    }
    assert!(third > 0, "some tasks need a third attempt");
}

#[test]
fn the_degrading_transform_is_about_forty_percent_slower_at_the_end() {
    let f = fixture();
    let truth = f
        .truth
        .tasks
        .iter()
        .find(|t| t.task_id == "etl_orders.transform_shard_00")
        .expect("task");
    assert_eq!(truth.trend, "degrading");
    assert!((truth.trend_percent - 40.0).abs() < 1e-9);
    // Pool all shards (same trend) for a precise median; compare the first and last 20 %.
    let (first, last) = window_medians(f, "etl_orders.transform_shard_");
    let ratio = last / first;
    // Linear +40 %: mean multiplier 1.04 in the first fifth, 1.36 in the last, ratio ≈ 1.31.
    assert!((1.20..=1.42).contains(&ratio), "{ratio}");
}

#[test]
fn the_improving_evaluation_gets_about_thirty_percent_faster() {
    let f = fixture();
    let (first, last) = window_medians(f, "ml_churn.evaluate");
    let ratio = last / first;
    // −30 %: 0.97 → 0.73, ratio ≈ 0.75.
    assert!((0.6..=0.9).contains(&ratio), "{ratio}");
}

#[test]
fn stable_tasks_keep_their_median() {
    let (first, last) = window_medians(fixture(), "etl_orders.extract");
    assert!((0.9..=1.1).contains(&(last / first)), "{first} {last}");
}

/// Median duration of completed attempts of tasks with this id prefix, in the first and last
/// 20 % of the window.
fn window_medians(f: &common::Fixture, prefix: &str) -> (f64, f64) {
    let end = end();
    let start = end - chrono::Duration::days(21);
    let cut1 = start + chrono::Duration::hours(21 * 24 / 5);
    let cut2 = end - chrono::Duration::hours(21 * 24 / 5);
    let done = f
        .records()
        .filter(|r| r.task_id.starts_with(prefix) && r.status == ExecutionStatus::Completed);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in done {
        if r.start_time < cut1 {
            a.push(duration_ms(r));
        } else if r.start_time >= cut2 {
            b.push(duration_ms(r));
        }
    }
    (median(a), median(b))
}

#[test]
fn the_leaking_task_uses_more_memory_every_day_at_the_configured_rate() {
    let f = fixture();
    let leak = &f.truth.memory_leaks[0];
    assert_eq!(leak.task_id, "ml_churn.fetch_features");
    assert_eq!(leak.mb_per_day, 40.0);
    let start = end() - chrono::Duration::days(21);
    let points: Vec<(f64, f64)> = f
        .task(&leak.task_id)
        .into_iter()
        .filter_map(|r| {
            let days = (r.start_time - start).num_milliseconds() as f64 / 86_400_000.0;
            r.memory_peak_mb.map(|m| (days, m))
        })
        .collect();
    assert!(points.len() > 60);
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let slope = sxy / sxx;
    assert!((slope - 40.0).abs() < 6.0, "{slope} MB/day");
}

#[test]
fn worker_7_fails_the_load_task_far_more_often_than_other_hosts() {
    let f = fixture();
    let factor = f
        .truth
        .correlated_failures
        .iter()
        .find(|c| c.factor == "host")
        .expect("a host factor");
    assert_eq!(factor.task_id, "etl_orders.load");
    assert_eq!(factor.value, "worker-7");
    let (mut on, mut off) = ((0, 0), (0, 0));
    for r in f.task("etl_orders.load") {
        if !(r.status.is_failure() || r.status == ExecutionStatus::Completed) {
            continue;
        }
        let slot = if r.host.as_deref() == Some("worker-7") {
            &mut on
        } else {
            &mut off
        };
        slot.0 += 1;
        slot.1 += u64::from(r.status.is_failure());
    }
    assert_eq!(on, (factor.attempts_with, factor.failures_with));
    assert_eq!(off, (factor.attempts_without, factor.failures_without));
    let rate_on = on.1 as f64 / on.0 as f64;
    let rate_off = off.1 as f64 / off.0 as f64;
    assert!(rate_on > 0.12 && rate_off < 0.05, "{rate_on} vs {rate_off}");
    assert!(rate_on > 4.0 * rate_off);
}

#[test]
fn the_largest_inputs_fail_the_transform_far_more_often() {
    let f = fixture();
    let factor = f
        .truth
        .correlated_failures
        .iter()
        .find(|c| c.task_id == "etl_orders.transform_shard_00")
        .expect("an input-size factor");
    assert_eq!(
        (factor.factor.as_str(), factor.value.as_str()),
        ("inputSize", "top decile")
    );
    let finished: Vec<&ExecutionRecord> = f
        .task("etl_orders.transform_shard_00")
        .into_iter()
        .filter(|r| r.status.is_failure() || r.status == ExecutionStatus::Completed)
        .collect();
    // The sample's own top decile, as an analysis would compute it.
    let mut sizes: Vec<i64> = finished.iter().filter_map(|r| r.input_size_bytes).collect();
    sizes.sort_unstable();
    let p90 = sizes[sizes.len() * 9 / 10];
    let rate = |large: bool| {
        let group: Vec<_> = finished
            .iter()
            .filter(|r| (r.input_size_bytes.unwrap_or(0) >= p90) == large)
            .collect();
        group.iter().filter(|r| r.status.is_failure()).count() as f64 / group.len() as f64
    };
    assert!(
        rate(true) > 0.15 && rate(true) > 8.0 * rate(false),
        "{} vs {}",
        rate(true),
        rate(false)
    );
    // Those failures are OOM kills at or above the memory limit.
    for r in finished.iter().filter(|r| r.status.is_failure()) {
        let e = r.error.as_ref().expect("an error");
        if e.error_type == "OOMKilled" {
            assert!(r.memory_peak_mb >= r.memory_allocated_mb);
        }
    }
}

#[test]
fn injected_outliers_are_ten_to_thirty_times_the_median_and_listed_by_execution_id() {
    let f = fixture();
    assert!(f.truth.outliers.len() >= 5);
    let by_id: BTreeMap<&str, &ExecutionRecord> =
        f.records().map(|r| (r.execution_id.as_str(), r)).collect();
    let listed: BTreeSet<&str> = f
        .truth
        .outliers
        .iter()
        .map(|o| o.execution_id.as_str())
        .collect();
    for o in &f.truth.outliers {
        let r = by_id[o.execution_id.as_str()];
        assert_eq!(r.status, ExecutionStatus::Completed);
        assert_eq!(r.duration_ms, Some(o.duration_ms));
        let med = median(
            f.task(&o.task_id)
                .into_iter()
                .filter(|r| r.status == ExecutionStatus::Completed)
                .map(duration_ms)
                .collect(),
        );
        let ratio = o.duration_ms as f64 / med;
        assert!((6.0..=50.0).contains(&ratio), "{} ×{ratio}", o.execution_id);
        // No unlisted record of the same task comes close.
        for other in f.task(&o.task_id) {
            if !listed.contains(other.execution_id.as_str()) {
                assert!(other.duration_ms.unwrap_or(0) as f64 <= 5.0 * med);
            }
        }
    }
}

#[test]
fn over_and_under_provisioned_tasks_show_in_their_resource_fields() {
    let f = fixture();
    let kinds: BTreeSet<(&str, &str)> = f
        .truth
        .provisioning
        .iter()
        .map(|p| (p.task_id.as_str(), p.kind.as_str()))
        .collect();
    assert!(kinds.contains(&("ml_churn.evaluate", "cpu_over_provisioned")));
    assert!(kinds.contains(&("etl_orders.transform_shard_00", "memory_under_provisioned")));
    let eval = f.task("ml_churn.evaluate");
    let used = median(
        eval.iter()
            .filter(|r| r.status == ExecutionStatus::Completed)
            .map(|r| r.cpu_time_ms.expect("cpu") as f64 / duration_ms(r))
            .collect(),
    );
    assert!((0.4..=0.6).contains(&used), "{used} cores");
    assert!(eval.iter().all(|r| r.cpu_allocated_cores == Some(8.0)));
    let mem = median(
        f.task("etl_orders.transform_shard_00")
            .iter()
            .filter_map(|r| Some(r.memory_peak_mb? / r.memory_allocated_mb?))
            .collect(),
    );
    assert!(mem > 0.8, "{mem}");
}

#[test]
fn input_hashes_repeat_for_the_caching_tasks_and_nowhere_else() {
    let f = fixture();
    let caching: BTreeMap<&str, (u64, u64)> = f
        .truth
        .caching_opportunities
        .iter()
        .map(|c| {
            (
                c.task_id.as_str(),
                (c.executions_with_hash, c.distinct_input_hashes),
            )
        })
        .collect();
    assert!(
        caching.contains_key("ci_web.build") && caching.contains_key("ml_churn.fetch_features")
    );
    // hash → runs using it, per task.
    let mut runs_by_hash: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for r in f.records() {
        if let Some(h) = &r.input_hash {
            runs_by_hash
                .entry((r.task_id.as_str(), h.as_str()))
                .or_default()
                .insert(r.workflow_execution_id.as_str());
        }
    }
    for task in &f.truth.tasks {
        let hashes: Vec<usize> = runs_by_hash
            .iter()
            .filter(|((t, _), _)| *t == task.task_id)
            .map(|(_, runs)| runs.len())
            .collect();
        match caching.get(task.task_id.as_str()) {
            Some(&(with_hash, distinct)) => {
                assert_eq!(hashes.len() as u64, distinct, "{}", task.task_id);
                let records = f.task(&task.task_id);
                assert_eq!(
                    records.iter().filter(|r| r.input_hash.is_some()).count() as u64,
                    with_hash
                );
                assert!(distinct * 5 < with_hash * 4, "{distinct} of {with_hash}");
            }
            None => assert!(hashes.iter().all(|n| *n == 1), "{}", task.task_id),
        }
    }
}

/// Start minute of each run of a workflow, from its workflowExecutionId.
fn run_starts(f: &common::Fixture, workflow: &str) -> Vec<NaiveDateTime> {
    f.runs()
        .keys()
        .filter(|k| k.starts_with(&format!("{workflow}-")))
        .map(|k| {
            let parts: Vec<&str> = k.rsplitn(3, '-').collect();
            NaiveDateTime::parse_from_str(parts[1], "%Y%m%dT%H%M").expect("timestamp")
        })
        .collect()
}

#[test]
fn event_driven_workflows_run_on_weekdays_between_nine_and_six_with_peaks() {
    let f = fixture();
    for wf in ["ci_web", "media_transcode"] {
        let starts = run_starts(f, wf);
        assert!(starts.len() > 300, "{wf}: {}", starts.len());
        let mut by_hour = [0_u32; 24];
        for t in &starts {
            assert!(!matches!(t.weekday(), Weekday::Sat | Weekday::Sun), "{t}");
            assert!((9..18).contains(&t.hour()), "{t}");
            by_hour[t.hour() as usize] += 1;
        }
        let truth = f
            .truth
            .workflows
            .iter()
            .find(|w| w.workflow_id == wf)
            .expect("wf");
        assert_eq!(truth.peak_hours_utc, vec![10, 11, 15]);
        let busiest = (9..18).max_by_key(|h| by_hour[*h]).expect("hours");
        assert!([10, 11, 15].contains(&busiest), "{by_hour:?}");
    }
}

#[test]
fn periodic_workflows_run_at_their_period_and_minute() {
    let f = fixture();
    let starts = run_starts(f, "etl_orders");
    assert!(
        (21 * 24 - 1..=21 * 24).contains(&starts.len()),
        "{}",
        starts.len()
    );
    assert!(starts.iter().all(|t| t.minute() == 5));
    let ml = run_starts(f, "ml_churn");
    assert!(
        ml.iter()
            .all(|t| [2, 8, 14, 20].contains(&t.hour()) && t.minute() == 30)
    );
}

#[test]
fn the_critical_path_follows_the_slowest_branch_of_the_dag() {
    let f = fixture();
    let etl = &f.truth.workflows[0];
    assert_eq!(
        etl.critical_path.first().map(String::as_str),
        Some("etl_orders.extract")
    );
    assert_eq!(
        etl.critical_path[2..],
        ["etl_orders.load".to_owned(), "etl_orders.report".to_owned()]
    );
    let slowest_shard = f
        .truth
        .tasks
        .iter()
        .filter(|t| t.task_id.starts_with("etl_orders.transform_shard_"))
        .max_by(|a, b| a.window_median_seconds.total_cmp(&b.window_median_seconds))
        .expect("shards");
    assert_eq!(etl.critical_path[1], slowest_shard.task_id);
    let ml = &f.truth.workflows[1];
    assert!(ml.critical_path.iter().any(|t| t.contains("train_trial_")));
}

#[test]
fn records_carry_hosts_types_and_attributes() {
    let f = fixture();
    let hosts: BTreeSet<&str> = f.records().filter_map(|r| r.host.as_deref()).collect();
    let expected: BTreeSet<String> = (1..=12).map(|i| format!("worker-{i}")).collect();
    assert_eq!(
        hosts,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    let types: BTreeSet<&str> = f.records().map(|r| r.task_type.as_str()).collect();
    assert!(types.is_superset(&BTreeSet::from(["compute", "io", "network", "decision"])));
    for r in f.records().step_by(11) {
        assert!(r.attributes.contains_key("region") && r.attributes.contains_key("version"));
    }
}
