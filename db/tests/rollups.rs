//! Rollups against a real Postgres: what they answer for a window equals what Postgres computes
//! over the raw rows of that window (counts, sums, moments exactly; percentiles within 1 % of
//! `percentile_cont`), for the headline (completed runs) and the attempts that ran without
//! completing, and replays keep them in step.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use chrono::{DateTime, TimeDelta, Utc};
use db::ingest::ingest_batch;
use serde_json::{Value, json};
use sqlx::PgPool;
use types::TimeWindow;
use types::ingest::validate;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// 3,000 executions of three tasks over three days from a fixed LCG: varied statuses,
/// durations spanning 0 ms to ~20 min, some with allocations and retries.
fn history() -> Vec<Value> {
    let mut x: u64 = 7;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    };
    let start = t("2026-03-01T00:00:00Z");
    (0..3000)
        .map(|i| {
            let task = ["etl.a", "etl.b", "etl.c"][i % 3];
            let begin = start + TimeDelta::seconds((next() * 3.0 * 86_400.0) as i64);
            let status = match (next() * 100.0) as u32 {
                0..=79 => "completed",
                80..=87 => "failed",
                88..=91 => "timeout",
                92..=94 => "skipped",
                95..=97 => "cancelled",
                _ => "running",
            };
            let ms = if next() < 0.01 {
                0
            } else {
                (50.0 * (next() * 10.0).exp()) as i64
            };
            let mut e = json!({
                "executionId": format!("e{i}"), "workflowId": "etl",
                "workflowExecutionId": format!("run-{}", i / 3), "taskId": task, "taskName": task,
                "status": status, "startTime": begin.to_rfc3339(),
                "attemptNumber": if i % 11 == 0 { 2 } else { 1 },
                "cpuTimeMs": ms / 2, "memoryPeakMb": 100 + i % 400,
            });
            if status != "running" {
                e["endTime"] = json!((begin + TimeDelta::milliseconds(ms)).to_rfc3339());
            }
            if i % 4 == 0 {
                e["cpuAllocatedCores"] = json!(2.0);
                e["memoryAllocatedMb"] = json!(1024.0);
            }
            e
        })
        .collect()
}

async fn load(pool: &PgPool) {
    let all = history();
    for chunk in all.chunks(700) {
        ingest_batch(pool, &validate(chunk.to_vec(), vec![]).unwrap())
            .await
            .unwrap();
    }
}

#[derive(sqlx::FromRow, Debug)]
struct Raw {
    task_key: String,
    executions: i64,
    completed: i64,
    failed: i64,
    timeout: i64,
    retried: i64,
    avg: Option<f64>,
    sd: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
    u_n: i64,
    u_avg: Option<f64>,
    u_p50: Option<f64>,
    u_p95: Option<f64>,
    u_max: Option<f64>,
}

async fn raw(pool: &PgPool, w: &TimeWindow) -> Vec<Raw> {
    sqlx::query_as(
        "SELECT t.task_key, count(*) AS executions,
                count(*) FILTER (WHERE status = 'completed') AS completed,
                count(*) FILTER (WHERE status = 'failed') AS failed,
                count(*) FILTER (WHERE status = 'timeout') AS timeout,
                count(*) FILTER (WHERE attempt_number > 1) AS retried,
                avg(duration_ms) FILTER (WHERE status = 'completed')::float8 AS avg,
                stddev_samp(duration_ms) FILTER (WHERE status = 'completed')::float8 AS sd,
                min(duration_ms) FILTER (WHERE status = 'completed')::float8 AS min,
                max(duration_ms) FILTER (WHERE status = 'completed')::float8 AS max,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)
                    FILTER (WHERE status = 'completed') AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                    FILTER (WHERE status = 'completed') AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)
                    FILTER (WHERE status = 'completed') AS p99,
                count(duration_ms) FILTER (WHERE status NOT IN ('completed', 'skipped')) AS u_n,
                avg(duration_ms) FILTER (WHERE status NOT IN ('completed', 'skipped'))::float8
                    AS u_avg,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)
                    FILTER (WHERE status NOT IN ('completed', 'skipped')) AS u_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                    FILTER (WHERE status NOT IN ('completed', 'skipped')) AS u_p95,
                max(duration_ms) FILTER (WHERE status NOT IN ('completed', 'skipped'))::float8
                    AS u_max
         FROM task_execution_history e JOIN tasks t ON t.id = e.task_id
         WHERE e.start_time >= $1 AND e.start_time < $2
         GROUP BY t.task_key ORDER BY t.task_key",
    )
    .bind(w.from)
    .bind(w.to)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

