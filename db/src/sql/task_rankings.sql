-- Per-task aggregates over a window from raw rows (the rollups' baseline, see
-- rollups::task_totals). Cost inputs are core-hours (allocated
-- cores, else used cores, else 1) and GB-hours (allocated memory, else the peak); prices are
-- applied by the analytics cost model.
-- $1 window start (NULL: all), $2 window end.
SELECT t.id AS task_id,
       t.task_key,
       t.task_name,
       w.workflow_key,
       COUNT(*) AS executions,
       COUNT(*) FILTER (WHERE e.status IN ('failed', 'timeout')) AS failures,
       -- The p95 of completed runs, as the headline statistics (analytics::statistics).
       percentile_cont(0.95) WITHIN GROUP (ORDER BY e.duration_ms)
           FILTER (WHERE e.status = 'completed') AS p95_upper,
       COALESCE(SUM(e.duration_ms) FILTER (WHERE e.status <> 'skipped'), 0)::float8 AS busy_ms,
       COALESCE(SUM(e.duration_ms / 3600000.0 * COALESCE(
           e.cpu_allocated_cores,
           e.cpu_time_ms::float8 / NULLIF(e.duration_ms, 0),
           1.0)), 0)::float8 AS core_hours,
       COALESCE(SUM(e.duration_ms / 3600000.0 * COALESCE(
           e.memory_allocated_mb, e.memory_peak_mb::float8, 0) / 1024.0), 0)::float8 AS gb_hours
FROM task_execution_history e
JOIN tasks t ON t.id = e.task_id
JOIN workflows w ON w.id = t.workflow_id
WHERE ($1::timestamptz IS NULL OR e.start_time >= $1)
  AND e.start_time < $2
GROUP BY t.id, t.task_key, t.task_name, w.workflow_key
