//! Hourly and daily rollups (`migrations/*_rollups.sql`): refreshed by triggers inside the
//! transaction that writes executions, read by windowed questions so they never scan raw history. A window is covered
//! exactly by whole hours and raw rows only for the partial hours at its two ends ([`Cover`]);
//! one task's 30-day window reads ≤ 720 hourly rows and at most two hours of executions,
//! whatever the volume. Cross-task totals (rankings) read whole days from the daily rows.

use std::collections::HashMap;

use analytics::execution::Execution;
use analytics::rollup::Rollup;
use analytics::sketch::Sketch;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sqlx::PgPool;
use types::TimeWindow;
use uuid::Uuid;

use crate::DbError;

/// A half-open time range `[start, end)`.
pub type Range = (DateTime<Utc>, DateTime<Utc>);

/// Which level answers which part of a window: disjoint, and together exactly the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    pub days: Option<Range>,
    pub hours: Vec<Range>,
    pub raw: Vec<Range>,
}

/// Earliest instant the rollups hold for an open-ended (`all`) window.
fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

fn floor(t: DateTime<Utc>, unit: TimeDelta) -> DateTime<Utc> {
    t.duration_trunc(unit).unwrap_or(t)
}

fn ceil(t: DateTime<Utc>, unit: TimeDelta) -> DateTime<Utc> {
    let f = floor(t, unit);
    if f == t { t } else { f + unit }
}

impl Cover {
    pub fn of(window: &TimeWindow) -> Cover {
        let (a, b) = (window.from.unwrap_or_else(epoch), window.to);
        let (hour, day) = (TimeDelta::hours(1), TimeDelta::days(1));
        let (ha, hb) = (ceil(a, hour), floor(b, hour));
        let nonempty = |r: Range| (r.0 < r.1).then_some(r);
        if ha >= hb {
            return Cover {
                days: None,
                hours: Vec::new(),
                raw: nonempty((a, b)).into_iter().collect(),
            };
        }
        let raw = [(a, ha), (hb, b)]
            .into_iter()
            .filter_map(nonempty)
            .collect();
        let (da, db) = (ceil(ha, day), floor(hb, day));
        if da >= db {
            return Cover {
                days: None,
                hours: vec![(ha, hb)],
                raw,
            };
        }
        Cover {
            days: Some((da, db)),
            hours: [(ha, da), (db, hb)]
                .into_iter()
                .filter_map(nonempty)
                .collect(),
            raw,
        }
    }

    /// The whole hours of the window (days and edge hours together), if any.
    pub fn whole_hours(&self) -> Option<Range> {
        let starts = self.days.iter().chain(&self.hours).map(|r| r.0).min()?;
        let ends = self.days.iter().chain(&self.hours).map(|r| r.1).max()?;
        Some((starts, ends))
    }

    /// Bind values for SQL that takes one day range, two hour ranges and two raw ranges
    /// (`[x, x)` where a part is absent: it matches nothing).
    fn params(&self) -> [DateTime<Utc>; 10] {
        let none = (epoch(), epoch());
        let d = self.days.unwrap_or(none);
        let h = |i: usize| self.hours.get(i).copied().unwrap_or(none);
        let r = |i: usize| self.raw.get(i).copied().unwrap_or(none);
        [
            d.0,
            d.1,
            h(0).0,
            h(0).1,
            h(1).0,
            h(1).1,
            r(0).0,
            r(0).1,
            r(1).0,
            r(1).1,
        ]
    }
}

#[derive(sqlx::FromRow)]
struct RollupRow {
    task_id: Uuid,
    bucket: DateTime<Utc>,
    executions: i32,
    completed: i32,
    failed: i32,
    timeout: i32,
    cancelled: i32,
    skipped: i32,
    running: i32,
    retried: i32,
    dur_n: i32,
    dur_sum: f64,
    dur_m2: f64,
    dur_min: Option<f64>,
    dur_max: Option<f64>,
    dur_zero: i32,
    sketch_keys: Vec<i32>,
    sketch_counts: Vec<i32>,
    core_hours: f64,
    gb_hours: f64,
    completed_zero: i32,
    completed_keys: Vec<i32>,
    completed_counts: Vec<i32>,
    cpu_share_sum: f64,
    cpu_share_n: i32,
    memory_peak_max: Option<f64>,
    memory_allocated_max: Option<f64>,
    completed_n: i32,
    completed_sum: f64,
    completed_m2: f64,
    completed_min: Option<f64>,
    completed_max: Option<f64>,
}

