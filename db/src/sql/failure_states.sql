-- What the failure analysis of one task reads beyond its error signatures, over the whole window
-- and bounded by the task's failures rather than its history (analytics::failures::FailureEvidence):
--   'own'   the task's failed, timed-out and skipped executions starting in the window;
--   'state' in the workflow runs of those, the final execution (highest attempt, then latest
--           start) of each logical execution (task and instance) if it failed, timed out or was
--           skipped: the task's own finals among its executions in the window, the other tasks'
--           whatever their start (a run may begin before the window). A final that completed
--           neither spreads a failure nor passes blame, so it is left out; the analytics take a
--           task's state in a run from its instances' finals.
-- $1 task id, $2 window start (NULL: since the beginning), $3 window end (exclusive).
-- Plan: the (task_id, start_time) index finds the runs, the (workflow_execution_id) index their
-- executions, read once for both roles.
WITH runs AS (
    SELECT DISTINCT f.workflow_execution_id AS id
    FROM task_execution_history f
    WHERE f.task_id = $1
      AND f.status IN ('failed', 'timeout', 'skipped')
      AND ($2::timestamptz IS NULL OR f.start_time >= $2)
      AND f.start_time < $3
), recs AS (
    SELECT e.task_id, e.execution_key, r.execution_key AS run_key, e.workflow_execution_id,
           e.instance_key, e.status, e.attempt_number, e.start_time, e.end_time, e.duration_ms,
           e.error_details->>'type' AS error_type
    FROM runs
    JOIN workflow_executions r ON r.id = runs.id
    JOIN task_execution_history e ON e.workflow_execution_id = runs.id
    WHERE e.task_id <> $1
       OR (($2::timestamptz IS NULL OR e.start_time >= $2) AND e.start_time < $3)
), finals AS (
    SELECT DISTINCT ON (workflow_execution_id, task_id, instance_key) *
    FROM recs
    -- The attempt as the analytics read it (absent or negative: 1).
    ORDER BY workflow_execution_id, task_id, instance_key,
             CASE WHEN attempt_number IS NULL OR attempt_number < 0 THEN 1
                  ELSE attempt_number END DESC,
             start_time DESC, execution_key
), picked AS (
    SELECT 'own' AS role, * FROM recs
    WHERE task_id = $1 AND status IN ('failed', 'timeout', 'skipped')
    UNION ALL
    SELECT 'state' AS role, * FROM finals WHERE status IN ('failed', 'timeout', 'skipped')
)
SELECT p.role,
       t.task_key,
       p.execution_key,
       p.run_key,
       p.instance_key,
       p.status,
       p.attempt_number,
       p.start_time,
       p.end_time,
       p.duration_ms,
       p.error_type
FROM picked p
JOIN tasks t ON t.id = p.task_id
