-- Tasks with their execution counts, busiest first; $1 = case-insensitive substring of the
-- task key or name (NULL for all), $2 = row limit.
SELECT t.task_key,
       t.task_name,
       w.workflow_key,
       t.task_type,
       COALESCE(h.total, 0)  AS total_executions,
       COALESCE(h.failed, 0) AS failed_executions,
       h.last_run
FROM tasks t
JOIN workflows w ON w.id = t.workflow_id
LEFT JOIN LATERAL (
    SELECT COUNT(*) AS total,
           COUNT(*) FILTER (WHERE status IN ('failed', 'timeout')) AS failed,
           MAX(start_time) AS last_run
    FROM task_execution_history e
    WHERE e.task_id = t.id
) h ON TRUE
WHERE $1::text IS NULL
   OR t.task_key ILIKE '%' || $1 || '%'
   OR t.task_name ILIKE '%' || $1 || '%'
ORDER BY total_executions DESC, t.task_key
LIMIT $2
