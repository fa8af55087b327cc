-- Keeps task_failures.retry_attempted / retry_successful current for the logical executions
-- (run, task, instance) of the staged batch, after its executions and failure rows are written:
-- a failure's execution was retried when a later attempt (higher attempt number, not skipped)
-- of the same logical execution is stored, and the retry succeeded when one of those completed
-- (NULL when not retried). So attempt 2 arriving in a later batch updates attempt 1's row.
-- The same rule as the backfill in migrations/20261204000007_logical_executions.sql.
WITH touched AS (
    SELECT DISTINCT workflow_execution_id, task_id, instance_key FROM ingest_stage
), flags AS (
    SELECT f.id,
           l.later > 0 AS attempted,
           CASE WHEN l.later > 0 THEN l.completed > 0 END AS successful
    FROM touched t
    JOIN task_execution_history h
      ON h.workflow_execution_id = t.workflow_execution_id
     AND h.task_id = t.task_id
     AND h.instance_key = t.instance_key
    JOIN task_failures f ON f.task_execution_id = h.id
    CROSS JOIN LATERAL (
        SELECT count(*) AS later, count(*) FILTER (WHERE n.status = 'completed') AS completed
        FROM task_execution_history n
        WHERE n.workflow_execution_id = h.workflow_execution_id
          AND n.task_id = h.task_id
          AND n.instance_key = h.instance_key
          AND coalesce(n.attempt_number, 1) > coalesce(h.attempt_number, 1)
          AND n.status <> 'skipped'
    ) l
)
UPDATE task_failures f
SET retry_attempted = flags.attempted, retry_successful = flags.successful
FROM flags
WHERE f.id = flags.id
  AND (f.retry_attempted, f.retry_successful) IS DISTINCT FROM (flags.attempted, flags.successful)
