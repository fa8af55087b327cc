-- A workflow's slowest and least reliable tasks in a window, exact over the window's rows (the
-- workflow's tasks, then each task's (task, start_time) index range): per task its executions,
-- completed runs, failures (failed and timed-out attempts, as the rankings' failure rate) and
-- the p50/p95 duration of completed runs. Only the first $4 tasks by p95 (slowest) and the
-- first $4 by failure rate (then failures, then key) are returned, each row with both ranks and
-- the number of tasks with executions in the window. $1 workflow id, $2 window start (NULL:
-- since the beginning), $3 window end (exclusive), $4 tasks per list.
WITH s AS (
    SELECT t.task_key,
           t.task_name,
           count(*) AS executions,
           count(*) FILTER (WHERE e.status = 'completed') AS completed,
           count(*) FILTER (WHERE e.status IN ('failed', 'timeout')) AS failures,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY e.duration_ms::float8)
               FILTER (WHERE e.status = 'completed') AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY e.duration_ms::float8)
               FILTER (WHERE e.status = 'completed') AS p95_ms
    FROM tasks t
    JOIN task_execution_history e ON e.task_id = t.id
    WHERE t.workflow_id = $1
      AND ($2::timestamptz IS NULL OR e.start_time >= $2)
      AND e.start_time < $3
    GROUP BY t.task_key, t.task_name
), r AS (
    SELECT s.*,
           count(*) OVER () AS total_tasks,
           row_number() OVER (ORDER BY p95_ms DESC NULLS LAST, task_key) AS slow_rank,
           row_number() OVER (ORDER BY failures::float8 / executions DESC, failures DESC, task_key)
               AS fail_rank
    FROM s
)
SELECT task_key, task_name, executions, completed, failures, p50_ms, p95_ms, total_tasks,
       slow_rank, fail_rank
FROM r
WHERE slow_rank <= $4 OR fail_rank <= $4
ORDER BY slow_rank