fn count(v: i32) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl From<RollupRow> for Rollup {
    fn from(r: RollupRow) -> Rollup {
        let bins = r
            .sketch_keys
            .into_iter()
            .zip(r.sketch_counts.into_iter().map(count));
        Rollup {
            executions: count(r.executions),
            completed: count(r.completed),
            failed: count(r.failed),
            timeout: count(r.timeout),
            cancelled: count(r.cancelled),
            skipped: count(r.skipped),
            running: count(r.running),
            retried: count(r.retried),
            dur_n: count(r.dur_n),
            dur_sum: r.dur_sum,
            dur_m2: r.dur_m2,
            dur_min: r.dur_min,
            dur_max: r.dur_max,
            sketch: Sketch::from_parts(count(r.dur_zero), bins),
            core_hours: r.core_hours,
            gb_hours: r.gb_hours,
            completed_sketch: Sketch::from_parts(
                count(r.completed_zero),
                r.completed_keys
                    .into_iter()
                    .zip(r.completed_counts.into_iter().map(count)),
            ),
            cpu_share_sum: r.cpu_share_sum,
            cpu_share_n: count(r.cpu_share_n),
            memory_peak_max: r.memory_peak_max,
            memory_allocated_max: r.memory_allocated_max,
            completed_n: count(r.completed_n),
            completed_sum: r.completed_sum,
            completed_m2: r.completed_m2,
            completed_min: r.completed_min,
            completed_max: r.completed_max,
        }
    }
}

/// The raw columns a rollup needs.
#[derive(sqlx::FromRow)]
struct RawRow {
    task_id: Uuid,
    #[sqlx(try_from = "String")]
    status: types::ExecutionStatus,
    attempt_number: Option<i32>,
    start_time: DateTime<Utc>,
    duration_ms: Option<i64>,
    cpu_time_ms: Option<i64>,
    memory_peak_mb: Option<f64>,
    cpu_allocated_cores: Option<f64>,
    memory_allocated_mb: Option<f64>,
}

impl RawRow {
    fn execution(&self) -> Execution {
        let start = self.start_time.timestamp_millis();
        Execution {
            attempt: self
                .attempt_number
                .and_then(|a| u32::try_from(a).ok())
                .unwrap_or(1),
            duration_ms: self.duration_ms.map(|d| d as f64),
            cpu_time_ms: self.cpu_time_ms.map(|c| c as f64),
            memory_peak_mb: self.memory_peak_mb,
            cpu_allocated_cores: self.cpu_allocated_cores,
            memory_allocated_mb: self.memory_allocated_mb,
            ..Execution::new("", "", "", self.status, start, None)
        }
    }
}

/// Hourly rollups of these tasks over the window's whole hours (ordered by task and hour) and
/// the raw executions of its partial edge hours.
async fn parts(
    pool: &PgPool,
    task_ids: &[Uuid],
    window: &TimeWindow,
) -> Result<(Vec<RollupRow>, Vec<RawRow>), DbError> {
    let cover = Cover::of(window);
    let hours = cover.whole_hours().unwrap_or((epoch(), epoch()));
    let parts = sqlx::query_as(include_str!("sql/rollup_parts.sql"))
        .bind(task_ids)
        .bind(hours.0)
        .bind(hours.1);
    let mut edges = sqlx::query_as(include_str!("sql/rollup_raw_edges.sql")).bind(task_ids);
    for t in &cover.params()[6..] {
        edges = edges.bind(*t);
    }
    Ok(tokio::try_join!(
        parts.fetch_all(pool),
        edges.fetch_all(pool)
    )?)
}

