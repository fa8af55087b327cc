-- What the failure analysis of one task reads beyond its error signatures, over the whole window
-- and bounded by the task's failures rather than its history (analytics::failures::FailureEvidence):
--   'own'   the task's failed, timed-out and skipped executions starting in the window;
--   'state' in the workflow runs of those, each task's final execution (highest attempt, then
--           latest start) if it failed, timed out or was skipped: the task's own final among its
--           executions in the window, the other tasks' whatever their start (a run may begin
--           before the window). A final that completed neither spreads a failure nor passes
--           blame, so it is left out.
-- $1 task id, $2 window start (NULL: since the beginning), $3 window end (exclusive).
-- Plan: the (task_id, start_time) index finds the task's executions of the window, the
-- (workflow_execution_id) index the executions of each of their runs.
WITH own AS (
    SELECT e.task_id, e.execution_key, e.workflow_execution_id, e.status, e.attempt_number,
           e.start_time, e.end_time, e.duration_ms, e.error_details->>'type' AS error_type
    FROM task_execution_history e
    WHERE e.task_id = $1
      AND e.status IN ('failed', 'timeout', 'skipped')
      AND ($2::timestamptz IS NULL OR e.start_time >= $2)
      AND e.start_time < $3
), finals AS (
    SELECT DISTINCT ON (e.workflow_execution_id, e.task_id)
           e.task_id, e.execution_key, e.workflow_execution_id, e.status, e.attempt_number,
           e.start_time, e.end_time, e.duration_ms, e.error_details->>'type' AS error_type
    FROM task_execution_history e
    WHERE e.workflow_execution_id IN (SELECT workflow_execution_id FROM own)
      AND (e.task_id <> $1
           OR (($2::timestamptz IS NULL OR e.start_time >= $2) AND e.start_time < $3))
    -- The attempt as the analytics read it (absent or negative: 1).
    ORDER BY e.workflow_execution_id, e.task_id,
             CASE WHEN e.attempt_number IS NULL OR e.attempt_number < 0 THEN 1
                  ELSE e.attempt_number END DESC,
             e.start_time DESC, e.execution_key
), picked AS (
    SELECT 'own' AS role, * FROM own
    UNION ALL
    SELECT 'state' AS role, * FROM finals WHERE status IN ('failed', 'timeout', 'skipped')
)
SELECT p.role,
       t.task_key,
       p.execution_key,
       we.execution_key AS run_key,
       p.status,
       p.attempt_number,
       p.start_time,
       p.end_time,
       p.duration_ms,
       p.error_type
FROM picked p
JOIN tasks t ON t.id = p.task_id
JOIN workflow_executions we ON we.id = p.workflow_execution_id
