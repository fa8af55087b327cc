-- Retry and recovery counts of one task over the whole window, set-based (what
-- analytics::failures::AttemptCount and Recovery hold), one row per attempt number:
--   records    executions with that attempt number that ran (skipped excluded),
--   completed  of those, completed; finished: completed, failed or timed out,
--   skipped    skipped executions with that attempt number,
--   logical    logical executions (workflow run, instance) whose highest attempt that ran is it,
--   succeeded  of those, the ones with a completed execution (any attempt),
-- and on every row the same recovery: failed or timed-out executions with an end followed by a
-- completed execution of the task and the same instance starting at or after that end and
-- before the window's end, and the sum of those gaps in ms. No executions: no rows (and
-- nothing to recover).
-- $1 task id, $2 window start (NULL: since the beginning), $3 window end (exclusive).
WITH w AS (
    SELECT e.workflow_execution_id AS run,
           e.instance_key,
           e.status,
           -- The attempt as the analytics read it (absent or negative: 1).
           CASE WHEN e.attempt_number IS NULL OR e.attempt_number < 0 THEN 1
                ELSE e.attempt_number END AS attempt,
           e.end_time
    FROM task_execution_history e
    WHERE e.task_id = $1
      AND ($2::timestamptz IS NULL OR e.start_time >= $2)
      AND e.start_time < $3
), per_attempt AS (
    SELECT attempt,
           count(*) FILTER (WHERE status <> 'skipped') AS records,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status IN ('completed', 'failed', 'timeout')) AS finished,
           count(*) FILTER (WHERE status = 'skipped') AS skipped
    FROM w
    GROUP BY attempt
), per_logical AS (
    SELECT top AS attempt, count(*) AS logical, count(*) FILTER (WHERE ok) AS succeeded
    FROM (SELECT max(attempt) AS top, bool_or(status = 'completed') AS ok
          FROM w WHERE status <> 'skipped' GROUP BY run, instance_key) l
    GROUP BY top
), recovery AS (
    -- Milliseconds as the analytics read times (floored), so both paths give the same gaps.
    SELECT count(*) AS recovered,
           coalesce(sum(floor(extract(epoch FROM n.start_time) * 1000)
                        - floor(extract(epoch FROM f.end_time) * 1000)), 0)::float8 AS total_ms
    FROM w f
    CROSS JOIN LATERAL (
        SELECT c.start_time
        FROM task_execution_history c
        WHERE c.task_id = $1
          AND c.instance_key = f.instance_key
          AND c.status = 'completed'
          -- At or after the end's millisecond, as the analytics compare millisecond times.
          AND c.start_time >= date_trunc('milliseconds', f.end_time)
          AND c.start_time < $3
        ORDER BY c.start_time
        LIMIT 1
    ) n
    WHERE f.status IN ('failed', 'timeout') AND f.end_time IS NOT NULL
)
SELECT a.attempt,
       a.records,
       a.completed,
       a.finished,
       a.skipped,
       coalesce(l.logical, 0) AS logical,
       coalesce(l.succeeded, 0) AS succeeded,
       r.recovered,
       r.total_ms
FROM per_attempt a
LEFT JOIN per_logical l ON l.attempt = a.attempt
CROSS JOIN recovery r
ORDER BY a.attempt
