-- The latest executions of each of several tasks in a window (at most $4 per task, newest
-- first), with the columns the comparison's tests read: one index range scan of
-- (task_id, start_time DESC) per task. $1 task ids, $2 window start (NULL: since the
-- beginning), $3 window end (exclusive), $4 the cap.
SELECT t.task_id, e.status, e.attempt_number, e.start_time, e.duration_ms, e.cpu_time_ms,
       e.memory_peak_mb, e.cpu_allocated_cores, e.memory_allocated_mb
FROM unnest($1::uuid[]) AS t(task_id)
CROSS JOIN LATERAL (
    SELECT x.status, x.attempt_number, x.start_time, x.duration_ms, x.cpu_time_ms,
           x.memory_peak_mb, x.cpu_allocated_cores, x.memory_allocated_mb
    FROM task_execution_history x
    WHERE x.task_id = t.task_id
      AND ($2::timestamptz IS NULL OR x.start_time >= $2)
      AND x.start_time < $3
    ORDER BY x.start_time DESC
    LIMIT $4
) e