#[sqlx::test(migrations = "../migrations")]
async fn window_summaries_from_rollups_match_postgres_over_the_raw_rows(pool: PgPool) {
    load(&pool).await;
    // Partial hours at both ends, whole hours at the day edges, one whole day between.
    let w = TimeWindow {
        from: Some(t("2026-03-01T10:17:00Z")),
        to: t("2026-03-03T15:43:30Z"),
    };
    let cover = db::rollups::Cover::of(&w);
    assert_eq!(
        (cover.days.is_some(), cover.hours.len(), cover.raw.len()),
        (true, 2, 2)
    );
    let expected = raw(&pool, &w).await;
    let ids: Vec<(uuid::Uuid, String)> = sqlx::query_as("SELECT id, task_key FROM tasks")
        .fetch_all(&pool)
        .await
        .unwrap();
    let sums = db::rollups::summaries(&pool, &ids.iter().map(|i| i.0).collect::<Vec<_>>(), &w)
        .await
        .unwrap();
    assert_eq!(expected.len(), 3);
    for e in &expected {
        let id = ids.iter().find(|i| i.1 == e.task_key).unwrap().0;
        let s = sums[&id].statistics(Default::default());
        assert_eq!(
            (
                s.total_executions as i64,
                s.successful_executions as i64,
                s.failed_executions as i64,
                s.timeout_executions as i64,
                s.retried_executions as i64
            ),
            (e.executions, e.completed, e.failed, e.timeout, e.retried),
            "{}",
            e.task_key
        );
        assert!(e.executions > 500);
        assert!(close(s.avg_duration, e.avg.unwrap(), 1e-9));
        assert!(close(s.standard_deviation, e.sd.unwrap(), 1e-9));
        assert_eq!(
            (s.min_duration, s.max_duration),
            (e.min.unwrap(), e.max.unwrap())
        );
        for (got, want) in [
            (s.p50_duration, e.p50.unwrap()),
            (s.p95_duration, e.p95.unwrap()),
            (s.p99_duration, e.p99.unwrap()),
        ] {
            assert!(close(got, want, 0.01), "{}: {got} vs {want}", e.task_key);
        }
        // Failed, timed-out and cancelled attempts (running ones here have no duration).
        let u = &s.unsuccessful_durations;
        assert_eq!(u.count as i64, e.u_n);
        assert!(e.u_n > 80, "{}: {}", e.task_key, e.u_n);
        assert!(close(u.avg, e.u_avg.unwrap(), 1e-9));
        for (got, want) in [
            (u.p50, e.u_p50.unwrap()),
            (u.p95, e.u_p95.unwrap()),
            (u.max, e.u_max.unwrap()),
        ] {
            assert!(close(got, want, 0.01), "{}: {got} vs {want}", e.task_key);
        }
    }
    // Rankings' totals equal the raw aggregates; the p95 bound is an upper bound.
    let mut totals = db::rollups::task_totals(&pool, &w).await.unwrap();
    let mut exact = db::workflows::task_aggregates(&pool, &w).await.unwrap();
    totals.sort_by(|a, b| a.task_key.cmp(&b.task_key));
    exact.sort_by(|a, b| a.task_key.cmp(&b.task_key));
    for (r, x) in totals.iter().zip(&exact) {
        assert_eq!((r.executions, r.failures), (x.executions, x.failures));
        assert!(close(r.busy_ms, x.busy_ms, 1e-9));
        assert!(close(r.core_hours, x.core_hours, 1e-9));
        assert!(close(r.gb_hours, x.gb_hours, 1e-9));
        assert!(r.p95_upper.unwrap() >= x.p95_upper.unwrap() * 0.99);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_replay_that_moves_an_execution_moves_it_between_rollups_and_a_delete_removes_it(
    pool: PgPool,
) {
    // The replay moves the execution by a day, far beyond its duration: it says it is a
    // correction (else the replay guard refuses it, db::ingest).
    let run = |start: &str, end: &str, status: &str| {
        json!({"executionId": "e1", "workflowId": "etl", "workflowExecutionId": "r1",
               "taskId": "etl.a", "taskName": "a", "status": status,
               "startTime": start, "endTime": end, "correction": true})
    };
    let ingest = |e: Value| {
        let pool = pool.clone();
        async move {
            ingest_batch(&pool, &validate(vec![e], vec![]).unwrap())
                .await
                .unwrap()
        }
    };
    ingest(run(
        "2026-03-01T10:10:00Z",
        "2026-03-01T10:10:02Z",
        "completed",
    ))
    .await;
    ingest(run(
        "2026-03-02T13:00:00Z",
        "2026-03-02T13:00:05Z",
        "failed",
    ))
    .await;
    let hourly: Vec<(DateTime<Utc>, i32, i32, f64)> =
        sqlx::query_as("SELECT bucket, executions, failed, dur_sum FROM task_rollups_hourly")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(hourly, vec![(t("2026-03-02T13:00:00Z"), 1, 1, 5000.0)]);
    let daily: Vec<(DateTime<Utc>, i32)> =
        sqlx::query_as("SELECT bucket, executions FROM task_rollups_daily")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(daily, vec![(t("2026-03-02T00:00:00Z"), 1)]);
    // Any write path keeps them in step: the triggers fire for plain SQL too.
    sqlx::query("DELETE FROM task_execution_history")
        .execute(&pool)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM task_rollups_hourly) + (SELECT count(*) FROM task_rollups_daily)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
}

/// New executions are added to the rollups (counts and sums add, M2 merges, sketch buckets add)
/// instead of recomputing their hours; the oracle is the recomputation from the raw rows.
#[sqlx::test(migrations = "../migrations")]
async fn rollups_added_batch_by_batch_equal_a_recomputation_from_the_rows(pool: PgPool) {
    // Small batches in a shuffled order, so most hours receive rows from several batches.
    let mut all = history();
    let mut x: u64 = 11;
    for i in (1..all.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        all.swap(i, (x >> 33) as usize % (i + 1));
    }
    for chunk in all.chunks(37) {
        ingest_batch(&pool, &validate(chunk.to_vec(), vec![]).unwrap())
            .await
            .unwrap();
    }
    for sql in [
        "CREATE TABLE h_added AS SELECT * FROM task_rollups_hourly",
        "CREATE TABLE d_added AS SELECT * FROM task_rollups_daily",
        "SELECT tasklens_refresh_rollups(array_agg(task_id), array_agg(hour))
         FROM (SELECT DISTINCT task_id, date_trunc('hour', start_time, 'UTC') AS hour
               FROM task_execution_history) t",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let hourly: (i64, i64, i64, f64, f64, f64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM h_added), (SELECT count(*) FROM task_rollups_hourly),
                count(*) FILTER (WHERE (a.executions, a.completed, a.failed, a.timeout,
                    a.cancelled, a.skipped, a.running, a.retried, a.dur_n, a.dur_zero, a.dur_min,
                    a.dur_max, a.sketch_keys, a.sketch_counts, a.completed_zero, a.completed_keys,
                    a.completed_counts, a.cpu_share_n, a.memory_peak_max, a.memory_allocated_max,
                    a.dur_p95_hi, a.completed_n, a.completed_min, a.completed_max,
                    a.completed_p95_hi)
                  IS DISTINCT FROM (b.executions, b.completed, b.failed, b.timeout, b.cancelled,
                    b.skipped, b.running, b.retried, b.dur_n, b.dur_zero, b.dur_min, b.dur_max,
                    b.sketch_keys, b.sketch_counts, b.completed_zero, b.completed_keys,
                    b.completed_counts, b.cpu_share_n, b.memory_peak_max, b.memory_allocated_max,
                    b.dur_p95_hi, b.completed_n, b.completed_min, b.completed_max,
                    b.completed_p95_hi)),
                max(greatest(abs(a.dur_sum - b.dur_sum) / greatest(b.dur_sum, 1),
                             abs(a.completed_sum - b.completed_sum) / greatest(b.completed_sum, 1),
                             abs(a.core_hours - b.core_hours) / greatest(b.core_hours, 1e-9),
                             abs(a.gb_hours - b.gb_hours) / greatest(b.gb_hours, 1e-9),
                             abs(a.cpu_share_sum - b.cpu_share_sum) / greatest(b.cpu_share_sum, 1e-9))),
                max(greatest(abs(a.dur_m2 - b.dur_m2) / greatest(b.dur_m2, 1),
                             abs(a.completed_m2 - b.completed_m2) / greatest(b.completed_m2, 1))),
                max(abs(a.completed_median - b.completed_median)
                    / greatest(b.completed_median, 1))
         FROM h_added a JOIN task_rollups_hourly b USING (task_id, bucket)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (added, recomputed, differing, sums, m2, median) = hourly;
    assert_eq!(added, 216, "3 tasks × 72 hours");
    assert_eq!((added, differing), (recomputed, 0));
    assert!(sums < 1e-9 && m2 < 1e-9, "sums {sums}, M2 {m2}");
    // The recomputation's median is percentile_cont's; the added one is read off the sketch.
    assert!(median <= 0.01, "median {median}");
    let daily: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM d_added), (SELECT count(*) FROM task_rollups_daily),
                count(*) FILTER (WHERE (a.executions, a.completed, a.failed, a.timeout,
                    a.cancelled, a.skipped, a.running, a.retried, a.dur_n, a.dur_min, a.dur_max)
                  IS DISTINCT FROM (b.executions, b.completed, b.failed, b.timeout, b.cancelled,
                    b.skipped, b.running, b.retried, b.dur_n, b.dur_min, b.dur_max)
                  OR abs(a.dur_sum - b.dur_sum) > 1e-9 * b.dur_sum),
                -- A day's p95 bounds may stay above its hours' (still bounds), never below.
                count(*) FILTER (WHERE a.dur_p95_hi < b.dur_p95_hi
                                    OR a.completed_p95_hi < b.completed_p95_hi
                                    OR (a.completed_p95_hi IS NULL) <> (b.completed_p95_hi IS NULL))
         FROM d_added a JOIN task_rollups_daily b USING (task_id, bucket)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(daily, (daily.1, daily.1, 0, 0));
    assert_eq!(daily.1, 9, "3 tasks × 3 days");
}
