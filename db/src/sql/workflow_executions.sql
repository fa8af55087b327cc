-- Every execution of every task of one workflow in a window as context records (ids, status,
-- times, error type), oldest first, limited to the workflow's latest $4 runs that started in
-- the window.
-- $1 workflow id, $2 window start (NULL: since the beginning), $3 window end (exclusive).
SELECT t.task_key,
       e.execution_key,
       we.execution_key AS run_key,
       e.instance_key,
       e.status,
       e.attempt_number,
       e.start_time,
       e.end_time,
       e.duration_ms,
       e.error_details->>'type' AS error_type
FROM task_execution_history e
JOIN tasks t ON t.id = e.task_id
JOIN workflow_executions we ON we.id = e.workflow_execution_id
WHERE t.workflow_id = $1
  AND ($2::timestamptz IS NULL OR e.start_time >= $2)
  AND e.start_time < $3
  AND e.workflow_execution_id IN (
      SELECT r.id FROM workflow_executions r
      WHERE r.workflow_id = $1
        AND (r.start_time IS NULL
             OR (($2::timestamptz IS NULL OR r.start_time >= $2) AND r.start_time < $3))
      ORDER BY r.start_time DESC NULLS LAST
      LIMIT $4)
ORDER BY e.start_time, e.id
