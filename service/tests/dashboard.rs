//! The dashboard above `DASHBOARD_RECORDS` executions reads rollups; it must show what the
//! same page computed from every execution shows (`read_raw`), within the sketch's 1 %.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use service::Services;
use sqlx::PgPool;
use types::TimeWindow;
use types::ingest::validate;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// 8,000 runs of one task every ~5 minutes over 28 days: ~1 s log-uniform durations that
/// double after day 14 (a level shift), 4 % failures, three 60 s outliers, CPU and memory.
fn history() -> Vec<Value> {
    let mut x: u64 = 11;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    };
    let start = t("2026-02-01T00:00:00Z");
    (0..8000)
        .map(|i| {
            let begin = start + TimeDelta::seconds(i * 302 + (next() * 60.0) as i64);
            let level = if i < 4000 { 1000.0 } else { 2000.0 };
            let mut ms = (level * (0.4 * next() - 0.2).exp()) as i64;
            if [1234, 4321, 7000].contains(&i) {
                ms = 60_000;
            }
            let status = if next() < 0.04 { "failed" } else { "completed" };
            let mut e = json!({
                "executionId": format!("e{i}"), "workflowId": "wf", "workflowExecutionId": format!("r{i}"),
                "taskId": "wf.big", "taskName": "big", "status": status,
                "startTime": begin.to_rfc3339(),
                "endTime": (begin + TimeDelta::milliseconds(ms)).to_rfc3339(),
                "cpuTimeMs": ms / 3, "cpuAllocatedCores": 1.0,
                "memoryPeakMb": 200 + i % 300, "memoryAllocatedMb": 1024.0,
            });
            if status == "failed" {
                e["error"] = json!({"type": "IOError", "message": format!("read failed at offset {i}")});
            }
            e
        })
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

fn both_close(a: Option<f64>, b: Option<f64>, rel: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b, rel),
        (a, b) => a == b,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dashboard_from_rollups_shows_what_the_executions_show(pool: PgPool) {
    for chunk in history().chunks(2000) {
        db::ingest::ingest_batch(&pool, &validate(chunk.to_vec(), vec![]).unwrap())
            .await
            .unwrap();
    }
    let services = |read_raw| {
        Services::new(
            pool.clone(),
            Default::default(),
            std::time::Duration::ZERO,
            read_raw,
        )
    };
    // Partial hours at both ends.
    let window = TimeWindow {
        from: Some(t("2026-01-31T23:30:00Z")),
        to: t("2026-03-01T00:20:00Z"),
    };
    let fast = service::task_dashboard(&services(false), "wf.big", window)
        .await
        .unwrap();
    let exact = service::task_dashboard(&services(true), "wf.big", window)
        .await
        .unwrap();
    let (a, b) = (&fast.stats, &exact.stats);
    assert_eq!(a.total_executions, 8000);
    assert_eq!(
        (
            a.total_executions,
            a.successful_executions,
            a.failed_executions
        ),
        (
            b.total_executions,
            b.successful_executions,
            b.failed_executions
        )
    );
    assert!(close(a.avg_duration, b.avg_duration, 1e-9));
    assert!(close(a.standard_deviation, b.standard_deviation, 1e-9));
    for (x, y) in [
        (a.p50_duration, b.p50_duration),
        (a.p95_duration, b.p95_duration),
        (a.p99_duration, b.p99_duration),
    ] {
        assert!(close(x, y, 0.01), "{x} vs {y}");
    }
    // The failed attempts' block: the rollups' all-minus-completed equals the records' own.
    let (u, x) = (&a.unsuccessful_durations, &b.unsuccessful_durations);
    assert_eq!(u.count, x.count);
    assert_eq!(u.count, a.failed_executions);
    assert!(close(u.avg, x.avg, 1e-9), "{} vs {}", u.avg, x.avg);
    for (p, q) in [(u.p50, x.p50), (u.p95, x.p95), (u.max, x.max)] {
        assert!(close(p, q, 0.01), "{p} vs {q}");
    }
    assert_eq!(a.trend_direction, b.trend_direction);
    assert!(close(fast.cost.total_cost, exact.cost.total_cost, 1e-9));

    let (s, e) = (&fast.series, &exact.series);
    assert_eq!(s.bucket_ms, e.bucket_ms);
    assert_eq!(s.buckets.len(), e.buckets.len());
    assert!(s.buckets.len() >= 28);
    for (x, y) in s.buckets.iter().zip(&e.buckets) {
        assert_eq!(
            (x.start, x.executions, x.failures),
            (y.start, y.executions, y.failures)
        );
        assert_eq!(
            (x.memory_peak_mb, x.memory_allocated_mb),
            (y.memory_peak_mb, y.memory_allocated_mb)
        );
        assert!(both_close(x.cpu_efficiency, y.cpu_efficiency, 1e-9));
        assert!(both_close(x.p50_ms, y.p50_ms, 0.01), "{x:?} {y:?}");
        assert!(both_close(x.p95_ms, y.p95_ms, 0.01), "{x:?} {y:?}");
    }
    let total = |h: &[types::HistogramBin]| h.iter().map(|b| b.count).sum::<u64>();
    assert_eq!(total(&s.histogram), total(&e.histogram));
    let mut outliers: Vec<_> = s
        .outliers
        .iter()
        .map(|o| (o.start_time, o.duration_ms))
        .collect();
    let mut expected: Vec<_> = e
        .outliers
        .iter()
        .map(|o| (o.start_time, o.duration_ms))
        .collect();
    outliers.sort_by_key(|o| o.0);
    expected.sort_by_key(|o| o.0);
    assert_eq!(outliers.len(), 3, "the three 60 s runs");
    assert_eq!(outliers, expected);
    let at = |c: &[types::ChangePoint]| c.iter().map(|c| c.at).collect::<Vec<_>>();
    assert_eq!(at(&s.change_points), at(&e.change_points));
    assert_eq!(s.change_points.len(), 1, "the doubling on day 14");
}
