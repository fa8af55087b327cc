-- What the simulator resamples (analytics::simulate::History): every execution of one
-- workflow in its latest $4 runs that started in the window, with the run's total in the window
-- on every row. $1 workflow id, $2 window start (NULL: since the beginning), $3 window end
-- (exclusive), $4 the most runs.
WITH runs AS (
    SELECT r.id, r.execution_key, count(*) OVER () AS runs_in_window
    FROM workflow_executions r
    WHERE r.workflow_id = $1
      AND r.start_time IS NOT NULL
      AND ($2::timestamptz IS NULL OR r.start_time >= $2)
      AND r.start_time < $3
    ORDER BY r.start_time DESC
    LIMIT $4
)
SELECT runs.execution_key AS run_key,
       runs.runs_in_window,
       t.task_key,
       e.instance_key,
       e.attempt_number,
       e.status,
       e.start_time,
       e.end_time,
       e.duration_ms,
       e.memory_peak_mb::float8 AS memory_peak_mb,
       e.cpu_allocated_cores,
       e.memory_allocated_mb,
       e.error_details ->> 'type' AS error_type,
       e.error_details ->> 'code' AS error_code
FROM runs
JOIN task_execution_history e ON e.workflow_execution_id = runs.id
JOIN tasks t ON t.id = e.task_id
ORDER BY runs.execution_key, t.task_key, e.instance_key, e.attempt_number, e.start_time
