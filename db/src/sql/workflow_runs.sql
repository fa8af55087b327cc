-- A workflow's runs that started in the window, the latest $4 of them, oldest first, with the
-- number of runs in the window on every row. Per run: its makespan (first start to last end of
-- its executions; NULL while one still runs) and its logical executions (run, task, instance)
-- by how their last attempt (highest attempt number, then latest start) ended. Exact, over the
-- runs' own rows (workflow_executions by (workflow, start), then each run's executions by the
-- logical-execution index). $1 workflow id, $2 window start (NULL: since the beginning), $3
-- window end (exclusive), $4 the most runs.
WITH runs AS (
    SELECT r.id, r.execution_key, r.start_time, count(*) OVER () AS runs_in_window
    FROM workflow_executions r
    WHERE r.workflow_id = $1
      AND r.start_time IS NOT NULL
      AND ($2::timestamptz IS NULL OR r.start_time >= $2)
      AND r.start_time < $3
    ORDER BY r.start_time DESC, r.execution_key
    LIMIT $4
), e AS (
    SELECT e.workflow_execution_id AS run_id, e.task_id, e.instance_key, e.attempt_number,
           e.status, e.start_time, e.end_time
    FROM runs
    JOIN task_execution_history e ON e.workflow_execution_id = runs.id
), last AS (
    SELECT DISTINCT ON (run_id, task_id, instance_key) run_id, status
    FROM e
    ORDER BY run_id, task_id, instance_key, coalesce(attempt_number, 1) DESC, start_time DESC
), spans AS (
    SELECT run_id,
           min(start_time) AS first_start,
           max(end_time) AS last_end,
           bool_or(status = 'running' OR end_time IS NULL) AS running
    FROM e
    GROUP BY run_id
), ends AS (
    SELECT run_id,
           count(*) AS logical,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status IN ('failed', 'timeout', 'cancelled')) AS failed
    FROM last
    GROUP BY run_id
)
SELECT runs.execution_key AS run_key,
       runs.start_time,
       runs.runs_in_window,
       CASE WHEN spans.running THEN NULL
            ELSE (extract(epoch FROM spans.last_end - spans.first_start) * 1000)::float8
       END AS makespan_ms,
       coalesce(spans.running, false) AS running,
       coalesce(ends.logical, 0) AS logical,
       coalesce(ends.completed, 0) AS completed,
       coalesce(ends.failed, 0) AS failed
FROM runs
LEFT JOIN spans ON spans.run_id = runs.id
LEFT JOIN ends ON ends.run_id = runs.id
ORDER BY runs.start_time, runs.execution_key
