-- Per-task totals of a window from rollups (whole days, whole edge hours) and the raw rows of
-- the partial edge hours (see rollups::Cover), for rankings. Cost inputs as the rollups sum
-- them; p95_upper is the largest part's bound of the p95 of completed runs (a single completed
-- run bounds itself; see completed_p95_hi in migrations/*_completed_durations.sql).
-- $1/$2 day range, $3/$4 and $5/$6 hour ranges, $7/$8 and $9/$10 raw ranges.
WITH parts AS (
    SELECT task_id, executions, failed + timeout AS failures, dur_sum, core_hours, gb_hours,
           completed_p95_hi AS p95_hi
    FROM task_rollups_daily WHERE bucket >= $1 AND bucket < $2
    UNION ALL
    SELECT task_id, executions, failed + timeout, dur_sum, core_hours, gb_hours, completed_p95_hi
    FROM task_rollups_hourly
    WHERE (bucket >= $3 AND bucket < $4) OR (bucket >= $5 AND bucket < $6)
    UNION ALL
    SELECT task_id, 1, (status IN ('failed', 'timeout'))::int,
           COALESCE(CASE WHEN status <> 'skipped' THEN duration_ms END, 0)::float8,
           COALESCE(duration_ms / 3600000.0 * COALESCE(
               cpu_allocated_cores, cpu_time_ms::float8 / NULLIF(duration_ms, 0), 1.0), 0)::float8,
           COALESCE(duration_ms / 3600000.0 * COALESCE(
               memory_allocated_mb, memory_peak_mb::float8, 0) / 1024.0, 0)::float8,
           CASE WHEN status = 'completed' THEN duration_ms::float8 END
    FROM task_execution_history
    WHERE (start_time >= $7 AND start_time < $8) OR (start_time >= $9 AND start_time < $10)
)
SELECT t.id AS task_id, t.task_key, t.task_name, w.workflow_key,
       sum(p.executions)::int8 AS executions,
       sum(p.failures)::int8 AS failures,
       sum(p.dur_sum)::float8 AS busy_ms,
       sum(p.core_hours)::float8 AS core_hours,
       sum(p.gb_hours)::float8 AS gb_hours,
       max(p.p95_hi) AS p95_upper
FROM parts p
JOIN tasks t ON t.id = p.task_id
JOIN workflows w ON w.id = t.workflow_id
GROUP BY t.id, t.task_key, t.task_name, w.workflow_key