/// Window summaries of these tasks (a task without executions in the window is absent).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn summaries(
    pool: &PgPool,
    task_ids: &[Uuid],
    window: &TimeWindow,
) -> Result<HashMap<Uuid, Rollup>, DbError> {
    let (rows, raw) = parts(pool, task_ids, window).await?;
    // Merging thousands of tasks' hours is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || {
        let mut out: HashMap<Uuid, Rollup> = HashMap::new();
        for r in rows {
            out.entry(r.task_id).or_default().merge(&Rollup::from(r));
        }
        let mut edges: HashMap<Uuid, Vec<Execution>> = HashMap::new();
        for r in &raw {
            edges.entry(r.task_id).or_default().push(r.execution());
        }
        for (task, execs) in edges {
            out.entry(task).or_default().merge(&Rollup::of(&execs));
        }
        out
    })
    .await
    .map_err(|e| DbError::Task(e.to_string()))
}

/// `(hour start ms, rollup)` of a window's whole hours, and the executions of its partial edge
/// hours.
pub type HoursAndEdges = (Vec<(i64, Rollup)>, Vec<Execution>);

/// One task's window hour by hour: `(hour start ms, rollup)` for its whole hours, and the raw
/// executions (rollup columns only) of its partial edge hours.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_hours(
    pool: &PgPool,
    task_id: Uuid,
    window: &TimeWindow,
) -> Result<HoursAndEdges, DbError> {
    let (rows, raw) = parts(pool, &[task_id], window).await?;
    let hours = rows
        .into_iter()
        .map(|r| (r.bucket.timestamp_millis(), Rollup::from(r)))
        .collect();
    Ok((hours, raw.iter().map(RawRow::execution).collect()))
}

/// One task's window summary and its trend points (see [`trend_points`]).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_summary(
    pool: &PgPool,
    task_id: Uuid,
    window: &TimeWindow,
) -> Result<(Rollup, Vec<(f64, f64)>), DbError> {
    let ids = [task_id];
    let (mut summaries, points) = tokio::try_join!(
        summaries(pool, &ids, window),
        trend_points(pool, task_id, window)
    )?;
    Ok((summaries.remove(&task_id).unwrap_or_default(), points))
}

/// The trend's points of one task's window: `(hour midpoint s, median of the hour's completed
/// runs)` for whole hours, single completed runs in the partial edge hours.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn trend_points(
    pool: &PgPool,
    task_id: Uuid,
    window: &TimeWindow,
) -> Result<Vec<(f64, f64)>, DbError> {
    let cover = Cover::of(window);
    let whole = cover.whole_hours().unwrap_or((epoch(), epoch()));
    let hourly = sqlx::query_as::<_, (f64, f64)>(
        "SELECT extract(epoch FROM bucket)::float8 + 1800, completed_median
         FROM task_rollups_hourly
         WHERE task_id = $1 AND bucket >= $2 AND bucket < $3 AND completed_median IS NOT NULL
         ORDER BY bucket",
    )
    .bind(task_id)
    .bind(whole.0)
    .bind(whole.1);
    let raw = |i: usize| cover.raw.get(i).copied().unwrap_or((epoch(), epoch()));
    let edge_points = sqlx::query_as::<_, (f64, f64)>(
        "SELECT extract(epoch FROM start_time)::float8, duration_ms::float8
         FROM task_execution_history
         WHERE task_id = $1 AND status = 'completed' AND duration_ms IS NOT NULL
           AND ((start_time >= $2 AND start_time < $3) OR (start_time >= $4 AND start_time < $5))",
    )
    .bind(task_id)
    .bind(raw(0).0)
    .bind(raw(0).1)
    .bind(raw(1).0)
    .bind(raw(1).1);
    let (mut points, edge_points) =
        tokio::try_join!(hourly.fetch_all(pool), edge_points.fetch_all(pool))?;
    points.extend(edge_points);
    Ok(points)
}

