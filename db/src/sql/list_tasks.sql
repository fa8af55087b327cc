-- Tasks with their execution counts, one keyset page. $1 = case-insensitive substring of the
-- task key or name (LIKE-escaped; NULL for all), $2 = workflow key (NULL for all), $3 = order
-- ('key': by key; 'busiest': most executions first, then by key), $4/$5 = the previous page's
-- last key and execution count (NULL on the first page), $6 = row limit.
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
WHERE ($1::text IS NULL OR t.task_key ILIKE '%' || $1 || '%' OR t.task_name ILIKE '%' || $1 || '%')
  AND ($2::text IS NULL OR w.workflow_key = $2)
  AND ($4::text IS NULL
       OR ($3 = 'key' AND t.task_key > $4)
       OR ($3 = 'busiest' AND (COALESCE(h.total, 0) < $5
                               OR (COALESCE(h.total, 0) = $5 AND t.task_key > $4))))
ORDER BY CASE WHEN $3 = 'busiest' THEN -COALESCE(h.total, 0) ELSE 0 END, t.task_key
LIMIT $6
