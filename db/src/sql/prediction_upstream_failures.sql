-- Failed or timed-out attempts of a task's upstream tasks in the same workflow run, for each of
-- the task's latest $3 executions that started before $2 (the failure model's "upstream
-- failures in the run"). Executions without any are left out (0).
-- $1 task id, $2 before (exclusive), $3 limit.
WITH mine AS (
    SELECT e.execution_key, e.workflow_execution_id
    FROM task_execution_history e
    WHERE e.task_id = $1 AND e.start_time < $2
    ORDER BY e.start_time DESC
    LIMIT $3
)
SELECT m.execution_key, count(*) AS failures
FROM mine m
JOIN task_dependencies d ON d.dependent_task_id = $1
JOIN task_execution_history u
  ON u.workflow_execution_id = m.workflow_execution_id
 AND u.task_id = d.task_id
 AND u.status IN ('failed', 'timeout')
GROUP BY m.execution_key