/// `(execution id, start, duration ms)` of the task's completed runs in the window at or above `slow` ms
/// (slowest first, at most `limit`) and at or below `fast` ms (positive; fastest first, at
/// most `limit`): two range scans of the completed-durations index.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn duration_extremes(
    pool: &PgPool,
    task_id: Uuid,
    window: &TimeWindow,
    (fast, slow): (f64, f64),
    limit: i64,
) -> Result<Vec<(String, DateTime<Utc>, f64)>, DbError> {
    Ok(sqlx::query_as(
        "(SELECT execution_key, start_time, duration_ms::float8 FROM task_execution_history
          WHERE task_id = $1 AND status = 'completed' AND duration_ms > 0 AND duration_ms >= ceil($4)::bigint
            AND ($2::timestamptz IS NULL OR start_time >= $2) AND start_time < $3
          ORDER BY task_execution_history.duration_ms DESC LIMIT $6)
         UNION ALL
         (SELECT execution_key, start_time, duration_ms::float8 FROM task_execution_history
          WHERE task_id = $1 AND status = 'completed' AND duration_ms > 0 AND duration_ms <= floor($5)::bigint
            AND ($2::timestamptz IS NULL OR start_time >= $2) AND start_time < $3
          ORDER BY task_execution_history.duration_ms LIMIT $6)",
    )
    .bind(task_id)
    .bind(window.from)
    .bind(window.to)
    .bind(slow)
    .bind(fast)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// Per-task totals of a window for rankings (every task with an execution in it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskTotals {
    pub task_id: Uuid,
    pub task_key: String,
    pub task_name: String,
    pub workflow_key: String,
    pub executions: i64,
    pub failures: i64,
    pub busy_ms: f64,
    pub core_hours: f64,
    pub gb_hours: f64,
    /// An upper bound of the window's p95 duration of completed runs (see the migration's
    /// `completed_p95_hi`); `None` without completed runs.
    pub p95_upper: Option<f64>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn task_totals(pool: &PgPool, window: &TimeWindow) -> Result<Vec<TaskTotals>, DbError> {
    let mut q = sqlx::query_as(include_str!("sql/rollup_totals.sql"));
    for t in Cover::of(window).params() {
        q = q.bind(t);
    }
    Ok(q.fetch_all(pool).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn window(from: &str, to: &str) -> TimeWindow {
        TimeWindow {
            from: Some(t(from)),
            to: t(to),
        }
    }

    #[test]
    fn a_month_is_days_between_edge_hours_between_raw_minutes() {
        let c = Cover::of(&window("2026-10-27T22:50:00Z", "2026-11-26T22:51:14Z"));
        assert_eq!(
            c.days,
            Some((t("2026-10-28T00:00:00Z"), t("2026-11-26T00:00:00Z")))
        );
        assert_eq!(
            c.hours,
            vec![
                (t("2026-10-27T23:00:00Z"), t("2026-10-28T00:00:00Z")),
                (t("2026-11-26T00:00:00Z"), t("2026-11-26T22:00:00Z")),
            ]
        );
        assert_eq!(
            c.raw,
            vec![
                (t("2026-10-27T22:50:00Z"), t("2026-10-27T23:00:00Z")),
                (t("2026-11-26T22:00:00Z"), t("2026-11-26T22:51:14Z")),
            ]
        );
    }

    #[test]
    fn a_window_inside_one_hour_is_all_raw_and_aligned_windows_need_no_raw() {
        let c = Cover::of(&window("2026-11-26T10:05:00Z", "2026-11-26T10:55:00Z"));
        assert_eq!((c.days, c.hours.len(), c.raw.len()), (None, 0, 1));
        let c = Cover::of(&window("2026-11-26T10:00:00Z", "2026-11-26T13:00:00Z"));
        assert_eq!(
            (c.days, c.hours.clone(), c.raw.len()),
            (
                None,
                vec![(t("2026-11-26T10:00:00Z"), t("2026-11-26T13:00:00Z"))],
                0
            )
        );
        let c = Cover::of(&window("2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z"));
        assert_eq!(c.hours.len() + c.raw.len(), 0);
        assert_eq!(
            c.days,
            Some((t("2026-11-01T00:00:00Z"), t("2026-11-03T00:00:00Z")))
        );
    }
}
