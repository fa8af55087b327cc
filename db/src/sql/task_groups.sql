-- A workflow's executions in a window grouped by task type (types::TaskGroupStats): the
-- record's `taskGroup` attribute, else the task name. Exact, over the window's rows (the tasks
-- of the workflow, then each task's (task, start_time) index range). One row per group, the
-- first $4 by the order $5 names, each carrying the number of groups and the workflow's total
-- runtime. $1 workflow id, $2 window start (NULL: since the beginning), $3 window end
-- (exclusive), $4 limit, $5 sort (runtime, p95, mean, executions, failures).
WITH e AS (
    SELECT COALESCE(NULLIF(e.attributes ->> 'taskGroup', ''), e.task_name) AS grp,
           e.task_id, e.status, e.duration_ms::float8 AS d
    FROM tasks t
    JOIN task_execution_history e ON e.task_id = t.id
    WHERE t.workflow_id = $1
      AND ($2::timestamptz IS NULL OR e.start_time >= $2)
      AND e.start_time < $3
), g AS (
    SELECT grp,
           count(DISTINCT task_id) AS tasks,
           count(*) AS executions,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status IN ('failed', 'timeout')) AS failures,
           COALESCE(sum(d) FILTER (WHERE status <> 'skipped'), 0)::float8 AS total_runtime_ms,
           avg(d) FILTER (WHERE status = 'completed') AS mean_ms,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d)
               FILTER (WHERE status = 'completed') AS p50_ms,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY d)
               FILTER (WHERE status = 'completed') AS p95_ms,
           max(d) FILTER (WHERE status = 'completed') AS max_ms
    FROM e
    GROUP BY grp
)
SELECT grp AS "group", tasks, executions, completed, failures, total_runtime_ms,
       mean_ms, p50_ms, p95_ms, max_ms,
       count(*) OVER () AS total_groups,
       sum(total_runtime_ms) OVER () AS workflow_runtime_ms
FROM g
ORDER BY CASE $5
             WHEN 'p95' THEN p95_ms
             WHEN 'mean' THEN mean_ms
             WHEN 'executions' THEN executions::float8
             WHEN 'failures' THEN failures::float8
             ELSE total_runtime_ms
         END DESC NULLS LAST,
         grp
LIMIT $4
